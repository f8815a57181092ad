import base64
import csv
import io
from datetime import date, datetime

from odoo.exceptions import UserError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

# Small exports written the way each CRM writes them (headers, stage names,
# date and amount formats). They are not taken from any real account.
HUBSPOT_DEALS = [
    ["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date",
     "Deal owner", "Associated Company"],
    ["9001001", "Brauhaus Nord - Kassensystem", "Appointment Scheduled", "4800",
     "2024-06-30 00:00", "2024-03-01 09:15", "Hanna Berger", "Brauhaus Nord GmbH"],
    ["9001002", "Brauhaus Nord - Wartung", "closedwon", "1250.50",
     "2024-04-12 16:40", "2024-02-10 11:00", "Hanna Berger", "Brauhaus Nord GmbH"],
    ["9001003", "Elbe Logistik - Scanner", "Closed Lost", "9900",
     "2024-05-02 10:00", "2024-01-20 08:30", "Hanna Berger", "Elbe Logistik AG"],
    ["9001004", "Elbe Logistik - Lizenzen", "contractsent", "15000",
     "2024-07-15 00:00", "2024-04-02 14:05", "Unbekannte Person", "Elbe Logistik AG"],
    ["9001005", "Ohne Phase", "Kickoff", "100",
     "2024-07-15 00:00", "2024-04-02 14:05", "Hanna Berger", ""],
]

PIPEDRIVE_DEALS = [
    ["Deal - ID", "Deal - Title", "Deal - Value", "Deal - Currency", "Deal - Stage",
     "Deal - Status", "Deal - Owner", "Deal - Organization", "Deal - Deal created",
     "Deal - Expected close date", "Deal - Deal closed on"],
    ["311", "Fenster Schulz Website", "3,200", "EUR", "Proposal Made", "open",
     "Hanna Berger", "Fenster Schulz KG", "2024-03-04 10:12:45", "2024-05-31", ""],
    ["312", "Fenster Schulz Hosting", "720", "EUR", "Negotiations Started", "won",
     "Hanna Berger", "Fenster Schulz KG", "2024-02-01 08:00:00", "2024-03-31",
     "2024-03-20 15:30:00"],
    ["313", "Praxis Dr. Lang Termine", "1,900", "EUR", "Contact Made", "lost",
     "Hanna Berger", "Praxis Dr. Lang", "2024-01-15 09:45:00", "2024-02-28",
     "2024-02-10 12:00:00"],
    ["314", "Praxis Dr. Lang Telefonie", "2,400", "EUR", "Lead In", "pending",
     "Hanna Berger", "Praxis Dr. Lang", "2024-01-15 09:45:00", "", ""],
]

SALESFORCE_OPPORTUNITIES = [
    ["Opportunity ID", "Opportunity Name", "Account Name", "Stage", "Amount", "Close Date",
     "Created Date", "Opportunity Owner", "Product Name"],
    ["0065g00000AbCdE", "Stadtwerke Ost - Zählerportal", "Stadtwerke Ost",
     "Proposal/Price Quote", "$48,000.00", "9/30/2024", "3/14/2024", "Hanna Berger",
     "Portal Lizenz"],
    ["0065g00000AbCdF", "Stadtwerke Ost - Support", "Stadtwerke Ost", "Closed Won",
     "$6,000.00", "4/2/2024", "1/8/2024", "Hanna Berger", "Support Paket"],
    ["0065g00000AbCdG", "Kliniken Süd - Portal", "Kliniken Süd", "Negotiation/Review",
     "$75,500.00", "31/12/2024", "5/6/2024", "Hanna Berger", "Portal Lizenz"],
]

# A semicolon-separated export with German headers, dates and amounts.
MANUAL_EXPORT = [
    ["Nummer", "Titel", "Phase", "Betrag", "Kunde", "Abschluss"],
    ["A-17", "Hofladen Meyer Kassen", "Quote", "1.234,50", "Hofladen Meyer", "15.08.2024"],
    ["A-18", "Hofladen Meyer Waage", "Won", "980,00", "Hofladen Meyer", "02.05.2024"],
    ["A-19", "Bäckerei Roth Filiale", "Verhandlung", "2.000,00", "Bäckerei Roth", "01.09.2024"],
]


