import csv
import io
import os
import shutil
import tempfile

from odoo.tests import TransactionCase

MAVEN_FOLDER_DEFAULT = os.path.join(
    os.path.dirname(os.path.realpath(__file__)), "..", "..", "..", "shared", "data", "maven_crm")
PIPELINE_HEADER = ["opportunity_id", "sales_agent", "product", "account", "deal_stage",
                   "engage_date", "close_date", "close_value"]
# Pipeline rows taken from the real file for the sample: the first rows of
# each stage, enough to cover products, agents, accounts and empty accounts.
SAMPLE_ROWS_PER_STAGE = 15


def maven_folder():
    """Return the folder of the Maven CRM CSV files (CRM_SUITE_DATA or ../shared)."""
    return os.path.abspath(os.environ.get("CRM_SUITE_DATA") or MAVEN_FOLDER_DEFAULT)


def read_maven_csv(file_name):
    """Return the rows of one real Maven file as dicts; fail when the data set is missing."""
    path = os.path.join(maven_folder(), file_name)
    if not os.path.isfile(path):
        raise AssertionError(
            f"The Maven CRM data set is missing: {path} not found. Set CRM_SUITE_DATA "
            "to the folder holding sales_pipeline.csv.")
    with open(path, encoding="utf-8-sig", newline="") as csv_file:
        return list(csv.DictReader(csv_file))


class PipelineImportCase(TransactionCase):
    """Imports of samples written to a temporary folder.

    The sample keeps the real accounts, products and sales teams files and a
    selection of real pipeline rows (see ``_sample_pipeline_rows``).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pipeline_rows = read_maven_csv("sales_pipeline.csv")
        cls.sample_rows = cls._sample_pipeline_rows()
        cls.stage_lead = cls.env.ref("crm_pipeline.stage_lead")
        cls.stage_qualified = cls.env.ref("crm_pipeline.stage_qualified")
        cls.stage_won = cls.env.ref("crm_pipeline.stage_won")
        cls.company = cls.env.company
        cls.Import = cls.env["crm.pipeline.import"].with_company(cls.company)
        cls.Lead = cls.env["crm.lead"].with_company(cls.company).with_context(active_test=False)

    @classmethod
    def _sample_pipeline_rows(cls):
        per_stage = {}
        for row in cls.pipeline_rows:
            rows = per_stage.setdefault(row["deal_stage"], [])
            if len(rows) < SAMPLE_ROWS_PER_STAGE:
                rows.append(row)
        sample = [row for rows in per_stage.values() for row in rows]
        # Rows whose product needs the spacing fix ("GTXPro").
        sample += [row for row in cls.pipeline_rows if row["product"] == "GTXPro"
                   and row not in sample][:3]
        return sample

    @classmethod
    def write_folder(cls, pipeline_rows=None, pipeline_text=None, encoding="utf-8",
                     reference_files=("accounts.csv", "products.csv", "sales_teams.csv")):
        """Write a Maven folder and return its path.

        :param list pipeline_rows: dicts written as sales_pipeline.csv
        :param str pipeline_text: raw content of sales_pipeline.csv instead
        """
        folder = tempfile.mkdtemp(prefix="crm_pipeline_import_")
        cls.addClassCleanup(shutil.rmtree, folder)
        for file_name in reference_files:
            shutil.copy(os.path.join(maven_folder(), file_name), folder)
        if pipeline_text is None:
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, PIPELINE_HEADER, lineterminator="\n")
            writer.writeheader()
            writer.writerows(pipeline_rows if pipeline_rows is not None else cls.sample_rows)
            pipeline_text = buffer.getvalue()
        with open(os.path.join(folder, "sales_pipeline.csv"), "wb") as csv_file:
            csv_file.write(pipeline_text.encode(encoding))
        return folder

    def imported_lead(self, opportunity_id):
        lead = self.Lead.search([
            ("crm_import_ref", "=", opportunity_id), ("company_id", "=", self.company.id)])
        self.assertEqual(len(lead), 1, f"one opportunity expected for {opportunity_id}")
        return lead

    def imported_count(self):
        return self.Lead.search_count([
            ("crm_import_ref", "!=", False), ("company_id", "=", self.company.id)])

    def team(self, name):
        return self.env["crm.team"].search(
            [("name", "=", name), ("company_id", "=", self.company.id)])

    def lines_by_row(self, result, status):
        return {line.row_number: line for line in result.line_ids if line.status == status}
