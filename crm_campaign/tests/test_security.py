from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged, users

from .common import CrmCampaignCommon


@tagged("post_install", "-at_install")
class TestCampaignSecurity(CrmCampaignCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Company"})
        cls.portal_user = new_test_user(
            cls.env, login="camp_portal", groups="base.group_portal"
        )
        cls.segment = cls.env["crm.segment"].create({"name": "Openers"})
        cls.foreign_segment = cls.env["crm.segment"].create(
            {"name": "Foreign", "company_id": cls.other_company.id}
        )
        cls.sequence = cls.env["crm.nurture.sequence"].create({"name": "Welcome"})
        cls.participant = cls.env["crm.nurture.participant"].create(
            {"sequence_id": cls.sequence.id, "partner_id": cls.anna.id}
        )

    @users("camp_marketer")
    def test_marketer_manages_own_company_only(self):
        segments = self.env["crm.segment"].search([])
        self.assertIn(self.segment, segments)
        self.assertNotIn(self.foreign_segment, segments)
        self.segment.with_user(self.env.user).name = "Recent openers"
        self.assertEqual(self.segment.name, "Recent openers")

    @users("camp_sales")
    def test_salesperson_reads_but_cannot_change(self):
        segment = self.segment.with_user(self.env.user)
        self.assertEqual(segment.name, "Openers")
        self.assertEqual(
            self.participant.with_user(self.env.user).partner_id, self.anna
        )
        with self.assertRaises(AccessError):
            segment.write({"name": "Changed"})
        with self.assertRaises(AccessError):
            self.env["crm.nurture.sequence"].create({"name": "Mine"})

    @users("camp_portal")
    def test_portal_user_sees_nothing(self):
        for model in ("crm.segment", "crm.nurture.sequence", "crm.nurture.participant",
                      "crm.consent", "crm.tracking.event", "crm.nurture.log"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].search([])

    def test_enrol_wizard_adds_only_new_records(self):
        wizard = self.env["crm.nurture.enrol.wizard"].with_context(
            active_model="res.partner", active_ids=(self.anna | self.dora).ids
        ).create({"sequence_id": self.sequence.id})
        self.assertEqual(wizard.record_count, 2)
        wizard.action_enrol()
        self.assertEqual(
            sorted(self.sequence.participant_ids.partner_id.mapped("name")),
            ["Anna Adler", "Dora Diaz"],
        )
