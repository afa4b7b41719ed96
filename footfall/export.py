"""Raw event export: every stored (already anonymized) event of a site, in pages, as CSV or JSON lines.

Rows are read in pages ordered by (timestamp, visitor_id), one UTC day at a
time, so memory stays bounded and the storage lock is never held for the whole
export.  Events have no ID of their own: a page ends after every row that ties
with its last one (``LIMIT … WITH TIES``), and the next page starts after that
key, so no row is skipped or repeated.  ``--from``/``--to`` are days in the site's time zone, both included.
The 64-bit IDs are written as decimal strings so that no JSON reader rounds them.
"""

from __future__ import annotations

import csv
import io
import json
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Iterator

from footfall.schema import COLUMNS
from footfall.spreadsheet import escape_text, looks_like_formula
from footfall.storage.clickhouse import Storage

FORMATS = ("csv", "jsonl")
PAGE_ROWS = 20000
ID_COLUMNS = frozenset({"visitor_id", "visit_id", "user_id_hash"})
# A spreadsheet runs a cell that starts with one of these as a formula.
PLAIN_NUMBERS = (int, float)


class ExportError(ValueError):
    """The export request is invalid; the message says why."""


@dataclass(frozen=True)
class Window:
    """Half-open UTC interval [start, end); None means unbounded."""

    start: datetime | None = None
    end: datetime | None = None


def parse_day(value: str | None, key: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ExportError(f"{key}: {value!r} is not a date (YYYY-MM-DD)") from None


def window(timezone_name: str, date_from: date | None, date_to: date | None) -> Window:
    """The UTC interval covering the days ``date_from``..``date_to`` in the site's time zone."""
    if date_from and date_to and date_from > date_to:
        raise ExportError("from: the first day is after the last day")
    zone = zoneinfo.ZoneInfo(timezone_name or "UTC")

    def midnight(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(timezone.utc)

    return Window(
        start=midnight(date_from) if date_from else None,
        end=midnight(date_to + timedelta(days=1)) if date_to else None,
    )


def _ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def _range_clause(span: Window, parameters: dict[str, Any]) -> str:
    clause = "site_id = {site_id:UInt32}"
    if span.start is not None:
        parameters["start_ms"] = _ms(span.start)
        clause += " AND timestamp >= fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC')"
    if span.end is not None:
        parameters["end_ms"] = _ms(span.end)
        clause += " AND timestamp < fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC')"
    return clause


def count(storage: Storage, site_id: int, span: Window) -> int:
    parameters: dict[str, Any] = {"site_id": site_id}
    where = _range_clause(span, parameters)
    return int(storage.query(f"SELECT count() FROM events WHERE {where}", parameters)[0][0])


def rows(storage: Storage, site_id: int, span: Window, page_rows: int = PAGE_ROWS) -> Iterator[dict[str, Any]]:
    """Every event of the site in the window, oldest first, as JSON-ready dicts."""
    parameters: dict[str, Any] = {"site_id": site_id}
    where = _range_clause(span, parameters)
    bounds = storage.query(f"SELECT count(), min(timestamp), max(timestamp) FROM events WHERE {where}", parameters)
    total, first, last = bounds[0]
    if not total:
        return
    day = _utc(first).replace(hour=0, minute=0, second=0, microsecond=0)
    last_day = _utc(last)
    columns = ", ".join(COLUMNS)
    while day <= last_day:
        day_span = Window(max(day, span.start) if span.start else day, day + timedelta(days=1))
        if span.end is not None and span.end < day_span.end:  # type: ignore[operator]
            day_span = Window(day_span.start, span.end)
        yield from _day_rows(storage, site_id, day_span, columns, page_rows)
        day += timedelta(days=1)


def _day_rows(storage: Storage, site_id: int, span: Window, columns: str, page_rows: int) -> Iterator[dict[str, Any]]:
    parameters: dict[str, Any] = {"site_id": site_id, "limit": page_rows}
    where = _range_clause(span, parameters)
    after = ""
    while True:
        page = storage.query_dicts(
            f"SELECT {columns} FROM events WHERE {where}{after} "
            "ORDER BY timestamp, visitor_id LIMIT {limit:UInt32} WITH TIES",
            parameters,
        )
        for row in page:
            yield jsonable(row)
        if len(page) < page_rows:
            return
        parameters["after_ms"] = _ms(page[-1]["timestamp"])
        parameters["after_visitor"] = page[-1]["visitor_id"]
        after = (
            " AND (timestamp, visitor_id) > (fromUnixTimestamp64Milli({after_ms:Int64}, 'UTC'), {after_visitor:UInt64})"
        )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = _utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    for key in ID_COLUMNS:
        if key in out:
            out[key] = str(out[key])
    props = out.get("props")
    if props is not None and not isinstance(props, dict):
        out["props"] = dict(props)
    return out


def escape_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str):
        return escape_text(value)
    return value


def _other_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict):
        return escape_cell(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return escape_cell(value)


def csv_lines(
    records: Iterable[dict[str, Any]], columns: Iterable[str] = COLUMNS, rows_per_chunk: int = 500
) -> Iterator[str]:
    """The header, then the records, in chunks of text; formula-like text cells are escaped."""
    names = list(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    pending = 0
    for record in records:
        # Inlined escape_cell: this loop runs once per cell of a possibly long export.
        writer.writerow([
            ("'" + value if looks_like_formula(value) else value) if value.__class__ is str
            else value if value.__class__ in PLAIN_NUMBERS else _other_cell(value)
            for value in map(record.get, names)
        ])
        pending += 1
        if pending == rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue()


def jsonl_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def lines(records: Iterable[dict[str, Any]], fmt: str) -> Iterator[str]:
    if fmt == "csv":
        return csv_lines(records)
    if fmt == "jsonl":
        return jsonl_lines(records)
    raise ExportError(f"format: must be one of {', '.join(FORMATS)}")