def csv_text(rows, delimiter=",", quoting=csv.QUOTE_MINIMAL):
    """Return ``rows`` as the text of a CSV file."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


SALESFORCE_TEXT = csv_text(SALESFORCE_OPPORTUNITIES, quoting=csv.QUOTE_ALL)
MANUAL_TEXT = csv_text(MANUAL_EXPORT, delimiter=";")


@tagged("post_install", "-at_install")
class TestImportFormats(TransactionCase):
    """HubSpot, Pipedrive and Salesforce presets, manual mapping and preview."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env, "imp_hanna", groups="sales_team.group_sale_salesman", name="Hanna Berger")
        cls.Lead = cls.env["crm.lead"].with_context(active_test=False)
        cls.stages = {
            key: cls.env.ref(f"crm_pipeline.stage_{key}")
            for key in ("lead", "qualified", "quote", "negotiation", "won")
        }
        cls.portal_product = cls.env["product.product"].create(
            {"name": "Portal Lizenz", "list_price": 30000.0})

    def _import(self, import_format, text, preview=False, mapping=None, file_name="export.csv"):
        record = self.env["crm.pipeline.import"].create({
            "import_format": import_format,
            "pipeline_file": base64.b64encode(text.encode()),
            "pipeline_filename": file_name,
        })
        if mapping is not None:
            record.action_load_columns()
            for line in record.mapping_ids:
                line.field_key = mapping.get(line.column_name, False)
        if preview:
            record.action_preview()
        else:
            record.action_import()
        return record

    def _lead(self, ref):
        lead = self.Lead.search([("crm_import_ref", "=", ref)])
        self.assertEqual(len(lead), 1, f"one opportunity expected for {ref}")
        return lead

    def test_hubspot_deals(self):
        result = self._import("hubspot", csv_text(HUBSPOT_DEALS))
        self.assertEqual(result.created_count, 4)

        first = self._lead("9001001")
        self.assertEqual(first.name, "Brauhaus Nord - Kassensystem")
        self.assertEqual(first.stage_id, self.stages["lead"])
        self.assertEqual(first.expected_revenue, 4800.0)
        self.assertEqual(first.date_deadline, date(2024, 6, 30))
        self.assertEqual(first.date_open, datetime(2024, 3, 1, 12, 0))
        self.assertEqual(first.user_id, self.salesperson)
        self.assertEqual(first.partner_id.name, "Brauhaus Nord GmbH")
        self.assertTrue(first.partner_id.is_company)

        won = self._lead("9001002")
        self.assertEqual(won.stage_id, self.stages["won"])
        self.assertEqual(won.expected_revenue, 1250.5)
        self.assertEqual(won.date_closed, datetime(2024, 4, 12, 12, 0))
        self.assertEqual(won.partner_id, first.partner_id, "one company per name")

        lost = self._lead("9001003")
        self.assertFalse(lost.active)
        self.assertEqual(lost.probability, 0.0)

        contract = self._lead("9001004")
        self.assertEqual(contract.stage_id, self.stages["negotiation"])
        self.assertFalse(contract.user_id)

        lines = {line.row_number: line for line in result.line_ids}
        self.assertEqual(lines[5].status, "fixed")
        self.assertEqual(lines[5].column_name, "Deal owner")
        self.assertIn("'Unbekannte Person' not found", lines[5].message)
        self.assertEqual(lines[6].status, "rejected")
        self.assertIn("'Kickoff' is not a known stage", lines[6].message)
        self.assertEqual(result.rejected_count, 1)

    def test_pipedrive_deals(self):
        # The deals are in euros. A company keeping its books in another
        # currency gets an open deal converted at the rate of the day it was
        # created, here 1.25 euros to its currency unit.
        company = self.env.company
        expected_proposal = 3200.0
        if company.currency_id.name != "EUR":
            self.env["res.currency.rate"].create({
                "currency_id": self.env.ref("base.EUR").id,
                "company_id": company.id,
                "name": date(2024, 3, 4),
                "rate": 1.25,
            })
            expected_proposal = 2560.0
        result = self._import("pipedrive", csv_text(PIPEDRIVE_DEALS, quoting=csv.QUOTE_ALL))
        self.assertEqual(result.created_count, 3)

        proposal = self._lead("311")
        self.assertEqual(proposal.stage_id, self.stages["quote"])
        self.assertEqual(proposal.expected_revenue, expected_proposal)
        self.assertEqual(proposal.date_deadline, date(2024, 5, 31))

        won = self._lead("312")
        self.assertEqual(won.stage_id, self.stages["won"], "status won wins over the stage")
        self.assertEqual(won.date_closed, datetime(2024, 3, 20, 12, 0))
        self.assertEqual(won.date_deadline, date(2024, 3, 31))

        lost = self._lead("313")
        self.assertFalse(lost.active)
        self.assertEqual(lost.date_closed, datetime(2024, 2, 10, 12, 0))

        rejected = result.line_ids.filtered(lambda line: line.status == "rejected")
        self.assertEqual(rejected.row_number, 5)
        self.assertEqual(rejected.column_name, "Deal - Status")
        self.assertIn("'pending' is not open, won or lost", rejected.message)

    def test_salesforce_opportunities(self):
        result = self._import("salesforce", SALESFORCE_TEXT)
        self.assertEqual(result.created_count, 2)

        quote = self._lead("0065g00000AbCdE")
        self.assertEqual(quote.stage_id, self.stages["quote"])
        self.assertEqual(quote.expected_revenue, 48000.0)
        self.assertEqual(quote.date_deadline, date(2024, 9, 30))
        self.assertEqual(quote.crm_product_id, self.portal_product)
        self.assertEqual(quote.partner_id.name, "Stadtwerke Ost")

        won = self._lead("0065g00000AbCdF")
        self.assertEqual(won.stage_id, self.stages["won"])
        self.assertEqual(won.expected_revenue, 6000.0)
        self.assertFalse(won.crm_product_id)

        lines = {line.row_number: line for line in result.line_ids}
        self.assertEqual(lines[3].status, "fixed")
        self.assertIn("'Support Paket' not found", lines[3].message)
        self.assertEqual(lines[4].status, "rejected")
        self.assertEqual(lines[4].value, "31/12/2024")
        self.assertIn("not a valid date", lines[4].message)

    def test_preview_then_reimport(self):
        preview = self._import("salesforce", SALESFORCE_TEXT, preview=True)
        self.assertEqual(preview.state, "preview")
        self.assertEqual((preview.created_count, preview.updated_count, preview.rejected_count),
                         (2, 0, 1))
        statuses = {line.row_number: line.status for line in preview.line_ids
                    if line.status in ("create", "rejected")}
        self.assertEqual(statuses, {2: "create", 3: "create", 4: "rejected"})
        self.assertFalse(self.Lead.search([("crm_import_ref", "like", "0065g")]))
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Stadtwerke Ost")]),
                         "a preview creates no company")

        self._import("salesforce", SALESFORCE_TEXT)
        changed = SALESFORCE_TEXT.replace("$48,000.00", "$52,000.00")
        second = self._import("salesforce", changed, preview=True)
        self.assertEqual((second.created_count, second.updated_count), (0, 1))
        update = second.line_ids.filtered(lambda line: line.status == "update")
        self.assertEqual(update.row_number, 2)
        self.assertEqual(update.value, "0065g00000AbCdE")
        self.assertIn("Expected Revenue", update.message)
        self.assertEqual(self._lead("0065g00000AbCdE").expected_revenue, 48000.0)

        third = self._import("salesforce", changed)
        self.assertEqual((third.created_count, third.updated_count), (0, 1))
        self.assertEqual(self._lead("0065g00000AbCdE").expected_revenue, 52000.0)
        self.assertEqual(self.Lead.search_count([("crm_import_ref", "like", "0065g")]), 2)

    def test_import_form(self):
        with Form(self.env["crm.pipeline.import"]) as form:
            form.import_format = "salesforce"
            form.pipeline_file = base64.b64encode(SALESFORCE_TEXT.encode())
        record = form.record
        self.assertEqual(record.state, "draft")
        record.action_import()
        self.assertEqual(record.state, "done")
        self.assertEqual(record.created_count, 2)
        action = record.action_open_opportunities()
        self.assertEqual(self.Lead.search_count(action["domain"]), 2)

    def test_manual_mapping(self):
        mapping = {
            "Nummer": "ref",
            "Titel": "name",
            "Phase": "stage",
            "Betrag": "amount",
            "Kunde": "account",
            "Abschluss": "close_date",
        }
        result = self._import("manual", MANUAL_TEXT, mapping=mapping)
        self.assertEqual(result.mapping_ids.mapped("column_name"),
                         ["Nummer", "Titel", "Phase", "Betrag", "Kunde", "Abschluss"])
        quote = self._lead("A-17")
        self.assertEqual(quote.name, "Hofladen Meyer Kassen")
        self.assertEqual(quote.stage_id, self.stages["quote"])
        self.assertEqual(quote.expected_revenue, 1234.5)
        self.assertEqual(quote.date_deadline, date(2024, 8, 15))
        won = self._lead("A-18")
        self.assertEqual(won.stage_id, self.stages["won"])
        self.assertEqual(won.date_closed, datetime(2024, 5, 2, 12, 0))
        rejected = result.line_ids.filtered(lambda line: line.status == "rejected")
        self.assertEqual(rejected.row_number, 4)
        self.assertIn("'Verhandlung' is not a known stage", rejected.message)

    def test_manual_mapping_guesses_known_headers(self):
        record = self.env["crm.pipeline.import"].create({
            "import_format": "manual",
            "pipeline_file": base64.b64encode(csv_text(HUBSPOT_DEALS).encode()),
            "pipeline_filename": "deals.csv",
        })
        record.action_load_columns()
        guessed = {line.column_name: line.field_key for line in record.mapping_ids}
        self.assertEqual(guessed["Record ID"], "ref")
        self.assertEqual(guessed["Deal Stage"], "stage")
        self.assertEqual(guessed["Amount"], "amount")

    def test_manual_mapping_requires_key_columns(self):
        with self.assertRaisesRegex(UserError, "Opportunity ID"):
            self._import("manual", MANUAL_TEXT, mapping={"Phase": "stage"})

    def test_preset_missing_column(self):
        text = csv_text(HUBSPOT_DEALS).replace("Deal Stage", "Pipeline Phase")
        with self.assertRaisesRegex(UserError, r"export.csv has no column 'Deal Stage'"):
            self._import("hubspot", text)
