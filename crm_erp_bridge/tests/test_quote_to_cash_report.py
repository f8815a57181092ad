from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CrmErpBridgeCommon


@tagged("post_install", "-at_install")
class TestQuoteToCashReport(CrmErpBridgeCommon):
    """Accountant filters, the PDF, and a query count that does not grow
    with the number of orders."""

    def _report(self, domain):
        self.env.flush_all()
        return self.env["crm.quote.to.cash.report"].with_user(self.accountant).search(domain)

    def test_accountant_filters(self):
        # Won and half invoiced: 2 of 4 days invoiced, 40 days ago, unpaid.
        self.customer.property_payment_term_id = self.pay_terms_a  # immediate
        lead = self.create_opportunity()
        lead.stage_id = self.stage_won
        half = self.create_order([(self.service, 4, 100.0)], lead=lead)
        invoice = self.invoice_order(
            half, post=False, invoice_date=self.days_ago(40)
        )
        invoice.invoice_line_ids.quantity = 2
        invoice.action_post()
        # Delivered, not invoiced yet.
        delivered = self.create_order([(self.goods, 3, 100.0)])
        self.deliver(delivered.picking_ids, {self.goods: 3})
        # Fully invoiced and paid today.
        paid = self.create_order([(self.service, 1, 100.0)])
        self.pay_invoice(self.invoice_order(paid))

        orders = half | delivered | paid
        scope = [("order_id", "in", orders.ids)]
        won_not_invoiced = self._report(scope + [("is_won_not_invoiced", "=", True)])
        self.assertEqual(won_not_invoiced.order_id, half | delivered)
        unpaid_30 = self._report(scope + [("days_unpaid", ">", 30)])
        self.assertEqual(unpaid_30.order_id, half)
        self.assertEqual(unpaid_30.days_unpaid, 40)
        self.assertEqual(unpaid_30.amount_invoiced, 230.0)
        self.assertEqual(unpaid_30.amount_overdue, 230.0, "immediate payment term")
        not_invoiced = self._report(scope + [("is_delivered_not_invoiced", "=", True)])
        self.assertEqual(not_invoiced.order_id, delivered)
        self.assertEqual(not_invoiced.amount_delivered, 345.0)
        self.assertEqual(not_invoiced.mismatch_reason, "Delivered not invoiced")

        # Lead and opportunity figures, in the company currency.
        self.assertEqual(lead.crm_amount_ordered, 460.0)
        self.assertEqual(lead.crm_amount_invoiced, 230.0)
        self.assertEqual(lead.crm_amount_open, 230.0)
        self.assertEqual(lead.crm_partner_overdue, 230.0)
        self.assertEqual(lead.crm_partner_receivable, 230.0 + 0.0)
        self.assertEqual(self.customer.crm_overdue_amount, 230.0)

        # Pivot totals per salesperson add company-currency amounts.
        groups = self.env["crm.quote.to.cash.report"].with_user(self.accountant)._read_group(
            scope, ["user_id"], ["amount_ordered_company:sum", "amount_paid_company:sum"]
        )
        self.assertEqual(groups, [(self.salesman, 460.0 + 345.0 + 115.0, 115.0)])

    def test_pdf_per_period_and_salesperson(self):
        order = self.create_order([(self.service, 2, 100.0)])
        self.invoice_order(order)
        wizard = self.env["crm.quote.to.cash.print"].with_user(self.accountant).create(
            {
                "date_from": self.days_ago(1),
                "date_to": self.today,
                "user_ids": [Command.set(self.salesman.ids)],
            }
        )
        action = wizard.action_print()
        self.assertEqual(action["report_name"], "crm_erp_bridge.report_quote_to_cash")
        lines = self.env["crm.quote.to.cash.report"].browse(action["context"]["active_ids"])
        self.assertIn(order, lines.order_id)
        html, _report_type = self.env["ir.actions.report"]._render_qweb_html(
            "crm_erp_bridge.report_quote_to_cash", lines.ids, data=action["data"]
        )
        html = html.decode()
        self.assertIn(order.name, html)
        self.assertIn("Sven Salesman", html)
        self.assertIn("230.00", html)

        wizard.user_ids = self.other_salesman
        with self.assertRaisesRegex(UserError, "No confirmed order"):
            wizard.action_print()
        wizard.date_from = self.today.replace(year=self.today.year + 1)
        with self.assertRaisesRegex(UserError, "after its end"):
            wizard.action_print()

    def _create_invoiced_orders(self, count, post=True):
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": self.customer.id,
                    "user_id": self.salesman.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.service.id,
                                "product_uom_qty": 1,
                                "price_unit": 100.0,
                            }
                        )
                    ],
                }
                for _index in range(count)
            ]
        )
        orders.action_confirm()
        invoices = orders._create_invoices()
        if post:
            invoices.action_post()
        return orders

    def _read_flow_and_report(self, orders):
        env = self.env(user=self.accountant)
        env["crm.document.flow"].search_read(
            [("partner_id", "=", self.customer.id)],
            ["order_id", "document_kind", "name", "state", "amount", "amount_company"],
        )
        env["crm.quote.to.cash.report"].search_read(
            [("partner_id", "=", self.customer.id)],
            ["order_id", "amount_ordered", "amount_invoiced", "amount_paid", "mismatch_reason"],
        )
        env["crm.quote.to.cash.report"].read_group(
            [("partner_id", "=", self.customer.id)],
            ["amount_invoiced_company:sum"],
            ["user_id"],
        )
        orders.with_env(env).read(["crm_amount_invoiced", "crm_amount_open"])

    def test_query_count_constant(self):
        # The 990 extra orders keep their invoices in draft: posting them
        # would only slow the test down, and draft invoices are documents of
        # the flow all the same.
        orders = self._create_invoiced_orders(10)
        self._read_flow_and_report(orders)  # warm the ACL and rule caches
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(accountman=9):
            self._read_flow_and_report(orders)
        self.assertEqual(
            self.env["crm.document.flow"].search_count([("order_id", "in", orders.ids)]), 20
        )

        orders |= self._create_invoiced_orders(990, post=False)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(accountman=9):
            self._read_flow_and_report(orders)
        self.assertEqual(
            self.env["crm.document.flow"].search_count([("order_id", "in", orders.ids)]), 2000
        )
