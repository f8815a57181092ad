from odoo.tests import HttpCase, tagged

from .common import CrmCampaignCommon


@tagged("post_install", "-at_install")
class TestCampaignTour(HttpCase, CrmCampaignCommon):

    def test_segment_and_sequence_tour(self):
        self.env["mail.template"].create({
            "name": "Tour welcome",
            "model_id": self.env["ir.model"]._get_id("res.partner"),
            "subject": "Welcome",
            "body_html": "<p>Welcome <t t-out=\"object.crm_first_name\"/></p>",
        })
        self.start_tour("/odoo", "crm_campaign_segment_sequence", login="camp_marketer")
        sequence = self.env["crm.nurture.sequence"].search([("name", "=", "Welcome openers")])
        self.assertEqual(
            sorted(sequence.participant_ids.partner_id.mapped("name")),
            ["Anna Adler", "Bert Brandt", "Carla Cruz", "Frank Fuchs"],
        )
        self.assertEqual(
            set(sequence.participant_ids.current_step_id.mapped("step_type")), {"wait"}
        )
        mailing = sequence.step_ids[0].mailing_id
        self.assertEqual(
            self.env["mailing.trace"].search_count([("mass_mailing_id", "=", mailing.id)]),
            4,
        )
