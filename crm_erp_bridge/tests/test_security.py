from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.misc import format_amount

from .common import CrmErpBridgeCommon


@tagged("post_install", "-at_install")
class TestSecurity(CrmErpBridgeCommon):
    """Salespeople see the flow of their own deals, accountants see all,
    other companies and portal users see nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.own_order = cls.create_order([(cls.service, 1, 100.0)], user=cls.salesman)
        cls.invoice_order(cls.own_order)
        cls.other_order = cls.create_order(
            [(cls.service, 2, 100.0)], user=cls.other_salesman
        )
        # A deal of the other salesperson, on an opportunity of Sven.
        cls.shared_lead = cls.create_opportunity(user=cls.salesman)
        cls.shared_order = cls.create_order(
            [(cls.service, 3, 100.0)], lead=cls.shared_lead, user=cls.other_salesman
        )
        cls.orders = cls.own_order | cls.other_order | cls.shared_order

    def _visible_orders(self, user, model):
        self.env.flush_all()
        lines = self.env[model].with_user(user).search([("order_id", "in", self.orders.ids)])
        return lines.order_id

    def test_salesperson_sees_own_deals(self):
        for model in ("crm.document.flow", "crm.quote.to.cash.report"):
            self.assertEqual(
                self._visible_orders(self.salesman, model),
                self.own_order | self.shared_order,
                model,
            )
            self.assertEqual(
                self._visible_orders(self.other_salesman, model),
                self.other_order | self.shared_order,
                model,
            )

    def test_salesperson_reads_account_health(self):
        self.customer.write({"use_partner_credit_limit": True, "credit_limit": 50.0})
        customer = self.customer.with_user(self.salesman)
        self.assertEqual(customer.crm_open_receivable, 115.0)
        currency = self.env.company.currency_id
        self.assertIn(
            f"Open receivable {format_amount(self.env, 115, currency)} exceeds the credit "
            f"limit {format_amount(self.env, 50, currency)}",
            customer.crm_churn_reasons,
        )

    def test_accountant_sees_all(self):
        for model in ("crm.document.flow", "crm.quote.to.cash.report"):
            self.assertEqual(self._visible_orders(self.accountant, model), self.orders, model)

    def test_other_company_sees_nothing(self):
        other_company = self.env["res.company"].create({"name": "Brandt Schweiz AG"})
        outsider = self.env["res.users"].create(
            {
                "name": "Urs Outsider",
                "login": "erp_outsider",
                "company_id": other_company.id,
                "company_ids": [(6, 0, other_company.ids)],
                "groups_id": [(6, 0, [
                    self.env.ref("sales_team.group_sale_manager").id,
                    self.env.ref("account.group_account_invoice").id,
                ])],
            }
        )
        for model in ("crm.document.flow", "crm.quote.to.cash.report"):
            self.assertFalse(self._visible_orders(outsider, model), model)

    def test_portal_user_denied(self):
        portal = self.env["res.users"].create(
            {
                "name": "Paula Portal",
                "login": "erp_portal",
                "partner_id": self.customer.id,
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        for model in ("crm.document.flow", "crm.quote.to.cash.report"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(portal).search([])
