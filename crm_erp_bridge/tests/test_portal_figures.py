from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

# Receivable and account health are the suite's judgement of a customer, for
# employees only.
INTERNAL_FIGURES = [
    "crm_open_receivable",
    "crm_overdue_amount",
    "crm_churn_risk",
    "crm_churn_reasons",
    "crm_upsell_signal",
    "crm_upsell_reasons",
    "crm_days_since_last_order",
]


@tagged("post_install", "-at_install")
class TestPortalFigures(TransactionCase):
    def test_portal_account_health_denied(self):
        customer = self.env["res.partner"].create(
            {"name": "Kunde Gesundheit AG", "is_company": True}
        )
        portal_user = new_test_user(
            self.env, login="health_portal", name="Pia Portal", groups="base.group_portal"
        )
        portal_user.partner_id.parent_id = customer
        company = customer.with_user(portal_user)
        self.assertEqual(company.read(["name"])[0]["name"], "Kunde Gesundheit AG")
        readable = []
        for field_name in INTERNAL_FIGURES:
            try:
                company.read([field_name])
            except AccessError:
                continue
            readable.append(field_name)
        self.assertEqual(readable, [])
