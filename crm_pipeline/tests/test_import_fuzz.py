"""Bad input for the pipeline importer: malformed CSV, wrong encodings, formulas.

``TestImportFuzz`` draws pipeline files with hypothesis (a bounded number of
examples, derandomized so that every run tries the same files) for the four
presets and the manual mapping, and checks for each file that:

- every row of the file is imported or reported, never silently dropped;
- the preview writes nothing, and a file refused as a whole writes nothing;
- the user gets a result or a UserError, never another exception;
- no stored text starts like a spreadsheet formula;
- importing the same file again creates nothing.

The other classes pin down each kind of bad input with concrete values.
"""

import base64
import csv
import html
import io
import json
import logging
import re
import zipfile
from collections import Counter
from datetime import date, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.tests import HttpCase, TransactionCase, tagged

from ..models.crm_pipeline_import_engine import FORMULA_PREFIXES
from ..models.crm_pipeline_import_formats import IMPORT_FIELDS, PRESETS

_logger = logging.getLogger(__name__)

FUZZ_EXAMPLES = 150

FORMULAS = [
    '=HYPERLINK("http://127.0.0.1/x","Angebot")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "-2+3",
    "=1+1",
    "\t=A1",
]
SCRIPTS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "${object.name}",
    "{{ 7*7 }}",
    '<t t-out="user.password"/>',
]
PLAIN_NAMES = ["Brauhaus Nord GmbH", "Elbe Logistik AG", "Hanna Berger", "Fuzz Widget",
               "Müller & Söhne KG", "Café, Bäckerei \"Zur Mühle\""]
# Characters of the random text: ASCII, German letters, the euro sign and the
# characters that matter to CSV (separators and quotes).
ALPHABET = "abcXYZ019 äöüßÄé€,;\"'-=+@"
BAD_DATES = ["31/12/2024", "2024-02-30", "2024-13-01", "morgen", "0000-00-00", "=TODAY()",
             "12/31/24", "2024/12/31"]
AMOUNTS = ["1200", "1.234,50", "$48,000.00", "0", "-5", "NaN", "inf", "-inf", "1e400",
           "99999999999999999999", "1e12", "12abc", "=1+1", "", " 7 ", "1,5"]
# Pipedrive's currency cells: the test company's currency is USD, and EUR has
# no exchange rate there.
CURRENCIES = ["", "USD", "usd", "EUR"]
REFS = ["F-1", "F-2", "F-3", "F-4", "F-5", "", "=1+1", "@7", "-7"]
# Stage cells each preset understands, and some it does not.
VALID_STAGES = {
    "maven": ["Prospecting", "Engaging", "Won", "Lost"],
    "hubspot": ["appointmentscheduled", "Closed Won", "closedlost", "contractsent"],
    "pipedrive": ["Lead In", "Proposal Made", "Negotiations Started"],
    "salesforce": ["Prospecting", "Closed Won", "Closed Lost", "Negotiation/Review"],
    "manual": ["Quote", "Won", "Lost", "Lead"],
}
BAD_STAGES = ["Kickoff", "", "=1", "<script>alert(1)</script>", "Won\u00a0"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"]
LINE_ENDINGS = ["\n", "\r\n", "\r", "mixed"]
MANUAL_FIELDS = ["ref", "name", "stage", "amount", "account", "salesperson", "close_date"]


def header_of(preset):
    """Return the importer fields and the header cells written for ``preset``."""
    if preset == "manual":
        return MANUAL_FIELDS, [IMPORT_FIELDS[key] for key in MANUAL_FIELDS]
    columns = PRESETS[preset]["columns"]
    return list(columns), list(columns.values())


def reason_key(message):
    """Return ``message`` without its values, to count the reasons."""
    return re.sub(r"'[^']*'|[0-9][0-9,.:/ -]*", "_", message.split(";")[0])[:80]


def count_rows(text):
    """Return the data rows that a CSV reader finds in ``text`` after the header."""
    reader = csv.reader(io.StringIO(text.replace("\x00", ""), newline=""))
    rows = 0
    header_seen = False
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return rows
        except csv.Error:
            rows += 1
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if header_seen:
            rows += 1
        header_seen = True


def create_salesperson(env):
    return env["res.users"].create({
        "name": "Hanna Berger", "login": "fuzz_hanna",
        "groups_id": [(4, env.ref("sales_team.group_sale_salesman").id)],
    })


@st.composite
def text_cells(draw):
    kind = draw(st.sampled_from(["plain"] * 8 + ["formula"] * 2 + ["script"] * 2
                                + ["random"] * 2 + ["huge"]))
    if kind == "plain":
        return draw(st.sampled_from(PLAIN_NAMES))
    if kind == "formula":
        return draw(st.sampled_from(FORMULAS))
    if kind == "script":
        return draw(st.sampled_from(SCRIPTS))
    if kind == "random":
        return draw(st.text(alphabet=ALPHABET, max_size=30))
    # Beyond the 131,072 characters a CSV cell may hold, or just below.
    return "x" * draw(st.sampled_from([5000, 140000]))


@st.composite
def date_cells(draw, preset):
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(BAD_DATES))
    day = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 500)))
    date_format = (PRESETS[preset]["date_formats"] if preset != "manual" else ["%Y-%m-%d"])[0]
    return day.strftime(date_format)


