from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # Pipeline import
    crm_import_ref = fields.Char(
        string="Import Reference",
        index="btree_not_null",
        copy=False,
        help="Identifier of the opportunity in the CRM it was imported from "
        "(for example the Maven opportunity_id). A new import of the same file "
        "updates the opportunity with this reference instead of creating another one.",
    )
    crm_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Product",
        index="btree_not_null",
        check_company=True,
        domain="[('sale_ok', '=', True)]",
        help="Main product the customer is interested in.",
    )

    _sql_constraints = [
        (
            "crm_import_ref_company_uniq",
            "unique(company_id, crm_import_ref)",
            "Another opportunity of this company already has this import reference.",
        ),
    ]

    def _handle_won_lost(self, vals):
        # The importer updates the lead scoring frequencies once per batch
        # (see crm.pipeline.import), so the per-record update is skipped.
        if self.env.context.get("crm_pipeline_import_batch_pls"):
            return None
        return super()._handle_won_lost(vals)
