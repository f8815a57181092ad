from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.crm_helpdesk_sla import PRIORITIES


class CrmHelpdeskReport(models.Model):
    """Ticket analysis: backlog, SLA compliance, response times, satisfaction, cost."""

    _name = "crm.helpdesk.report"
    _description = "Helpdesk Analysis"
    _auto = False
    _rec_name = "number"
    _order = "date_open desc"

    number = fields.Char(readonly=True)
    name = fields.Char(string="Subject", readonly=True)
    date_open = fields.Datetime(string="Opened On", readonly=True)
    close_date = fields.Datetime(string="Closed On", readonly=True)
    team_id = fields.Many2one("crm.helpdesk.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned To", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True)
    commercial_partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    category_id = fields.Many2one("crm.helpdesk.category", readonly=True)
    stage_id = fields.Many2one("crm.helpdesk.stage", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    priority = fields.Selection(PRIORITIES, readonly=True)
    channel = fields.Selection(
        [("email", "Email"), ("portal", "Portal"), ("phone", "Phone"), ("internal", "Internal")],
        readonly=True,
    )
    is_closed = fields.Boolean(string="Closed", readonly=True)
    sla_status = fields.Selection(
        [
            ("on_track", "On Track"),
            ("at_risk", "At Risk"),
            ("breached", "Breached"),
            ("met", "Met"),
        ],
        string="SLA Status",
        readonly=True,
    )
    ticket_count = fields.Integer(string="# Tickets", readonly=True)
    open_count = fields.Integer(string="# Open", readonly=True)
    sla_met_count = fields.Integer(string="# SLA Met", readonly=True)
    sla_breached_count = fields.Integer(string="# SLA Breached", readonly=True)
    sla_compliance = fields.Float(
        string="SLA Compliance (%)",
        readonly=True,
        aggregator="avg",
        help="100 for a ticket whose SLA targets were all met, 0 when one was breached.",
    )
    first_response_hours = fields.Float(
        string="First Response (Working Hours)", readonly=True, aggregator="avg"
    )
    resolution_hours = fields.Float(
        string="Resolution (Working Hours)", readonly=True, aggregator="avg"
    )
    rating = fields.Float(string="Rating (1-5)", readonly=True, aggregator="avg")
    time_spent = fields.Float(string="Time Spent (Hours)", readonly=True)
    support_cost = fields.Float(readonly=True)

    def _select(self):
        return """
            SELECT
                t.id AS id,
                t.number,
                t.name,
                t.date_open,
                t.close_date,
                t.team_id,
                t.user_id,
                t.partner_id,
                t.commercial_partner_id,
                t.category_id,
                t.stage_id,
                t.company_id,
                t.priority,
                t.channel,
                COALESCE(t.is_closed, FALSE) AS is_closed,
                t.sla_status,
                1 AS ticket_count,
                CASE WHEN COALESCE(t.is_closed, FALSE) THEN 0 ELSE 1 END AS open_count,
                CASE WHEN t.sla_status = 'met' THEN 1 ELSE 0 END AS sla_met_count,
                CASE WHEN t.sla_status = 'breached' THEN 1 ELSE 0 END AS sla_breached_count,
                CASE
                    WHEN t.sla_status = 'met' THEN 100.0
                    WHEN t.sla_status = 'breached' THEN 0.0
                END AS sla_compliance,
                NULLIF(t.first_response_hours, 0) AS first_response_hours,
                NULLIF(t.resolution_hours, 0) AS resolution_hours,
                NULLIF(t.rating_last_value, 0) AS rating,
                t.time_spent,
                t.support_cost
        """

    def _from(self):
        return "FROM crm_helpdesk_ticket t"

    def _where(self):
        return "WHERE t.active AND t.merged_into_id IS NULL"

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        query = SQL(" ".join((self._select(), self._from(), self._where())))
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), query)
        )
