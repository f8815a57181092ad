from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Company figures kept from imported account lists
    crm_employee_count = fields.Integer(
        string="Employees",
        help="Number of employees of the company.",
    )
    crm_annual_revenue = fields.Float(
        string="Annual Revenue (millions)",
        digits=(16, 2),
        help="Annual revenue of the company, in millions of its reporting currency "
        "(US dollars for the Maven sample accounts).",
    )
    crm_year_established = fields.Integer(
        string="Year Established",
        help="Year the company was founded.",
    )