def draw_row(draw, preset, fields):
    """Draw the cells of one row; two rows in three are valid."""
    clean = draw(st.sampled_from([True, True, False]))
    engaged = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 300)))
    closed = engaged + timedelta(days=draw(st.integers(0, 200)))
    date_format = (PRESETS[preset]["date_formats"] if preset != "manual" else ["%Y-%m-%d"])[0]
    stages = VALID_STAGES[preset]
    statuses = ["open", "won", "lost"]
    amounts = ["1200", "1.234,50", "$48,000.00", "0", " 7 "]
    choices = {
        "ref": [f"F-{number}" for number in range(1, 13)] if clean else REFS,
        "stage": stages if clean else stages + BAD_STAGES,
        "status": statuses if clean else [*statuses, "pending"],
        "amount": amounts if clean else AMOUNTS,
        "currency": CURRENCIES if clean else [*CURRENCIES, "XYZ", "€", "=1+1"],
    }
    row = []
    for field_name in fields:
        if field_name in choices:
            row.append(draw(st.sampled_from(choices[field_name])))
        elif field_name.endswith("date") and clean:
            day = engaged if field_name == "engage_date" else closed
            row.append(day.strftime(date_format))
        elif field_name.endswith("date"):
            row.append(draw(date_cells(preset)))
        elif field_name == "product" and clean:
            row.append(draw(st.sampled_from(["Fuzz Widget", "FuzzWidget"])))
        else:
            row.append(draw(text_cells()))
    return row


def damage_line(draw, lines, header, mutation):
    """Apply ``mutation`` to one data line of ``lines`` (to the header for bad_header)."""
    index = draw(st.integers(1, len(lines) - 1))
    line = lines[index]
    if mutation == "bad_header":
        # The first column is renamed: a required column goes missing.
        lines[0] = "Unbekannt" + lines[0][len(header[0]):]
    elif mutation == "open_quote":
        separators = [0] + [i + 1 for i, char in enumerate(line) if char == ","]
        position = draw(st.sampled_from(separators))
        lines[index] = line[:position] + '"' + line[position:]
    elif mutation == "extra_cells":
        lines[index] = line + ",surplus,=1+1"
    elif mutation == "short_row":
        lines[index] = line.rsplit(",", draw(st.integers(1, 3)))[0]
    elif mutation == "nul":
        position = draw(st.integers(0, len(line)))
        lines[index] = line[:position] + "\x00" + line[position:]
    else:
        lines[index] = line + "\n\n"


