from odoo.tests import tagged

from .common import CrmPipelineCase


@tagged("post_install", "-at_install")
class TestFollowUpAutomation(CrmPipelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.followup_type = cls.env.ref("crm_pipeline.mail_activity_type_followup")
        cls.reminder_type = cls.env.ref("crm_pipeline.mail_activity_type_closing_reminder")
        cls.followup_rule = cls.env.ref("crm_pipeline.base_automation_followup_activity")
        cls.reminder_rule = cls.env.ref("crm_pipeline.base_automation_closing_reminder")

    def _email_customer(self, deal):
        deal.with_user(self.salesperson).message_post(
            body="Please find our offer attached.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.customer_contact.ids,
        )

    def _run_time_rules(self, when):
        with self._moment(when):
            self.env["base.automation"]._check()

    def _activities(self, deal, activity_type):
        return self.env["mail.activity"].search(
            [("res_model", "=", "crm.lead"), ("res_id", "=", deal.id),
             ("activity_type_id", "=", activity_type.id)]
        )

    def test_followup_after_three_days_without_reply(self):
        self.followup_rule.last_run = "2026-02-02 08:00:00"
        with self._moment("2026-02-02 09:00:00"):
            silent = self._create_deal(name="Silent customer", date_deadline="2026-12-31")
            answered = self._create_deal(name="Answering customer", date_deadline="2026-12-31")
            self._email_customer(silent)
            self._email_customer(answered)
        self.assertEqual(str(silent.crm_awaiting_reply_since), "2026-02-02 09:00:00")

        with self._moment("2026-02-03 15:00:00"):
            answered.message_post(
                body="Thanks, we will discuss it on Friday.",
                message_type="email",
                author_id=self.customer_contact.id,
            )
        self.assertFalse(answered.crm_awaiting_reply_since)

        self._run_time_rules("2026-02-05 08:55:00")
        self.assertFalse(self._activities(silent, self.followup_type), "3 days are not over yet")
        self._run_time_rules("2026-02-05 09:10:00")
        followup = self._activities(silent, self.followup_type)
        self.assertEqual(len(followup), 1)
        self.assertEqual(followup.user_id, self.salesperson)
        self.assertEqual(str(followup.date_deadline), "2026-02-05")
        self._run_time_rules("2026-02-05 09:30:00")
        self._run_time_rules("2026-02-09 09:30:00")
        self.assertEqual(len(self._activities(silent, self.followup_type)), 1)
        self.assertFalse(self._activities(answered, self.followup_type))

    def test_reply_cancels_pending_followup_activity(self):
        self.followup_rule.last_run = "2026-02-02 08:00:00"
        with self._moment("2026-02-02 09:00:00"):
            deal = self._create_deal(date_deadline="2026-12-31")
            self._email_customer(deal)
        self._run_time_rules("2026-02-05 09:10:00")
        self.assertEqual(len(self._activities(deal, self.followup_type)), 1)
        with self._moment("2026-02-05 10:00:00"):
            deal.message_post(
                body="Sorry for the delay.", message_type="email", author_id=self.customer.id
            )
        self.assertFalse(self._activities(deal, self.followup_type))

    def test_internal_note_does_not_start_waiting(self):
        deal = self._create_deal()
        deal.with_user(self.salesperson).message_post(
            body="Internal remark", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        self.assertFalse(deal.crm_awaiting_reply_since)

    def test_reminder_three_days_before_closing(self):
        self.reminder_rule.last_run = "2026-03-01 00:00:00"
        with self._moment("2026-03-01 08:00:00"):
            deal = self._create_deal(date_deadline="2026-03-20")
            won = self._create_deal(
                date_deadline="2026-03-20", stage_id=self.stage_won.id, probability=100
            )
        self._run_time_rules("2026-03-16 23:50:00")
        self.assertFalse(self._activities(deal, self.reminder_type))
        self._run_time_rules("2026-03-17 00:10:00")
        reminder = self._activities(deal, self.reminder_type)
        self.assertEqual(len(reminder), 1)
        self.assertEqual(str(reminder.date_deadline), "2026-03-20")
        self.assertFalse(self._activities(won, self.reminder_type))

    def test_activity_when_entering_quote(self):
        deal = self._create_deal(expected_revenue=2500)
        deal.stage_id = self.stage_quote
        activity = deal.activity_ids.filtered(
            lambda act: act.summary == "Send the quote to the customer"
        )
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesperson)

    def test_time_rules_checked_every_15_minutes(self):
        self.env["base.automation"]._update_cron()
        cron = self.env.ref("base_automation.ir_cron_data_base_automation_check")
        self.assertEqual((cron.interval_number, cron.interval_type), (15, "minutes"))

    def test_followup_template_in_german(self):
        template = self.env.ref("crm_pipeline.mail_template_crm_lead_followup")
        self.env["res.lang"]._activate_lang("de_DE")
        self.env.ref("base.module_crm_pipeline")._update_translations(["de_DE"])
        german = template.with_context(lang="de_DE")
        self.assertEqual(german.subject, "Nachfrage: {{ object.name }}")
        self.assertIn("Mit freundlichen Grüßen", german.body_html)
        self.assertEqual(
            template.with_context(lang="en_US").subject, "Following up: {{ object.name }}"
        )
