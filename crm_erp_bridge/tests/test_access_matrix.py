from datetime import timedelta

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_core.tests.test_access_matrix_common import (
    ALLOWED,
    DENIED,
    AccessMatrixMixin,
)

from .common import CrmErpBridgeCommon


@tagged("post_install", "-at_install")
class TestAccessMatrix(AccessMatrixMixin, CrmErpBridgeCommon):
    """Who sees which document flow lines, report rows and figures.

    Orders of the main company: Sven's (invoiced), Olga's (invoiced, the
    invoice without a salesperson), one without a salesperson (invoiced)
    and one of Olga's on Sven's opportunity. A second company with another
    currency invoices the same customer.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_2 = cls.setup_other_company(name="Brandt Alpen AG")["company"]
        cls.foreign_currency = cls.setup_other_currency(
            "CHF" if cls.company_a.currency_id.name != "CHF" else "EUR",
            rates=[
                ("2000-01-01", 2.0),
                (cls.today - timedelta(days=10), 4.0),
            ],
        )
        cls.company_2.currency_id = cls.foreign_currency
        both = (cls.company_a | cls.company_2).ids
        cls.users = {
            "own": cls.salesman,
            "all": new_test_user(
                cls.env,
                login="matrix_erp_all",
                name="Alma Alle",
                groups="sales_team.group_sale_salesman_all_leads",
            ),
            "manager": new_test_user(
                cls.env,
                login="matrix_erp_manager",
                name="Max Leitung",
                groups="sales_team.group_sale_manager",
            ),
            "accountant": cls.accountant,
            "auditor": new_test_user(
                cls.env,
                login="matrix_erp_auditor",
                name="Rita Revision",
                groups="account.group_account_readonly",
            ),
            "agent": new_test_user(
                cls.env,
                login="matrix_erp_agent",
                name="Hanna Hilfe",
                groups="crm_helpdesk.group_helpdesk_user",
            ),
            "other_company": new_test_user(
                cls.env,
                login="matrix_erp_company_2",
                name="Urs Alpen",
                groups="sales_team.group_sale_manager,account.group_account_invoice",
                company_id=cls.company_2.id,
                company_ids=[Command.set(cls.company_2.ids)],
            ),
            "multi": new_test_user(
                cls.env,
                login="matrix_erp_multi",
                name="Mia Beide",
                groups="sales_team.group_sale_manager,account.group_account_invoice",
                company_id=cls.company_a.id,
                company_ids=[Command.set(both)],
            ),
            "portal": new_test_user(
                cls.env, login="matrix_erp_portal", name="Paula Portal", groups="base.group_portal"
            ),
            "public": cls.env.ref("base.public_user"),
        }

        cls.own_order = cls.create_order([(cls.service, 1, 100.0)], user=cls.salesman)
        cls.own_invoice = cls.invoice_order(cls.own_order)
        cls.other_order = cls.create_order([(cls.service, 2, 100.0)], user=cls.other_salesman)
        cls.other_invoice = cls.invoice_order(cls.other_order, post=False)
        cls.other_invoice.invoice_user_id = False
        cls.other_invoice.action_post()
        cls.nobody_order = cls.create_order(
            [(cls.service, 3, 100.0)], user=cls.salesman, confirm=False
        )
        cls.nobody_order.user_id = False
        cls.nobody_order.action_confirm()
        cls.nobody_invoice = cls.invoice_order(cls.nobody_order)
        cls.shared_lead = cls.create_opportunity(user=cls.salesman)
        cls.shared_order = cls.create_order(
            [(cls.service, 4, 100.0)], lead=cls.shared_lead, user=cls.other_salesman
        )
        cls.orders = cls.own_order | cls.other_order | cls.nobody_order | cls.shared_order

        # Invoices of the second company: 200 before the rate change (rate 2)
        # and 200 after it (rate 4), untaxed, in its currency.
        for days in (30, 0):
            cls.init_invoice(
                "out_invoice",
                partner=cls.customer,
                invoice_date=cls.days_ago(days),
                amounts=[200.0],
                taxes=[],
                company=cls.company_2,
                post=True,
            )
        cls.env.flush_all()

    def names(self, *records):
        return sorted(record.name for record in records)

    def test_document_flow(self):
        read = ([("order_id", "in", self.orders.ids)], "name")
        every_line = self.names(
            self.own_order, self.own_invoice, self.other_order, self.other_invoice,
            self.nobody_order, self.nobody_invoice, self.shared_order,
        )
        own_lines = self.names(
            self.own_order, self.own_invoice,
            # Documents without a salesperson, as Odoo shows them to Sven.
            self.nobody_order, self.nobody_invoice, self.other_invoice,
            # Olga's order on Sven's opportunity.
            self.shared_order,
        )
        model = "crm.document.flow"
        cells = [
            ("own", model, "read", read, own_lines),
            ("all", model, "read", read, every_line),
            ("manager", model, "read", read, every_line),
            ("accountant", model, "read", read, every_line),
            ("auditor", model, "read", read, every_line),
            ("multi", model, "read", read, every_line),
            ("other_company", model, "read", read, []),
            ("agent", model, "read", read, DENIED),
            ("portal", model, "read", read, DENIED),
            ("public", model, "read", read, DENIED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_document_flow_matches_documents(self):
        """Every flow line of an order or invoice that a salesperson sees is a
        document Odoo lets them read."""
        own = self.users["own"]
        self.env.flush_all()
        lines = self.env["crm.document.flow"].with_user(own).search(
            [("order_id", "in", self.orders.ids), ("lead_user_id", "!=", own.id)]
        )
        for model in ("sale.order", "account.move"):
            ids = lines.filtered(lambda line, model=model: line.res_model == model).mapped("res_id")
            self.assertEqual(
                self.env[model].with_user(own).search([("id", "in", ids)]).ids,
                self.env[model].browse(ids).ids,
                model,
            )

    def test_quote_to_cash_report(self):
        read = ([("order_id", "in", self.orders.ids)], "order_id.name")
        every_order = self.names(self.own_order, self.other_order, self.nobody_order,
                                 self.shared_order)
        model = "crm.quote.to.cash.report"
        print_values = {"date_from": self.days_ago(30), "date_to": self.today}
        cells = [
            ("own", model, "read", read,
             self.names(self.own_order, self.nobody_order, self.shared_order)),
            ("all", model, "read", read, every_order),
            ("accountant", model, "read", read, every_order),
            ("auditor", model, "read", read, every_order),
            ("other_company", model, "read", read, []),
            ("agent", model, "read", read, DENIED),
            ("portal", model, "read", read, DENIED),
            ("public", model, "read", read, DENIED),
            ("own", "crm.quote.to.cash.print", "create", print_values, ALLOWED),
            ("auditor", "crm.quote.to.cash.print", "create", print_values, ALLOWED),
            ("agent", "crm.quote.to.cash.print", "create", print_values, DENIED),
            ("portal", "crm.quote.to.cash.print", "create", print_values, DENIED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_order_and_lead_figures(self):
        def order_figures(order):
            return lambda Order: Order.browse(order.id).read(["crm_amount_invoiced"])[0][
                "crm_amount_invoiced"
            ]

        def lead_figures(Lead):
            return Lead.browse(self.shared_lead.id).read(["crm_amount_ordered"])[0][
                "crm_amount_ordered"
            ]

        cells = [
            # Figures of the order a user may read; the order of a colleague
            # stays closed to a salesperson limited to their own documents.
            ("own", "sale.order", "call", order_figures(self.own_order), 115.0),
            ("own", "sale.order", "call", order_figures(self.nobody_order), 345.0),
            ("own", "sale.order", "call", order_figures(self.other_order), DENIED),
            ("all", "sale.order", "call", order_figures(self.other_order), 230.0),
            ("accountant", "sale.order", "call", order_figures(self.other_order), 230.0),
            ("other_company", "sale.order", "call", order_figures(self.own_order), DENIED),
            ("portal", "sale.order", "call", order_figures(self.own_order), DENIED),
            # The opportunity's totals count the colleague's order on it.
            ("own", "crm.lead", "call", lead_figures, 460.0),
            ("other_company", "crm.lead", "call", lead_figures, DENIED),
            ("accountant", "account.move", "call",
             lambda Move: Move.browse(self.own_invoice.id).read(["crm_lead_id"])[0][
                 "crm_lead_id"], False),
            ("own", "account.move", "call",
             lambda Move: Move.browse(self.other_invoice.id).read(["crm_lead_id"])[0][
                 "crm_lead_id"], False),
            ("portal", "account.move", "count", [("id", "=", self.own_invoice.id)], 0),
        ]
        self.run_access_matrix(self.users, cells)

    def test_customer_figures(self):
        """Revenue and receivable of the customer for each user, in the
        currency of the user's current company, without AccessError."""

        def revenue(Partner):
            values = Partner.browse(self.customer.id).read(
                ["crm_lifetime_revenue", "crm_open_receivable"]
            )[0]
            return (values["crm_lifetime_revenue"], values["crm_open_receivable"])

        def revenue_in_company_2(Partner):
            both = (self.company_2 | self.company_a).ids
            return revenue(Partner.with_context(allowed_company_ids=both))

        # Company A invoices: 100 + 200 + 300 untaxed, 115 + 230 + 345 open.
        # Company 2 invoices: 200 at rate 2 and 200 at rate 4, i.e. 100 + 50
        # in company A's currency; open today: 400 at rate 4, i.e. 100.
        # Seen from company 2, Odoo's own conversion gives the expected figures.
        to_company_2 = self.company_a.currency_id.with_company(self.company_2)

        def converted(amount):
            return to_company_2._convert(amount, self.foreign_currency, self.company_2, self.today)

        model = "res.partner"
        cells = [
            ("own", model, "call", revenue, (600.0, 690.0)),
            ("accountant", model, "call", revenue, (600.0, 690.0)),
            ("multi", model, "call", revenue, (750.0, 790.0)),
            ("multi", model, "call", revenue_in_company_2,
             (400.0 + converted(600.0), 400.0 + converted(690.0))),
            ("other_company", model, "call", revenue, (400.0, 400.0)),
            ("agent", model, "call", revenue, (600.0, 690.0)),
            ("portal", model, "call", revenue, DENIED),
            ("public", model, "call", revenue, DENIED),
        ]
        self.run_access_matrix(self.users, cells)

    def test_revenue_converted_at_invoice_date(self):
        Partner = self.env["res.partner"].with_context(
            allowed_company_ids=(self.company_a | self.company_2).ids
        )
        revenue = Partner._crm_get_revenue_by_partner([self.customer.id])
        self.assertEqual(revenue, {self.customer.id: 750.0})
        recent = Partner._crm_get_revenue_by_partner(
            [self.customer.id], date_from=self.days_ago(5)
        )
        self.assertEqual(recent, {self.customer.id: 650.0})
