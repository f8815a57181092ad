from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFlowTour(HttpCase):
    """An accountant follows a won opportunity to its invoice and payment in
    the browser."""

    def test_accountant_follows_flow(self):
        company = self.env.company
        accountant = new_test_user(
            self.env,
            login="erp_tour_accountant",
            name="Tina Tour",
            groups="account.group_account_invoice,sales_team.group_sale_salesman_all_leads",
            company_id=company.id,
        )
        customer = self.env["res.partner"].create({"name": "Tour Kunde AG", "is_company": True})
        product = self.env["product.product"].create(
            {
                "name": "Tour consulting day",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 115.0,
                "taxes_id": [Command.clear()],
            }
        )
        lead = self.env["crm.lead"].create(
            {"name": "Tour rack rollout", "type": "opportunity", "partner_id": customer.id}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "opportunity_id": lead.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 10})
                ],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        lead.action_set_won()

        self.start_tour(
            f"/odoo/action-crm.crm_lead_action_pipeline/{lead.id}",
            "crm_erp_bridge_flow_tour",
            login=accountant.login,
        )
