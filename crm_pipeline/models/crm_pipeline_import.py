import base64
import logging
import os
import time

from odoo import api, fields, models
from odoo.exceptions import UserError

from .crm_pipeline_import_engine import (
    ACCOUNT_COLUMNS,
    MAVEN_FILES,
    PRODUCT_COLUMNS,
    TEAM_COLUMNS,
    PipelineImporter,
)
from .crm_pipeline_import_formats import IMPORT_FIELDS, PRESETS, normalize_key

_logger = logging.getLogger(__name__)

# Result lines shown per status in the summary returned to scripts.
SUMMARY_MESSAGE_STATUSES = ("fixed", "rejected")


class CrmPipelineImport(models.Model):
    _name = "crm.pipeline.import"
    _description = "Pipeline Import"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        required=True,
        default=lambda self: self.env._("Pipeline import %(date)s",
                                        date=fields.Date.context_today(self)),
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        help="Company that receives the opportunities and sales teams.",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Imported By",
        default=lambda self: self.env.user,
        readonly=True,
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("preview", "Previewed"),
            ("done", "Imported"),
        ],
        default="draft",
        required=True,
        readonly=True,
    )
    import_format = fields.Selection(
        selection=[(key, preset["label"]) for key, preset in PRESETS.items()]
        + [("manual", "Other CSV (map the columns)")],
        string="File Format",
        default="maven",
        required=True,
        help="CRM that exported the pipeline file. It sets which column holds "
        "which value and how stage names and dates are read.",
    )

    # Files
    pipeline_file = fields.Binary(attachment=True)
    pipeline_filename = fields.Char()
    accounts_file = fields.Binary(
        attachment=True,
        help="Maven accounts.csv: companies with sector, employees and revenue.")
    accounts_filename = fields.Char()
    products_file = fields.Binary(
        attachment=True,
        help="Maven products.csv: products and their sales price.")
    products_filename = fields.Char()
    teams_file = fields.Binary(
        string="Sales Teams File", attachment=True,
        help="Maven sales_teams.csv: sales agents, their managers and regional offices.")
    teams_filename = fields.Char()
    mapping_ids = fields.One2many(
        comodel_name="crm.pipeline.import.mapping",
        inverse_name="import_id",
        string="Column Mapping",
    )

    # Result
    created_count = fields.Integer(string="Created", readonly=True)
    updated_count = fields.Integer(string="Updated", readonly=True)
    unchanged_count = fields.Integer(string="Unchanged", readonly=True)
    fixed_count = fields.Integer(
        string="Fixed Rows", readonly=True,
        help="Rows imported after a correction, for example a product name "
        "matched despite a spacing difference.")
    rejected_count = fields.Integer(
        string="Rejected Rows", readonly=True,
        help="Rows not imported; the result lines give the reason.")
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 1))
    line_ids = fields.One2many(
        comodel_name="crm.pipeline.import.line",
        inverse_name="import_id",
        string="Result Lines",
        readonly=True,
    )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_preview(self):
        """Run the import without keeping any record, and list what it would do."""
        self.ensure_one()
        self._execute(self._get_uploaded_files(), dry_run=True)
        return True

    def action_import(self):
        """Import the uploaded files."""
        self.ensure_one()
        self._execute(self._get_uploaded_files(), dry_run=False)
        return True

    def action_load_columns(self):
        """Fill the column mapping from the header of the pipeline file."""
        self.ensure_one()
        files = self._get_uploaded_files()
        importer = PipelineImporter(self.env, self.company_id, "manual")
        name, content = files["pipeline"]
        csv_file = importer.read_csv(name, content, [])
        guesses = {}
        for preset in PRESETS.values():
            for field_key, column in preset["columns"].items():
                guesses.setdefault(normalize_key(column), field_key)
        for field_key, label in IMPORT_FIELDS.items():
            guesses.setdefault(normalize_key(field_key), field_key)
            guesses.setdefault(normalize_key(label), field_key)
        commands = [fields.Command.clear()]
        used = set()
        for column in csv_file.header:
            field_key = guesses.get(normalize_key(column))
            if field_key in used:
                field_key = False
            used.add(field_key)
            commands.append(fields.Command.create({
                "column_name": column,
                "field_key": field_key or False,
            }))
        self.mapping_ids = commands
        return True

    def action_open_opportunities(self):
        """Open the opportunities of the imported rows."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        action.update({
            "domain": [("crm_import_ref", "!=", False), ("company_id", "=", self.company_id.id)],
            "context": {"active_test": False, "default_type": "opportunity"},
            "name": self.env._("Imported Opportunities"),
        })
        return action

    # ------------------------------------------------------------------
    # Script entry point
    # ------------------------------------------------------------------

    @api.model
    def _import_maven_folder(self, folder, dry_run=False):
        """Import the Maven CRM CSV files of ``folder`` into the current company.

        ``sales_pipeline.csv`` is required; ``accounts.csv``, ``products.csv``
        and ``sales_teams.csv`` are read when present.

        :param str folder: path of the folder holding the CSV files
        :param bool dry_run: only report what the import would do
        :return: the crm.pipeline.import record holding the result
        """
        pipeline_path = os.path.join(folder, MAVEN_FILES["pipeline"])
        if not os.path.isfile(pipeline_path):
            raise UserError(self.env._(
                "The folder %(folder)s has no file %(file)s.",
                folder=folder, file=MAVEN_FILES["pipeline"]))
        files = {}
        for role, file_name in MAVEN_FILES.items():
            path = os.path.join(folder, file_name)
            if os.path.isfile(path):
                with open(path, "rb") as csv_file:
                    files[role] = (file_name, csv_file.read())
        record = self.create({
            "name": self.env._("Maven import from %(folder)s", folder=folder),
            "import_format": "maven",
            "pipeline_filename": MAVEN_FILES["pipeline"],
        })
        record._execute(files, dry_run=dry_run)
        return record

    def _get_summary(self):
        """Return the result as a dict for scripts.

        Keys: created, updated, unchanged, fixed, rejected (row counts) and
        messages, one string per fixed or rejected row problem, such as
        "sales_pipeline.csv row 17: product 'GTXPro' matched to 'GTX Pro'".
        """
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.status in SUMMARY_MESSAGE_STATUSES)
        return {
            "created": self.created_count,
            "updated": self.updated_count,
            "unchanged": self.unchanged_count,
            "fixed": self.fixed_count,
            "rejected": self.rejected_count,
            "messages": [line.display_name for line in lines],
        }

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _get_uploaded_files(self):
        """Return dict role -> (file name, bytes) of the files uploaded on the record."""
        if not self.pipeline_file:
            raise UserError(self.env._("Upload the pipeline file first."))
        files = {}
        for role in MAVEN_FILES:
            content = self[f"{role}_file"]
            if content:
                name = self[f"{role}_filename"] or MAVEN_FILES[role]
                files[role] = (name, base64.b64decode(content))
        return files

    def _get_column_map(self):
        column_map = {}
        for mapping in self.mapping_ids.filtered("field_key"):
            if mapping.field_key in column_map:
                raise UserError(self.env._(
                    "The field %(field)s is mapped to two columns: %(first)s and %(second)s.",
                    field=IMPORT_FIELDS[mapping.field_key],
                    first=column_map[mapping.field_key], second=mapping.column_name))
            column_map[mapping.field_key] = mapping.column_name
        missing = [IMPORT_FIELDS[key] for key in ("ref", "stage") if key not in column_map]
        if missing:
            raise UserError(self.env._(
                "Map a column to %(fields)s before importing.", fields=", ".join(missing)))
        return column_map

    def _execute(self, files, dry_run):
        """Run the importer on ``files`` and store its result on the record.

        In a dry run every record the importer writes (companies, users,
        teams, products) is rolled back; only the result lines are kept.
        """
        self.ensure_one()
        started = time.perf_counter()
        column_map = self._get_column_map() if self.import_format == "manual" else None
        importer = PipelineImporter(
            self.env, self.company_id, self.import_format, column_map=column_map)
        if dry_run:
            with self.env.cr.savepoint() as savepoint:
                self._run_importer(importer, files, dry_run=True)
                self.env.flush_all()
                savepoint.rollback()
            self.env.invalidate_all()
        else:
            self._run_importer(importer, files, dry_run=False)

        lines = importer.result_lines()
        for action, row_number, ref, values in importer.preview:
            lines.append(self._prepare_preview_line(
                files["pipeline"][0], action, row_number, ref, values))
        fixed, rejected = importer.counts()
        self.line_ids.unlink()
        self.write({
            "state": "preview" if dry_run else "done",
            "created_count": importer.created,
            "updated_count": importer.updated,
            "unchanged_count": importer.unchanged,
            "fixed_count": fixed,
            "rejected_count": rejected,
            "duration": time.perf_counter() - started,
            "line_ids": [fields.Command.create(line) for line in lines],
        })
        _logger.info(
            "Pipeline import %s%s: %s created, %s updated, %s unchanged, %s fixed, "
            "%s rejected in %.1f s",
            self.id, " (dry run)" if dry_run else "", importer.created, importer.updated,
            importer.unchanged, fixed, rejected, self.duration,
        )

    def _run_importer(self, importer, files, dry_run):
        maven = self.import_format == "maven"
        products = salespeople = accounts = None
        if maven:
            if "products" in files:
                products = importer.import_products(
                    importer.read_csv(*files["products"], PRODUCT_COLUMNS))
            if "teams" in files:
                salespeople = importer.import_teams(
                    importer.read_csv(*files["teams"], TEAM_COLUMNS))
            if "accounts" in files:
                accounts = importer.import_accounts(
                    importer.read_csv(*files["accounts"], ACCOUNT_COLUMNS))
        preset_columns = importer.preset["columns"]
        required_columns = [preset_columns[key] for key in importer.preset["required"]]
        pipeline = importer.read_csv(*files["pipeline"], required_columns)
        importer.import_pipeline(
            pipeline, products=products, salespeople=salespeople, accounts=accounts,
            dry_run=dry_run)

    def _prepare_preview_line(self, file_name, action, row_number, ref, values):
        if action == "create":
            message = self.env._("creates opportunity '%(name)s'", name=values["name"])
        else:
            labels = [self.env["crm.lead"]._fields[key].get_description(self.env)["string"]
                      for key in values]
            message = self.env._("updates %(fields)s", fields=", ".join(labels))
        return {
            "status": action,
            "file_name": file_name,
            "row_number": row_number,
            "column_name": False,
            "value": ref,
            "message": message,
        }
