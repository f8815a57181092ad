from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import Form, tagged, users

from .common import CrmCoreCommon

FIGURE_FIELDS = [
    "crm_account_manager_id",
    "crm_last_contact_date",
    "crm_last_contact_channel",
    "crm_last_contact_user_id",
    "crm_next_activity_date",
    "crm_next_activity_summary",
    "crm_open_opportunity_count",
    "crm_open_opportunity_value",
    "crm_lifetime_revenue",
    "crm_revenue_12m",
]

NOW = datetime(2025, 6, 16, 10, 0, 0)


# At install time, before crm_erp_bridge replaces won opportunities by invoices
# as the revenue source, so the figures are crm_core's own.
@tagged("at_install", "-post_install")
class TestCustomer360(CrmCoreCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lead = cls.env["crm.lead"]
        # Open pipeline: weighted value 10,000 * 30% + 20,000 * 50% + 5,000 * 10% = 13,500.
        cls.lead_jana = Lead.create(
            {
                "name": "Fräsmaschinen 2025",
                "type": "opportunity",
                "partner_id": cls.contact_jana.id,
                "expected_revenue": 10000,
                "probability": 30,
                "stage_id": cls.stage_new.id,
                "user_id": cls.salesman.id,
            }
        )
        cls.lead_lukas = Lead.create(
            {
                "name": "Wartungsvertrag",
                "type": "opportunity",
                "partner_id": cls.contact_lukas.id,
                "expected_revenue": 20000,
                "probability": 50,
                "stage_id": cls.stage_new.id,
            }
        )
        cls.lead_company = Lead.create(
            {
                "name": "Ersatzteile",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "expected_revenue": 5000,
                "probability": 10,
                "stage_id": cls.stage_new.id,
            }
        )
        # Not counted: lost (archived), and another company's opportunity.
        Lead.create(
            {
                "name": "Verloren",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "expected_revenue": 70000,
                "probability": 0,
                "active": False,
            }
        )
        Lead.create(
            {
                "name": "Andere Firma",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "expected_revenue": 99999,
                "probability": 90,
                "company_id": cls.company_b.id,
            }
        )
        # Revenue: won 2 months and 2 years before NOW.
        for name, amount, closed in (
            ("Bohrer Q2", 8000, NOW - timedelta(days=60)),
            ("Bohrer 2023", 12000, NOW - timedelta(days=730)),
        ):
            won = Lead.create(
                {
                    "name": name,
                    "type": "opportunity",
                    "partner_id": cls.contact_jana.id,
                    "expected_revenue": amount,
                    "stage_id": cls.stage_won.id,
                }
            )
            won.date_closed = closed

    def test_account_manager_defaults_to_salesperson(self):
        self.assertEqual(self.customer.crm_account_manager_id, self.salesman)
        self.customer.crm_account_manager_id = self.manager
        self.assertEqual(self.customer.crm_account_manager_id, self.manager)
        self.assertEqual(self.customer.user_id, self.salesman, "the salesperson stays unchanged")
        with Form(self.env["res.partner"]) as partner_form:
            partner_form.name = "Neukunde KG"
            partner_form.user_id = self.manager
        self.assertEqual(partner_form.record.crm_account_manager_id, self.manager)

    @freeze_time(NOW)
    @users("crm_core_salesman")
    def test_pipeline_and_revenue_roll_up(self):
        customer = self.customer.with_env(self.env)
        jana = self.contact_jana.with_env(self.env)
        for partner in (customer, jana):
            self.assertEqual(partner.crm_open_opportunity_count, 3, partner.name)
            self.assertAlmostEqual(partner.crm_open_opportunity_value, 13500.0, places=2)
            self.assertAlmostEqual(partner.crm_lifetime_revenue, 20000.0, places=2)
            self.assertAlmostEqual(partner.crm_revenue_12m, 8000.0, places=2)

    def test_open_opportunities_action(self):
        action = self.contact_lukas.with_user(self.salesman).action_crm_open_opportunities()
        leads = self.env["crm.lead"].with_user(self.salesman).search(action["domain"])
        self.assertEqual(leads, self.lead_jana | self.lead_lukas | self.lead_company)

    @freeze_time(NOW)
    def test_last_contact_and_next_activity(self):
        jana = self.contact_jana
        jana.message_post(
            body="Bitte um ein Angebot",
            message_type="email",
            author_id=jana.id,
            date=NOW - timedelta(days=5),
        )
        wizard = (
            self.env["crm.log.interaction"]
            .with_user(self.salesman)
            .create(
                {
                    "res_model": "crm.lead",
                    "res_id": self.lead_lukas.id,
                    "interaction_type": "call",
                    "summary": "Bedarf geklärt",
                    "date": NOW - timedelta(days=2),
                }
            )
        )
        wizard.action_log()
        # A note and a future email are no contact with the customer yet.
        self.customer.message_post(body="Intern: Preise prüfen", date=NOW - timedelta(days=1))
        self.customer.message_post(
            body="Geplant", message_type="email", date=NOW + timedelta(days=1)
        )
        self.lead_jana.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=NOW.date() + timedelta(days=3),
            summary="Angebot nachfassen",
            user_id=self.salesman.id,
        )
        self.customer.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=NOW.date() + timedelta(days=7),
            summary="Jahresgespräch",
            user_id=self.salesman.id,
        )
        for partner in (self.customer, self.contact_lukas):
            partner.invalidate_recordset()
            self.assertEqual(partner.crm_last_contact_date, NOW - timedelta(days=2))
            self.assertEqual(partner.crm_last_contact_channel, "call")
            self.assertEqual(partner.crm_last_contact_user_id, self.salesman)
            self.assertEqual(partner.crm_next_activity_date, NOW.date() + timedelta(days=3))
            self.assertEqual(partner.crm_next_activity_summary, "Angebot nachfassen")

    def test_customer_without_history(self):
        partner = self.env["res.partner"].create({"name": "Leer GmbH", "is_company": True})
        values = partner.read(FIGURE_FIELDS)[0]
        self.assertFalse(values["crm_last_contact_date"])
        self.assertFalse(values["crm_next_activity_date"])
        self.assertEqual(values["crm_open_opportunity_count"], 0)
        self.assertEqual(values["crm_lifetime_revenue"], 0.0)

    def _create_history(self, partner, count):
        """Give ``partner`` ``count`` opportunities, messages and activities."""
        contact = self.env["res.partner"].create(
            {"name": f"Kontakt {count}", "parent_id": partner.id}
        )
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"Chance {i}",
                    "type": "opportunity",
                    "partner_id": contact.id,
                    "expected_revenue": 100,
                    "probability": 50,
                }
                for i in range(count)
            ]
        )
        self.env["mail.message"].create(
            [
                {
                    "model": "res.partner",
                    "res_id": contact.id,
                    "message_type": "email",
                    "body": f"Nachricht {i}",
                    "date": fields.Datetime.now() - timedelta(hours=i + 1),
                }
                for i in range(count)
            ]
        )
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("crm.lead")
        self.env["mail.activity"].create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": lead.id,
                    # Own activities: no assignment email per activity.
                    "activity_type_id": activity_type.id,
                    "user_id": self.env.uid,
                    "date_deadline": fields.Date.today() + timedelta(days=i + 1),
                }
                for i, lead in enumerate(leads)
            ]
        )

    def test_query_count_independent_of_history(self):
        small = self.env["res.partner"].create({"name": "Klein GmbH", "is_company": True})
        large = self.env["res.partner"].create({"name": "Groß GmbH", "is_company": True})
        self._create_history(small, 10)
        self._create_history(large, 1000)
        self.env.flush_all()
        for partner, count in ((small, 10), (large, 1000)):
            self.env.invalidate_all()
            with self.assertQueryCount(13):
                values = partner.read(FIGURE_FIELDS)[0]
            self.assertEqual(values["crm_open_opportunity_count"], count)
            self.assertAlmostEqual(values["crm_open_opportunity_value"], 50.0 * count, places=2)
