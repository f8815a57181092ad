from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

# Figures of the 360° view that the suite keeps for employees: a portal user
# may read the contact of their own company, but not how the company is
# scored, forecast or judged.
INTERNAL_FIGURES = [
    "crm_last_contact_date",
    "crm_last_contact_channel",
    "crm_last_contact_user_id",
    "crm_next_activity_date",
    "crm_next_activity_summary",
    "crm_open_opportunity_count",
    "crm_open_opportunity_value",
    "crm_lifetime_revenue",
    "crm_revenue_12m",
    "crm_without_activity",
    "crm_duplicate_ids",
    "crm_duplicate_count",
    "crm_score",
    "crm_grade",
    "crm_score_breakdown",
    "crm_score_date",
    "crm_completeness",
    "crm_missing_fields",
]


@tagged("post_install", "-at_install")
class TestPortalFigures(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Kunde Figuren GmbH", "is_company": True}
        )
        cls.portal_user = new_test_user(
            cls.env, login="figures_portal", name="Petra Portal", groups="base.group_portal"
        )
        cls.portal_user.partner_id.parent_id = cls.customer
        cls.env["crm.lead"].create(
            {
                "name": "Verlängerung 2027",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "expected_revenue": 12000,
                "probability": 50,
            }
        )

    def test_portal_figures_denied(self):
        company = self.customer.with_user(self.portal_user)
        self.assertEqual(company.read(["name"])[0]["name"], "Kunde Figuren GmbH")
        readable = []
        for field_name in INTERNAL_FIGURES:
            try:
                company.read([field_name])
            except AccessError:
                continue
            readable.append(field_name)
        self.assertEqual(readable, [])

    def test_salesperson_figures_read(self):
        salesperson = new_test_user(
            self.env,
            login="figures_sales",
            name="Sven Verkauf",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        values = self.customer.with_user(salesperson).read(
            ["crm_open_opportunity_count", "crm_open_opportunity_value"]
        )[0]
        self.assertEqual(values["crm_open_opportunity_count"], 1)
        self.assertEqual(values["crm_open_opportunity_value"], 6000.0)
