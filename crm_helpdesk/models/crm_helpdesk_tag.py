from random import randint

from odoo import fields, models


class CrmHelpdeskTag(models.Model):
    _name = "crm.helpdesk.tag"
    _description = "Helpdesk Ticket Tag"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    color = fields.Integer(default=lambda self: randint(1, 11))

    _sql_constraints = [
        ("name_uniq", "unique (name)", "A tag with this name already exists."),
    ]
