"""Plausible CE's CSV export format: the files of its ZIP and their columns, in order.

Each file is ``imported_<table>_<YYYYMMDD>_<YYYYMMDD>.csv`` (the prefix may be left
out), a CSV with a header row, one row per day and dimension value.  The columns are
those Plausible CE's CSV importer reads; the tables ``sql/0020_imported.sql`` creates
hold the same columns.  Footfall writes every column; when reading, unknown columns
are ignored and missing metric columns count as 0.
"""

from __future__ import annotations

import re
from datetime import date

# column name -> kind: "date", "str", "int" (UInt64), "opt" (Nullable(UInt64))
Columns = tuple[tuple[str, str], ...]

_METRICS = (("visitors", "int"), ("visits", "int"), ("visit_duration", "int"), ("bounces", "int"),
            ("pageviews", "int"))

TABLES: dict[str, Columns] = {
    "imported_visitors": (("date", "date"), ("visitors", "int"), ("pageviews", "int"), ("bounces", "int"),
                          ("visits", "int"), ("visit_duration", "int")),
    "imported_sources": (("date", "date"), ("source", "str"), ("referrer", "str"), ("utm_source", "str"),
                         ("utm_medium", "str"), ("utm_campaign", "str"), ("utm_content", "str"), ("utm_term", "str"),
                         ("pageviews", "int"), ("visitors", "int"), ("visits", "int"), ("visit_duration", "int"),
                         ("bounces", "int")),
    "imported_pages": (("date", "date"), ("hostname", "str"), ("page", "str"), ("visits", "int"),
                       ("visitors", "int"), ("pageviews", "int"), ("scroll_depth", "opt"),
                       ("pageleave_visitors", "int")),
    "imported_entry_pages": (("date", "date"), ("entry_page", "str"), ("visitors", "int"), ("entrances", "int"),
                             ("visit_duration", "int"), ("bounces", "int"), ("pageviews", "int")),
    "imported_exit_pages": (("date", "date"), ("exit_page", "str"), ("visitors", "int"), ("visit_duration", "int"),
                            ("exits", "int"), ("bounces", "int"), ("pageviews", "int")),
    "imported_locations": (("date", "date"), ("country", "str"), ("region", "str"), ("city", "int"), *_METRICS),
    "imported_devices": (("date", "date"), ("device", "str"), *_METRICS),
    "imported_browsers": (("date", "date"), ("browser", "str"), ("browser_version", "str"), *_METRICS),
    "imported_operating_systems": (("date", "date"), ("operating_system", "str"),
                                   ("operating_system_version", "str"), *_METRICS),
    "imported_custom_events": (("date", "date"), ("name", "str"), ("link_url", "str"), ("path", "str"),
                               ("visitors", "int"), ("events", "int")),
}

FILENAME = re.compile(r"^(?:imported_)?([a-z_]+?)_(\d{8})_(\d{8})\.csv$")


class FormatError(ValueError):
    """A file is not in Plausible's export format; the message names it."""


def filename(table: str, first: date, last: date) -> str:
    return f"{table}_{first:%Y%m%d}_{last:%Y%m%d}.csv"


def parse_filename(name: str) -> tuple[str, date, date]:
    """``imported_pages_20240101_20241231.csv`` (or ``pages_…``) → (table, first day, last day)."""
    base = name.rsplit("/", 1)[-1]
    match = FILENAME.match(base)
    table = f"imported_{match.group(1)}" if match else ""
    if match is None or table not in TABLES:
        raise FormatError(f"{base}: not a file of Plausible's export (imported_<table>_<YYYYMMDD>_<YYYYMMDD>.csv)")
    try:
        first = date(int(match.group(2)[:4]), int(match.group(2)[4:6]), int(match.group(2)[6:]))
        last = date(int(match.group(3)[:4]), int(match.group(3)[4:6]), int(match.group(3)[6:]))
    except ValueError:
        raise FormatError(f"{base}: the dates in the name are not dates") from None
    return table, first, last


def dimensions(table: str) -> tuple[str, ...]:
    return tuple(name for name, kind in TABLES[table] if kind == "str" or (name == "city"))


def metrics(table: str) -> tuple[str, ...]:
    return tuple(name for name, kind in TABLES[table] if kind in ("int", "opt") and name != "city")
