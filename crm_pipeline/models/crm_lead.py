import logging
from datetime import timedelta

from odoo import api, fields, models, modules
from odoo.exceptions import ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import config

from odoo.addons.crm_core.tools.cron_cursor import CronCursor

_logger = logging.getLogger(__name__)

RISK_REASONS = [
    ("no_activity", "No activity"),
    ("deadline_passed", "Closing date passed"),
    ("stuck", "Stuck in stage"),
    ("probability_drop", "Probability dropped"),
    ("quote_overdue", "Quote expired"),
    ("ticket_escalated", "Escalated ticket"),
]
# Fewer closed stage visits than this give no reliable usual time in a stage.
MIN_STAGE_SAMPLES = 3
# Opportunities checked per batch by the daily risk cron.
RISK_BATCH_SIZE = 1000
# Used when the sales team sets no value of its own.
DEFAULT_INACTIVITY_DAYS = 14
# Leads the at-risk cron checks: open opportunities, and the flagged ones so
# that a won, lost or archived deal loses its flag.
RISK_CANDIDATES_QUERY = """
    SELECT lead.id FROM crm_lead lead
      LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
     WHERE ((lead.active AND lead.type = 'opportunity' AND stage.is_won IS NOT TRUE)
            OR lead.crm_is_at_risk)
"""
DEFAULT_DROP_WINDOW_DAYS = 14
# crm_helpdesk's SLA escalation level from which a ticket counts as escalated
# (2: the SLA deadline was breached).
ESCALATED_SLA_LEVEL = 2

