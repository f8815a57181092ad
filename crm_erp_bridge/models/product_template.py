from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    crm_renewal_months = fields.Integer(
        string="Renewal Term (Months)",
        default=0,
        help="Length of the term a sale of this product covers. When set, the "
        "account manager gets a renewal opportunity before the term ends. "
        "0 means the product is not renewed.",
    )

    _sql_constraints = [
        (
            "crm_renewal_months_positive",
            "CHECK(crm_renewal_months >= 0)",
            "The renewal term cannot be negative.",
        ),
    ]
