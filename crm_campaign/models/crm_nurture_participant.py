import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Steps one participant may run in a single pass; a sequence longer than this
# simply continues at the next cron run.
MAX_STEPS_PER_PASS = 50
# Delay before a participant whose step failed is tried again.
RETRY_DELAY = timedelta(hours=1)


class CrmNurtureParticipant(models.Model):
    _name = "crm.nurture.participant"
    _description = "Participant of a nurturing sequence"
    _order = "enrolled_at desc, id desc"
    _rec_name = "partner_id"

    sequence_id = fields.Many2one(
        "crm.nurture.sequence", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Contact", ondelete="cascade", index="btree_not_null"
    )
    lead_id = fields.Many2one("crm.lead", ondelete="cascade", index="btree_not_null")
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Completed"), ("exited", "Left")],
        required=True,
        default="running",
        index=True,
    )
    current_step_id = fields.Many2one(
        "crm.nurture.step", string="Current step", ondelete="set null"
    )
    step_started_at = fields.Datetime(default=fields.Datetime.now)
    next_run_at = fields.Datetime(
        string="Next action", default=fields.Datetime.now, index=True
    )
    enrolled_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    exit_reason = fields.Char(readonly=True)
    last_error = fields.Char(readonly=True)
    log_ids = fields.One2many("crm.nurture.log", "participant_id", string="History")

    def init(self):
        # One participation per record and sequence (NULLs would not collide in a
        # plain UNIQUE constraint).
        self.env.cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS crm_nurture_participant_record_unique
                ON crm_nurture_participant (
                    sequence_id, COALESCE(lead_id, 0), COALESCE(partner_id, 0))
        """)
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_nurture_participant_due_index
                ON crm_nurture_participant (next_run_at)
             WHERE state = 'running'
        """)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("sequence_id") and not vals.get("current_step_id"):
                sequence = self.env["crm.nurture.sequence"].browse(vals["sequence_id"])
                vals["current_step_id"] = sequence.step_ids[:1].id
            if vals.get("lead_id") and not vals.get("partner_id"):
                vals["partner_id"] = self.env["crm.lead"].browse(
                    vals["lead_id"]
                ).partner_id.id
        participants = super().create(vals_list)
        participants._check_target()
        return participants

    def _check_target(self):
        for participant in self:
            if participant.sequence_id.target_model == "crm.lead" and not (
                participant.lead_id
            ):
                raise ValidationError(self.env._(
                    "Sequence %(sequence)s works on leads: choose the lead of the "
                    "participant.",
                    sequence=participant.sequence_id.name,
                ))
            if not participant.partner_id and not participant.lead_id:
                raise ValidationError(self.env._(
                    "Sequence %(sequence)s: a participant needs a contact.",
                    sequence=participant.sequence_id.name,
                ))

    def _get_record(self):
        self.ensure_one()
        if self.sequence_id.target_model == "crm.lead":
            return self.lead_id
        return self.partner_id

    def action_exit(self):
        self.write({
            "state": "exited",
            "exit_reason": self.env._("Removed by %(user)s", user=self.env.user.name),
        })
        return True

    # ------------------------------------------------------------
    # Claiming
    # ------------------------------------------------------------

    @api.model
    def _claim_due(self, limit, exclude_ids=()):
        """Lock and return up to ``limit`` due participants of running sequences.

        Rows locked by another transaction are skipped rather than waited for, so
        concurrent workers each take a different batch.
        """
        self.flush_model()
        self.env.cr.execute(SQL(
            """
            SELECT participant.id
              FROM crm_nurture_participant participant
              JOIN crm_nurture_sequence sequence
                ON sequence.id = participant.sequence_id
             WHERE participant.state = 'running'
               AND participant.next_run_at <= %(now)s
               AND sequence.state = 'running'
               AND NOT (participant.id = ANY(%(exclude)s))
             ORDER BY participant.next_run_at, participant.id
             LIMIT %(limit)s
               FOR UPDATE OF participant SKIP LOCKED
            """,
            now=fields.Datetime.now(),
            exclude=list(exclude_ids),
            limit=limit,
        ))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    # ------------------------------------------------------------
    # Advancing
    # ------------------------------------------------------------

    def _advance(self):
        """Run the due steps of these participants until each one waits or ends.

        Participants at the same step are handled together. If a group fails,
        its participants are retried one by one in savepoints, so one bad
        record is logged and skipped while the others go on.
        """
        for _pass in range(MAX_STEPS_PER_PASS):
            due = self._filter_due(fields.Datetime.now())
            if not due:
                return
            due._apply_exit_conditions()
            due = due.filtered(lambda p: p.state == "running")
            for step, group in due.grouped("current_step_id").items():
                if not step:
                    group._finish()
                    continue
                group._run_step_safely(step)
        # Participants still due after the last pass continue at the next run.

    def _filter_due(self, now):
        return self.filtered(
            lambda p: p.state == "running" and p.next_run_at and p.next_run_at <= now
        )

    def _run_step_safely(self, step):
        try:
            with self.env.cr.savepoint():
                step_results = self._run_step(step)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # Another worker changed the same rows (the step's mailing, a
            # contact): roll the batch back so that the next run retries it
            # instead of parking these participants for an hour.
            raise
        except Exception as error:  # any failure of one record must not stop the batch
            if len(self) == 1:
                self._record_failure(step, error)
                return
            for participant in self:
                participant._run_step_safely(step)
            return
        self._move_on(step, step_results)

    def _record_failure(self, step, error):
        _logger.error(
            "Nurturing step %s failed for participant %s: %s", step.id, self.id, error
        )
        self.write({
            "last_error": str(error)[:250],
            "next_run_at": fields.Datetime.now() + RETRY_DELAY,
        })

    def _claim_log_rows(self, step, result=None):
        """Insert the log rows of ``step`` for these participants.

        :return: the participants whose row is new; the others already ran the
            step, in this or an earlier transaction, and must not run it again
        """
        if not self:
            return self
        self.env["crm.nurture.log"].flush_model()
        self.env.cr.execute(SQL(
            """
            INSERT INTO crm_nurture_log (
                participant_id, step_id, sequence_id, executed_at, result,
                create_uid, create_date, write_uid, write_date)
            SELECT participant.id, %(step)s, participant.sequence_id, %(now)s,
                   %(result)s, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM crm_nurture_participant participant
             WHERE participant.id = ANY(%(ids)s)
            ON CONFLICT (participant_id, step_id) DO NOTHING
            RETURNING participant_id
            """,
            step=step.id,
            now=fields.Datetime.now(),
            result=result,
            uid=self.env.uid,
            ids=self.ids,
        ))
        new_ids = {row[0] for row in self.env.cr.fetchall()}
        self.env["crm.nurture.log"].invalidate_model()
        return self.filtered(lambda p: p.id in new_ids)

    def _run_step(self, step):
        """Execute ``step`` for these participants.

        :return: dict {participant id: next step} for participants that move to
            a specific step; the ones missing either wait (their ``next_run_at``
            is in the future) or continue with the next step
        """
        method = getattr(self, f"_run_step_{step.step_type}")
        return method(step)

    def _run_wait_step(self, step):
        now = fields.Datetime.now()
        waiting_by_due_date = defaultdict(lambda: self.browse())
        for participant in self:
            due_at = step._get_due_date(participant.step_started_at or now)
            if due_at > now:
                waiting_by_due_date[due_at] |= participant
        waiting = self.browse()
        for due_at, participants in waiting_by_due_date.items():
            participants.next_run_at = due_at
            waiting |= participants
        (self - waiting)._claim_log_rows(step)
        return {participant.id: None for participant in waiting}

    _run_step_wait = _run_wait_step
    _run_step_wait_until = _run_wait_step

    def _run_step_mail(self, step):
        new = self._claim_log_rows(step)
        if not new:
            return {}
        mailing = step._get_or_create_mailing()
        res_ids = [participant._get_record().id for participant in new]
        mailing._crm_send_to(res_ids)
        return {}

    def _run_step_branch(self, step):
        matching = self._filter_branch_condition(step)
        next_step = step._get_next_step()
        results = {}
        for participant in self:
            passed = participant in matching
            target = step.yes_step_id if passed else step.no_step_id
            results[participant.id] = target or next_step
        matching._claim_log_rows(step, "yes")
        (self - matching)._claim_log_rows(step, "no")
        return {
            participant_id: target or False
            for participant_id, target in results.items()
        }

    def _filter_branch_condition(self, step):
        if step.condition == "score":
            records = self._get_records()
            if "crm_score" not in records._fields:
                raise UserError(self.env._(
                    "Step %(step)s needs the lead scoring of CRM Core, which is not "
                    "available.",
                    step=step.name,
                ))
            passed = records.filtered(lambda record: record.crm_score >= step.condition_score)
            return self.filtered(lambda p: p._get_record() in passed)
        mail_step = step._get_previous_mail_step()
        if not mail_step.mailing_id:
            return self.browse()
        date_field = {
            "opened": "open_datetime",
            "clicked": "links_click_datetime",
            "replied": "reply_datetime",
        }[step.condition]
        trace_domain = [
            ("mass_mailing_id", "=", mail_step.mailing_id.id),
            ("model", "=", step.sequence_id.target_model),
            ("res_id", "in", self._get_records().ids),
        ]
        if step.condition == "opened":
            # A click or reply proves the mail was opened even if images were off.
            trace_domain += [
                "|", "|",
                ("open_datetime", "!=", False),
                ("links_click_datetime", "!=", False),
                ("reply_datetime", "!=", False),
            ]
        else:
            trace_domain.append((date_field, "!=", False))
        traces = self.env["mailing.trace"].sudo().search(trace_domain)
        res_ids = set(traces.mapped("res_id"))
        return self.filtered(lambda p: p._get_record().id in res_ids)

    def _get_records(self):
        if self.sequence_id[:1].target_model == "crm.lead":
            return self.lead_id
        return self.partner_id

    def _run_step_activity(self, step):
        new = self._claim_log_rows(step)
        deadline = fields.Date.context_today(self) + timedelta(days=step.activity_days)
        values = []
        for participant in new:
            record = participant._get_record()
            salesperson = (
                record._crm_get_salesperson() if record._name == "res.partner"
                else record.user_id
            )
            values.append({
                "res_model_id": self.env["ir.model"]._get_id(record._name),
                "res_id": record.id,
                "activity_type_id": step.activity_type_id.id,
                "summary": step.activity_summary or step.activity_type_id.name,
                "date_deadline": deadline,
                "user_id": salesperson.id or step.sequence_id.user_id.id or self.env.uid,
            })
        self.env["mail.activity"].sudo().create(values)
        return {}

    def _run_step_stage(self, step):
        new = self._claim_log_rows(step)
        new.lead_id.sudo().write({"stage_id": step.stage_id.id})
        return {}

    def _run_step_tag(self, step):
        new = self._claim_log_rows(step)
        if step.lead_tag_ids:
            new.lead_id.sudo().write({
                "tag_ids": [fields.Command.link(tag.id) for tag in step.lead_tag_ids]
            })
        if step.partner_tag_ids:
            new.partner_id.sudo().write({
                "category_id": [
                    fields.Command.link(tag.id) for tag in step.partner_tag_ids
                ]
            })
        return {}

    def _run_step_exit(self, step):
        self._claim_log_rows(step)
        self.write({
            "state": "exited",
            "exit_reason": self.env._("Reached step %(step)s", step=step.name),
            "next_run_at": False,
        })
        return {}

    def _move_on(self, step, step_results):
        """Move these participants past ``step``, one write per target step."""
        now = fields.Datetime.now()
        next_step = step._get_next_step()
        by_target = defaultdict(lambda: self.browse())
        for participant in self.filtered(lambda p: p.state == "running"):
            target = step_results.get(participant.id, next_step)
            if target is None:
                continue  # still waiting
            by_target[target] |= participant
        for target, participants in by_target.items():
            if not target:
                participants._finish()
                continue
            participants.write({
                "current_step_id": target.id,
                "step_started_at": now,
                "next_run_at": now,
                "last_error": False,
            })

    def _finish(self):
        self.write({"state": "done", "current_step_id": False, "next_run_at": False})

    # ------------------------------------------------------------
    # Exit conditions
    # ------------------------------------------------------------

    def _apply_exit_conditions(self):
        """Take out the participants who replied or converted, in two queries."""
        by_sequence = self.grouped("sequence_id")
        for sequence, participants in by_sequence.items():
            if sequence.exit_on_reply:
                replied = participants._filter_replied()
                replied.write({
                    "state": "exited",
                    "exit_reason": self.env._("Replied to an email"),
                    "next_run_at": False,
                })
            if sequence.exit_on_conversion:
                converted = participants.filtered(
                    lambda p: p.state == "running"
                )._filter_converted()
                converted.write({
                    "state": "exited",
                    "exit_reason": self.env._("Opportunity won"),
                    "next_run_at": False,
                })

    def _filter_replied(self):
        sequence = self.sequence_id
        mailings = sequence.step_ids.mailing_id
        if not mailings:
            return self.browse()
        traces = self.env["mailing.trace"].sudo().search([
            ("mass_mailing_id", "in", mailings.ids),
            ("model", "=", sequence.target_model),
            ("res_id", "in", self._get_records().ids),
            ("reply_datetime", "!=", False),
        ])
        replied_ids = set(traces.mapped("res_id"))
        return self.filtered(lambda p: p._get_record().id in replied_ids)

    def _filter_converted(self):
        if self.sequence_id.target_model == "crm.lead":
            return self.filtered(lambda p: p.lead_id.stage_id.is_won)
        won = self.env["crm.lead"].sudo()._read_group(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("stage_id.is_won", "=", True),
            ],
            ["partner_id"],
            ["date_closed:max"],
        )
        won_at = {partner.id: date_closed for partner, date_closed in won}
        return self.filtered(
            lambda p: p.partner_id.id in won_at
            and (not won_at[p.partner_id.id] or won_at[p.partner_id.id] >= p.enrolled_at)
        )
