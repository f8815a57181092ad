"""Engine of the pipeline importer, shared by the wizard and ``_import_maven_folder``.

The engine reads CSV files already loaded in memory, checks every row, then
writes the accepted rows in batches. A row that fails a check is reported and
never written, so it leaves no partial record behind. Related records (users,
sales teams, companies, products) are looked up once into dicts.
"""

import csv
import io
import logging
import math
import re
from datetime import datetime, time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .crm_pipeline_import_formats import (
    COMMON_STAGES,
    MANUAL_DATE_FORMATS,
    PRESETS,
    STAGE_XMLIDS,
    STATUS_VALUES,
    all_known_stages,
    normalize_key,
)
from .crm_pipeline_import_reference import ReferenceDataImporter
from .crm_pipeline_import_tools import CsvFile, RowRejected, spacing_key

_logger = logging.getLogger(__name__)

# Opportunities written per create() call: large enough to amortize the
# per-call cost of computed fields, small enough to keep memory flat.
CREATE_BATCH_SIZE = 1000

# Imported dates carry no time. Noon UTC keeps the calendar day unchanged in
# every time zone from UTC-11 to UTC+11 when the web client shows it.
IMPORTED_TIME = time(12, 0)

MAVEN_FILES = {
    "pipeline": "sales_pipeline.csv",
    "accounts": "accounts.csv",
    "products": "products.csv",
    "teams": "sales_teams.csv",
}
ACCOUNT_COLUMNS = ["account", "sector", "year_established", "revenue", "employees",
                   "office_location", "subsidiary_of"]
PRODUCT_COLUMNS = ["product", "series", "sales_price"]
TEAM_COLUMNS = ["sales_agent", "manager", "regional_office"]

LOST_REASON_XMLID = "crm_pipeline.crm_lost_reason_imported"

# First characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Amounts at or above this are rejected as typing or export errors.
MAX_AMOUNT = 10**12
# Maximum length of a name or reference taken from a cell. PostgreSQL b-tree indexes
# (on contact names, for instance) take at most 2,704 bytes.
MAX_TEXT_LENGTH = 500
# Characters of a cell value kept in a result line.
MAX_REPORTED_VALUE = 200


def shorten(value, limit=MAX_REPORTED_VALUE):
    """Return ``value`` cut to ``limit`` characters, marking the cut."""
    value = str(value)
    return value if len(value) <= limit else value[:limit - 1] + "\u2026"


