from odoo import api, fields, models


class CrmHelpdeskTicketMerge(models.TransientModel):
    _name = "crm.helpdesk.ticket.merge"
    _description = "Merge Helpdesk Tickets"

    ticket_ids = fields.Many2many("crm.helpdesk.ticket", string="Tickets", required=True)
    target_id = fields.Many2one(
        "crm.helpdesk.ticket",
        string="Merge Into",
        required=True,
        domain="[('id', 'in', ticket_ids)]",
        help="Ticket that keeps the conversation; the others are closed and archived.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        ticket_ids = self.env.context.get("active_ids") or []
        if self.env.context.get("active_model") == "crm.helpdesk.ticket" and ticket_ids:
            tickets = self.env["crm.helpdesk.ticket"].browse(ticket_ids)
            values["ticket_ids"] = [fields.Command.set(tickets.ids)]
            values["target_id"] = min(tickets, key=lambda ticket: ticket.date_open).id
        return values

    def action_merge(self):
        self.ensure_one()
        target = self.ticket_ids.action_merge_into(self.target_id)
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.helpdesk.ticket",
            "res_id": target.id,
            "view_mode": "form",
        }
