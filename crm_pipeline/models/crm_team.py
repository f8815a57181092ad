from odoo import fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    crm_risk_inactivity_days = fields.Integer(
        string="Days Without Activity",
        default=14,
        help="An open opportunity without email, comment or logged activity "
        "for more days than this is flagged at risk.",
    )
    crm_risk_drop_window_days = fields.Integer(
        string="Probability Drop Window (Days)",
        default=14,
        help="An opportunity whose probability was lowered within this many "
        "days is flagged at risk.",
    )
