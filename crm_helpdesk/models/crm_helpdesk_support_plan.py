from odoo import fields, models


class CrmHelpdeskSupportPlan(models.Model):
    """Support contract a customer bought (e.g. Basic, Premium).

    SLA policies can target customers by plan, so a Premium customer gets
    shorter response targets than a Basic one.
    """

    _name = "crm.helpdesk.support.plan"
    _description = "Helpdesk Support Plan"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
