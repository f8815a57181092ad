from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_grade_a_min = fields.Integer(
        string="Grade A From",
        config_parameter="crm_core.grade_a_min",
        default=75,
        help="Minimum lead score of grade A.",
    )
    crm_grade_b_min = fields.Integer(
        string="Grade B From",
        config_parameter="crm_core.grade_b_min",
        default=50,
        help="Minimum lead score of grade B.",
    )
    crm_grade_c_min = fields.Integer(
        string="Grade C From",
        config_parameter="crm_core.grade_c_min",
        default=25,
        help="Minimum lead score of grade C; lower scores are grade D.",
    )
