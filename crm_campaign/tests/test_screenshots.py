from odoo import Command
from odoo.tests import tagged

from odoo.addons.crm_core.tests.test_screenshots import CrmScreenshotCase


@tagged("post_install", "-at_install", "crm_screenshots")
class TestCampaignScreenshots(CrmScreenshotCase):
    """A segment of demo companies and the nurture sequence that uses it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.segment = cls.env["crm.segment"].create(
            {
                "name": "Companies in the United States",
                "target_model": "res.partner",
                "match": "all",
                "criterion_ids": [
                    Command.create(
                        {
                            "criterion_type": "country",
                            "country_ids": [Command.link(cls.env.ref("base.us").id)],
                        }
                    ),
                    Command.create(
                        {
                            "criterion_type": "domain",
                            "filter_domain": "[('is_company', '=', True)]",
                        }
                    ),
                ],
            }
        )
        template = cls.env["mail.template"].create(
            {
                "name": "Welcome to our customer club",
                "model_id": cls.env["ir.model"]._get_id("res.partner"),
                "subject": "Welcome to our customer club",
                "body_html": '<p>Hello <t t-out="object.name"/></p>',
            }
        )
        cls.sequence = cls.env["crm.nurture.sequence"].create(
            {
                "name": "Welcome new customers",
                "target_model": "res.partner",
                "segment_id": cls.segment.id,
                "user_id": cls.env.ref("base.user_admin").id,
                "step_ids": [
                    Command.create(
                        {
                            "sequence": 1,
                            "name": "Send the welcome email",
                            "step_type": "mail",
                            "mail_template_id": template.id,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 2,
                            "name": "Wait three days",
                            "step_type": "wait",
                            "wait_days": 3,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 3,
                            "name": "Call to follow up",
                            "step_type": "activity",
                            "activity_type_id": cls.env.ref("mail.mail_activity_data_call").id,
                            "activity_summary": "Follow-up call after the welcome email",
                        }
                    ),
                ],
            }
        )
        cls.sequence.action_start()

    def test_campaign_screens(self):
        members = self.segment.member_count
        self.assertGreaterEqual(members, 5, "the demo data has US companies")
        self.assertEqual(self.sequence.running_count, members)
        screens = [
            {
                "name": "segment_form",
                "url": f"/odoo/action-crm_campaign.crm_segment_action/{self.segment.id}",
                "selector": ".o_form_view",
                "texts": {
                    "en_US": ["Companies in the United States", f"{members}\nMembers", "Country"],
                    "de_DE": ["Companies in the United States", f"{members}\nMitglieder"],
                },
            },
            {
                "name": "nurture_sequence",
                "url": f"/odoo/action-crm_campaign.crm_nurture_sequence_action/{self.sequence.id}",
                "selector": ".o_form_view",
                "texts": {
                    "en_US": [
                        "Welcome new customers",
                        f"{members}\nRunning",
                        "Send the welcome email",
                        "Wait three days",
                        "Call to follow up",
                    ],
                    "de_DE": ["Welcome new customers", "Send the welcome email"],
                },
            },
        ]
        for lang in self.crm_languages():
            self.crm_screens("admin", screens, lang=lang)