FORECAST_CATEGORIES = [
    ("pipeline", "Pipeline"),
    ("best_case", "Best Case"),
    ("commit", "Commit"),
]


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # Stage history
    crm_stage_history_ids = fields.One2many(
        comodel_name="crm.lead.stage.history",
        inverse_name="lead_id",
        string="Stage History",
        readonly=True,
    )
    crm_days_in_stage = fields.Integer(
        string="Days in Stage",
        compute="_compute_crm_days_in_stage",
        help="Whole days since the opportunity entered its current stage.",
    )

    # Forecast
    crm_forecast_category = fields.Selection(
        selection=FORECAST_CATEGORIES,
        string="Forecast Category",
        default="pipeline",
        required=True,
        tracking=True,
        index=True,
        help="Salesperson's call on the deal: Commit (will close this "
        "period), Best Case (may close if things go well) or Pipeline.",
    )
    crm_probability_drop_date = fields.Datetime(
        string="Probability Dropped On",
        readonly=True,
        copy=False,
        help="Last time the probability of the opportunity was lowered.",
    )

    # Follow-up of customer replies
    crm_awaiting_reply_since = fields.Datetime(
        string="Awaiting Reply Since",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Date of the first email sent to the customer that has not been "
        "answered yet. Cleared when the customer replies.",
    )

    # At-risk deals
    crm_is_at_risk = fields.Boolean(
        string="At Risk",
        readonly=True,
        copy=False,
        index=True,
        help="Set by the daily check when at least one risk reason applies.",
    )
    crm_risk_codes = fields.Char(
        string="Risk Reason Codes",
        readonly=True,
        copy=False,
        help="Comma-separated codes of the risk reasons found by the last check.",
    )
    crm_risk_summary = fields.Char(
        string="Risk Reasons",
        compute="_compute_crm_risk_summary",
    )

    @api.depends("crm_risk_codes")
    def _compute_crm_risk_summary(self):
        labels = dict(self._fields["crm_risk_reason"].get_description(self.env)["selection"])
        for lead in self:
            codes = (lead.crm_risk_codes or "").split(",")
            lead.crm_risk_summary = ", ".join(labels[code] for code in codes if code in labels)

    crm_risk_reason = fields.Selection(
        selection=RISK_REASONS,
        string="Risk Reason",
        compute="_compute_crm_risk_reason",
        search="_search_crm_risk_reason",
        help="Filter opportunities by one reason of risk.",
    )

    def _compute_crm_risk_reason(self):
        for lead in self:
            codes = (lead.crm_risk_codes or "").split(",")
            lead.crm_risk_reason = codes[0] if codes[0] else False

    def _search_crm_risk_reason(self, operator, value):
        if operator not in ("=", "in"):
            return NotImplemented
        values = [value] if isinstance(value, str) else list(value)
        domain = []
        for code in values:
            domain = ["|", *domain, ("crm_risk_codes", "ilike", code)] if domain else [
                ("crm_risk_codes", "ilike", code)
            ]
        return domain or [("id", "=", 0)]

    @api.depends("date_last_stage_update")
    def _compute_crm_days_in_stage(self):
        # Datetime.now() drops the microseconds that crm keeps on the stage
        # date, so a stage entered within the current second would give -1.
        now = fields.Datetime.now()
        for lead in self:
            since = lead.date_last_stage_update or lead.create_date
            lead.crm_days_in_stage = max((now - since).days, 0) if since else 0

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._crm_check_stage_requirements()
        leads._crm_create_stage_history_from_dates()
        return leads

    def write(self, vals):
        if self.env.context.get("crm_pipeline_skip_stage_tracking"):
            return super().write(vals)
        stage_before = {lead.id: lead.stage_id.id for lead in self}
        active_before = {lead.id: lead.active for lead in self}
        probability_before = {lead.id: lead.probability for lead in self}
        if "stage_id" in vals and "probability" not in vals:
            vals = self._crm_apply_stage_probability(vals)

        result = super().write(vals)

        if "stage_id" in vals:
            moved = self.filtered(lambda lead: lead.stage_id.id != stage_before[lead.id])
            moved._crm_check_stage_requirements()
            moved._crm_track_stage_change()
        if "active" in vals:
            archived = self.filtered(lambda lead: active_before[lead.id] and not lead.active)
            restored = self.filtered(lambda lead: not active_before[lead.id] and lead.active)
            archived._crm_close_stage_history()
            restored._crm_track_stage_change()
        if "probability" in vals:
            dropped = self.filtered(
                lambda lead: lead.active
                and 0 < lead.probability < probability_before[lead.id]
            )
            if dropped:
                dropped.with_context(crm_pipeline_skip_stage_tracking=True).write(
                    {"crm_probability_drop_date": fields.Datetime.now()}
                )
        return result

    # ------------------------------------------------------------
    # Stage rules
    # ------------------------------------------------------------

    def _crm_apply_stage_probability(self, vals):
        """Return ``vals`` with the default probability of the new stage."""
        stage = self.env["crm.stage"].browse(vals.get("stage_id"))
        if stage and not stage.is_won and stage.crm_default_probability:
            vals = dict(vals, probability=stage.crm_default_probability)
        return vals

    def _crm_check_stage_requirements(self):
        """Raise when an opportunity enters a stage whose required fields it
        does not fill. Imports and data migrations skip the check with the
        ``crm_pipeline_skip_stage_check`` context key."""
        if self.env.context.get("crm_pipeline_skip_stage_check"):
            return
        for lead in self:
            missing = [
                rule.field_id.field_description
                for rule in lead.stage_id.crm_required_field_ids
                if rule.crm_blocks_stage
                and rule.field_id.name in lead._fields
                and rule._crm_applies_to(lead)
                and not lead[rule.field_id.name]
            ]
            if missing:
                raise ValidationError(
                    self.env._(
                        "The opportunity “%(lead)s” cannot be in the stage "
                        "“%(stage)s” yet: fill in %(fields)s first.",
                        lead=lead.display_name,
                        stage=lead.stage_id.display_name,
                        fields=", ".join(missing),
                    )
                )

    # ------------------------------------------------------------
    # Stage history
    # ------------------------------------------------------------

    def _crm_close_stage_history(self, when=None):
        """Set the leaving date on the open history entries of the leads."""
        if not self:
            return
        open_entries = self.env["crm.lead.stage.history"].sudo().search(
            [("lead_id", "in", self.ids), ("date_left", "=", False)]
        )
        open_entries.write({"date_left": when or fields.Datetime.now()})

    def _crm_track_stage_change(self):
        """Close the open history entries and open one in the current stage."""
        if not self:
            return
        now = fields.Datetime.now()
        self._crm_close_stage_history(now)
        self.env["crm.lead.stage.history"].sudo().create(
            [
                lead._crm_prepare_stage_history_values(lead.stage_id, now)
                for lead in self
                if lead.stage_id and lead.active
            ]
        )

    def _crm_prepare_stage_history_values(self, stage, date_entered, date_left=False):
        self.ensure_one()
        return {
            "lead_id": self.id,
            "stage_id": stage.id,
            "date_entered": date_entered,
            "date_left": date_left,
            "user_id": self.user_id.id,
            "team_id": self.team_id.id,
        }

    def _crm_get_stage_before_won(self, won_stage):
        """Return the open stage with the highest sequence before
        ``won_stage``, used when the real path of a won deal is unknown."""
        return self.env["crm.stage"].search(
            [
                ("is_won", "=", False),
                ("sequence", "<=", won_stage.sequence),
                "|",
                ("team_id", "=", False),
                ("team_id", "=", self.team_id.id),
            ],
            order="sequence desc, id desc",
            limit=1,
        )

    def _crm_create_stage_history_from_dates(self, origin="tracked"):
        """Create the history of leads that have none, from their dates.

        A lead starts in its stage on its assignment date (``date_open``) or,
        without one, its creation date. A won lead spends the time until
        ``date_closed`` in the last open stage before the won stage, then
        enters the won stage on ``date_closed``. A lost or archived lead
        leaves its stage on ``date_closed``. New leads thus get one entry
        starting now, and imported deals get their real open and close dates.
        """
        if not self:
            return self.env["crm.lead.stage.history"]
        has_history = set(
            self.env["crm.lead.stage.history"]
            .sudo()
            .search([("lead_id", "in", self.ids)])
            .mapped("lead_id")
            .ids
        )
        now = fields.Datetime.now()
        stage_before_won = {}
        values = []
        for lead in self:
            if lead.id in has_history or not lead.stage_id:
                continue
            start = lead.date_open or lead.create_date or now
            closed = lead.date_closed
            if lead.stage_id.is_won and lead.active:
                won_on = max(closed or start, start)
                key = (lead.team_id.id, lead.stage_id.id)
                if key not in stage_before_won:
                    stage_before_won[key] = lead._crm_get_stage_before_won(lead.stage_id)
                before = stage_before_won[key]
                if before and won_on > start:
                    values.append(
                        lead._crm_prepare_stage_history_values(before, start, won_on)
                    )
                values.append(lead._crm_prepare_stage_history_values(lead.stage_id, won_on))
            elif not lead.active:
                left = max(closed or lead.write_date or now, start)
                values.append(
                    lead._crm_prepare_stage_history_values(lead.stage_id, start, left)
                )
            else:
                values.append(lead._crm_prepare_stage_history_values(lead.stage_id, start))
        for entry in values:
            entry["origin"] = origin
        return self.env["crm.lead.stage.history"].sudo().create(values)

    @api.model
    def _crm_backfill_stage_history(self, batch_size=5000):
        """Rebuild the history of every lead that has none (leads created
        before crm_pipeline was installed, or written by SQL), in batches.

        :param int batch_size: leads processed per batch
        :return: number of history entries created
        """
        created = 0
        Lead = self.with_context(active_test=False)
        while True:
            self.env.cr.execute(
                """
                SELECT lead.id
                  FROM crm_lead lead
                 WHERE lead.stage_id IS NOT NULL
                   AND NOT EXISTS (
                       SELECT 1 FROM crm_lead_stage_history history
                        WHERE history.lead_id = lead.id)
                 ORDER BY lead.id
                 LIMIT %s
                """,
                (batch_size,),
            )
            lead_ids = [row[0] for row in self.env.cr.fetchall()]
            if not lead_ids:
                break
            created += len(
                Lead.browse(lead_ids)._crm_create_stage_history_from_dates(origin="backfill")
            )
        _logger.info("Stage history rebuilt from dates: %s entries created", created)
        return created

    # ------------------------------------------------------------
    # At-risk deals
    # ------------------------------------------------------------

    def _crm_get_open_opportunities(self):
        return self.filtered(
            lambda lead: lead.active
            and lead.type == "opportunity"
            and not lead.stage_id.is_won
        )

    def _crm_get_last_activity_dates(self):
        """Return {lead_id: datetime} of the last email, comment or logged
        activity on each lead (system notifications do not count)."""
        rows = self.env["mail.message"].sudo()._read_group(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "in", self.ids),
                "|",
                ("message_type", "in", ("email", "comment")),
                ("mail_activity_type_id", "!=", False),
            ],
            ["res_id"],
            ["date:max"],
        )
        return dict(rows)

    def _crm_get_usual_stage_days(self):
        """Return ({(team_id, stage_id): days}, {stage_id: days}): the average
        time spent in a stage per team and over all teams, from the history
        entries that are closed. Pairs with too few samples are left out."""
        History = self.env["crm.lead.stage.history"].sudo()
        per_team = {
            (team.id, stage.id): average
            for team, stage, average, count in History._read_group(
                [("date_left", "!=", False)],
                ["team_id", "stage_id"],
                ["duration_days:avg", "__count"],
            )
            if count >= MIN_STAGE_SAMPLES
        }
        overall = {
            stage.id: average
            for stage, average, count in History._read_group(
                [("date_left", "!=", False)],
                ["stage_id"],
                ["duration_days:avg", "__count"],
            )
            if count >= MIN_STAGE_SAMPLES
        }
        return per_team, overall

    def _crm_get_expired_quote_lead_ids(self, today):
        rows = self.env["sale.order"].sudo()._read_group(
            [
                ("opportunity_id", "in", self.ids),
                ("state", "in", ("draft", "sent")),
                ("validity_date", "<", today),
            ],
            ["opportunity_id"],
        )
        return {lead.id for (lead,) in rows}

    def _crm_get_escalated_partner_ids(self):
        """Return the ids of the commercial partners of ``self`` that have an
        open escalated ticket: with crm_helpdesk installed, an open ticket
        whose SLA reached the breached level. Without it there are none.
        Other helpdesk modules override this hook."""
        if "crm.helpdesk.ticket.sla" not in self.env:
            return set()
        Line = self.env["crm.helpdesk.ticket.sla"].sudo()
        if "escalation_level" not in Line._fields or "ticket_id" not in Line._fields:
            return set()
        customers = self.partner_id.commercial_partner_id
        if not customers:
            return set()
        rows = Line._read_group(
            [
                ("escalation_level", ">=", ESCALATED_SLA_LEVEL),
                ("ticket_id.is_closed", "=", False),
                ("ticket_id.commercial_partner_id", "in", customers.ids),
            ],
            ["ticket_id"],
        )
        return {ticket.commercial_partner_id.id for (ticket,) in rows}

    def _crm_compute_risk_reasons(self, now=None):
        """Return {lead_id: [reason codes]} for the open opportunities of
        ``self`` at ``now`` (default: the current time).

        :param datetime now: moment of the check, in UTC
        """
        now = now or fields.Datetime.now()
        today = now.date()
        leads = self._crm_get_open_opportunities()
        if not leads:
            return {}
        last_activity = leads._crm_get_last_activity_dates()
        usual_per_team, usual_overall = leads._crm_get_usual_stage_days()
        expired_quotes = leads._crm_get_expired_quote_lead_ids(today)
        escalated = leads._crm_get_escalated_partner_ids()

        reasons = {}
        for lead in leads:
            team = lead.team_id
            codes = []
            inactivity_days = team.crm_risk_inactivity_days or DEFAULT_INACTIVITY_DAYS
            last = max(
                filter(
                    None,
                    [last_activity.get(lead.id), lead.date_last_stage_update, lead.create_date],
                ),
                default=None,
            )
            if last and now - last > timedelta(days=inactivity_days):
                codes.append("no_activity")
            if lead.date_deadline and lead.date_deadline < today:
                codes.append("deadline_passed")
            entered = lead.date_last_stage_update or lead.create_date
            usual = usual_per_team.get((team.id, lead.stage_id.id)) or usual_overall.get(
                lead.stage_id.id
            )
            if entered and usual and (now - entered).total_seconds() / 86400.0 > usual:
                codes.append("stuck")
            drop_window = team.crm_risk_drop_window_days or DEFAULT_DROP_WINDOW_DAYS
            if lead.crm_probability_drop_date and now - lead.crm_probability_drop_date <= timedelta(
                days=drop_window
            ):
                codes.append("probability_drop")
            if lead.id in expired_quotes:
                codes.append("quote_overdue")
            if lead.partner_id.commercial_partner_id.id in escalated:
                codes.append("ticket_escalated")
            reasons[lead.id] = codes
        return reasons

    def _crm_update_risk(self, now=None):
        """Store the at-risk flag and reasons of the leads in ``self``."""
        reasons = self._crm_compute_risk_reasons(now)
        by_value = {}
        for lead in self:
            codes = ",".join(reasons.get(lead.id, [])) or False
            if codes != (lead.crm_risk_codes or False):
                by_value.setdefault(codes, self.browse())
                by_value[codes] |= lead
        for codes, leads in by_value.items():
            leads.with_context(
                crm_pipeline_skip_stage_tracking=True, tracking_disable=True
            ).write({"crm_risk_codes": codes, "crm_is_at_risk": bool(codes)})
        return reasons

    @api.model
    def _cron_update_risk(self, batch_size=RISK_BATCH_SIZE):
        """Flag the at-risk opportunities; runs daily.

        Checks open opportunities and the ones still flagged, in batches of
        ``batch_size`` leads. The id of the last checked lead is kept with the
        day of the pass (see crm_core's ``CronCursor``), so that a run cut by a
        timeout resumes after it and a second run the same day checks only the
        leads added since. A second worker that finds a batch in progress leaves
        the pass to the first one, and the leads of a batch are locked with SKIP
        LOCKED against other writers. A lead that fails is logged and skipped.

        :return: number of leads checked
        """
        in_test = config["test_enable"] or modules.module.current_test
        today = str(fields.Date.today())
        cursor = CronCursor(self.env, "crm_pipeline.risk_cursor")
        cursor.ensure()
        done = 0
        remaining = None
        while True:
            position = cursor.lock()
            if position is None:
                _logger.info("At-risk check: another worker is checking, leaving the pass to it")
                break
            day, last_id = position
            if day != today:
                last_id = 0
            if remaining is None:
                remaining = self._crm_count_risk_candidates(last_id)
            self.env.flush_all()
            self.env.cr.execute(
                f"""
                {RISK_CANDIDATES_QUERY}
                   AND lead.id > %s
                 ORDER BY lead.id
                 LIMIT %s
                   FOR NO KEY UPDATE OF lead SKIP LOCKED
                """,
                [last_id, batch_size],
            )
            ids = [row[0] for row in self.env.cr.fetchall()]
            if not ids:
                break
            self.with_context(active_test=False).browse(ids)._crm_update_risk_batch()
            cursor.move(today, ids[-1])
            done += len(ids)
            remaining = max(remaining - len(ids), 0)
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
            if not in_test:
                # Commit each batch so a timeout keeps the work done so far. The
                # commit also frees the cursor for another worker.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        if not in_test:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        cursor.done()
        _logger.info("At-risk check: %s leads checked", done)
        return done

    def _crm_count_risk_candidates(self, last_id):
        self.env.flush_all()
        self.env.cr.execute(
            f"SELECT COUNT(*) FROM ({RISK_CANDIDATES_QUERY} AND lead.id > %s) AS candidate",
            [last_id],
        )
        return self.env.cr.fetchone()[0]

    def _crm_update_risk_batch(self):
        """Update the risk of ``self`` in one go, or lead by lead when the batch
        fails. A lead that fails alone is logged and skipped."""
        try:
            with self.env.cr.savepoint():
                self._crm_update_risk()
            return
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except Exception:
            _logger.warning(
                "At-risk check failed for leads %s; checking them one by one",
                self.ids,
                exc_info=True,
            )
        for lead in self:
            try:
                with self.env.cr.savepoint():
                    lead._crm_update_risk()
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception:
                _logger.exception("At-risk check failed for lead %s, skipped", lead.id)

    @api.model
    def _cron_send_risk_digest(self):
        """Email each salesperson the at-risk deals they own and each team
        leader the at-risk deals of their teams; runs weekly. A recipient
        whose email fails is logged and skipped.

        The digest goes out once per ISO week: the week is stored (see crm_core's
        ``CronCursor``) in the transaction that queues the mails, so a second
        worker or a second run in the same week sends nothing, and a run killed
        before its commit leaves the week to the next run.

        :return: number of digests queued
        """
        template = self.env.ref("crm_pipeline.mail_template_risk_digest", raise_if_not_found=False)
        if not template:
            _logger.warning("At-risk digest skipped: its mail template was deleted")
            return 0
        year, week_number, _weekday = fields.Date.context_today(self).isocalendar()
        week = f"{year}-W{week_number:02d}"
        cursor = CronCursor(self.env, "crm_pipeline.risk_digest_week")
        cursor.ensure()
        position = cursor.lock()
        if position is None or position[0] == week:
            _logger.info("At-risk digest of %s already sent or being sent, skipped", week)
            return 0
        leads = self.search(
            [("crm_is_at_risk", "=", True), ("type", "=", "opportunity")],
            order="user_id, expected_revenue desc",
        )
        leads_by_user = {}
        for lead in leads:
            for recipient in (lead.user_id, lead.team_id.user_id):
                if recipient and recipient.active and not recipient.share:
                    leads_by_user.setdefault(recipient, self.browse())
                    leads_by_user[recipient] |= lead
        sent = 0
        for user, user_leads in leads_by_user.items():
            try:
                with self.env.cr.savepoint():
                    template.with_context(crm_risk_leads=user_leads).send_mail(
                        user.id, email_layout_xmlid="mail.mail_notification_light"
                    )
                    sent += 1
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception:
                _logger.exception("At-risk digest to user %s failed, skipped", user.id)
        cursor.move(week, 0)
        cursor.done()
        _logger.info("At-risk digest sent to %s users", sent)
        return sent

    # ------------------------------------------------------------
    # Follow-up of customer replies
    # ------------------------------------------------------------

    def _message_post_after_hook(self, message, msg_vals):
        result = super()._message_post_after_hook(message, msg_vals)
        self._crm_track_customer_reply(message)
        return result

    def _crm_track_customer_reply(self, message):
        """Start waiting for the customer when a salesperson emails them, and
        stop waiting (cancelling the pending follow-up activities) when the
        customer writes back."""
        if message.message_type not in ("email", "comment"):
            return
        author = message.author_id
        author_is_internal = bool(author.user_ids.filtered(lambda user: not user.share))
        is_internal_note = bool(message.subtype_id.internal)
        for lead in self:
            customer = lead.partner_id.commercial_partner_id
            if author_is_internal and not lead.crm_awaiting_reply_since and not is_internal_note:
                if message.partner_ids - lead.user_id.partner_id - author:
                    lead.with_context(crm_pipeline_skip_stage_tracking=True).sudo().write(
                        {"crm_awaiting_reply_since": message.date or fields.Datetime.now()}
                    )
            elif not author_is_internal and lead.crm_awaiting_reply_since and (
                not customer or author.commercial_partner_id == customer
                or author.email_normalized == lead.email_normalized
            ):
                lead._crm_cancel_followup()

    def _crm_cancel_followup(self):
        followup_type = self.env.ref(
            "crm_pipeline.mail_activity_type_followup", raise_if_not_found=False
        )
        self.with_context(crm_pipeline_skip_stage_tracking=True).sudo().write(
            {"crm_awaiting_reply_since": False}
        )
        if followup_type:
            self.env["mail.activity"].sudo().search(
                [
                    ("res_model", "=", "crm.lead"),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", followup_type.id),
                ]
            ).unlink()
