from odoo import fields, models


class CrmHelpdeskCategory(models.Model):
    _name = "crm.helpdesk.category"
    _description = "Helpdesk Ticket Category"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    team_id = fields.Many2one(
        "crm.helpdesk.team",
        help="Team receiving tickets of this category from the portal form.",
    )
    portal_published = fields.Boolean(
        string="Offered on Portal",
        default=True,
        help="Customers can choose this category when they open a ticket on the portal.",
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
