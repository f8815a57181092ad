from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CrmCoreCommon


@tagged("post_install", "-at_install")
class TestSecurity(CrmCoreCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(
            cls.env, login="crm_core_portal", groups="base.group_portal", name="Peter Portal"
        )
        cls.lead_a = cls.env["crm.lead"].create(
            {
                "name": "Auftrag A",
                "partner_id": cls.contact_jana.id,
                "company_id": cls.company.id,
            }
        )
        cls.event_a = cls.env["crm.score.event"]._record_event("download", lead=cls.lead_a)

    def test_groups_follow_sales_groups(self):
        self.assertTrue(self.salesman.has_group("crm_core.group_crm_user"))
        self.assertFalse(self.salesman.has_group("crm_core.group_crm_manager"))
        self.assertTrue(self.manager.has_group("crm_core.group_crm_manager"))
        self.assertFalse(self.portal_user.has_group("crm_core.group_crm_user"))

    def test_only_managers_configure_scoring(self):
        values = {"name": "Messebesuch", "points": 5}
        with self.assertRaises(AccessError):
            self.env["crm.score.rule"].with_user(self.salesman).create(values)
        rule = self.env["crm.score.rule"].with_user(self.manager).create(values)
        self.assertEqual(rule.points, 5)
        with self.assertRaises(AccessError):
            self.env["crm.required.field"].with_user(self.salesman).create(
                {
                    "field_id": self.env["ir.model.fields"]._get("res.partner", "vat").id,
                }
            )

    def test_portal_user_sees_nothing(self):
        for model in ("crm.interaction", "crm.score.event", "crm.score.rule", "crm.duplicate.pair"):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(self.portal_user).search([])

    def test_events_of_other_company_hidden(self):
        self.assertEqual(self.event_a.company_id, self.company)
        self.assertIn(self.event_a, self.env["crm.score.event"].with_user(self.salesman).search([]))
        self.assertNotIn(
            self.event_a, self.env["crm.score.event"].with_user(self.salesman_b).search([])
        )

    def test_figures_ignore_other_company(self):
        """A user of company B does not see figures of company A's opportunities."""
        self.lead_a.write({"type": "opportunity", "expected_revenue": 1000, "probability": 50})
        customer_a = self.customer.with_user(self.salesman)
        self.assertEqual(customer_a.crm_open_opportunity_count, 1)
        customer_b = self.customer.with_user(self.salesman_b).with_context(
            allowed_company_ids=self.company_b.ids
        )
        self.assertEqual(customer_b.crm_open_opportunity_count, 0)
        self.assertEqual(customer_b.crm_open_opportunity_value, 0.0)

    def test_own_documents_salesperson_timeline(self):
        """A salesperson limited to their own opportunities reads no note
        logged on a colleague's opportunity through the timeline."""
        own_only = new_test_user(
            self.env,
            login="crm_core_own_only",
            name="Olga Eigene",
            groups="sales_team.group_sale_salesman",
        )
        own_lead = self.env["crm.lead"].create(
            {"name": "Eigene Chance", "partner_id": self.contact_jana.id, "user_id": own_only.id}
        )
        other_lead = self.env["crm.lead"].create(
            {
                "name": "Fremde Chance",
                "partner_id": self.contact_lukas.id,
                "user_id": self.salesman.id,
            }
        )
        own_lead.message_post(body="Rabatt 5 % zugesagt", message_type="comment")
        other_lead.message_post(body="Geheimer Rabatt 30 %", message_type="comment")
        self.env["crm.interaction"].flush_model()
        Interaction = self.env["crm.interaction"].with_user(own_only)
        visible = Interaction.search([("partner_id", "=", self.customer.id)])
        self.assertIn(own_lead, visible.lead_id)
        self.assertNotIn(other_lead, visible.lead_id)
        self.assertFalse(Interaction.search([("summary", "ilike", "Geheimer Rabatt")]))
        # A salesperson who sees all opportunities keeps the whole timeline.
        self.assertTrue(
            self.env["crm.interaction"].with_user(self.salesman).search(
                [("summary", "ilike", "Geheimer Rabatt")]
            )
        )
