from freezegun import freeze_time

from odoo.tests import tagged

from .common import CrmErpBridgeCommon


@tagged("post_install", "-at_install")
class TestDocumentFlow(CrmErpBridgeCommon):
    """Accountant scenarios: each checks the documents of the flow and the
    figures an accountant computes by hand, to the cent."""

    def test_down_payment_final_invoice_recreated(self):
        # 10 days at 100.00 + 15% tax = 1,150.00. The down payment of
        # 230.00 is 20% of it: 200.00 + 30.00 tax.
        lead = self.create_opportunity(revenue=800.0)
        order = self.create_order([(self.service, 10, 100.0)], lead=lead)
        down_payment = self.invoice_order(order, method="fixed", fixed_amount=230.0)
        self.assertEqual(down_payment.amount_total, 230.0)

        # The final invoice deducts the down payment: 1,150 - 230 = 920.
        # It is reset to draft, cancelled, then invoiced again.
        wrong_final = self.invoice_order(order)
        self.assertEqual(wrong_final.amount_total, 920.0)
        wrong_final.button_draft()
        wrong_final.button_cancel()
        final = self.invoice_order(order)
        self.assertEqual(final.amount_total, 920.0)

        self.assertEqual(
            self.flow_of(order),
            [
                ("order", order.name, "sale", 1150.0),
                ("down_payment", down_payment.name, "posted", 230.0),
                ("invoice", wrong_final.name, "cancel", 920.0),
                ("invoice", final.name, "posted", 920.0),
            ],
        )
        self.assertEqual(
            self.figures_of(order),
            {"ordered": 1150.0, "delivered": 0.0, "invoiced": 1150.0, "paid": 0.0, "open": 1150.0},
        )
        report = self.env["crm.quote.to.cash.report"].browse(order.id)
        self.assertEqual(report.amount_down_payment, 230.0)
        self.assertEqual(report.amount_down_payment_open, 0.0, "the final invoice deducts it")
        self.assertFalse(report.has_mismatch)
        self.assertEqual(lead.expected_revenue, 1000.0, "follows the untaxed order total")

    def test_credited_invoice_then_reinvoiced(self):
        # 4 days at 250.00 + 15% = 1,150.00, credited in full, invoiced again
        # and paid.
        order = self.create_order([(self.service, 4, 250.0)])
        first = self.invoice_order(order)
        credit_note = self.refund_invoice(first)
        self.assertEqual(order.order_line.qty_invoiced, 0.0)
        second = self.invoice_order(order)
        payment = self.pay_invoice(second)

        flow = self.flow_of(order)
        self.assertEqual(
            flow,
            [
                ("order", order.name, "sale", 1150.0),
                ("invoice", first.name, "posted", 1150.0),
                ("invoice", second.name, "posted", 1150.0),
                ("credit_note", credit_note.name, "posted", -1150.0),
                ("payment", payment.name, payment.state, 1150.0),
            ],
        )
        self.assertEqual(
            self.figures_of(order),
            {"ordered": 1150.0, "delivered": 0.0, "invoiced": 1150.0, "paid": 1150.0, "open": 0.0},
        )
        report = self.env["crm.quote.to.cash.report"].browse(order.id)
        self.assertFalse(report.is_credit_not_reissued, "the credit note was reissued")

    def test_down_payment_tax_rounding_cent(self):
        # 1 x 10.30 + 15% = 11.85 on the order (1.545 rounds up to 1.55).
        # With global tax rounding, a 50% down payment of 5.15 has a tax of
        # 0.7725 -> 0.77, and so has the rest: 5.92 + 5.92 = 11.84.
        self.env.company.tax_calculation_rounding_method = "round_globally"
        order = self.create_order([(self.service, 1, 10.30)])
        self.assertEqual(order.amount_total, 11.85)
        down_payment = self.invoice_order(order, method="percentage", amount=50)
        final = self.invoice_order(order)
        self.assertEqual(
            (down_payment.amount_total, final.amount_total), (5.92, 5.92)
        )

        figures = self.figures_of(order)
        self.assertEqual(figures["ordered"], 11.85)
        self.assertEqual(figures["invoiced"], 11.84)
        report = self.env["crm.quote.to.cash.report"].browse(order.id)
        self.assertTrue(report.is_down_payment_rounding)
        self.assertFalse(report.is_credit_not_reissued)
        self.assertEqual(report.mismatch_reason, "Rounding from a down payment: -0.01")

    def test_credit_note_back_to_zero(self):
        # 5 racks at 100.00 + 15% = 575.00, delivered, invoiced, then fully
        # credited: nothing invoiced for goods the customer has.
        order = self.create_order([(self.goods, 5, 100.0)])
        picking = order.picking_ids
        self.deliver(picking, {self.goods: 5})
        invoice = self.invoice_order(order)
        credit_note = self.refund_invoice(invoice)
        self.assertEqual(order.order_line.qty_invoiced, 0.0)

        self.assertEqual(
            self.flow_of(order),
            [
                ("order", order.name, "sale", 575.0),
                ("delivery", picking.name, "done", 575.0),
                ("invoice", invoice.name, "posted", 575.0),
                ("credit_note", credit_note.name, "posted", -575.0),
            ],
        )
        self.assertEqual(
            self.figures_of(order),
            {"ordered": 575.0, "delivered": 575.0, "invoiced": 0.0, "paid": 0.0, "open": 0.0},
        )
        report = self.env["crm.quote.to.cash.report"].browse(order.id)
        self.assertTrue(report.is_delivered_not_invoiced)
        self.assertTrue(report.is_credit_not_reissued)
        self.assertEqual(
            report.mismatch_reason, "Delivered not invoiced; Credit note not reissued"
        )
        self.assertTrue(order.crm_has_mismatch)

    def test_foreign_currency_order_and_invoice(self):
        # The company works in USD. 1 USD is 2 EUR on the order date and
        # 2.5 EUR on the invoice date. 2 days at 500 EUR + 15% = 1,150 EUR:
        # 575 USD when ordered, 460 USD when invoiced.
        eur = self.setup_other_currency(
            "EUR", rates=[(self.days_ago(30), 2.0), (self.days_ago(5), 2.5)]
        )
        with freeze_time(self.days_ago(20)):
            order = self.create_order([(self.service, 2, 500.0)], currency=eur)
        invoice = self.invoice_order(order, invoice_date=self.days_ago(5))
        self.assertEqual(invoice.currency_id, eur)
        self.assertEqual(invoice.amount_total_signed, 460.0)

        self.assertEqual(
            self._flow_with_company(order),
            [("order", 1150.0, 575.0), ("invoice", 1150.0, 460.0)],
        )
        report = self.env["crm.quote.to.cash.report"].browse(order.id)
        self.assertEqual(report.currency_id, eur, "figures stay in the order's currency")
        self.assertEqual(
            self.figures_of(order),
            {"ordered": 1150.0, "delivered": 0.0, "invoiced": 1150.0, "paid": 0.0, "open": 1150.0},
        )
        self.assertEqual(report.amount_ordered_company, 575.0)
        self.assertEqual(report.amount_invoiced_company, 460.0)
        self.assertEqual(report.amount_open_company, 460.0)
        self.assertTrue(report.is_foreign_currency)

    def test_partial_delivery_and_return(self):
        # 10 racks at 100.00 + 15% = 1,150.00. 6 leave, 2 come back, the 4
        # kept are invoiced: 4 x 115.00 = 460.00.
        order = self.create_order([(self.goods, 10, 100.0)])
        delivery = order.picking_ids
        self.deliver(delivery, {self.goods: 6})
        backorder = order.picking_ids - delivery
        returned = self.return_picking(delivery, {self.goods: 2})
        self.assertEqual(order.order_line.qty_delivered, 4.0)
        invoice = self.invoice_order(order)

        flow = self.flow_of(order)
        self.assertEqual(
            flow,
            [
                ("order", order.name, "sale", 1150.0),
                ("delivery", delivery.name, "done", 690.0),
                ("delivery", backorder.name, backorder.state, 460.0),
                ("return", returned.name, "done", -230.0),
                ("invoice", invoice.name, "posted", 460.0),
            ],
        )
        statuses = self.env["crm.document.flow"].search(
            [("order_id", "=", order.id), ("res_model", "=", "stock.picking")]
        ).mapped("delivery_status")
        self.assertEqual(statuses, ["partial", False, "returned"])
        self.assertEqual(
            self.figures_of(order),
            {"ordered": 1150.0, "delivered": 460.0, "invoiced": 460.0, "paid": 0.0, "open": 460.0},
        )
        self.assertFalse(
            self.env["crm.quote.to.cash.report"].browse(order.id).has_mismatch
        )

    def test_payment_in_other_currency(self):
        # 1,150.00 USD invoiced, paid with 2,300 EUR at 2 EUR per USD.
        eur = self.setup_other_currency("EUR", rates=[(self.days_ago(30), 2.0)])
        order = self.create_order([(self.service, 10, 100.0)])
        invoice = self.invoice_order(order)
        payment = self.pay_invoice(invoice, amount=2300.0, currency=eur)
        self.assertEqual(invoice.amount_residual, 0.0)

        lines = self.env["crm.document.flow"].search(
            [("order_id", "=", order.id), ("document_kind", "=", "payment")]
        )
        self.assertEqual(lines.res_id, payment.id)
        self.assertEqual((lines.amount, lines.currency_id), (2300.0, eur))
        self.assertEqual(lines.amount_company, 1150.0)
        self.assertEqual(lines.payment_state, "reconciled")
        self.assertEqual(
            self.figures_of(order),
            {"ordered": 1150.0, "delivered": 0.0, "invoiced": 1150.0, "paid": 1150.0, "open": 0.0},
        )
        self.assertEqual(payment.crm_lead_id, order.opportunity_id)

    def _flow_with_company(self, order):
        self.env.flush_all()
        self.env.invalidate_all()
        lines = self.env["crm.document.flow"].search([("order_id", "=", order.id)])
        return [(line.document_kind, line.amount, line.amount_company) for line in lines]
