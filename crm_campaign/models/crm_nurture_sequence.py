import logging

from odoo import api, fields, models, modules
from odoo.exceptions import UserError
from odoo.tools import SQL

from .crm_segment import TARGET_MODELS

_logger = logging.getLogger(__name__)

# Participants one cron transaction advances before committing: large enough to
# send one mailing per step for many recipients, small enough that a timeout
# loses little work.
ADVANCE_BATCH_SIZE = 500


class CrmNurtureSequence(models.Model):
    _name = "crm.nurture.sequence"
    _description = "Nurturing sequence"
    _order = "name, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True
    )
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("stopped", "Stopped")],
        required=True,
        default="draft",
        copy=False,
    )
    target_model = fields.Selection(
        TARGET_MODELS,
        string="Applies to",
        required=True,
        default="res.partner",
    )
    segment_id = fields.Many2one(
        "crm.segment",
        string="Entry segment",
        domain="[('target_model', '=', target_model)]",
        help="Members of this segment enter the sequence automatically while it "
        "runs. Leave empty to add participants by hand.",
    )
    step_ids = fields.One2many(
        "crm.nurture.step", "sequence_id", string="Steps", copy=True
    )
    participant_ids = fields.One2many(
        "crm.nurture.participant", "sequence_id", string="Participants"
    )
    campaign_id = fields.Many2one(
        "utm.campaign",
        help="Campaign the mails of the sequence belong to, for attribution.",
    )
    optout_list_ids = fields.Many2many(
        "mailing.list",
        string="Honour opt-outs of",
        help="Addresses that unsubscribed from one of these lists get no mail from "
        "the sequence.",
    )

    # Results of the sequence's campaign
    crm_lead_count = fields.Integer(related="campaign_id.crm_lead_count", string="Leads")
    crm_won_revenue = fields.Monetary(
        related="campaign_id.crm_won_revenue",
        string="Won revenue",
        currency_field="crm_currency_id",
    )
    crm_currency_id = fields.Many2one(related="campaign_id.crm_currency_id")

    # Exit conditions
    exit_on_reply = fields.Boolean(
        default=True, help="A participant who replies to a mail of the sequence leaves it."
    )
    exit_on_conversion = fields.Boolean(
        default=True,
        help="A participant leaves the sequence once their opportunity is won.",
    )

    # Figures
    participant_count = fields.Integer(compute="_compute_participant_counts")
    running_count = fields.Integer(compute="_compute_participant_counts")
    done_count = fields.Integer(compute="_compute_participant_counts")
    exited_count = fields.Integer(compute="_compute_participant_counts")

    @api.depends("participant_ids.state")
    def _compute_participant_counts(self):
        counts = {
            (sequence.id, state): count
            for sequence, state, count in self.env["crm.nurture.participant"]._read_group(
                [("sequence_id", "in", self.ids)],
                ["sequence_id", "state"],
                ["__count"],
            )
        }
        for sequence in self:
            sequence.running_count = counts.get((sequence.id, "running"), 0)
            sequence.done_count = counts.get((sequence.id, "done"), 0)
            sequence.exited_count = counts.get((sequence.id, "exited"), 0)
            sequence.participant_count = (
                sequence.running_count + sequence.done_count + sequence.exited_count
            )

    @api.constrains("segment_id", "target_model")
    def _check_segment_target(self):
        for sequence in self:
            if sequence.segment_id and sequence.segment_id.target_model != (
                sequence.target_model
            ):
                raise UserError(self.env._(
                    "Sequence %(sequence)s applies to %(target)s, but its entry "
                    "segment %(segment)s selects other records.",
                    sequence=sequence.name,
                    target=sequence.target_model,
                    segment=sequence.segment_id.name,
                ))

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_start(self):
        for sequence in self:
            if not sequence.step_ids:
                raise UserError(self.env._(
                    "Sequence %(sequence)s has no steps: add at least one before "
                    "starting it.",
                    sequence=sequence.name,
                ))
        self.write({"state": "running"})
        for step in self.step_ids.filtered(lambda step: step.step_type == "mail"):
            step._get_or_create_mailing()
        self._enrol_segment_members()
        return True

    def action_stop(self):
        self.write({"state": "stopped"})
        return True

    def action_view_participants(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Participants"),
            "res_model": "crm.nurture.participant",
            "view_mode": "list,form",
            "domain": [("sequence_id", "=", self.id)],
            "context": {"default_sequence_id": self.id},
        }

    def action_advance_now(self):
        """Advance the due participants of these sequences right away."""
        participants = self.env["crm.nurture.participant"].search([
            ("sequence_id", "in", self.ids),
            ("state", "=", "running"),
            ("next_run_at", "<=", fields.Datetime.now()),
        ])
        participants._advance()
        return True

    # ------------------------------------------------------------
    # Enrolment
    # ------------------------------------------------------------

    def _enrol_segment_members(self):
        """Add the members of the entry segment who are not participants yet,
        in one INSERT per sequence.

        :return: number of participants added
        """
        added = 0
        now = fields.Datetime.now()
        for sequence in self.filtered(lambda seq: seq.state == "running" and seq.segment_id):
            first_step = sequence.step_ids[:1]
            members = self.env[sequence.target_model].sudo()._search(
                sequence.segment_id._get_member_domain()
            )
            if sequence.target_model == "crm.lead":
                member_select = members.select(
                    SQL.identifier("crm_lead", "partner_id"),
                    SQL.identifier("crm_lead", "id"),
                )
                existing = SQL("participant.lead_id = member.record_id")
            else:
                member_select = members.select(
                    SQL.identifier("res_partner", "id"), SQL("NULL::integer")
                )
                existing = SQL(
                    "participant.partner_id = member.partner_id"
                    " AND participant.lead_id IS NULL"
                )
            self.env.cr.execute(SQL(
                """
                INSERT INTO crm_nurture_participant (
                    sequence_id, partner_id, lead_id, company_id, state,
                    current_step_id, step_started_at, next_run_at, enrolled_at,
                    create_uid, create_date, write_uid, write_date)
                SELECT %(sequence)s, member.partner_id, member.record_id,
                       %(company)s, 'running', %(step)s, %(now)s, %(now)s, %(now)s,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM (%(members)s) AS member(partner_id, record_id)
                 WHERE NOT EXISTS (
                        SELECT 1 FROM crm_nurture_participant participant
                         WHERE participant.sequence_id = %(sequence)s
                           AND %(existing)s)
                ON CONFLICT DO NOTHING
                """,
                sequence=sequence.id,
                company=sequence.company_id.id,
                step=first_step.id,
                now=now,
                uid=self.env.uid,
                members=member_select,
                existing=existing,
            ))
            added += self.env.cr.rowcount
        if added:
            self.env["crm.nurture.participant"].invalidate_model()
            self.invalidate_recordset(["participant_ids"])
            _logger.info("Enrolled %s segment members into nurturing sequences", added)
        return added

    # ------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------

    @api.model
    def _cron_advance_participants(self, batch_size=ADVANCE_BATCH_SIZE):
        """Enrol new segment members and advance every due participant.

        Runs every few minutes. Participants are claimed in batches of
        ``batch_size`` with FOR UPDATE SKIP LOCKED, so two workers share the
        work instead of doing it twice, and each batch is committed, so a
        timeout keeps the batches already done. The log's unique (participant,
        step) pair is the final guard against executing a step twice.
        """
        in_test = modules.module.current_test
        self.search([("state", "=", "running")])._enrol_segment_members()
        if not in_test:
            self.env.cr.commit()  # pylint: disable=invalid-commit

        participants = self.env["crm.nurture.participant"]
        done = 0
        while True:
            batch = participants._claim_due(batch_size)
            if not batch:
                break
            batch._advance()
            done += len(batch)
            remaining = participants.search_count([
                ("state", "=", "running"),
                ("next_run_at", "<=", fields.Datetime.now()),
            ])
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
            if not in_test:
                # Commit per batch so the steps done survive a timeout.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        _logger.info("Nurturing cron advanced %s participants", done)
        return done