@st.composite
def pipeline_files(draw):
    """Return (preset, encoding, file bytes, text as the importer should read it, mutations)."""
    preset = draw(st.sampled_from(list(VALID_STAGES)))
    fields, header = header_of(preset)
    rows = [draw_row(draw, preset, fields) for _index in range(draw(st.integers(0, 8)))]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    lines = []
    for row in [header, *rows]:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        lines.append(buffer.getvalue()[:-1])

    mutations = draw(st.lists(st.sampled_from(
        ["open_quote", "extra_cells", "short_row", "nul", "blank_lines"] * 3 + ["bad_header"]),
        max_size=2))
    if len(lines) > 1:
        for mutation in mutations:
            damage_line(draw, lines, header, mutation)

    ending = draw(st.sampled_from(LINE_ENDINGS))
    if ending == "mixed":
        text = "".join(line + draw(st.sampled_from(["\n", "\r\n", "\r"])) for line in lines)
    else:
        text = ending.join(lines) + draw(st.sampled_from(["", ending]))
    encoding = draw(st.sampled_from(ENCODINGS))
    content = text.encode(encoding, errors="replace")
    # What survives the encoding: unencodable characters become '?'.
    read_text = content.decode(encoding).lstrip("\ufeff")
    return preset, encoding, content, read_text, mutations


@tagged("post_install", "-at_install")
class TestImportFuzz(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["product.product"].create({"name": "Fuzz Widget", "list_price": 99.0})
        create_salesperson(cls.env)
        cls.Lead = cls.env["crm.lead"].with_context(active_test=False)

    def _record_counts(self):
        return {
            model: self.env[model].with_context(active_test=False).search_count([])
            for model in ("crm.lead", "res.partner", "res.users", "product.product",
                          "crm.team", "res.partner.industry")
        }

    def _new_import(self, preset, content):
        record = self.env["crm.pipeline.import"].create({
            "import_format": preset,
            "pipeline_file": base64.b64encode(content),
            "pipeline_filename": "fuzz.csv",
        })
        if preset == "manual":
            record.action_load_columns()
        return record

    def _check_lines(self, record, rows):
        for line in record.line_ids:
            self.assertEqual(line.file_name, "fuzz.csv")
            self.assertTrue(line.message)
            self.assertLessEqual(len(line.value or ""), 200)
            if line.status == "rejected":
                self.assertTrue(2 <= line.row_number <= rows + 40, line.display_name)
                self.assertTrue(line.column_name or line.value or "row" in line.message,
                                line.display_name)

    def _check_file(self, case, stats):
        preset, encoding, content, read_text, mutations = case
        rows = count_rows(read_text)
        stats["files"] += 1
        stats["rows"] += rows
        stats.update(f"mutation {mutation}" for mutation in mutations)
        before = self._record_counts()
        with self.env.cr.savepoint() as savepoint:
            try:
                record = self._new_import(preset, content)
                record.action_preview()
            except UserError as error:
                # Rejected as a whole: a message, and nothing written.
                self.assertTrue(str(error))
                stats["files rejected"] += 1
                stats["rows in rejected files"] += rows
                savepoint.rollback()
                self.env.invalidate_all()
                self.assertEqual(self._record_counts(), before)
                return
            self.assertEqual(self._record_counts(), before, "the preview wrote records")
            self.assertEqual(record.state, "preview")
            previewed = (record.created_count, record.updated_count, record.unchanged_count,
                         record.rejected_count)
            self.assertEqual(sum(previewed), rows, f"{preset} {encoding} {mutations}")
            self._check_lines(record, rows)

            record.action_import()
            self.assertEqual(record.state, "done")
            imported = record.created_count + record.updated_count + record.unchanged_count
            self.assertEqual(imported + record.rejected_count, rows)
            self.assertEqual(
                (record.created_count, record.updated_count, record.unchanged_count,
                 record.rejected_count), previewed, "the preview announced another result")
            self._check_lines(record, rows)
            leads = self.Lead.search([("crm_import_ref", "!=", False)])
            self.assertEqual(len(leads), record.created_count)
            for lead in leads:
                for text in (lead.name, lead.crm_import_ref, lead.partner_id.name,
                             lead.user_id.name):
                    self.assertFalse(text and text.startswith(FORMULA_PREFIXES), text)
            stats["rows imported"] += imported
            stats["rows rejected"] += record.rejected_count
            stats["rows fixed"] += record.fixed_count
            stats.update(
                f"{line.status}: {reason_key(line.message)}"
                for line in record.line_ids if line.status in ("fixed", "rejected"))

            again = self._new_import(preset, content)
            again.action_import()
            self.assertEqual(again.created_count, 0, "a second import created duplicates")
            self.assertEqual(again.updated_count + again.unchanged_count, imported)
            self.assertEqual(again.rejected_count, record.rejected_count)
            self.assertEqual(len(self.Lead.search([("crm_import_ref", "!=", False)])),
                             len(leads))
            savepoint.rollback()
        self.env.invalidate_all()

    def test_fuzz_pipeline_files(self):
        stats = Counter()

        @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=pipeline_files())
        def check(case):
            self._check_file(case, stats)

        check()
        _logger.info("Pipeline import fuzz: %s", json.dumps(dict(sorted(stats.items()))))
        self.assertEqual(stats["files"], FUZZ_EXAMPLES)
        # The draws reach both outcomes and every kind of damage.
        self.assertGreater(stats["rows imported"], 0)
        self.assertGreater(stats["rows rejected"], 0)
        self.assertGreater(stats["files rejected"], 0)
        for mutation in ("open_quote", "extra_cells", "short_row", "nul"):
            self.assertGreater(stats[f"mutation {mutation}"], 0, mutation)