class PipelineImporter(ReferenceDataImporter):
    """Import CSV exports of a sales pipeline into crm.lead.

    :param env: environment of the importing user
    :param company: res.company that receives the opportunities and teams
    :param str preset: key of PRESETS, or 'manual'
    :param dict column_map: importer field -> file column, for 'manual'
    """

    def __init__(self, env, company, preset="maven", column_map=None):
        self.env = env
        self.company = company
        if preset == "manual":
            self.preset = {
                "columns": dict(column_map or {}),
                "required": ["ref", "stage"],
                "stages": {},
                "date_formats": MANUAL_DATE_FORMATS,
            }
        else:
            self.preset = PRESETS[preset]
        self.stage_names = {**all_known_stages(), **self.preset["stages"]}
        self.lines = []
        self.created = 0
        self.updated = 0
        self.unchanged = 0
        self.preview = []
        # Currency code -> res.currency, read on the first currency cell.
        self._currencies = None

    # ------------------------------------------------------------------
    # Report
    # ------------------------------------------------------------------

    def _report(self, status, file_name, row_number, column, value, message):
        self.lines.append({
            "status": status,
            "file_name": file_name,
            "row_number": row_number,
            "column_name": column or False,
            "value": shorten(value) if value not in (None, "", False) else False,
            "message": shorten(message, 1000),
        })

    def _fix(self, csv_file, row_number, column, value, message):
        self._report("fixed", csv_file.name, row_number, column, value, message)

    def _reject(self, csv_file, row_number, column, value, message):
        self._report("rejected", csv_file.name, row_number, column, value, message)

    # ------------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------------

    def read_csv(self, name, content, required_columns):
        """Decode and parse one CSV file.

        A row that cannot be read as one line of cells (a quote left open, a
        line break inside a cell, more cells than the header, a cell beyond
        the size limit) is rejected here and never reaches the checks.

        :param str name: file name used in messages
        :param bytes content: raw file content
        :param list required_columns: headers that must be present
        :raise UserError: when the file is empty or a required column is missing
        """
        text, encoding = self._decode(name, content)
        # The separator is the one the header line uses most: spreadsheets
        # with a German locale export with semicolons.
        header_line = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""
        delimiter = max(",;\t", key=header_line.count)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = []
            while not any(header):
                header = [cell.strip() for cell in next(reader)]
        except StopIteration:
            raise UserError(self.env._("The file %(file)s is empty.", file=name)) from None
        except csv.Error as error:
            raise UserError(self.env._(
                "The header line of the file %(file)s cannot be read: "
                "%(error)s.", file=name, error=error)) from None
        csv_file = CsvFile(name, [], header, encoding)
        missing = [column for column in required_columns if not csv_file.column(column)]
        if missing:
            raise UserError(self.env._(
                "The file %(file)s has no column %(columns)s. Its columns are: %(found)s.",
                file=name,
                columns=", ".join(f"'{column}'" for column in missing),
                found=", ".join(shorten(column, 80) for column in header) or "-",
            ))
        # The header is row 1 when no blank line precedes it, so the numbers
        # match a spreadsheet's.
        row_number = 1
        last_line = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                row_number += 1
                self._reject(csv_file, row_number, False, False, self.env._(
                    "the row cannot be read: %(error)s", error=error))
                last_line = reader.line_num
                continue
            first_line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            row_number += 1
            problem = self._check_cells(header, cells, first_line, last_line)
            if problem:
                column, value, message = problem
                self._reject(csv_file, row_number, column, value, message)
                continue
            if len(cells) < len(header):
                self._fix(csv_file, row_number, False, False, self.env._(
                    "the row has %(count)s cells for %(columns)s columns: the last "
                    "ones are read as empty", count=len(cells), columns=len(header)))
            row = {column: (cells[index].strip() if index < len(cells) else "")
                   for index, column in enumerate(header)}
            csv_file.rows.append((row_number, row))
        return csv_file

    def _check_cells(self, header, cells, first_line, last_line):
        """Return (column, value, reason) when ``cells`` are not one clean row, else None."""
        for index, cell in enumerate(cells):
            if "\n" in cell or "\r" in cell:
                column = header[index] if index < len(header) else False
                return column, cell, self.env._(
                    "%(column)s contains a line break, so lines %(first)s to %(last)s of the "
                    "file were read as one row; close the quote that opens this cell or "
                    "remove the line break",
                    column=column or self.env._("a cell beyond the last column"),
                    first=first_line, last=last_line)
        extra = [cell for cell in cells[len(header):] if cell.strip()]
        if extra:
            return False, extra[0], self.env._(
                "the row has %(count)s cells for %(columns)s columns: a separator too "
                "many would shift the values into the wrong columns",
                count=len(cells), columns=len(header))
        return None

    def _decode(self, name, content):
        if content.startswith((b"\xff\xfe", b"\xfe\xff")):
            encoding = "utf-16"
        else:
            encoding = self._guess_utf16(content)
        if encoding:
            try:
                text = content.decode(encoding)
            except UnicodeDecodeError:
                raise UserError(self.env._(
                    "The file %(file)s starts like a UTF-16 file but cannot be decoded as "
                    "UTF-16. Save it again as CSV UTF-8.", file=name)) from None
            if encoding != "utf-16":
                self._report("fixed", name, 0, False, encoding, self.env._(
                    "The file has no byte order mark; it was read as %(encoding)s.",
                    encoding=encoding))
            return self._drop_nul(name, text), "utf-16"
        try:
            return self._drop_nul(name, content.decode("utf-8-sig")), "utf-8"
        except UnicodeDecodeError as error:
            _logger.debug("%s is not valid UTF-8 (%s); trying cp1252 and latin-1", name, error)
        for encoding in ("cp1252", "latin-1"):
            try:
                text = content.decode(encoding)
            except UnicodeDecodeError:
                continue
            self._report(
                "fixed", name, 0, False, encoding,
                self.env._("The file is not valid UTF-8; it was read as %(encoding)s.",
                           encoding=encoding),
            )
            return self._drop_nul(name, text), encoding
        raise UserError(self.env._("The file %(file)s could not be decoded.", file=name))

    @staticmethod
    def _guess_utf16(content):
        """Return 'utf-16-le' or 'utf-16-be' for UTF-16 text without byte order mark."""
        sample = content[:4096]
        if len(sample) < 4 or b"\x00" not in sample:
            return None
        odd_nuls = sample[1::2].count(0)
        even_nuls = sample[0::2].count(0)
        half = len(sample) // 2
        # ASCII text in UTF-16 has a NUL in every other byte.
        if odd_nuls > half * 0.7 and even_nuls < half * 0.1:
            return "utf-16-le"
        if even_nuls > half * 0.7 and odd_nuls < half * 0.1:
            return "utf-16-be"
        return None

    def _drop_nul(self, name, text):
        """Remove NUL characters, which PostgreSQL cannot store, and report it."""
        if "\x00" not in text:
            return text
        self._report("fixed", name, 0, False, False, self.env._(
            "The file contains NUL characters (%(count)s); they were removed.",
            count=text.count("\x00")))
        return text.replace("\x00", "")

    def _text(self, csv_file, row_number, column, value):
        """Return ``value`` safe to export to a spreadsheet, and report a change.

        A name longer than MAX_TEXT_LENGTH is rejected (RowRejected) because
        PostgreSQL cannot index it. A cell starting with =, +, -, @ or a tab
        would run as a formula in the spreadsheet that opens an export of the
        record (Odoo 18's XLSX export
        writes a string starting with = as a formula, and its CSV export
        leaves a leading @ as it is). Such a cell is stored with a leading
        apostrophe, which spreadsheets read as "text".
        """
        if len(value) > MAX_TEXT_LENGTH:
            # Formatted outside the call: babel cannot extract terms next to an f-string.
            count = format(len(value), ",")
            raise RowRejected(column, value, self.env._(
                "%(column)s has %(count)s characters; at most %(max)s are allowed",
                column=column, count=count, max=MAX_TEXT_LENGTH))
        if value and value.startswith(FORMULA_PREFIXES):
            self._fix(csv_file, row_number, column, value, self.env._(
                "%(column)s starts with '%(char)s', which a spreadsheet runs as a formula: "
                "stored as text with a leading apostrophe", column=column, char=value[0]))
            return "'" + value
        return value

    # ------------------------------------------------------------------
    # Parsing of cells
    # ------------------------------------------------------------------

    def _parse_date(self, column, value):
        if not value:
            return False
        for date_format in self.preset["date_formats"]:
            try:
                return datetime.strptime(value, date_format).date()
            except ValueError:
                continue
        raise RowRejected(column, value, self.env._(
            "%(column)s '%(value)s' is not a valid date (expected format %(format)s)",
            column=column, value=value, format=self.preset["date_formats"][0],
        ))

    def _parse_amount(self, column, value):
        if not value:
            return None
        cleaned = re.sub(r"[\s$€£]", "", value)
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?|-?\d+,\d{1,2}", cleaned):
            # German style: 1.234,50
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
        try:
            amount = float(cleaned)
        except ValueError:
            raise RowRejected(column, value, self.env._(
                "%(column)s '%(value)s' is not a valid amount", column=column, value=value,
            )) from None
        if not math.isfinite(amount) or amount >= MAX_AMOUNT:
            raise RowRejected(column, value, self.env._(
                "%(column)s '%(value)s' is not a valid amount (at most %(max)s)",
                column=column, value=shorten(value, 40), max=format(MAX_AMOUNT - 1, ","),
            ))
        if amount < 0:
            raise RowRejected(column, value, self.env._(
                "%(column)s '%(value)s' is negative", column=column, value=value,
            ))
        return amount

    @staticmethod
    def _to_datetime(date_value):
        return datetime.combine(date_value, IMPORTED_TIME) if date_value else False

    # ------------------------------------------------------------------
    # Opportunities
    # ------------------------------------------------------------------

    def import_pipeline(self, csv_file, products=None, salespeople=None, accounts=None,
                        dry_run=False):
        """Create or update one opportunity per accepted row of ``csv_file``.

        :param dict products: result of import_products, or None to match
            existing products by name
        :param dict salespeople: result of import_teams, or None to match
            existing users by name
        :param dict accounts: result of import_accounts, or None to match or
            create companies by name
        :param bool dry_run: collect what would be created and updated without
            writing any opportunity
        """
        stages = self._get_stages()
        checked = []
        first_row_of_ref = {}
        for row_number, row in csv_file.rows:
            try:
                values = self._check_pipeline_row(csv_file, row, first_row_of_ref, row_number)
            except RowRejected as error:
                self._reject(csv_file, row_number, error.column, error.value, error.message)
                continue
            checked.append((row_number, values))

        products = products if products is not None else self._existing_products()
        checked = self._resolve_products(csv_file, checked, products)
        user_by_name = self._resolve_salespeople(csv_file, checked, salespeople)
        partner_by_name = self._resolve_accounts(csv_file, checked, accounts)

        lost_reason = self._get_lost_reason()
        lead_values = []
        for row_number, values in checked:
            lead_values.append((row_number, self._prepare_lead_values(
                values, stages, lost_reason, user_by_name, partner_by_name)))
        self._write_leads(csv_file, lead_values, dry_run)

    def _get_stages(self):
        stages = {}
        for key, xmlid in STAGE_XMLIDS.items():
            stage = self.env.ref(xmlid, raise_if_not_found=False)
            if not stage:
                raise UserError(self.env._(
                    "The CRM stage %(xmlid)s is missing. Update the crm_pipeline module "
                    "to restore the stages Lead, Qualified, Quote, Negotiation and Won.",
                    xmlid=xmlid))
            stages[key] = stage
        return stages

    def _get_lost_reason(self):
        reason = self.env.ref(LOST_REASON_XMLID, raise_if_not_found=False)
        if not reason:
            raise UserError(self.env._(
                "The lost reason %(xmlid)s is missing. Update the crm_pipeline module.",
                xmlid=LOST_REASON_XMLID))
        return reason

    def _cell(self, csv_file, row, field_name):
        """Return the stripped cell of importer field ``field_name`` and its column."""
        column = self.preset["columns"].get(field_name)
        header = csv_file.column(column) if column else None
        return (row.get(header, "") if header else ""), column

    def _text_cell(self, csv_file, row, row_number, field_name):
        """Return the cell of text field ``field_name`` made safe by _text, and its column."""
        value, column = self._cell(csv_file, row, field_name)
        return self._text(csv_file, row_number, column, value), column

    def _check_pipeline_row(self, csv_file, row, first_row_of_ref, row_number):
        ref, ref_column = self._text_cell(csv_file, row, row_number, "ref")
        if not ref:
            raise RowRejected(ref_column, ref, self.env._("%(column)s is empty", column=ref_column))
        if ref in first_row_of_ref:
            raise RowRejected(ref_column, ref, self.env._(
                "%(column)s '%(value)s' already appears on row %(row)s",
                column=ref_column, value=ref, row=first_row_of_ref[ref]))
        first_row_of_ref[ref] = row_number

        stage_text, stage_column = self._cell(csv_file, row, "stage")
        stage_key = self.stage_names.get(normalize_key(stage_text))
        status_text, status_column = self._cell(csv_file, row, "status")
        if status_text:
            if normalize_key(status_text) not in STATUS_VALUES:
                raise RowRejected(status_column, status_text, self.env._(
                    "%(column)s '%(value)s' is not open, won or lost",
                    column=status_column, value=status_text))
            stage_key = STATUS_VALUES[normalize_key(status_text)] or stage_key
        if not stage_key:
            raise RowRejected(stage_column, stage_text, self.env._(
                "%(column)s '%(value)s' is not a known stage (known: %(known)s)",
                column=stage_column, value=stage_text,
                known=", ".join(sorted(
                    set(self.preset["stages"] or COMMON_STAGES) | {"won", "lost"}))))

        dates = {}
        for field_name in ("engage_date", "close_date", "closed_date"):
            text, column = self._cell(csv_file, row, field_name)
            dates[field_name] = self._parse_date(column, text)
        closed = dates["closed_date"] or dates["close_date"]
        if stage_key in ("won", "lost") and not closed:
            columns = self.preset["columns"]
            column = columns.get("closed_date") or columns.get("close_date")
            raise RowRejected(column, "", self.env._(
                "%(column)s is required for a won or lost deal", column=column))
        if dates["engage_date"] and closed and closed < dates["engage_date"]:
            _text, column = self._cell(csv_file, row, "close_date")
            raise RowRejected(column, str(closed), self.env._(
                "%(column)s %(close)s is before the engagement date %(engage)s",
                column=column, close=closed, engage=dates["engage_date"]))

        amount_text, amount_column = self._cell(csv_file, row, "amount")
        amount = self._parse_amount(amount_column, amount_text)
        if amount is not None:
            amount = self._convert_amount(csv_file, row, row_number, amount,
                                          closed or dates["engage_date"])
        if amount is None and stage_key == "won":
            raise RowRejected(amount_column, "", self.env._(
                "%(column)s is required for a won deal", column=amount_column))

        product_text, product_column = self._text_cell(csv_file, row, row_number, "product")
        if not product_text and "product" in self.preset["required"]:
            raise RowRejected(product_column, "", self.env._(
                "%(column)s is empty", column=product_column))
        return {
            "ref": ref,
            "name": self._text_cell(csv_file, row, row_number, "name")[0],
            "stage": stage_key,
            "salesperson": self._text_cell(csv_file, row, row_number, "salesperson")[0],
            "account": self._text_cell(csv_file, row, row_number, "account")[0],
            "product": product_text,
            "amount": amount,
            **dates,
        }

    def _convert_amount(self, csv_file, row, row_number, amount, day):
        """Return ``amount`` in the company currency, reading the row's currency cell.

        An unknown currency code rejects the row. An amount in another currency
        is converted at the rate of ``day``, or today's when ``day`` is empty.
        When that currency has no rate at all, the amount is kept as it is.
        Both cases are reported on the row.
        """
        code, column = self._cell(csv_file, row, "currency")
        if not code:
            return amount
        if self._currencies is None:
            currencies = self.env["res.currency"].with_context(active_test=False).search([])
            self._currencies = {currency.name.upper(): currency for currency in currencies}
        currency = self._currencies.get(code.upper())
        if not currency:
            raise RowRejected(column, code, self.env._(
                "%(column)s '%(value)s' is not a known currency code, such as EUR or USD",
                column=column, value=code))
        company_currency = self.company.currency_id
        if currency == company_currency:
            return amount
        has_rate = self.env["res.currency.rate"].search_count([
            ("currency_id", "=", currency.id),
            ("company_id", "in", [False, self.company.root_id.id]),
        ], limit=1)
        if not has_rate:
            self._fix(csv_file, row_number, column, code, self.env._(
                "no exchange rate for %(currency)s: the amount is kept unconverted, "
                "in %(company_currency)s", currency=currency.name,
                company_currency=company_currency.name))
            return amount
        day = day or fields.Date.context_today(self.env.user)
        converted = currency._convert(amount, company_currency, self.company, day)
        amount_text = format(amount, ",.2f")
        converted_text = format(converted, ",.2f")
        self._fix(csv_file, row_number, column, code, self.env._(
            "amount %(amount)s %(currency)s converted to %(converted)s %(company_currency)s "
            "at the rate of %(day)s", amount=amount_text, currency=currency.name,
            converted=converted_text, company_currency=company_currency.name, day=day))
        return converted

    def _resolve_products(self, csv_file, checked, products):
        """Match product names; a row whose product is required but unknown is rejected."""
        column = self.preset["columns"].get("product")
        exact = {name: product for product, name in products.values()}
        accepted = []
        for row_number, values in checked:
            name = values["product"]
            values["product_record"] = self.env["product.product"]
            if name:
                product = exact.get(name)
                if not product and spacing_key(name) in products:
                    product, matched_name = products[spacing_key(name)]
                    self._fix(csv_file, row_number, column, name, self.env._(
                        "product '%(value)s' matched to '%(name)s'",
                        value=name, name=matched_name))
                if not product:
                    if "product" in self.preset["required"]:
                        self._reject(csv_file, row_number, column, name, self.env._(
                            "product '%(value)s' not found", value=name))
                        continue
                    self._fix(csv_file, row_number, column, name, self.env._(
                        "product '%(value)s' not found: opportunity imported without product",
                        value=name))
                    product = self.env["product.product"]
                values["product_record"] = product
            accepted.append((row_number, values))
        checked[:] = accepted
        return checked

    def _resolve_salespeople(self, csv_file, checked, salespeople):
        """Return dict name -> (res.users, crm.team) for every salesperson of ``checked``.

        With a teams file (Maven), an agent missing from it becomes a salesperson
        without team; without one, names are matched to existing users.
        """
        column = self.preset["columns"].get("salesperson")
        names = {values["salesperson"] for _row, values in checked if values["salesperson"]}
        result = dict(salespeople or {})
        unknown = names - set(result)
        if salespeople is not None and unknown:
            users = self._get_or_create_users(unknown, set())
            for name in unknown:
                result[name] = (users[name], self.env["crm.team"])
        elif unknown:
            users = self.env["res.users"].search(
                [("name", "in", list(unknown)), ("share", "=", False)])
            by_name = {}
            for user in users:
                by_name.setdefault(user.name.casefold(), user)
            for name in unknown:
                user = by_name.get(name.casefold())
                if user:
                    result[name] = (user, user.sale_team_id)
        for row_number, values in checked:
            name = values["salesperson"]
            if not name:
                self._fix(csv_file, row_number, column, name, self.env._(
                    "%(column)s is empty: opportunity imported without salesperson",
                    column=column))
            elif name not in result:
                self._fix(csv_file, row_number, column, name, self.env._(
                    "salesperson '%(value)s' not found: opportunity imported without salesperson",
                    value=name))
            elif salespeople is not None and name in unknown:
                self._fix(csv_file, row_number, column, name, self.env._(
                    "sales agent '%(value)s' is not in the sales teams file: "
                    "user created without sales team", value=name))
        return result

    def _resolve_accounts(self, csv_file, checked, accounts):
        """Return dict casefolded name -> res.partner for every account of ``checked``.

        A name missing from the accounts file becomes a company with only its
        name; the row is reported as fixed.
        """
        column = self.preset["columns"].get("account")
        names = {values["account"] for _row, values in checked if values["account"]}
        result = dict(accounts or {})
        unknown = {name for name in names if name.casefold() not in result}
        if unknown:
            result.update(self._existing_companies(list(unknown)))
            to_create = sorted({name for name in unknown if name.casefold() not in result},
                               key=str.casefold)
            if to_create:
                created = self.env["res.partner"].with_context(mail_create_nosubscribe=True).create(
                    [{"name": name, "is_company": True} for name in to_create])
                for partner in created:
                    result.setdefault(partner.name.casefold(), partner)
        if accounts is not None:
            for row_number, values in checked:
                if values["account"] and values["account"].casefold() not in accounts:
                    self._fix(csv_file, row_number, column, values["account"], self.env._(
                        "account '%(value)s' is not in the accounts file: company created "
                        "with its name only", value=values["account"]))
        return result

    def _prepare_lead_values(self, values, stages, lost_reason, user_by_name, partner_by_name):
        user, team = user_by_name.get(values["salesperson"], (None, None))
        if user and not team:
            team = user.sale_team_id
        partner = partner_by_name.get(values["account"].casefold()) if values["account"] else None
        product = values["product_record"]
        stage_key = values["stage"]
        amount = values["amount"]
        if amount is None:
            amount = product.lst_price if product else 0.0
        name = values["name"] or " - ".join(
            part for part in (product.name if product else values["product"], values["account"])
            if part) or values["ref"]
        closed = values["closed_date"] or values["close_date"]
        lead = {
            "crm_import_ref": values["ref"],
            "name": name,
            "type": "opportunity",
            "company_id": self.company.id,
            "user_id": user.id if user else False,
            "team_id": team.id if team else False,
            "partner_id": partner.id if partner else False,
            "crm_product_id": product.id or False,
            "expected_revenue": amount,
            "date_open": self._to_datetime(values["engage_date"]),
            "date_deadline": values["close_date"] or False,
            "date_closed": False,
            "active": True,
            "lost_reason_id": False,
        }
        if stage_key == "won":
            lead.update({
                "stage_id": stages["won"].id,
                "probability": 100.0,
                "automated_probability": 100.0,
                "date_closed": self._to_datetime(closed),
                "date_deadline": values["close_date"] or closed,
            })
        elif stage_key == "lost":
            # The sample does not say at which stage a deal was lost: an
            # engaged deal is kept in Qualified, one never engaged in Lead.
            stage = stages["qualified"] if values["engage_date"] else stages["lead"]
            lead.update({
                "stage_id": stage.id,
                "active": False,
                "probability": 0.0,
                "automated_probability": 0.0,
                "lost_reason_id": lost_reason.id,
                "date_closed": self._to_datetime(closed),
                "date_deadline": values["close_date"] or closed,
            })
        else:
            lead["stage_id"] = stages[stage_key].id
        return lead

    # ------------------------------------------------------------------
    # Writing
    # ------------------------------------------------------------------

    def _write_leads(self, csv_file, lead_values, dry_run):
        Lead = self.env["crm.lead"].with_context(
            active_test=False,
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
            mail_notrack=True,
            crm_pipeline_import_batch_pls=True,
            # Imported deals keep the stage of the source CRM even when a
            # field that the stage requires is empty there.
            crm_pipeline_skip_stage_check=True,
        )
        refs = [values["crm_import_ref"] for _row, values in lead_values]
        existing = {}
        for index in range(0, len(refs), CREATE_BATCH_SIZE):
            leads = Lead.search([
                ("crm_import_ref", "in", refs[index:index + CREATE_BATCH_SIZE]),
                ("company_id", "=", self.company.id),
            ])
            existing.update({lead.crm_import_ref: lead for lead in leads})

        to_create = []
        to_update = []
        for row_number, values in lead_values:
            lead = existing.get(values["crm_import_ref"])
            if not lead:
                to_create.append((row_number, values))
                continue
            changes = self._diff(lead, values)
            if changes:
                to_update.append((row_number, lead, changes))
            else:
                self.unchanged += 1

        if dry_run:
            self.preview = [
                ("create", row, values["crm_import_ref"], values) for row, values in to_create
            ] + [
                ("update", row, lead.crm_import_ref, changes) for row, lead, changes in to_update
            ]
            self.created = len(to_create)
            self.updated = len(to_update)
            return

        for index in range(0, len(to_create), CREATE_BATCH_SIZE):
            batch = [values for _row, values in to_create[index:index + CREATE_BATCH_SIZE]]
            leads = Lead.create(batch)
            # crm.lead computes date_open as "now" for any lead with a
            # salesperson; a deal never engaged keeps no assignment date.
            never_engaged = leads.browse([
                lead.id for lead, values in zip(leads, batch, strict=True)
                if not values["date_open"]
            ]).filtered("date_open")
            never_engaged.with_context(crm_pipeline_skip_stage_tracking=True).write(
                {"date_open": False})
            self._update_scoring_frequencies(leads)
            self.created += len(leads)
            _logger.info("Pipeline import: %s of %s opportunities created",
                         self.created, len(to_create))
        for _row, lead, changes in to_update:
            self._update_lead(lead, changes)
            self.updated += 1

    def _diff(self, lead, values):
        changes = {}
        for field_name, value in values.items():
            field = lead._fields[field_name]
            current = lead[field_name]
            if field.type == "many2one":
                current = current.id
            if field.type == "float" or field.type == "monetary":
                if float_compare(current or 0.0, value or 0.0, precision_digits=2):
                    changes[field_name] = value
            elif (current or False) != (value or False):
                changes[field_name] = value
        if changes and ("probability" in changes or "stage_id" in changes):
            changes.setdefault("probability", values.get("probability"))
        return changes

    def _update_lead(self, lead, changes):
        """Write ``changes`` on ``lead`` and keep the lead scoring frequencies right."""
        old_state = self._scoring_state(lead)
        if old_state:
            lead._pls_increment_frequencies(from_state=old_state)
        changes = dict(changes)
        if changes.get("probability") is None:
            changes.pop("probability", None)
        # crm.lead.write() stamps date_open and date_closed with the current
        # time when the salesperson or the outcome changes, so the imported
        # dates are written again afterwards.
        dates = {key: changes[key] for key in ("date_open", "date_closed") if key in changes}
        lead.write(changes)
        if dates:
            lead.write(dates)
        new_state = self._scoring_state(lead)
        if new_state:
            lead._pls_increment_frequencies(to_state=new_state)
        elif old_state:
            lead._compute_probabilities()

    def _update_scoring_frequencies(self, leads):
        """Count new won and lost leads in the predictive lead scoring tables, in one go."""
        won = leads.filtered(lambda lead: self._scoring_state(lead) == "won")
        lost = leads.filtered(lambda lead: self._scoring_state(lead) == "lost")
        if won:
            won._pls_increment_frequencies(to_state="won")
        if lost:
            lost._pls_increment_frequencies(to_state="lost")

    @staticmethod
    def _scoring_state(lead):
        if not lead.active:
            return "lost"
        if lead.stage_id.is_won:
            return "won"
        return False

    # ------------------------------------------------------------------
    # Summary
    # ------------------------------------------------------------------

    def result_lines(self):
        """Return the reported lines, without the fixes of rows rejected afterwards."""
        rejected = {(line["file_name"], line["row_number"]) for line in self.lines
                    if line["status"] == "rejected" and line["row_number"]}
        return [
            line for line in self.lines
            if line["status"] != "fixed"
            or (line["file_name"], line["row_number"]) not in rejected
        ]

    def counts(self):
        """Return (fixed, rejected): rows with at least one fix, rejected rows."""
        rejected = {(line["file_name"], line["row_number"]) for line in self.lines
                    if line["status"] == "rejected" and line["row_number"]}
        fixed = {(line["file_name"], line["row_number"]) for line in self.lines
                 if line["status"] == "fixed" and line["row_number"]} - rejected
        return len(fixed), len(rejected)
