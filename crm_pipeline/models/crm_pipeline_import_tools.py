"""Helpers of the pipeline importer: the row rejection, name keys and a decoded CSV file."""

import re
import unicodedata

from .crm_pipeline_import_formats import normalize_key


class RowRejected(Exception):
    """Raised while checking a row that cannot be imported."""

    def __init__(self, column, value, message):
        super().__init__(message)
        self.column = column
        self.value = value
        self.message = message


def login_from_name(name):
    """Return a stable login for a person's name: 'Anna Snelling' -> 'anna.snelling'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", ".", ascii_name.lower()).strip(".")


def spacing_key(value):
    """Return ``value`` without whitespace, casefolded: 'GTXPro' and 'gtx pro' match."""
    return re.sub(r"\s+", "", value or "").casefold()


class CsvFile:
    """One decoded CSV file: header and rows as dicts, with spreadsheet row numbers."""

    def __init__(self, name, rows, header, encoding):
        self.name = name
        self.rows = rows
        self.header = header
        self.encoding = encoding

    def column(self, header_name):
        """Return the header of this file matching ``header_name``, or None."""
        wanted = normalize_key(header_name)
        for column in self.header:
            if normalize_key(column) == wanted:
                return column
        return None
