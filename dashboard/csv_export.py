"""CSV files of reports, safe to open in a spreadsheet.

Text that could run as a formula in Excel, LibreOffice or Google Sheets gets a
leading apostrophe (``footfall.spreadsheet`` decides, for the raw export too).
Numbers are written as numbers and are never escaped.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any, Iterable, Sequence

from footfall.spreadsheet import escape_text


def escape_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    return escape_text(str(value))


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([escape_cell(name) for name in header])
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return buffer.getvalue()


def filename(site_name: str, report: str, start: str, end: str) -> str:
    """A plain ASCII file name (no quotes, slashes or header tricks)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{site_name}-{report}-{start}-{end}").strip("-.")
    return (stem or "report")[:150] + ".csv"