def salesforce_text(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PRESETS["salesforce"]["columns"].values())
    writer.writerows(rows)
    return buffer.getvalue()


def salesforce_row(ref, name, amount="1000", account="Kunde GmbH", stage="Prospecting",
                   close="9/30/2024"):
    # ref, name, account, stage, amount, close, created, owner, product
    return [ref, name, account, stage, amount, close, "3/14/2024", "Hanna Berger", ""]


@tagged("post_install", "-at_install")
class TestImportBadFiles(TransactionCase):
    """Each kind of broken file, with the rows and reasons a user reads."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        create_salesperson(cls.env)
        cls.Lead = cls.env["crm.lead"].with_context(active_test=False)

    def _import(self, content, import_format="salesforce", preview=False):
        record = self.env["crm.pipeline.import"].create({
            "import_format": import_format,
            "pipeline_file": base64.b64encode(content),
            "pipeline_filename": "report.csv",
        })
        if preview:
            record.action_preview()
        else:
            record.action_import()
        return record

    def _lines(self, record, status):
        return {line.row_number: line for line in record.line_ids if line.status == status}

    def test_open_quote_rejects_row(self):
        text = salesforce_text([
            salesforce_row("SF-1", "Zählerportal"),
            salesforce_row("SF-2", "Support"),
            salesforce_row("SF-3", "Wartung"),
        ])
        # A quote opened at the start of SF-2's name and never closed: the
        # reader takes the rest of the file as that one cell.
        text = text.replace(",Support,", ',"Support,')
        result = self._import(text.encode())
        self.assertEqual(result.created_count, 1)
        self.assertEqual(result.rejected_count, 1)
        line = self._lines(result, "rejected")[3]
        self.assertEqual(line.column_name, "Opportunity Name")
        self.assertIn("lines 3 to 4 of the file were read as one row", line.message)
        self.assertTrue(line.value.startswith("Support,Kunde GmbH"))
        self.assertFalse(self.Lead.search([("crm_import_ref", "in", ["SF-2", "SF-3"])]))

    def test_rows_with_more_or_fewer_cells(self):
        text = salesforce_text([
            salesforce_row("SF-1", "Zu viele"),
            salesforce_row("SF-2", "Zu wenige"),
            salesforce_row("SF-3", "Leere Zellen am Ende"),
        ])
        lines = text.splitlines()
        lines[1] += ",Berlin,=1+1"
        lines[2] = ",".join(lines[2].split(",")[:6])
        lines[3] += ",,"
        result = self._import("\r\n".join(lines).encode())
        self.assertEqual(result.created_count, 2)
        rejected = self._lines(result, "rejected")
        self.assertEqual(list(rejected), [2])
        self.assertEqual(rejected[2].value, "Berlin")
        self.assertIn("the row has 11 cells for 9 columns", rejected[2].message)
        fixed = result.line_ids.filtered(lambda line: line.status == "fixed")
        self.assertEqual(fixed.mapped("row_number"), [3, 3])
        self.assertEqual(fixed.mapped("message"), [
            "the row has 6 cells for 9 columns: the last ones are read as empty",
            "Opportunity Owner is empty: opportunity imported without salesperson",
        ])
        self.assertEqual(self.Lead.search([("crm_import_ref", "=", "SF-2")]).name, "Zu wenige")

    def test_utf16_without_bom_and_nul(self):
        text = salesforce_text([salesforce_row("SF-1", "Bäckerei Öztürk", account="Müller\x00 KG")])
        result = self._import(text.encode("utf-16-le"))
        self.assertEqual(result.created_count, 1)
        lead = self.Lead.search([("crm_import_ref", "=", "SF-1")])
        self.assertEqual(lead.name, "Bäckerei Öztürk")
        self.assertEqual(lead.partner_id.name, "Müller KG")
        messages = [line.message for line in result.line_ids if line.row_number == 0]
        self.assertEqual(messages, [
            "The file has no byte order mark; it was read as utf-16-le.",
            "The file contains NUL characters (1); they were removed.",
        ])

    def test_cp1252_file_reported(self):
        text = salesforce_text([salesforce_row("SF-1", "Größe – 5 €")])
        result = self._import(text.encode("cp1252"))
        self.assertEqual(self.Lead.search([("crm_import_ref", "=", "SF-1")]).name, "Größe – 5 €")
        self.assertEqual(result.line_ids.filtered(lambda line: line.row_number == 0).message,
                         "The file is not valid UTF-8; it was read as cp1252.")

    def test_broken_utf16_rejected(self):
        content = "Opportunity ID,Stage\nSF-1,Prospecting\n".encode("utf-16") + b"\x00"
        with self.assertRaisesRegex(UserError, "cannot be decoded as UTF-16"):
            self._import(content)

    def test_amounts_out_of_range(self):
        amounts = ["NaN", "inf", "1e400", "1000000000000", "-5", "999999999999"]
        text = salesforce_text([
            salesforce_row(f"SF-{index}", "Deal", amount=amount)
            for index, amount in enumerate(amounts)
        ])
        result = self._import(text.encode())
        self.assertEqual(result.created_count, 1)
        self.assertEqual(self.Lead.search([("crm_import_ref", "=", "SF-5")]).expected_revenue,
                         999999999999.0)
        rejected = self._lines(result, "rejected")
        self.assertEqual(sorted(rejected), [2, 3, 4, 5, 6])
        self.assertEqual(rejected[2].message,
                         "Amount 'NaN' is not a valid amount (at most 999,999,999,999)")
        self.assertEqual(rejected[6].message, "Amount '-5' is negative")

    def test_currency_codes(self):
        company_currency = self.env.company.currency_id
        other = self.env.ref("base.EUR" if company_currency.name != "EUR" else "base.USD")
        self.env["res.currency.rate"].create({
            "currency_id": other.id, "name": "2024-01-01", "rate": 2.0,
            "company_id": self.env.company.id,
        })
        no_rate = self.env["res.currency"].with_context(active_test=False).search([
            ("rate_ids", "=", False), ("id", "not in", (company_currency | other).ids),
        ], limit=1)
        header = ["Deal - ID", "Deal - Title", "Deal - Value", "Deal - Currency", "Deal - Stage",
                  "Deal - Owner"]
        rows = [
            ["P-1", "Eigene Währung", "1000", company_currency.name.lower(), "Lead In"],
            ["P-2", "Mit Kurs", "1000", other.name, "Lead In"],
            ["P-3", "Ohne Kurs", "1000", no_rate.name, "Lead In"],
            ["P-4", "Unbekannt", "1000", "XYZ", "Lead In"],
        ]
        rows = [[*row, "Hanna Berger"] for row in rows]
        text = "\n".join(",".join(row) for row in [header, *rows])
        result = self._import(text.encode(), import_format="pipedrive")
        self.assertEqual(result.created_count, 3)
        revenue = {lead.crm_import_ref: lead.expected_revenue
                   for lead in self.Lead.search([("crm_import_ref", "!=", False)])}
        self.assertEqual(revenue, {"P-1": 1000.0, "P-2": 500.0, "P-3": 1000.0})
        fixed = self._lines(result, "fixed")
        self.assertEqual(
            fixed[3].message,
            f"amount 1,000.00 {other.name} converted to 500.00 {company_currency.name} "
            f"at the rate of {fields.Date.context_today(self.env.user)}")
        self.assertEqual(
            fixed[4].message,
            f"no exchange rate for {no_rate.name}: the amount is kept unconverted, "
            f"in {company_currency.name}")
        self.assertEqual(self._lines(result, "rejected")[5].message,
                         "Deal - Currency 'XYZ' is not a known currency code, such as EUR or USD")

    def test_huge_cells(self):
        text = salesforce_text([
            salesforce_row("SF-1", "L" * 500),
            salesforce_row("SF-2", "Lang", account="A" * 5000),
            salesforce_row("SF-3", "X" * 140000),  # beyond the csv module's default limit
            salesforce_row("SF-4", "Normal"),
        ])
        result = self._import(text.encode())
        self.assertEqual(result.created_count, 2)
        self.assertEqual(len(self.Lead.search([("crm_import_ref", "=", "SF-1")]).name), 500)
        rejected = self._lines(result, "rejected")
        self.assertEqual(rejected[3].message,
                         "Account Name has 5,000 characters; at most 500 are allowed")
        self.assertEqual(len(rejected[3].value), 200)
        self.assertEqual(rejected[4].message,
                         "Opportunity Name has 140,000 characters; at most 500 are allowed")

    def test_dates_in_the_wrong_format(self):
        text = salesforce_text([
            salesforce_row("SF-1", "Deal", close="2024-09-30"),
            salesforce_row("SF-2", "Deal", close="31/12/2024"),
            salesforce_row("SF-3", "Deal", close="2/30/2024"),
        ])
        result = self._import(text.encode())
        self.assertEqual(result.created_count, 1)
        rejected = self._lines(result, "rejected")
        self.assertEqual(rejected[3].message,
                         "Close Date '31/12/2024' is not a valid date (expected format %m/%d/%Y)")
        self.assertEqual(rejected[4].value, "2/30/2024")

    def test_duplicate_keys_and_reimport(self):
        text = salesforce_text([
            salesforce_row("SF-1", "Erste"),
            salesforce_row("SF-1", "Zweite"),
        ])
        first = self._import(text.encode())
        self.assertEqual((first.created_count, first.rejected_count), (1, 1))
        self.assertEqual(self._lines(first, "rejected")[3].message,
                         "Opportunity ID 'SF-1' already appears on row 2")
        again = self._import(text.encode())
        self.assertEqual((again.created_count, again.unchanged_count, again.rejected_count),
                         (0, 1, 1))
        self.assertEqual(self.Lead.search([("crm_import_ref", "=", "SF-1")]).name, "Erste")

    def test_preview_writes_nothing(self):
        text = salesforce_text([
            salesforce_row("SF-1", "Neu", account="Neue Firma AG"),
            salesforce_row("SF-2", "Kaputt", stage="Kickoff"),
        ])
        partners = self.env["res.partner"].search_count([])
        result = self._import(text.encode(), preview=True)
        self.assertEqual((result.created_count, result.rejected_count), (1, 1))
        self.assertFalse(self.Lead.search([("crm_import_ref", "!=", False)]))
        self.assertEqual(self.env["res.partner"].search_count([]), partners)

    def test_accounts_numbers_out_of_range(self):
        accounts = (
            "account,sector,year_established,revenue,employees,office_location,subsidiary_of\n"
            "Riesen AG,retail,1990,10.5,99999999999,Germany,\n"
            "=HYPERLINK(\"http://127.0.0.1\"),retail,1990,10.5,12,Germany,\n"
        )
        pipeline = ("opportunity_id,sales_agent,product,account,deal_stage,engage_date,"
                    "close_date,close_value\nM-1,,,Riesen AG,Prospecting,,,\n")
        record = self.env["crm.pipeline.import"].create({
            "import_format": "maven",
            "pipeline_file": base64.b64encode(pipeline.encode()),
            "accounts_file": base64.b64encode(accounts.encode()),
        })
        record.action_import()
        rejected = [line for line in record.line_ids
                    if line.status == "rejected" and line.file_name == "accounts.csv"]
        self.assertEqual([(line.file_name, line.row_number, line.column_name) for line in rejected],
                         [("accounts.csv", 2, "employees")])
        self.assertTrue(self.env["res.partner"].search(
            [("name", "=", "'=HYPERLINK(\"http://127.0.0.1\")")]))


@tagged("post_install", "-at_install")
class TestImportFormulaExport(HttpCase):
    """Cells that look like formulas stay text, also in Odoo's spreadsheet export."""

    def test_formula_cells_exported_as_text(self):
        create_salesperson(self.env)
        text = salesforce_text([
            salesforce_row("=1+1", '=HYPERLINK("http://127.0.0.1/x","Angebot")',
                           account="@SUM(A1:A9)"),
            salesforce_row("SF-2", "+cmd|' /C calc'!A0", account="-2+3"),
        ])
        result = self.env["crm.pipeline.import"].create({
            "import_format": "salesforce",
            "pipeline_file": base64.b64encode(text.encode()),
            "pipeline_filename": "report.csv",
        })
        result.action_import()
        self.assertEqual(result.created_count, 2)
        leads = self.env["crm.lead"].search([("crm_import_ref", "!=", False)], order="id")
        self.assertEqual(leads.mapped("name"),
                         ["'=HYPERLINK(\"http://127.0.0.1/x\",\"Angebot\")", "'+cmd|' /C calc'!A0"])
        self.assertEqual(leads.mapped("crm_import_ref"), ["'=1+1", "SF-2"])
        self.assertEqual(leads.mapped("partner_id.name"), ["'@SUM(A1:A9)", "'-2+3"])
        fixed = result.line_ids.filtered(lambda line: line.status == "fixed")
        self.assertEqual(len(fixed), 5)
        self.assertIn("which a spreadsheet runs as a formula", fixed[0].message)

        self.authenticate("admin", "admin")
        response = self.url_open("/web/export/xlsx", data={
            "data": json.dumps({
                "model": "crm.lead",
                "fields": [{"name": "name", "label": "Name", "type": "char"},
                           {"name": "crm_import_ref", "label": "Ref", "type": "char"},
                           {"name": "partner_id", "label": "Customer", "type": "many2one"}],
                "ids": leads.ids,
                "domain": [],
                "groupby": [],
                "import_compat": False,
            }),
            "csrf_token": http.Request.csrf_token(self),
        })
        self.assertEqual(response.status_code, 200)
        with zipfile.ZipFile(io.BytesIO(response.content)) as workbook:
            sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
            strings = workbook.read("xl/sharedStrings.xml").decode()
        self.assertNotIn("<f>", sheet, "a cell of the export is a live formula")
        self.assertIn("'=HYPERLINK(\"http://127.0.0.1/x\"", html.unescape(strings))
