from odoo import fields, models

from .crm_pipeline_import_formats import IMPORT_FIELDS


class CrmPipelineImportMapping(models.Model):
    _name = "crm.pipeline.import.mapping"
    _description = "Pipeline Import Column Mapping"
    _order = "id"

    import_id = fields.Many2one(
        comodel_name="crm.pipeline.import",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="import_id.company_id", store=True)
    column_name = fields.Char(string="File Column", required=True)
    field_key = fields.Selection(
        selection=list(IMPORT_FIELDS.items()),
        string="Imported As",
        help="Value of the opportunity read from this column; leave empty to skip the column.",
    )
