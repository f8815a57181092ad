from odoo import fields, models


class CrmRequiredField(models.Model):
    _inherit = "crm.required.field"

    crm_blocks_stage = fields.Boolean(
        string="Required to Enter the Stage",
        help="An opportunity without this field cannot enter the stage. "
        "Otherwise the field only counts in the data completeness.",
    )
