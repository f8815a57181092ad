from datetime import timedelta

import pytz

from odoo import api, fields, models

# Planning horizon offered by default: one working week.
DEFAULT_HORIZON_DAYS = 7


class CrmHelpdeskWorkload(models.TransientModel):
    """Open work of an agent against their working time in the coming days."""

    _name = "crm.helpdesk.workload"
    _description = "Helpdesk Agent Workload"
    _order = "load_percent desc, id"

    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    team_id = fields.Many2one("crm.helpdesk.team", readonly=True)
    date_from = fields.Date(readonly=True)
    date_to = fields.Date(readonly=True)
    open_ticket_count = fields.Integer(string="Open Tickets", readonly=True)
    breached_ticket_count = fields.Integer(string="Breaching SLA", readonly=True)
    planned_hours = fields.Float(
        string="Open Work (Hours)",
        readonly=True,
        help="Estimated hours left on the open tickets of the agent.",
    )
    available_hours = fields.Float(
        string="Working Time (Hours)",
        readonly=True,
        help="Working hours of the agent in the period, leaves and holidays excluded.",
    )
    free_hours = fields.Float(readonly=True)
    load_percent = fields.Float(string="Load (%)", readonly=True, aggregator="avg")

    @api.model
    def _compute_workload(self, teams=None, days=DEFAULT_HORIZON_DAYS, now=None):
        """Create one workload line per agent of ``teams`` for the next ``days``.

        Working time comes from the agent's own resource calendar when the agent
        has a resource (e.g. an employee), else from the team calendar, so
        personal leaves count when they are recorded.

        :return: the created crm.helpdesk.workload records
        """
        teams = teams if teams is not None else self.env["crm.helpdesk.team"].search([])
        now = now or fields.Datetime.now()
        end = now + timedelta(days=days)
        agents = teams.member_ids
        tickets = self.env["crm.helpdesk.ticket"].sudo()
        groups = tickets._read_group(
            [("user_id", "in", agents.ids), ("is_closed", "=", False)],
            ["user_id", "team_id"],
            ["__count", "planned_hours:sum", "time_spent:sum"],
        )
        breached_groups = tickets._read_group(
            [
                ("user_id", "in", agents.ids),
                ("is_closed", "=", False),
                ("sla_status", "=", "breached"),
            ],
            ["user_id"],
            ["__count"],
        )
        breached = {user.id: count for user, count in breached_groups}
        unestimated = dict(
            ((user.id, team.id), count)
            for user, team, count in tickets._read_group(
                [
                    ("user_id", "in", agents.ids),
                    ("is_closed", "=", False),
                    ("planned_hours", "=", 0),
                ],
                ["user_id", "team_id"],
                ["__count"],
            )
        )
        work = {}
        for user, team, count, planned, spent in groups:
            entry = work.setdefault(user.id, {"count": 0, "hours": 0.0})
            entry["count"] += count
            default_hours = team.default_ticket_hours if team else 1.0
            entry["hours"] += max(planned - spent, 0.0) + (
                unestimated.get((user.id, team.id), 0) * default_hours
            )
        resources = self.env["resource.resource"].sudo().search([("user_id", "in", agents.ids)])
        resource_by_user = {resource.user_id.id: resource for resource in resources}
        start_utc = pytz.utc.localize(now)
        end_utc = pytz.utc.localize(end)
        values = []
        for team in teams:
            for agent in team.member_ids:
                resource = resource_by_user.get(agent.id, self.env["resource.resource"])
                calendar = resource.calendar_id or team.resource_calendar_id
                intervals = calendar._work_intervals_batch(start_utc, end_utc, resources=resource)[
                    resource.id
                ]
                available = sum(
                    (stop - start).total_seconds() / 3600 for start, stop, _meta in intervals
                )
                entry = work.get(agent.id, {"count": 0, "hours": 0.0})
                values.append(
                    {
                        "user_id": agent.id,
                        "team_id": team.id,
                        "date_from": now.date(),
                        "date_to": end.date(),
                        "open_ticket_count": entry["count"],
                        "breached_ticket_count": breached.get(agent.id, 0),
                        "planned_hours": entry["hours"],
                        "available_hours": available,
                        "free_hours": available - entry["hours"],
                        "load_percent": (
                            100.0 * entry["hours"] / available if available else 100.0
                        ),
                    }
                )
        return self.create(values)

    @api.model
    def action_open_workload(self):
        lines = self._compute_workload()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_helpdesk.crm_helpdesk_workload_action"
        )
        action["domain"] = [("id", "in", lines.ids)]
        return action
