from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools.misc import format_amount

from .common import CrmErpBridgeCommon


@tagged("post_install", "-at_install")
class TestAccountHealth(CrmErpBridgeCommon):
    """Churn risk and upsell signals from orders, payments and tickets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.property_payment_term_id = cls.pay_terms_a  # immediate

    def _order_on(self, days_ago, amount, partner=None):
        with freeze_time(self.days_ago(days_ago)):
            order = self.create_order([(self.service, 1, amount)])
            if partner:
                order.partner_id = partner
        return order

    def test_churn_risk_with_reasons(self):
        # Previous year: 2,000 in two orders; last year: 500 in one order.
        self._order_on(700, 1000.0)
        self._order_on(400, 1000.0)
        recent = self._order_on(200, 500.0)
        # Unpaid invoice of 575.00 due 40 days ago, above a 300.00 limit.
        self.invoice_order(recent, invoice_date=self.days_ago(40))
        self.customer.write({"use_partner_credit_limit": True, "credit_limit": 300.0})
        # Three open tickets, one of them escalated.
        Ticket = self.env["crm.helpdesk.ticket"].sudo()
        tickets = Ticket.create(
            [
                {"name": f"Rack fan noise {index}", "partner_id": self.customer.id}
                for index in range(3)
            ]
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_helpdesk_ticket SET sla_status = 'breached' WHERE id = %s",
            [tickets[0].id],
        )
        self.customer.invalidate_recordset()

        self.assertEqual(self.customer.crm_churn_risk, "high")
        # Amounts read as the user's language and the company currency write them.
        def amount(value):
            return format_amount(self.env, value, self.env.company.currency_id)

        self.assertEqual(
            self.customer.crm_churn_reasons.splitlines(),
            [
                f"Revenue down 75% over twelve months ({amount(500)} against {amount(2000)})",
                f"Overdue amount: {amount(575)}",
                f"Open receivable {amount(575)} exceeds the credit limit {amount(300)}",
                "1 escalated support tickets",
                "3 open support tickets",
            ],
        )
        self.assertFalse(self.customer.crm_upsell_signal, "no upsell with overdue money")
        self.assertEqual(self.customer.crm_days_since_last_order, 200)
        self.assertEqual(self.customer.crm_open_receivable, 575.0)
        self.assertEqual(self.customer.crm_overdue_amount, 575.0)

        # The open opportunities of the customer are flagged at risk.
        lead = self.create_opportunity(name="Second rack room")
        reasons = lead._crm_compute_risk_reasons()[lead.id]
        self.assertIn("customer_overdue", reasons)
        self.assertIn("customer_churn", reasons)

        # The added reasons cost the same queries for 1 or 10 opportunities.
        many = lead | self.env["crm.lead"].concat(
            *[self.create_opportunity(name=f"Rack room {index}") for index in range(9)]
        )

        def count_queries(leads):
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            leads._crm_compute_risk_reasons()
            return self.env.cr.sql_log_count - start

        count_queries(many)  # the first run fills caches of the registry
        self.assertEqual(count_queries(lead), count_queries(many))

    def test_silence_and_late_payments(self):
        # Five orders from 300 to 100 days ago: a usual gap of 50 days, so
        # silence is an alert after 75 days.
        for days_ago in (160, 130, 100):
            self._order_on(days_ago, 100.0)
        # Paid on time 300 days ago, then 20 days late recently.
        on_time = self._order_on(300, 100.0)
        invoice = self.invoice_order(on_time, invoice_date=self.days_ago(300))
        self.pay_invoice(invoice, date=self.days_ago(300))
        late = self._order_on(120, 100.0)
        invoice = self.invoice_order(late, invoice_date=self.days_ago(120))
        self.pay_invoice(invoice, date=self.days_ago(100))

        reasons = self.customer.crm_churn_reasons.splitlines()
        self.assertIn("No order for 100 days (alert after 75 days)", reasons)
        self.assertIn("Pays 20 days later than in the previous half-year", reasons)
        self.assertEqual(self.customer.crm_churn_risk, "medium")

    def test_upsell_signal(self):
        self._order_on(500, 1000.0)
        self._order_on(200, 1000.0)
        self._order_on(20, 1000.0)

        self.assertEqual(self.customer.crm_churn_risk, "low")
        self.assertTrue(self.customer.crm_upsell_signal)
        self.assertEqual(
            self.customer.crm_upsell_reasons.splitlines(),
            [
                "Revenue up 100% over twelve months",
                "2 orders in twelve months against 1 before",
            ],
        )
