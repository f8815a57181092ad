import logging

from odoo import api, fields, models, modules
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import config

_logger = logging.getLogger(__name__)

# Lines handled per transaction by the escalation cron. One line costs a few
# queries (mostly the notification message), so 500 lines keep a batch in the
# order of seconds and its locks short.
ESCALATION_BATCH_SIZE = 500

# Escalation levels stored on a line, in the order they fire.
LEVEL_NONE, LEVEL_AT_RISK, LEVEL_BREACHED, LEVEL_MANAGER = 0, 1, 2, 3


class CrmHelpdeskTicketSla(models.Model):
    """One SLA target of one ticket, with its deadline and its state.

    Deadlines are counted in working hours on the calendar of the ticket's
    team, with resource.calendar's own arithmetic (time zone, leaves and public
    holidays included). While the ticket waits for the customer the line is
    paused, and resuming shifts its dates by the working time left.
    """

    _name = "crm.helpdesk.ticket.sla"
    _description = "Helpdesk Ticket SLA"
    _order = "deadline, id"

    ticket_id = fields.Many2one(
        "crm.helpdesk.ticket", required=True, ondelete="cascade", index=True
    )
    sla_id = fields.Many2one(
        "crm.helpdesk.sla", string="SLA Policy", required=True, ondelete="cascade"
    )
    target_type = fields.Selection(
        [("first_response", "First Response"), ("resolution", "Resolution")],
        required=True,
    )
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True)
    team_id = fields.Many2one(related="ticket_id.team_id", store=True)
    user_id = fields.Many2one(related="ticket_id.user_id", string="Assignee")
    partner_id = fields.Many2one(
        related="ticket_id.commercial_partner_id", string="Customer", store=True
    )
    calendar_id = fields.Many2one("resource.calendar", string="Working Hours", required=True)
    target_hours = fields.Float(required=True, help="Working hours allowed for this target.")

    # Dates (UTC)
    start_date = fields.Datetime(required=True)
    deadline = fields.Datetime(index=True)
    at_risk_date = fields.Datetime(help="Moment the at-risk share of the target time is used up.")
    manager_date = fields.Datetime(
        string="Manager Escalation Date",
        help="Moment the escalation manager is notified if the line is still open.",
    )
    reached_date = fields.Datetime(string="Reached On")
    paused_since = fields.Datetime(help="Set while the ticket waits for the customer or is closed.")
    paused_hours = fields.Float(
        help="Working hours spent paused so far; they do not count against the target."
    )

    # State
    status = fields.Selection(
        [
            ("on_track", "On Track"),
            ("at_risk", "At Risk"),
            ("breached", "Breached"),
            ("met", "Met"),
        ],
        required=True,
        default="on_track",
        index=True,
    )
    escalation_level = fields.Integer(
        default=LEVEL_NONE,
        help="Last escalation level notified: 1 at risk, 2 breached, 3 manager.",
    )
    remaining_hours = fields.Float(
        string="Remaining Working Hours",
        compute="_compute_remaining_hours",
        help="Working hours left before the deadline; negative once it has passed.",
    )
    working_hours_used = fields.Float(
        compute="_compute_remaining_hours",
        help="Working hours counted against the target so far.",
    )

    def init(self):
        # The escalation cron only looks at running lines.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS crm_helpdesk_ticket_sla_running_idx
                ON crm_helpdesk_ticket_sla (deadline, at_risk_date)
             WHERE reached_date IS NULL AND paused_since IS NULL
            """
        )

    @api.depends("deadline", "reached_date", "paused_since", "calendar_id")
    def _compute_remaining_hours(self):
        now = fields.Datetime.now()
        for line in self:
            if not line.deadline:
                line.remaining_hours = 0.0
                line.working_hours_used = 0.0
                continue
            moment = line.reached_date or line.paused_since or now
            line.remaining_hours = line._working_hours_between(moment, line.deadline)
            line.working_hours_used = line.target_hours - line.remaining_hours

    # ------------------------------------------------------------
    # Working-time arithmetic on the calendar
    # ------------------------------------------------------------

    def _working_hours_between(self, date_from, date_to):
        """Return the working hours from ``date_from`` to ``date_to`` (naive UTC).

        The result is negative when ``date_to`` is before ``date_from``.
        """
        self.ensure_one()
        if date_to >= date_from:
            return self.calendar_id.get_work_hours_count(date_from, date_to)
        return -self.calendar_id.get_work_hours_count(date_to, date_from)

    def _plan(self, hours, date_from):
        """Return the moment ``hours`` working hours after ``date_from`` (naive UTC)."""
        self.ensure_one()
        return self.calendar_id.plan_hours(hours, date_from, compute_leaves=True)

    def _compute_dates(self, start, hours_left, at_risk_hours_left, manager_hours):
        """Return the deadline, at-risk and manager dates planned from ``start``."""
        deadline = self._plan(hours_left, start)
        at_risk = self._plan(max(at_risk_hours_left, 0.0), start)
        manager = False
        if manager_hours and deadline:
            manager = self._plan(manager_hours, deadline)
        return {
            "deadline": deadline,
            "at_risk_date": min(at_risk, deadline) if at_risk and deadline else at_risk,
            "manager_date": manager,
        }

    @api.model
    def _prepare_line_values(self, ticket, policy, target_type, hours):
        calendar = ticket.team_id.resource_calendar_id or ticket.company_id.resource_calendar_id
        line = self.new({"calendar_id": calendar.id})
        values = {
            "ticket_id": ticket.id,
            "sla_id": policy.id,
            "target_type": target_type,
            "calendar_id": calendar.id,
            "target_hours": hours,
            "start_date": ticket.date_open,
        }
        values.update(
            line._compute_dates(
                ticket.date_open,
                hours,
                hours * policy.at_risk_percent / 100.0,
                policy.manager_escalation_hours,
            )
        )
        return values

    # ------------------------------------------------------------
    # Clock: pause, resume, reach
    # ------------------------------------------------------------

    def _pause(self, when):
        for line in self.filtered(lambda line: not line.paused_since and not line.reached_date):
            line.paused_since = when

    def _resume(self, when):
        """Restart paused lines at ``when``, shifting their dates by the pause."""
        for line in self.filtered("paused_since"):
            paused_since = line.paused_since
            values = {
                "paused_since": False,
                "paused_hours": line.paused_hours
                + max(line._working_hours_between(paused_since, when), 0.0),
            }
            if line.deadline and line.deadline > paused_since:
                hours_left = line._working_hours_between(paused_since, line.deadline)
                at_risk_left = 0.0
                if line.at_risk_date and line.at_risk_date > paused_since:
                    at_risk_left = line._working_hours_between(paused_since, line.at_risk_date)
                values.update(
                    line._compute_dates(
                        when, hours_left, at_risk_left, line.sla_id.manager_escalation_hours
                    )
                )
            line.write(values)
        self._refresh_status(when)

    def _reach(self, when):
        for line in self.filtered(lambda line: not line.reached_date):
            line.write(
                {
                    "reached_date": when,
                    "paused_since": False,
                    "status": "met" if line.deadline and when <= line.deadline else "breached",
                }
            )

    def _reopen(self, when):
        """Reopen reached resolution lines: the time while closed counts as a pause."""
        for line in self.filtered("reached_date"):
            line.write({"paused_since": line.reached_date, "reached_date": False})
        self._resume(when)

    def _expected_status(self, now):
        self.ensure_one()
        if self.reached_date:
            return "met" if self.deadline and self.reached_date <= self.deadline else "breached"
        moment = self.paused_since or now
        if self.deadline and moment >= self.deadline:
            return "breached"
        if self.at_risk_date and moment >= self.at_risk_date:
            return "at_risk"
        return "on_track"

    def _refresh_status(self, now=None):
        now = now or fields.Datetime.now()
        for line in self:
            status = line._expected_status(now)
            if line.status != status:
                line.status = status

    # ------------------------------------------------------------
    # Escalation cron
    # ------------------------------------------------------------

    @api.model
    def _cron_escalate(self, batch_size=ESCALATION_BATCH_SIZE, now=None):
        """Update the status of running SLA lines and fire the escalation ladder.

        Runs every 5 minutes. Each batch locks up to ``batch_size`` running lines
        due for a new level (at risk, breached, manager) with SKIP LOCKED, so two
        workers never take the same lines. Each level fires once per line because
        the level reached is stored on it. Progress is committed per batch outside
        tests, so a run cut by the cron timeout resumes where it stopped.

        :param int batch_size: lines per batch and transaction
        :param datetime now: reference time (naive UTC), defaults to now
        :return: number of lines processed
        """
        now = now or fields.Datetime.now()
        in_test = config["test_enable"] or modules.module.current_test
        processed = 0
        while True:
            # The selection runs in SQL: pending ORM writes must reach it.
            self.env.flush_all()
            self.env.cr.execute(
                """
                SELECT id
                  FROM crm_helpdesk_ticket_sla
                 WHERE reached_date IS NULL
                   AND paused_since IS NULL
                   AND (
                        (escalation_level < %(at_risk)s AND at_risk_date <= %(now)s)
                     OR (escalation_level < %(breached)s AND deadline <= %(now)s)
                     OR (escalation_level < %(manager)s AND manager_date <= %(now)s)
                   )
                 ORDER BY deadline, id
                 LIMIT %(limit)s
                   FOR UPDATE SKIP LOCKED
                """,
                {
                    "at_risk": LEVEL_AT_RISK,
                    "breached": LEVEL_BREACHED,
                    "manager": LEVEL_MANAGER,
                    "now": now,
                    "limit": batch_size,
                },
            )
            ids = [row[0] for row in self.env.cr.fetchall()]
            if not ids:
                break
            self.browse(ids)._escalate(now)
            processed += len(ids)
            remaining = self._count_due_lines(now)
            self.env["ir.cron"]._notify_progress(done=len(ids), remaining=remaining)
            if in_test:
                # A test runs inside one transaction: committing would break its
                # rollback, and a single batch is enough to check the ladder.
                if not remaining:
                    break
                continue
            # Commit each batch so a timeout keeps the work done and frees the locks.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        if processed:
            _logger.info("SLA escalation: %s lines processed", processed)
        return processed

    def _count_due_lines(self, now):
        self.env.cr.execute(
            """
            SELECT count(*)
              FROM crm_helpdesk_ticket_sla
             WHERE reached_date IS NULL
               AND paused_since IS NULL
               AND ((escalation_level < %(at_risk)s AND at_risk_date <= %(now)s)
                 OR (escalation_level < %(breached)s AND deadline <= %(now)s)
                 OR (escalation_level < %(manager)s AND manager_date <= %(now)s))
            """,
            {
                "at_risk": LEVEL_AT_RISK,
                "breached": LEVEL_BREACHED,
                "manager": LEVEL_MANAGER,
                "now": now,
            },
        )
        return self.env.cr.fetchone()[0]

    def _escalate(self, now):
        """Raise each line to the level it is due for and notify once per level."""
        self.fetch(
            [
                "ticket_id",
                "sla_id",
                "deadline",
                "at_risk_date",
                "manager_date",
                "escalation_level",
                "target_type",
            ]
        )
        self.ticket_id.fetch(["name", "number", "user_id", "team_id"])
        for line in self:
            try:
                with self.env.cr.savepoint():
                    line._escalate_one(now)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                # Another worker touched the same records (e.g. the customer's
                # signup fields while posting its own note): roll the batch back
                # so the next run retries it instead of losing the escalation.
                raise
            except Exception:
                # One bad line (deleted user, broken template...) must not stop
                # the batch; mark it so it is not picked up again forever.
                _logger.exception("SLA escalation failed for SLA line %s", line.id)
                line.escalation_level = LEVEL_MANAGER

    def _escalate_one(self, now):
        level = LEVEL_NONE
        if self.manager_date and self.manager_date <= now:
            level = LEVEL_MANAGER
        elif self.deadline and self.deadline <= now:
            level = LEVEL_BREACHED
        elif self.at_risk_date and self.at_risk_date <= now:
            level = LEVEL_AT_RISK
        status = "breached" if level >= LEVEL_BREACHED else "at_risk"
        previous = self.escalation_level
        self.write({"escalation_level": level, "status": status})
        policy = self.sla_id
        ticket = self.ticket_id
        recipients = self.env["res.users"]
        if previous < LEVEL_AT_RISK <= level and level == LEVEL_AT_RISK:
            if policy.notify_assignee_at_risk:
                recipients = ticket.user_id
        if previous < LEVEL_BREACHED <= level and policy.notify_leader_on_breach:
            recipients |= ticket.team_id.leader_id or ticket.user_id
        if previous < LEVEL_MANAGER <= level:
            recipients |= ticket.team_id.manager_id
        if recipients:
            ticket._notify_sla_escalation(self, level, recipients)
