import base64
import os
from collections import Counter
from datetime import date, datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .test_import_common import PipelineImportCase


@tagged("post_install", "-at_install")
class TestImportMaven(PipelineImportCase):
    """Values of a real sample of the Maven pipeline, imported once for the class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.result = cls.Import._import_maven_folder(cls.write_folder())

    def test_stage_mapping(self):
        result = self.result

        expected = Counter(row["deal_stage"] for row in self.sample_rows)
        leads = self.Lead.search([("crm_import_ref", "!=", False)])
        self.assertEqual(len(leads), len(self.sample_rows))
        self.assertEqual(result.created_count, len(self.sample_rows))
        won = leads.filtered(lambda lead: lead.active and lead.stage_id == self.stage_won)
        lost = leads.filtered(lambda lead: not lead.active)
        self.assertEqual(len(won), expected["Won"])
        self.assertEqual(len(lost), expected["Lost"])
        self.assertEqual(
            len(leads.filtered(lambda lead: lead.active and lead.stage_id == self.stage_lead)),
            expected["Prospecting"])
        self.assertEqual(
            len(leads.filtered(lambda lead: lead.active and lead.stage_id == self.stage_qualified)),
            expected["Engaging"])
        self.assertEqual(set(won.mapped("probability")), {100.0})
        self.assertEqual(set(lost.mapped("probability")), {0.0})
        self.assertEqual(lost.lost_reason_id, self.env.ref("crm_pipeline.crm_lost_reason_imported"))
        self.assertEqual(lost.lost_reason_id.name, "Lost (imported)")
        self.assertEqual(set(leads.mapped("type")), {"opportunity"})

    def test_won_deal_values(self):
        # Z063OYW0,Darcel Schlecht,GTXPro,Isdom,Won,2016-10-25,2017-03-11,4514
        lead = self.imported_lead("Z063OYW0")
        self.assertEqual(lead.stage_id, self.stage_won)
        self.assertEqual(lead.expected_revenue, 4514.0)
        self.assertEqual(lead.date_open, datetime(2016, 10, 25, 12, 0))
        self.assertEqual(lead.date_closed, datetime(2017, 3, 11, 12, 0))
        self.assertEqual(lead.date_deadline, date(2017, 3, 11))
        self.assertEqual(lead.crm_product_id.name, "GTX Pro")
        self.assertEqual(lead.partner_id.name, "Isdom")
        self.assertTrue(lead.partner_id.is_company)
        self.assertEqual(lead.user_id.name, "Darcel Schlecht")
        self.assertEqual(lead.team_id.name, "Central")

    def test_lost_and_open_deal_values(self):
        # KWVA7VR1,Gladys Colclough,GTXPro,Genco Pura Olive Oil Company,Lost,2016-11-04,2017-03-18,0
        lost = self.imported_lead("KWVA7VR1")
        self.assertFalse(lost.active)
        self.assertEqual(lost.expected_revenue, 0.0)
        self.assertEqual(lost.date_closed, datetime(2017, 3, 18, 12, 0))
        self.assertEqual(lost.stage_id, self.stage_qualified)
        # HAXMC4IX,James Ascencio,MG Advanced,,Engaging,2016-11-03,,
        engaging = self.imported_lead("HAXMC4IX")
        self.assertTrue(engaging.active)
        self.assertEqual(engaging.stage_id, self.stage_qualified)
        self.assertEqual(engaging.expected_revenue, 3393.0, "open deal valued at the product price")
        self.assertEqual(engaging.date_open, datetime(2016, 11, 3, 12, 0))
        self.assertFalse(engaging.date_closed)
        self.assertFalse(engaging.date_deadline)
        self.assertFalse(engaging.partner_id, "empty account: no customer")
        prospecting = next(row for row in self.sample_rows if row["deal_stage"] == "Prospecting")
        lead = self.imported_lead(prospecting["opportunity_id"])
        self.assertEqual(lead.stage_id, self.stage_lead)
        self.assertFalse(lead.date_open, "a deal never engaged has no assignment date")

    def test_fixed_rows_reported(self):
        result = self.result
        summary = result._get_summary()
        gtxpro_rows = [
            number for number, row in enumerate(self.sample_rows, start=2)
            if row["product"] == "GTXPro"
        ]
        self.assertTrue(gtxpro_rows)
        for number in gtxpro_rows:
            self.assertIn(
                f"sales_pipeline.csv row {number}: product 'GTXPro' matched to 'GTX Pro'",
                summary["messages"])
        # accounts.csv row 2: Acme Corporation,technolgy,...
        self.assertIn("accounts.csv row 2: sector 'technolgy' read as 'Technology'",
                      summary["messages"])
        self.assertEqual(summary["rejected"], 0)
        self.assertEqual(summary["created"], len(self.sample_rows))
        self.assertEqual(summary["updated"], 0)
        fixed_rows = {(line.file_name, line.row_number) for line in result.line_ids
                      if line.status == "fixed"}
        self.assertEqual(summary["fixed"], len(fixed_rows))

    def test_reference_data(self):
        acme = self.env["res.partner"].search([("name", "=", "Acme Corporation")])
        self.assertEqual(acme.industry_id.name, "Technology")
        self.assertEqual(acme.crm_employee_count, 2822)
        self.assertAlmostEqual(acme.crm_annual_revenue, 1100.04)
        self.assertEqual(acme.crm_year_established, 1996)
        self.assertEqual(acme.country_id, self.env.ref("base.us"))
        # Bluth Company,technolgy,1993,1242.32,3027,United States,Acme Corporation
        bluth = self.env["res.partner"].search([("name", "=", "Bluth Company")])
        self.assertEqual(bluth.parent_id, acme)
        # Nam-zim (Brazil) is a subsidiary of Warephase (United States).
        nam_zim = self.env["res.partner"].search([("name", "=", "Nam-zim")])
        self.assertEqual(nam_zim.parent_id.name, "Warephase")
        self.assertEqual(nam_zim.country_id, self.env.ref("base.br"))
        bioholding = self.env["res.partner"].search([("name", "=", "Bioholding")])
        self.assertEqual(bioholding.country_id, self.env.ref("base.ph"))

        products = self.env["product.product"].search([("name", "=", "GTK 500")])
        self.assertEqual(len(products), 1)
        self.assertEqual(products.lst_price, 26768.0)
        self.assertTrue(products.sale_ok)

        agent = self.env["res.users"].search([("login", "=", "anna.snelling")])
        self.assertEqual(agent.name, "Anna Snelling")
        self.assertFalse(agent.share, "salespeople are internal users")
        self.assertTrue(agent.has_group("sales_team.group_sale_salesman"))
        self.assertFalse(agent.has_group("sales_team.group_sale_salesman_all_leads"))
        central = self.team("Central")
        self.assertEqual(central.user_id.name, "Dustin Brinkmann")
        self.assertTrue(central.user_id.has_group("sales_team.group_sale_salesman_all_leads"))
        self.assertIn(agent, central.member_ids)
        self.assertEqual(len(central.member_ids), 13, "11 agents and 2 managers")
        self.assertEqual(
            sorted(self.env["crm.team"].search([
            ("name", "in", ["Central", "East", "West"]), ("company_id", "=", self.company.id)])
                   .mapped("name")), ["Central", "East", "West"])

    def test_predictive_scoring_after_import(self):
        teams = self.env["crm.team"].search([
            ("name", "in", ["Central", "East", "West"]), ("company_id", "=", self.company.id)])
        frequencies = self.env["crm.lead.scoring.frequency"].search([
            ("variable", "=", "stage_id"),
            ("value", "=", str(self.stage_won.id)),
            ("team_id", "in", teams.ids),
        ])
        self.assertTrue(frequencies, "won deals counted in the lead scoring frequencies")
        won_count = sum(frequencies.mapped("won_count"))
        # Counts start at 0.1 to avoid zero frequencies, one per won deal after.
        expected = sum(1 for row in self.sample_rows if row["deal_stage"] == "Won")
        self.assertAlmostEqual(won_count, expected + 0.1 * len(frequencies), places=1)
        team = self.team("Central")
        lead = self.env["crm.lead"].create({
            "name": "New deal", "type": "opportunity", "team_id": team.id,
            "stage_id": self.stage_qualified.id,
        })
        self.assertGreater(lead.automated_probability, 0)
        self.assertLess(lead.automated_probability, 100)


@tagged("post_install", "-at_install")
class TestImportMavenRuns(PipelineImportCase):
    """Imports of the Maven sample run by each test: re-import, wizard, access."""

    def _import_sample(self, **kwargs):
        folder = self.write_folder(**kwargs)
        return self.Import._import_maven_folder(folder)

    def test_reimport_updates_without_duplicates(self):
        first = self._import_sample()
        count = self.imported_count()
        second = self._import_sample()
        self.assertEqual(self.imported_count(), count)
        self.assertEqual(second.created_count, 0)
        self.assertEqual(second.updated_count, 0)
        self.assertEqual(second.unchanged_count, first.created_count)

        # The Engaging deal HAXMC4IX is won in a newer export.
        rows = [dict(row) for row in self.sample_rows]
        changed = next(row for row in rows if row["opportunity_id"] == "HAXMC4IX")
        changed.update(deal_stage="Won", close_date="2017-02-01", close_value="3100")
        third = self._import_sample(pipeline_rows=rows)
        self.assertEqual((third.created_count, third.updated_count), (0, 1))
        lead = self.imported_lead("HAXMC4IX")
        self.assertEqual(lead.stage_id, self.stage_won)
        self.assertEqual(lead.expected_revenue, 3100.0)
        self.assertEqual(lead.date_closed, datetime(2017, 2, 1, 12, 0))
        self.assertEqual(lead.date_open, datetime(2016, 11, 3, 12, 0))
        self.assertEqual(self.imported_count(), count)

    def test_reimport_queries_independent_of_rows(self):
        self._import_sample()
        few_rows = self.write_folder(pipeline_rows=self.sample_rows[:5])
        all_rows = self.write_folder()

        def count_queries(folder):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            result = self.Import._import_maven_folder(folder)
            self.env.flush_all()
            self.assertEqual(result.created_count + result.updated_count, 0)
            return self.cr.sql_log_count - before

        count_queries(few_rows)  # warm the caches of the registry
        self.assertEqual(count_queries(few_rows), count_queries(all_rows),
                         "lookups are batched: more rows, same number of queries")

    def test_missing_pipeline_file(self):
        folder = self.write_folder(reference_files=())
        os.remove(os.path.join(folder, "sales_pipeline.csv"))
        with self.assertRaisesRegex(UserError, "sales_pipeline.csv"):
            self.Import._import_maven_folder(folder)

    def test_missing_column(self):
        text = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date\n"
        folder = self.write_folder(pipeline_text=text)
        with self.assertRaisesRegex(UserError, r"sales_pipeline.csv has no column 'close_value'"):
            self.Import._import_maven_folder(folder)

    def test_wizard_preview_then_import(self):
        folder = self.write_folder()

        def upload(file_name):
            with open(os.path.join(folder, file_name), "rb") as csv_file:
                return base64.b64encode(csv_file.read())

        manager = new_test_user(
            self.env, "imp_sales_manager", groups="sales_team.group_sale_manager",
            company_id=self.company.id, company_ids=[Command.set(self.company.ids)])
        record = self.env["crm.pipeline.import"].with_user(manager).create({
            "pipeline_file": upload("sales_pipeline.csv"),
            "pipeline_filename": "sales_pipeline.csv",
            "accounts_file": upload("accounts.csv"),
            "accounts_filename": "accounts.csv",
            "products_file": upload("products.csv"),
            "products_filename": "products.csv",
            "teams_file": upload("sales_teams.csv"),
            "teams_filename": "sales_teams.csv",
        })
        record.action_preview()
        self.assertEqual(record.state, "preview")
        self.assertEqual(record.created_count, len(self.sample_rows))
        self.assertEqual(self.imported_count(), 0,
                         "a preview writes no opportunity")
        self.assertFalse(self.team("Central"), "a preview writes no sales team")
        to_create = record.line_ids.filtered(lambda line: line.status == "create")
        self.assertEqual(len(to_create), len(self.sample_rows))

        record.action_import()
        self.assertEqual(record.state, "done")
        self.assertEqual(record.created_count, len(self.sample_rows))
        self.assertEqual(self.imported_count(),
                         len(self.sample_rows))
        self.assertFalse(record.line_ids.filtered(lambda line: line.status == "create"))
        self.assertEqual(self.imported_lead("Z063OYW0").create_uid, manager)

    def test_import_access(self):
        salesman = new_test_user(self.env, "imp_salesman", groups="sales_team.group_sale_salesman")
        result = self._import_sample(pipeline_rows=self.sample_rows[:2])
        with self.assertRaises(AccessError):
            result.with_user(salesman).read(["created_count"])
        other_company = self.env["res.company"].create({"name": "Other Company"})
        other_manager = new_test_user(
            self.env, "imp_other_manager", groups="sales_team.group_sale_manager",
            company_id=other_company.id, company_ids=[Command.set(other_company.ids)])
        self.assertNotIn(
            result, self.env["crm.pipeline.import"].with_user(other_manager).search([]))


@tagged("post_install", "-at_install")
class TestImportMavenBadRows(PipelineImportCase):
    """Rows that cannot be imported, or only after a fix, each reported with its number."""

    def test_bad_rows_rejected_with_row_number(self):
        good = self.sample_rows[0]
        rows = [
            dict(good),                                                          # row 2
            dict(good, opportunity_id="BADDATE1", engage_date="2016-13-45"),     # row 3
            dict(good, opportunity_id="BADAMNT1", close_value="12O0"),           # row 4
            dict(good),                                                          # row 5
            dict(good, opportunity_id="BADSTAG1", deal_stage="Closing"),         # row 6
            dict(good, opportunity_id=""),                                       # row 7
            dict(good, opportunity_id="BADPROD1", product="Quantum Widget"),     # row 8
            dict(good, opportunity_id="NOCLOSE1", close_date=""),                # row 9
            dict(good, opportunity_id="FORMULA1", account="=cmd|' /C calc'!A0"), # row 10
            dict(good, opportunity_id="NEWACCT1", account="Initrode"),           # row 11
            dict(good, opportunity_id="NEGATIV1", close_value="-5"),             # row 12
            dict(good, opportunity_id="BEFORE01", close_date="2016-01-01"),      # row 13
            dict(good, opportunity_id="NOAGENT1", sales_agent=""),               # row 14
        ]
        folder = self.write_folder(pipeline_rows=rows)
        result = self.Import._import_maven_folder(folder)

        rejected = self.lines_by_row(result, "rejected")
        self.assertEqual(sorted(rejected), [3, 4, 5, 6, 7, 8, 9, 12, 13])
        self.assertEqual(rejected[3].column_name, "engage_date")
        self.assertEqual(rejected[3].value, "2016-13-45")
        self.assertIn("not a valid date", rejected[3].message)
        self.assertEqual(rejected[4].column_name, "close_value")
        self.assertIn("not a valid amount", rejected[4].message)
        self.assertIn("already appears on row 2", rejected[5].message)
        self.assertIn("'Closing' is not a known stage", rejected[6].message)
        self.assertEqual(rejected[7].message, "opportunity_id is empty")
        self.assertEqual(rejected[8].message, "product 'Quantum Widget' not found")
        self.assertIn("required for a won or lost deal", rejected[9].message)
        self.assertIn("is negative", rejected[12].message)
        self.assertIn("before the engagement date", rejected[13].message)

        summary = result._get_summary()
        self.assertEqual(summary["rejected"], 9)
        self.assertEqual(summary["created"], 4)
        self.assertIn("sales_pipeline.csv row 8: rejected: product 'Quantum Widget' not found",
                      summary["messages"])
        for ref in ("BADDATE1", "BADAMNT1", "BADSTAG1", "BADPROD1", "NOCLOSE1", "NEGATIV1",
                    "BEFORE01"):
            self.assertFalse(self.Lead.search([("crm_import_ref", "=", ref)]),
                             f"rejected row {ref} left an opportunity")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Quantum Widget")]))

        fixed = self.lines_by_row(result, "fixed")
        self.assertIn("not in the accounts file", fixed[11].message)
        self.assertEqual(self.imported_lead("NEWACCT1").partner_id.name, "Initrode")
        self.assertIn("without salesperson", fixed[14].message)
        self.assertFalse(self.imported_lead("NOAGENT1").user_id)
        formula = self.imported_lead("FORMULA1")
        # Stored as text: the apostrophe keeps a spreadsheet from running it.
        self.assertEqual(formula.partner_id.name, "'=cmd|' /C calc'!A0")
        row_10 = result.line_ids.filtered(lambda line: line.row_number == 10)
        self.assertIn("account starts with '=', which a spreadsheet runs as a formula: stored "
                      "as text with a leading apostrophe", row_10.mapped("message"))

    def test_bad_account_rows(self):
        good = self.sample_rows[0]
        folder = self.write_folder(pipeline_rows=[dict(good, account="Nordlicht GmbH")])
        accounts = "\n".join([
            "account,sector,year_established,revenue,employees,office_location,subsidiary_of",
            "Nordlicht GmbH,retail,1999,12.5,80,Germany,Nordlicht Holding",   # row 2
            "Nordlicht GmbH,retail,1999,12.5,80,Germany,",                    # row 3
            "Seeblick AG,services,19x9,3.1,20,Atlantis,",                     # row 4
            "Bergwerk KG,services,2001,4.2,35,Atlantis,",                     # row 5
            "",
        ])
        with open(os.path.join(folder, "accounts.csv"), "w", encoding="utf-8") as csv_file:
            csv_file.write(accounts)
        result = self.Import._import_maven_folder(folder)

        rejected = self.lines_by_row(result, "rejected")
        self.assertEqual(sorted(rejected), [3, 4])
        self.assertIn("'Nordlicht GmbH' already appears on row 2", rejected[3].message)
        self.assertEqual(rejected[4].column_name, "year_established")
        self.assertIn("'19x9' is not a whole number", rejected[4].message)
        fixed = [line for line in result.line_ids if line.status == "fixed"]
        self.assertEqual(
            sorted((line.row_number, line.column_name) for line in fixed),
            [(2, "subsidiary_of"), (5, "office_location")])
        nordlicht = self.env["res.partner"].search([("name", "=", "Nordlicht GmbH")])
        self.assertEqual(len(nordlicht), 1)
        self.assertEqual(nordlicht.country_id, self.env.ref("base.de"))
        self.assertFalse(nordlicht.parent_id)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Seeblick AG")]))
        bergwerk = self.env["res.partner"].search([("name", "=", "Bergwerk KG")])
        self.assertFalse(bergwerk.country_id)
        self.assertEqual(bergwerk.crm_employee_count, 35)

    def test_windows_encoding(self):
        good = self.sample_rows[0]
        rows = [dict(good, opportunity_id="CAFE0001", account="Café Müller")]
        folder = self.write_folder(pipeline_rows=rows, encoding="cp1252")
        result = self.Import._import_maven_folder(folder)
        lead = self.imported_lead("CAFE0001")
        self.assertEqual(lead.partner_id.name, "Café Müller")
        encoding_line = result.line_ids.filtered(lambda line: line.row_number == 0)
        self.assertEqual(encoding_line.file_name, "sales_pipeline.csv")
        self.assertIn("cp1252", encoding_line.message)

    def test_stages_missing(self):
        self.env["ir.model.data"].search(
            [("module", "=", "crm_pipeline"), ("name", "=", "stage_quote")]).unlink()
        folder = self.write_folder(pipeline_rows=self.sample_rows[:1])
        with self.assertRaisesRegex(UserError, "crm_pipeline.stage_quote"):
            self.Import._import_maven_folder(folder)
