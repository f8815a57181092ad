from datetime import timedelta

from freezegun import freeze_time
from psycopg2.errors import SerializationFailure

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CrmCampaignCommon


class NurtureCommon(CrmCampaignCommon):
    """A welcome sequence on contacts:

    1. send "Welcome"            4. send "Second chance"
    2. wait 3 days               5. leave the sequence
    3. opened "Welcome"?         6. schedule a call for the salesperson
       yes -> 6, no -> 4
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_model_id = cls.env["ir.model"]._get_id("res.partner")
        cls.welcome_template = cls._make_template("Welcome {{ object.name }}")
        cls.second_template = cls._make_template("Second chance")
        cls.call_type = cls.env.ref("mail.mail_activity_data_call")
        cls.sequence = cls.env["crm.nurture.sequence"].create({
            "name": "Welcome",
            "target_model": "res.partner",
        })
        steps = cls.env["crm.nurture.step"].create([
            {"sequence_id": cls.sequence.id, "sequence": 1, "step_type": "mail",
             "mail_template_id": cls.welcome_template.id},
            {"sequence_id": cls.sequence.id, "sequence": 2, "step_type": "wait",
             "wait_days": 3},
            {"sequence_id": cls.sequence.id, "sequence": 3, "step_type": "branch",
             "condition": "opened"},
            {"sequence_id": cls.sequence.id, "sequence": 4, "step_type": "mail",
             "mail_template_id": cls.second_template.id},
            {"sequence_id": cls.sequence.id, "sequence": 5, "step_type": "exit"},
            {"sequence_id": cls.sequence.id, "sequence": 6, "step_type": "activity",
             "activity_type_id": cls.call_type.id, "activity_summary": "Call back"},
        ])
        (cls.send_welcome, cls.wait, cls.branch, cls.send_second, cls.leave,
         cls.call) = steps
        cls.branch.write({"yes_step_id": cls.call.id, "no_step_id": cls.send_second.id})

    @classmethod
    def _make_template(cls, subject):
        return cls.env["mail.template"].create({
            "name": subject,
            "model_id": cls.env["ir.model"]._get_id("res.partner"),
            "subject": subject,
            "body_html": "<p>Hello <t t-out=\"object.name or 'there'\"/></p>",
        })

    def _enrol(self, *partners):
        return self.env["crm.nurture.participant"].create([
            {"sequence_id": self.sequence.id, "partner_id": partner.id}
            for partner in partners
        ])

    def _traces(self, step, partner=None):
        domain = [("mass_mailing_id", "=", step.mailing_id.id)]
        if partner:
            domain.append(("res_id", "=", partner.id))
        return self.env["mailing.trace"].search(domain) if step.mailing_id else (
            self.env["mailing.trace"]
        )

    def _run_cron(self):
        return self.env["crm.nurture.sequence"]._cron_advance_participants()


@tagged("post_install", "-at_install")
@freeze_time(NurtureCommon.NOW)
class TestNurtureSequence(NurtureCommon):

    def test_branches_on_given_dates(self):
        self.sequence.action_start()
        anna, dora = self._enrol(self.anna, self.dora)

        with freeze_time(self.NOW):
            self._run_cron()
        self.assertEqual(len(self._traces(self.send_welcome, self.anna)), 1)
        self.assertEqual(len(self._traces(self.send_welcome, self.dora)), 1)
        mailing = self.send_welcome.mailing_id
        self.assertEqual(
            mailing._render_field("subject", self.anna.ids)[self.anna.id],
            "Welcome Anna Adler",
        )
        self.assertEqual(anna.current_step_id, self.wait)
        self.assertEqual(anna.next_run_at, self.NOW + timedelta(days=3))

        # Day 2: Anna opens the welcome mail; nothing is due yet.
        with freeze_time(self.NOW + timedelta(days=2)):
            self._traces(self.send_welcome, self.anna).set_opened()
            self._run_cron()
        self.assertEqual(anna.current_step_id, self.wait)
        self.assertEqual(dora.current_step_id, self.wait)

        with freeze_time(self.NOW + timedelta(days=3, minutes=5)):
            self._run_cron()
        self.assertEqual(anna.state, "done")
        activity = self.env["mail.activity"].search([
            ("res_model", "=", "res.partner"), ("res_id", "=", self.anna.id),
        ])
        self.assertEqual(activity.summary, "Call back")
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertEqual(activity.date_deadline, (self.NOW + timedelta(days=4)).date())
        self.assertFalse(self._traces(self.send_second, self.anna))

        self.assertEqual(dora.state, "exited")
        self.assertEqual(len(self._traces(self.send_second, self.dora)), 1)
        self.assertFalse(self.env["mail.activity"].search([
            ("res_model", "=", "res.partner"), ("res_id", "=", self.dora.id),
        ]))
        self.assertEqual(
            anna.log_ids.filtered(lambda log: log.step_id == self.branch).result, "yes"
        )
        self.assertEqual(
            dora.log_ids.filtered(lambda log: log.step_id == self.branch).result, "no"
        )
        self.assertEqual(
            dora.log_ids.step_id,
            self.send_welcome | self.wait | self.branch | self.send_second | self.leave,
        )
        self.assertEqual(self.sequence.done_count, 1)
        self.assertEqual(self.sequence.exited_count, 1)

    def test_wait_until_date(self):
        self.wait.write({
            "step_type": "wait_until",
            "wait_until": self.NOW + timedelta(days=10),
        })
        self.sequence.action_start()
        participant = self._enrol(self.dora)
        with freeze_time(self.NOW + timedelta(days=9)):
            self._run_cron()
        self.assertEqual(participant.current_step_id, self.wait)
        self.assertEqual(participant.next_run_at, self.NOW + timedelta(days=10))
        with freeze_time(self.NOW + timedelta(days=10, seconds=1)):
            self._run_cron()
        self.assertEqual(participant.state, "exited")

    def test_branch_on_click_and_reply(self):
        self.branch.condition = "clicked"
        self.sequence.exit_on_reply = False
        self.sequence.action_start()
        anna, dora = self._enrol(self.anna, self.dora)
        with freeze_time(self.NOW):
            self._run_cron()
            # Opening is not enough for a "clicked" branch.
            self._traces(self.send_welcome, self.anna).set_opened()
            self._traces(self.send_welcome, self.dora).set_clicked()
        with freeze_time(self.NOW + timedelta(days=4)):
            self._run_cron()
        self.assertEqual(anna.state, "exited")
        self.assertEqual(dora.state, "done")

    def test_exit_on_reply(self):
        self.sequence.action_start()
        carla = self._enrol(self.carla)
        with freeze_time(self.NOW):
            self._run_cron()
            self._traces(self.send_welcome, self.carla).set_replied()
        with freeze_time(self.NOW + timedelta(days=4)):
            self._run_cron()
        self.assertEqual(carla.state, "exited")
        self.assertEqual(carla.exit_reason, "Replied to an email")
        self.assertFalse(carla.log_ids.filtered(lambda log: log.step_id == self.branch))

    def test_exit_on_won_opportunity(self):
        self.sequence.action_start()
        dora = self._enrol(self.dora)
        with freeze_time(self.NOW):
            self._run_cron()
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        with freeze_time(self.NOW + timedelta(days=1)):
            self.env["crm.lead"].create({
                "name": "Dora's order", "partner_id": self.dora.id,
                "type": "opportunity", "stage_id": won_stage.id,
            })
        with freeze_time(self.NOW + timedelta(days=4)):
            self._run_cron()
        self.assertEqual(dora.state, "exited")
        self.assertEqual(dora.exit_reason, "Opportunity won")

    def test_blocklisted_and_opted_out_get_no_mail(self):
        self.sequence.optout_list_ids = self.newsletter
        self.sequence.action_start()
        self._enrol(self.eve, self.frank, self.dora)
        with freeze_time(self.NOW):
            self._run_cron()
        traces = self._traces(self.send_welcome)
        self.assertEqual(
            traces.filtered(lambda t: t.trace_status != "cancel").res_id, self.dora.id
        )
        self.assertEqual(
            sorted(traces.filtered(lambda t: t.trace_status == "cancel").mapped(
                "failure_type")),
            ["mail_bl", "mail_optout"],
        )

    def test_segment_entry(self):
        segment = self._make_segment([{"criterion_type": "email_opened", "days": 30}])
        self.sequence.segment_id = segment
        with freeze_time(self.NOW):
            self.sequence.action_start()
            self.assertEqual(
                sorted(self.sequence.participant_ids.partner_id.mapped("name")),
                ["Anna Adler", "Carla Cruz", "Frank Fuchs"],
            )
            self._run_cron()
            self._run_cron()
        self.assertEqual(self.sequence.participant_count, 3)
        self.assertEqual(len(self._traces(self.send_welcome)), 3)
        self.assertEqual(
            set(self.sequence.participant_ids.mapped("current_step_id")), {self.wait}
        )

    def test_lead_sequence_moves_stage_and_tags(self):
        stage = self.env["crm.stage"].create({"name": "Nurtured", "sequence": 50})
        tag = self.env["crm.tag"].create({"name": "Warm"})
        sequence = self.env["crm.nurture.sequence"].create({
            "name": "Lead warm-up",
            "target_model": "crm.lead",
            "step_ids": [
                Command.create({"step_type": "stage", "stage_id": stage.id}),
                Command.create({"step_type": "tag", "lead_tag_ids": [tag.id]}),
            ],
        })
        lead = self.env["crm.lead"].create({"name": "Big deal", "partner_id": self.anna.id})
        sequence.action_start()
        participant = self.env["crm.nurture.participant"].create(
            {"sequence_id": sequence.id, "lead_id": lead.id}
        )
        self.assertEqual(participant.partner_id, self.anna)
        self._run_cron()
        self.assertEqual(lead.stage_id, stage)
        self.assertIn(tag, lead.tag_ids)
        self.assertEqual(participant.state, "done")

    @mute_logger(
        "odoo.addons.crm_campaign.models.crm_nurture_participant",
        "odoo.addons.mail.models.mail_render_mixin",
    )
    def test_failing_participant_is_skipped(self):
        self.send_welcome.mail_template_id.body_html = "<p><t t-out=\"object.nope\"/></p>"
        self.sequence.action_start()
        participants = self._enrol(self.anna, self.dora)
        with freeze_time(self.NOW):
            self._run_cron()
        self.assertTrue(all(participants.mapped("last_error")))
        self.assertEqual(participants.mapped("next_run_at"), [
            self.NOW + timedelta(hours=1)
        ] * 2)
        self.assertFalse(participants.log_ids)

    def test_invalid_steps_rejected(self):
        with self.assertRaisesRegex(ValidationError, "choose the email template"):
            self.env["crm.nurture.step"].create(
                {"sequence_id": self.sequence.id, "step_type": "mail"}
            )
        lead_template = self.env["mail.template"].create({
            "name": "Lead mail",
            "model_id": self.env["ir.model"]._get_id("crm.lead"),
        })
        with self.assertRaisesRegex(ValidationError, "is for crm.lead records"):
            self.env["crm.nurture.step"].create({
                "sequence_id": self.sequence.id, "step_type": "mail",
                "mail_template_id": lead_template.id,
            })


@tagged("post_install", "-at_install")
@freeze_time(NurtureCommon.NOW)
class TestNurtureExactlyOnce(NurtureCommon):

    def test_rerun_after_lost_progress_sends_once(self):
        """A worker sent the mails, then died before saving the participants'
        progress: the rerun finds the log rows and does not send again."""
        self.sequence.action_start()
        participants = self._enrol(self.anna, self.dora, self.bert)
        with freeze_time(self.NOW):
            self._run_cron()
            self.assertEqual(len(self._traces(self.send_welcome)), 3)
            participants.write({
                "current_step_id": self.send_welcome.id,
                "next_run_at": self.NOW,
            })
            self._run_cron()
        self.assertEqual(len(self._traces(self.send_welcome)), 3)
        for partner in self.anna | self.dora | self.bert:
            self.assertEqual(len(self._traces(self.send_welcome, partner)), 1)
        self.assertEqual(set(participants.mapped("current_step_id")), {self.wait})

    def test_crash_before_commit_then_rerun(self):
        """A crash between sending and committing rolls the mails back with the
        log rows, so the rerun sends each mail exactly once."""
        self.sequence.action_start()
        participants = self._enrol(self.anna, self.dora)
        with freeze_time(self.NOW):
            with self.assertRaises(RuntimeError):
                with self.env.cr.savepoint():
                    self._run_cron()
                    self.assertEqual(len(self._traces(self.send_welcome)), 2)
                    raise RuntimeError("worker killed before commit")
            self.env.invalidate_all()
            self.assertFalse(
                self.env["crm.nurture.log"].search(
                    [("participant_id", "in", participants.ids)]
                )
            )
            self._run_cron()
        self.assertEqual(len(self._traces(self.send_welcome, self.anna)), 1)
        self.assertEqual(len(self._traces(self.send_welcome, self.dora)), 1)

    def test_second_worker_on_same_batch(self):
        """Two workers advancing the same participants one after the other, as
        when a second worker took a batch whose lock had been released."""
        self.sequence.action_start()
        participants = self._enrol(self.anna, self.dora)
        with freeze_time(self.NOW):
            stale_copy = self.env["crm.nurture.participant"].browse(participants.ids)
            participants._advance()
            # The second worker still reads the participants at the mail step.
            self.env.invalidate_all()
            stale_copy.write({
                "current_step_id": self.send_welcome.id, "next_run_at": self.NOW,
            })
            stale_copy._advance()
        self.assertEqual(len(self._traces(self.send_welcome)), 2)
        self.assertEqual(self.send_welcome.log_count, 2)

    def test_conflict_with_other_worker_is_retried(self):
        """A serialization failure (another worker changed the same rows) rolls
        the batch back for the next run instead of parking the participants."""
        self.sequence.action_start()
        participants = self._enrol(self.anna, self.dora)
        self.env.flush_all()
        self.env.cr.execute("""
            CREATE FUNCTION crm_test_conflict() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'test: concurrent update'
                    USING ERRCODE = 'serialization_failure';
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER crm_test_conflict BEFORE INSERT ON crm_nurture_log
                FOR EACH ROW EXECUTE FUNCTION crm_test_conflict();
        """)
        with freeze_time(self.NOW), mute_logger("odoo.sql_db"):
            with self.assertRaises(SerializationFailure):
                with self.env.cr.savepoint():
                    self._run_cron()
        self.env.invalidate_all()
        self.assertEqual(participants.mapped("last_error"), [False, False])
        self.assertEqual(participants.mapped("next_run_at"), [self.NOW] * 2)
        self.assertEqual(participants.mapped("current_step_id"), self.send_welcome)
