from odoo.tests import Form, tagged

from .common import CrmErpBridgeCommon


@tagged("post_install", "-at_install")
class TestPipelineSales(CrmErpBridgeCommon):
    """Quotes from the opportunity, revenue that follows the order, won
    deals without an order, revisions and the customer timeline."""

    def test_quote_from_opportunity_shows_stock(self):
        lead = self.create_opportunity(revenue=5000.0)
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        self.env["stock.quant"]._update_available_quantity(
            self.goods, warehouse.lot_stock_id, 3.0
        )
        action = lead.action_sale_quotations_new()
        with Form(
            self.env["sale.order"].with_context(**action["context"])
        ) as quotation_form:
            with quotation_form.order_line.new() as line:
                line.product_id = self.goods
                line.product_uom_qty = 2
        quotation = quotation_form.save()
        self.assertEqual(quotation.opportunity_id, lead)
        self.assertEqual(quotation.crm_availability, "available")
        self.assertTrue(quotation.expected_date)

        quotation.order_line.product_uom_qty = 5
        self.assertEqual(quotation.crm_availability, "partial", "3 of 5 in stock")

        # Confirming sets the expected revenue to the untaxed order total.
        quotation.action_confirm()
        self.assertEqual(lead.expected_revenue, 500.0)
        self.assertEqual(lead.order_ids, quotation)

    def test_won_without_order_flagged(self):
        with_order = self.create_opportunity(name="Deal with order")
        self.create_order([(self.service, 1, 100.0)], lead=with_order)
        without_order = self.create_opportunity(name="Deal without order")
        (with_order | without_order).action_set_won()

        self.assertFalse(with_order.crm_won_without_order)
        self.assertTrue(without_order.crm_won_without_order)
        flagged = self.env["crm.lead"].search(
            [
                ("crm_won_without_order", "=", True),
                ("id", "in", (with_order | without_order).ids),
            ]
        )
        self.assertEqual(flagged, without_order)

    def test_quotation_revision(self):
        lead = self.create_opportunity()
        first = self.create_order([(self.service, 3, 100.0)], lead=lead, confirm=False)
        action = first.action_crm_new_revision()
        second = self.env["sale.order"].browse(action["res_id"])
        third = self.env["sale.order"].browse(second.action_crm_new_revision()["res_id"])

        self.assertEqual((first.state, second.state, third.state), ("cancel", "cancel", "draft"))
        self.assertEqual((second.crm_revision, third.crm_revision), (1, 2))
        self.assertEqual(third.crm_revision_of_id, first)
        self.assertEqual(
            [
                (line.document_kind, line.res_id, line.revision)
                for line in self.env["crm.document.flow"].search(
                    [("lead_id", "=", lead.id)], order="revision"
                )
            ],
            [("quotation", first.id, 0), ("quotation", second.id, 1), ("quotation", third.id, 2)],
        )

    def test_flow_actions_from_each_document(self):
        lead = self.create_opportunity()
        order = self.create_order([(self.service, 1, 100.0)], lead=lead)
        invoice = self.invoice_order(order)
        payment = self.pay_invoice(invoice)
        self.assertEqual(invoice.crm_lead_id, lead)
        self.assertEqual(payment.crm_lead_id, lead)

        for record in (lead, order, invoice, payment, self.customer):
            action = record.action_view_crm_document_flow()
            lines = self.env["crm.document.flow"].search(action["domain"])
            self.assertEqual(
                lines.mapped("document_kind"),
                ["order", "invoice", "payment"],
                f"flow opened from {record._name}",
            )
        payment_line = lines.filtered(lambda line: line.document_kind == "payment")
        jump = payment_line.action_open_document()
        self.assertEqual((jump["res_model"], jump["res_id"]), ("account.payment", payment.id))

    def test_timeline_and_revenue(self):
        lead = self.create_opportunity()
        order = self.create_order([(self.service, 10, 100.0)], lead=lead)
        invoice = self.invoice_order(order)
        credit_note = self.refund_invoice(invoice)
        self.invoice_order(order)
        self.env.flush_all()

        interactions = self.env["crm.interaction"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(
            sorted(interactions.mapped("interaction_type")),
            ["credit_note", "invoice", "invoice", "sale_order"],
        )
        self.assertEqual(
            interactions.filtered(lambda i: i.interaction_type == "credit_note").lead_id,
            lead,
        )
        self.assertEqual(credit_note.crm_lead_id, lead)
        # Revenue: 1,000 invoiced, 1,000 credited, 1,000 invoiced again.
        revenue = self.env["res.partner"]._crm_get_revenue_by_partner([self.customer.id])
        self.assertEqual(revenue, {self.customer.id: 1000.0})
