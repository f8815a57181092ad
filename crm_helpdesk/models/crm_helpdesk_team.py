import ast

from odoo import api, fields, models


class CrmHelpdeskTeam(models.Model):
    _name = "crm.helpdesk.team"
    _description = "Helpdesk Team"
    _inherit = ["mail.alias.mixin.optional", "mail.thread"]
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    color = fields.Integer()

    # People
    leader_id = fields.Many2one(
        "res.users",
        string="Team Leader",
        domain=[("share", "=", False)],
        help="Notified when an SLA of a team ticket is breached.",
    )
    manager_id = fields.Many2one(
        "res.users",
        string="Escalation Manager",
        domain=[("share", "=", False)],
        help="Notified when a breached SLA stays unsolved past the manager "
        "escalation delay of its policy.",
    )
    member_ids = fields.Many2many(
        "res.users",
        "crm_helpdesk_team_member_rel",
        "team_id",
        "user_id",
        string="Agents",
        domain=[("share", "=", False)],
    )

    # Assignment
    assignment_method = fields.Selection(
        [
            ("manual", "Manual"),
            ("round_robin", "Round Robin"),
            ("least_loaded", "Least Loaded"),
        ],
        required=True,
        default="manual",
        help="How new tickets without an assignee get one: round robin takes the "
        "agents in turn, least loaded takes the agent with the fewest open tickets.",
    )
    last_assigned_user_id = fields.Many2one(
        "res.users", readonly=True, help="Agent who got the previous round-robin ticket."
    )

    # Working time and cost
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        required=True,
        default=lambda self: self.env.company.resource_calendar_id,
        help="Calendar on which SLA targets are counted: its time zone, working "
        "hours, leaves and public holidays.",
    )
    default_ticket_hours = fields.Float(
        string="Default Ticket Effort",
        default=1.0,
        help="Hours of work assumed for an open ticket without an estimate, in "
        "the agent workload planning.",
    )
    hourly_rate = fields.Monetary(
        help="Cost of one hour of support time, used for the support cost per customer."
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    stage_ids = fields.Many2many(
        "crm.helpdesk.stage",
        string="Stages",
        help="Stages used by this team. Stages without a team are shared by every team.",
    )
    portal_published = fields.Boolean(
        string="Offered on Portal",
        default=True,
        help="Customers can choose this team when they open a ticket on the portal.",
    )

    # Figures
    ticket_ids = fields.One2many("crm.helpdesk.ticket", "team_id", string="Tickets")
    open_ticket_count = fields.Integer(compute="_compute_open_ticket_count")

    def _compute_open_ticket_count(self):
        groups = self.env["crm.helpdesk.ticket"]._read_group(
            [("team_id", "in", self.ids), ("is_closed", "=", False)],
            ["team_id"],
            ["__count"],
        )
        counts = {team.id: count for team, count in groups}
        for team in self:
            team.open_ticket_count = counts.get(team.id, 0)

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get("crm.helpdesk.ticket").id
        if self.id:
            defaults = ast.literal_eval(self.alias_defaults or "{}")
            defaults["team_id"] = self.id
            defaults.setdefault("channel", "email")
            values["alias_defaults"] = defaults
            values["alias_parent_model_id"] = self.env["ir.model"]._get(self._name).id
            values["alias_parent_thread_id"] = self.id
        return values

    # ------------------------------------------------------------
    # Assignment
    # ------------------------------------------------------------

    def _get_next_assignee(self):
        """Return the agent who should take the next ticket of this team.

        :return: a res.users record, empty for manual assignment or a team
            without active agents
        """
        self.ensure_one()
        agents = self.member_ids.filtered("active").sorted("id")
        if self.assignment_method == "manual" or not agents:
            return self.env["res.users"]
        if self.assignment_method == "round_robin":
            following = agents.filtered(lambda user: user.id > self.last_assigned_user_id.id)
            agent = following[:1] or agents[:1]
            self.sudo().last_assigned_user_id = agent
            return agent
        groups = (
            self.env["crm.helpdesk.ticket"]
            .sudo()
            ._read_group(
                [("user_id", "in", agents.ids), ("is_closed", "=", False)],
                ["user_id"],
                ["__count"],
            )
        )
        load = {user.id: count for user, count in groups}
        return min(agents, key=lambda user: (load.get(user.id, 0), user.id))

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_helpdesk.crm_helpdesk_ticket_action"
        )
        action["domain"] = [("team_id", "=", self.id)]
        action["context"] = {"default_team_id": self.id}
        return action

    @api.model
    def _get_default_stage(self, team):
        """Return the first open stage usable by ``team`` (a team may be empty)."""
        domain = [("is_closed", "=", False), ("is_waiting", "=", False)]
        if team:
            domain += ["|", ("team_ids", "=", False), ("team_ids", "in", team.ids)]
        return self.env["crm.helpdesk.stage"].search(domain, limit=1)
