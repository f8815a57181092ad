from odoo import api, fields, models


class CrmPipelineImportLine(models.Model):
    _name = "crm.pipeline.import.line"
    _description = "Pipeline Import Result Line"
    _order = "import_id desc, file_name, row_number, id"

    import_id = fields.Many2one(
        comodel_name="crm.pipeline.import",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="import_id.company_id", store=True)
    status = fields.Selection(
        selection=[
            ("fixed", "Fixed"),
            ("rejected", "Rejected"),
            ("create", "To Create"),
            ("update", "To Update"),
        ],
        required=True,
        help="Fixed: the row was imported after a correction. Rejected: the row "
        "was not imported. To Create and To Update are listed by a preview.",
    )
    file_name = fields.Char(string="File", required=True)
    row_number = fields.Integer(
        string="Row",
        help="Row of the file as a spreadsheet numbers it: the header is row 1. "
        "Row 0 concerns the whole file.",
    )
    column_name = fields.Char(string="Column")
    value = fields.Char(help="Cell value as read from the file.")
    message = fields.Char(string="Reason", required=True)

    @api.depends("file_name", "row_number", "message", "status")
    def _compute_display_name(self):
        for line in self:
            if line.status == "rejected":
                line.display_name = self.env._(
                    "%(file)s row %(row)s: rejected: %(message)s",
                    file=line.file_name, row=line.row_number, message=line.message)
            elif line.row_number:
                line.display_name = self.env._(
                    "%(file)s row %(row)s: %(message)s",
                    file=line.file_name, row=line.row_number, message=line.message)
            else:
                line.display_name = f"{line.file_name}: {line.message}"
