from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmHelpdeskStage(models.Model):
    _name = "crm.helpdesk.stage"
    _description = "Helpdesk Ticket Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    fold = fields.Boolean(help="Folded in the kanban view of tickets.")
    team_ids = fields.Many2many(
        "crm.helpdesk.team",
        string="Teams",
        help="Teams using this stage. Leave empty to use it in every team.",
    )

    # Stage semantics read by the SLA engine
    is_closed = fields.Boolean(
        string="Closing Stage",
        help="Tickets in this stage are solved: the resolution SLA is reached and "
        "the customer is asked for a rating.",
    )
    is_waiting = fields.Boolean(
        string="Waiting for Customer",
        help="The SLA clock of tickets in this stage is paused until they leave it.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain=[("model", "=", "crm.helpdesk.ticket")],
        help="Email sent to the customer when a ticket enters this stage.",
    )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_by_tickets(self):
        groups = (
            self.env["crm.helpdesk.ticket"]
            .with_context(active_test=False)
            .sudo()
            ._read_group([("stage_id", "in", self.ids)], ["stage_id"], ["__count"])
        )
        if groups:
            raise UserError(
                self.env._(
                    "Stages still used by tickets cannot be deleted: %(stages)s. "
                    "Move those tickets to another stage, or archive the stage.",
                    stages=", ".join(f"{stage.name} ({count})" for stage, count in groups),
                )
            )
