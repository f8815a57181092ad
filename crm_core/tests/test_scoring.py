from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CrmCoreCommon

NOW = datetime(2025, 6, 16, 10, 0, 0)


@tagged("post_install", "-at_install")
class TestLeadScoring(CrmCoreCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.industry = cls.env["res.partner.industry"].create({"name": "Maschinenbau"})
        cls.customer.industry_id = cls.industry
        cls.source_fair = cls.env["utm.source"].create({"name": "Messe Hannover"})
        cls.tag_hot = cls.env["crm.tag"].create({"name": "Heiß"})
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Fräsmaschinen 2025",
                "type": "opportunity",
                "partner_id": cls.contact_jana.id,
                "country_id": cls.env.ref("base.de").id,
                "source_id": cls.source_fair.id,
                "tag_ids": [Command.link(cls.tag_hot.id)],
                "user_id": cls.salesman.id,
                "probability": 40,
            }
        )
        cls.other_lead = cls.env["crm.lead"].create(
            {
                "name": "Kleinauftrag",
                "type": "lead",
                "country_id": cls.env.ref("base.fr").id,
            }
        )
        Rule = cls.env["crm.score.rule"]
        Rule.create(
            [
                {
                    "name": "Branche Maschinenbau",
                    "points": 20,
                    "domain": f"[('partner_id.industry_id', '=', {cls.industry.id})]",
                },
                {
                    "name": "Land Deutschland",
                    "points": 10,
                    "domain": f"[('country_id', '=', {cls.env.ref('base.de').id})]",
                },
                {
                    "name": "Quelle Messe",
                    "points": 15,
                    "domain": f"[('source_id', '=', {cls.source_fair.id})]",
                },
                {
                    "name": "Schlagwort heiß",
                    "points": 5,
                    "domain": f"[('tag_ids', 'in', [{cls.tag_hot.id}])]",
                },
                {
                    "name": "Klick in Mailing",
                    "rule_type": "event",
                    "event_type": "email_click",
                    "points": 10,
                    "decay_days": 30,
                    "max_points": 30,
                },
                {
                    "name": "Webseitenbesuch",
                    "rule_type": "event",
                    "event_type": "website_visit",
                    "points": 2,
                    "max_points": 10,
                },
                {
                    "name": "Antwort erhalten",
                    "rule_type": "event",
                    "event_type": "reply",
                    "points": 25,
                    "decay_days": 50,
                },
                {
                    "name": "Firmenkunde",
                    "model_name": "res.partner",
                    "points": 30,
                    "domain": "[('is_company', '=', True)]",
                },
                {
                    "name": "Besuch (Kontakt)",
                    "model_name": "res.partner",
                    "rule_type": "event",
                    "event_type": "website_visit",
                    "points": 5,
                },
            ]
        )
        Event = cls.env["crm.score.event"]
        with freeze_time(NOW):
            for days in (15, 0, 40):
                Event._record_event(
                    "email_click", lead=cls.lead, occurred_at=NOW - timedelta(days=days)
                )
            for _i in range(3):
                Event._record_event(
                    "website_visit", partner=cls.contact_lukas, source_ref="/preise"
                )
            Event._record_event(
                "reply", partner=cls.contact_jana, occurred_at=NOW - timedelta(days=30)
            )

    @freeze_time(NOW)
    def test_score_breakdown(self):
        self.lead.action_crm_compute_score()
        # 20 + 10 + 15 + 5 fields; clicks 5 + 10 + 0; visits 3 * 2; reply 25 * (1 - 30 / 50) = 10.
        self.assertEqual(self.lead.crm_score, 81)
        self.assertEqual(self.lead.crm_grade, "A")
        self.assertEqual(
            self.lead.crm_score_breakdown.splitlines(),
            [
                "+20  Branche Maschinenbau",
                "+15  Quelle Messe",
                "+15  Klick in Mailing (3 × Email link clicked, decaying over 30 days)",
                "+10  Land Deutschland",
                "+10  Antwort erhalten (1 × Reply received, decaying over 50 days)",
                "+6  Webseitenbesuch (3 × Website visit)",
                "+5  Schlagwort heiß",
            ],
        )
        self.assertEqual(self.lead.probability, 40, "scoring leaves Odoo's probability alone")

    def test_score_decays_over_time(self):
        with freeze_time(NOW + timedelta(days=30)):
            self.lead.action_crm_compute_score()
        # Clicks and the reply have decayed to zero; the visits do not decay.
        self.assertEqual(self.lead.crm_score, 56)
        self.assertEqual(self.lead.crm_grade, "B")
        with freeze_time(NOW - timedelta(days=20)):
            self.lead.action_crm_compute_score()
        # 20 days earlier the visits had not happened yet. The click dated 40 days
        # before NOW was 20 days old: 10 * (1 - 20 / 30) = 3.3 points. The reply was
        # 10 days old: 25 * (1 - 10 / 50) = 20 points. Plus 50 field points.
        self.assertEqual(self.lead.crm_score, 73)

    @freeze_time(NOW)
    def test_event_points_are_capped(self):
        for _i in range(20):
            self.env["crm.score.event"]._record_event("website_visit", lead=self.other_lead)
        self.assertEqual(self.other_lead.crm_score, 10)
        self.assertEqual(self.other_lead.crm_grade, "D")
        self.assertIn("20 × Website visit", self.other_lead.crm_score_breakdown)

    @freeze_time(NOW)
    def test_partner_score_and_event_rollup(self):
        self.env["crm.score.rule"]._crm_score_records(self.customer | self.contact_lukas)
        # Only partner rules apply: company 30 (field) + 3 visits of Lukas * 5.
        self.assertEqual(self.customer.crm_score, 45)
        self.assertEqual(self.customer.crm_grade, "C")
        self.assertEqual(self.contact_lukas.crm_score, 15, "a person gets its customer's events")
        self.assertEqual(self.contact_jana.crm_score, 15)

    def test_grade_thresholds_from_settings(self):
        settings = self.env["res.config.settings"].create(
            {"crm_grade_a_min": 90, "crm_grade_b_min": 80}
        )
        settings.execute()
        with freeze_time(NOW):
            self.lead.action_crm_compute_score()
        self.assertEqual(self.lead.crm_grade, "B")

    def test_record_event_rejects_bad_input(self):
        Event = self.env["crm.score.event"]
        with self.assertRaisesRegex(ValidationError, "Invalid scoring event type 'newsletter'"):
            Event._record_event("newsletter", lead=self.lead)
        with self.assertRaisesRegex(ValidationError, "needs a contact or a lead"):
            Event._record_event("download")
        event = Event._record_event("download", partner=self.contact_jana.id, value=3.0)
        self.assertEqual(event.commercial_partner_id, self.customer)
        self.assertEqual(event.company_id, self.env["res.company"])

    def test_invalid_rule_filter(self):
        with self.assertRaisesRegex(ValidationError, "invalid filter"):
            self.env["crm.score.rule"].create(
                {"name": "Kaputt", "domain": "[('no_such_field', '=', 1)]"}
            )
        with self.assertRaisesRegex(ValidationError, "choose the event type"):
            self.env["crm.score.rule"].create({"name": "Ohne Ereignis", "rule_type": "event"})

    @freeze_time(NOW)
    def test_cron_scores_in_batches(self):
        leads = self.env["crm.lead"].create(
            [{"name": f"Messe-Kontakt {i}", "source_id": self.source_fair.id} for i in range(5)]
        )
        self.env["crm.score.rule"]._cron_compute_scores(batch_size=2)
        self.assertEqual(leads.mapped("crm_score"), [15] * 5)
        self.assertEqual(self.lead.crm_score, 81)
        self.assertTrue(self.customer.crm_score_date)
        cursor = self.env["ir.config_parameter"].get_param("crm_core.score_cursor.crm.lead")
        self.assertEqual(cursor, f"2025-06-16:{max(leads.ids)}")
        # A second run the same day continues after the cursor: only the new lead is due.
        late = self.env["crm.lead"].create({"name": "Nachzügler", "source_id": self.source_fair.id})
        leads.write({"source_id": False})
        self.env["crm.score.rule"]._cron_compute_scores(batch_size=2)
        self.assertEqual(late.crm_score, 15)
        self.assertEqual(leads.mapped("crm_score"), [15] * 5, "already scored today")

    @freeze_time(NOW)
    def test_amount_rule_over_leads_in_two_currencies(self):
        chf = self.env.ref("base.CHF")
        chf.active = True
        self.company_b.currency_id = chf
        self.env["crm.score.rule"].create(
            {"name": "Großauftrag", "points": 7, "domain": "[('expected_revenue', '>=', 3000)]"}
        )
        leads = self.env["crm.lead"].create(
            [
                {"name": "Anlage Linz", "company_id": self.company_b.id, "expected_revenue": 5000},
                {"name": "Anlage Köln", "company_id": self.company.id, "expected_revenue": 8000},
                {"name": "Ersatzteil", "company_id": self.company.id, "expected_revenue": 900},
            ]
        )
        self.assertEqual(len(leads.company_currency), 2)
        with self.assertNoLogs("odoo.addons.crm_core.models.crm_score_rule", level="ERROR"):
            self.env["crm.score.rule"]._cron_compute_scores(model_names=["crm.lead"])
        self.assertEqual(leads.mapped("crm_score"), [7, 7, 0])

    def test_scoring_skips_leads_between_ids(self):
        first, middle, last = self.env["crm.lead"].create(
            [{"name": f"Messe-Kontakt {i}", "source_id": self.source_fair.id} for i in range(3)]
        )
        # The scores are written through the id range of the batch, so the lead
        # inside that range but outside the batch must keep its empty score.
        self.env["crm.score.rule"]._crm_score_records(first | last)
        self.assertEqual(first.crm_score, 15)
        self.assertEqual(last.crm_score, 15)
        self.assertEqual(last.crm_grade, "D")
        self.assertEqual(middle.crm_score, 0)
        self.assertFalse(middle.crm_grade)
        self.assertFalse(middle.crm_score_breakdown)
        self.assertFalse(middle.crm_score_date)

    def test_unchanged_score_not_rewritten(self):
        with freeze_time(NOW):
            self.lead.action_crm_compute_score()
        scored_on = self.lead.crm_score_date
        self.assertEqual(scored_on, NOW)
        # One hour later the decayed points still round to the same lines and score.
        with freeze_time(NOW + timedelta(hours=1)):
            self.lead.action_crm_compute_score()
        self.assertEqual(self.lead.crm_score, 81)
        self.assertEqual(self.lead.crm_score_date, scored_on)

    @freeze_time(NOW)
    def test_threshold_automations(self):
        Automation = self.env["crm.score.automation"]
        Automation.create(
            [
                {
                    "name": "Heißer Lead",
                    "score_threshold": 75,
                    "action": "notify",
                    "user_id": self.manager.id,
                },
                {
                    "name": "Nachfassen",
                    "score_threshold": 80,
                    "action": "activity",
                    "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                },
                {
                    "name": "Zu hoch",
                    "score_threshold": 95,
                    "action": "assign",
                    "user_id": self.manager.id,
                },
            ]
        )
        # Fields 50 + visits 6 + reply 10 = 66: below every threshold.
        lead = self.lead.copy({"name": "Zweite Maschine", "user_id": self.salesman.id})
        lead.action_crm_compute_score()
        self.assertEqual(lead.crm_score, 66)
        self.assertFalse(lead.activity_ids)
        # One click (+10) crosses 75 and 80 but not 95.
        self.env["crm.score.event"]._record_event("email_click", lead=lead)
        self.assertEqual(lead.crm_score, 76)
        notification = lead.message_ids.filtered(lambda m: self.manager.partner_id in m.partner_ids)
        self.assertEqual(len(notification), 1)
        self.assertIn("Score 76 reached the threshold 75", notification.body)
        self.assertFalse(lead.activity_ids, "the threshold of 80 was not reached")
        self.env["crm.score.event"]._record_event("email_click", lead=lead)
        self.assertEqual(lead.crm_score, 86)
        self.assertEqual(lead.activity_ids.user_id, self.salesman)
        self.assertEqual(lead.user_id, self.salesman, "the threshold of 95 was not reached")
        # Rescoring at the same score does not trigger again.
        lead.action_crm_compute_score()
        self.assertEqual(len(lead.activity_ids), 1)
        self.assertEqual(
            len(lead.message_ids.filtered(lambda m: self.manager.partner_id in m.partner_ids)), 1
        )
        with self.assertRaisesRegex(ValidationError, "choose the salesperson"):
            Automation.create({"name": "Ohne Person", "action": "assign"})

    @freeze_time(NOW)
    def test_broken_rule_is_skipped(self):
        """A rule whose filter no longer works is logged and skipped; the others still score."""
        broken = self.env["crm.score.rule"].create({"name": "Kaputt", "points": 50})
        self.env.cr.execute(
            "UPDATE crm_score_rule SET domain = %s WHERE id = %s",
            ["[('no_such_field', '=', 1)]", broken.id],
        )
        broken.invalidate_recordset()
        with mute_logger("odoo.addons.crm_core.models.crm_score_rule"):
            self.lead.action_crm_compute_score()
        self.assertEqual(self.lead.crm_score, 81)
