from odoo.tests import HttpCase, tagged

from .common import CrmCoreCommon


@tagged("post_install", "-at_install")
class TestCustomer360Tour(HttpCase, CrmCoreCommon):
    def test_salesperson_logs_call_from_360_view(self):
        self.env["crm.lead"].create(
            {
                "name": "Fräsmaschinen 2025",
                "type": "opportunity",
                "partner_id": self.contact_jana.id,
                "expected_revenue": 12000,
                "probability": 40,
                "user_id": self.salesman.id,
            }
        )
        action = self.env.ref("crm_core.res_partner_action_crm_360")
        self.start_tour(
            f"/odoo/action-{action.id}", "crm_core_customer_360_tour", login="crm_core_salesman"
        )
        call = self.env["crm.interaction"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("interaction_type", "=", "call"),
            ]
        )
        self.assertEqual(call.name, "Rückruf wegen Angebot")
        self.assertEqual(call.user_id, self.salesman)
