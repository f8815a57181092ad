from odoo import api, fields, models
from odoo.exceptions import ValidationError

PRIORITIES = [
    ("0", "Low"),
    ("1", "Normal"),
    ("2", "High"),
    ("3", "Urgent"),
]


class CrmHelpdeskSla(models.Model):
    """SLA policy: response and resolution targets in working hours.

    A policy applies to a ticket when every criterion that is set matches; an
    empty criterion matches any ticket. A ticket gets the targets of every
    policy that applies.
    """

    _name = "crm.helpdesk.sla"
    _description = "Helpdesk SLA Policy"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    description = fields.Text(translate=True)

    # Criteria
    team_ids = fields.Many2many("crm.helpdesk.team", string="Teams")
    priority = fields.Selection(
        PRIORITIES, help="Applies only to tickets of this priority. Empty: any priority."
    )
    category_ids = fields.Many2many("crm.helpdesk.category", string="Categories")
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        help="Commercial partners (companies or individuals) this policy applies to.",
    )
    support_plan_ids = fields.Many2many(
        "crm.helpdesk.support.plan",
        string="Support Plans",
        help="Applies to customers who bought one of these support plans.",
    )

    # Targets, in working hours of the team calendar
    first_response_hours = fields.Float(
        string="First Response Target",
        help="Working hours between the opening of a ticket and the first public "
        "answer of an agent. 0 disables this target.",
    )
    resolution_hours = fields.Float(
        string="Resolution Target",
        help="Working hours between the opening of a ticket and its closing. "
        "0 disables this target.",
    )

    # Escalation ladder
    at_risk_percent = fields.Float(
        string="At Risk Threshold (%)",
        default=80.0,
        help="Share of the target time after which the SLA is at risk.",
    )
    notify_assignee_at_risk = fields.Boolean(string="Notify Assignee When at Risk", default=True)
    notify_leader_on_breach = fields.Boolean(string="Notify Team Leader on Breach", default=True)
    manager_escalation_hours = fields.Float(
        string="Escalate to Manager After",
        default=4.0,
        help="Working hours after a breach before the team's escalation manager "
        "is notified. 0 disables this level.",
    )

    @api.constrains(
        "first_response_hours", "resolution_hours", "at_risk_percent", "manager_escalation_hours"
    )
    def _check_targets(self):
        for policy in self:
            if policy.first_response_hours < 0 or policy.resolution_hours < 0:
                raise ValidationError(
                    self.env._(
                        "SLA policy %(name)s: targets cannot be negative "
                        "(first response %(first)s h, resolution %(resolution)s h).",
                        name=policy.name,
                        first=policy.first_response_hours,
                        resolution=policy.resolution_hours,
                    )
                )
            if not 0 < policy.at_risk_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "SLA policy %(name)s: the at-risk threshold must be between 1 and "
                        "100 %%, not %(value)s.",
                        name=policy.name,
                        value=policy.at_risk_percent,
                    )
                )
            if policy.manager_escalation_hours < 0:
                raise ValidationError(
                    self.env._(
                        "SLA policy %(name)s: the manager escalation delay cannot be "
                        "negative (%(value)s h).",
                        name=policy.name,
                        value=policy.manager_escalation_hours,
                    )
                )

    def _matches(self, ticket):
        """Return whether this policy applies to ``ticket``."""
        self.ensure_one()
        customer = ticket.commercial_partner_id
        return (
            self.company_id == ticket.company_id
            and (not self.team_ids or ticket.team_id in self.team_ids)
            and (not self.priority or self.priority == ticket.priority)
            and (not self.category_ids or ticket.category_id in self.category_ids)
            and (not self.partner_ids or customer in self.partner_ids)
            and (
                not self.support_plan_ids
                or customer.crm_helpdesk_support_plan_id in self.support_plan_ids
            )
        )
