"""Imported aggregates (Plausible's CSV export, ``sql/0020_imported.sql``) added to the collected numbers.

Imported data holds per-day totals per dimension value, so it can answer a query
only where its tables have the dimension: no dimension or a day/week/month series
(``imported_visitors``), and one of the dimensions below, without filters, with
the metrics the table has.  Then each group's raw components (visitors, visits,
pageviews, bounces, duration, events) are added to the collected ones before the
metrics are finished, as Plausible adds its imported numbers.  Visitors are summed
over days, as Plausible sums them (Footfall's own visitor IDs change daily too).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dashboard.stats.query import Params, StatsQuery

VISIT_METRICS = frozenset({"visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"})
SUMS = ("sum(visitors) AS visitors, sum(visits) AS visits, sum(pageviews) AS pageviews, sum(bounces) AS bounces, "
        "sum(visit_duration) * 1000 AS duration_ms, toUInt64(0) AS events")


@dataclass(frozen=True)
class ImportedDimension:
    table: str
    sql: str  # the dimension's value, named as the collected data names it
    metrics: frozenset[str] = VISIT_METRICS
    only: str = ""
    sums: str = SUMS
    also: tuple["ImportedDimension", ...] = ()  # more groups, from other tables


def _visit(table: str, sql: str, only: str = "") -> ImportedDimension:
    return ImportedDimension(table, sql, only=only)


DIRECT = "'Direct / None'"
DIMENSIONS: dict[str, ImportedDimension] = {
    "": _visit("imported_visitors", "''"),
    "time:day": _visit("imported_visitors", "toString(date)"),
    "time:week": _visit("imported_visitors", "toString(toMonday(date))"),
    "time:month": _visit("imported_visitors", "toString(toStartOfMonth(date))"),
    "visit:source": _visit("imported_sources", f"if(source = '', {DIRECT}, source)"),
    "visit:referrer": _visit("imported_sources", f"if(referrer = '', {DIRECT}, referrer)"),
    **{f"visit:{name}": _visit("imported_sources", name, f"{name} != ''")
       for name in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")},
    "visit:entry_page": ImportedDimension(
        "imported_entry_pages", "entry_page", only="entry_page != ''",
        sums=SUMS.replace("sum(visits) AS visits", "sum(entrances) AS visits")),
    "visit:exit_page": ImportedDimension(
        "imported_exit_pages", "exit_page", only="exit_page != ''",
        sums=SUMS.replace("sum(visits) AS visits", "sum(exits) AS visits")),
    "visit:country": _visit("imported_locations", "country"),
    "visit:region": _visit("imported_locations", "region"),
    "visit:device": _visit("imported_devices", "device"),
    "visit:browser": _visit("imported_browsers", "browser"),
    "visit:browser_version": _visit("imported_browsers", "concat(browser, ' ', browser_version)"),
    "visit:os": _visit("imported_operating_systems", "operating_system"),
    "visit:os_version": _visit("imported_operating_systems", "concat(operating_system, ' ', operating_system_version)"),
    "event:page": ImportedDimension(
        "imported_pages", "page", frozenset({"visitors", "visits", "pageviews"}),
        sums="sum(visitors) AS visitors, sum(visits) AS visits, sum(pageviews) AS pageviews, toUInt64(0) AS bounces, "
             "toUInt64(0) AS duration_ms, toUInt64(0) AS events"),
    "event:hostname": ImportedDimension(
        "imported_pages", "hostname", frozenset({"visitors", "visits", "pageviews"}),
        sums="sum(visitors) AS visitors, sum(visits) AS visits, sum(pageviews) AS pageviews, toUInt64(0) AS bounces, "
             "toUInt64(0) AS duration_ms, toUInt64(0) AS events"),
    "event:name": ImportedDimension(
        "imported_custom_events", "name", frozenset({"visitors", "events"}),
        sums="sum(visitors) AS visitors, toUInt64(0) AS visits, toUInt64(0) AS pageviews, toUInt64(0) AS bounces, "
             "toUInt64(0) AS duration_ms, sum(events) AS events",
        # Pageviews are the event "pageview", as in the collected data; the export has them per day.
        also=(ImportedDimension(
            # Renamed in a subquery: ClickHouse would read "pageviews" as the alias below, not the column.
            "(SELECT site_id, import_id, date, visitors AS day_visitors, pageviews AS day_pageviews "
            "FROM imported_visitors)", "'pageview'",
            sums="sum(day_visitors) AS visitors, toUInt64(0) AS visits, toUInt64(0) AS pageviews, "
                 "toUInt64(0) AS bounces, toUInt64(0) AS duration_ms, sum(day_pageviews) AS events"),)),
}
COMPONENTS = ("visitors", "visits", "pageviews", "bounces", "duration_ms", "events")


def dimension_for(query: StatsQuery, dimensions: list[str]) -> ImportedDimension | None:
    if len(dimensions) > 1:
        return None
    name = dimensions[0] if dimensions else ""
    if name == "time":
        name = f"time:{query.interval}"
    return DIMENSIONS.get(name)


def supports(query: StatsQuery, dimensions: list[str], metrics: list[str]) -> bool:
    """Whether imported data can answer this breakdown (and so is added to it)."""
    found = dimension_for(query, dimensions)
    return found is not None and not query.filters and set(metrics) <= found.metrics


def raw_rows(storage: Any, query: StatsQuery, dimensions: list[str]) -> list[dict[str, Any]]:
    """The imported raw components per group, keyed ``d0`` like the collected rows."""
    found = dimension_for(query, dimensions)
    assert found is not None and query.import_ids
    zone = zoneinfo.ZoneInfo(query.timezone)
    params = Params()
    first = query.start.astimezone(zone).date()
    last = (query.end - timedelta(microseconds=1)).astimezone(zone).date()
    where = [
        f"site_id = {params.bind(query.site_id, 'UInt32')}",
        f"import_id IN {params.bind(list(query.import_ids), 'Array(UInt64)')}",
        f"date >= {params.bind(first, 'Date')}",
        f"date <= {params.bind(last, 'Date')}",
    ]
    rows: list[dict[str, Any]] = []
    for part in (found, *found.also):
        conditions = [*where, part.only] if part.only else where
        key = f"{part.sql} AS d0, " if dimensions else ""
        group = " GROUP BY d0" if dimensions else ""
        sql = f"SELECT {key}{part.sums} FROM {part.table} WHERE {' AND '.join(conditions)}{group}"
        rows.extend(storage.query_dicts(sql, params.values))
    if found.also:
        rows = [row for row in rows if row["visitors"] or row["events"]]
    if not dimensions:
        rows = [row for row in rows if row["visitors"] or row["visits"] or row["events"]]
    return rows


def merge(collected: list[dict[str, Any]], imported: list[dict[str, Any]], width: int) -> list[dict[str, Any]]:
    """Collected and imported groups added up, component by component; groups only one side has are kept."""
    merged: dict[tuple, dict[str, Any]] = {}
    for row in collected:
        merged[tuple(str(row[f"d{i}"]) for i in range(width))] = dict(row)
    for row in imported:
        key = tuple(str(row[f"d{i}"]) for i in range(width))
        existing = merged.get(key)
        if existing is None:
            merged[key] = {**{f"d{i}": key[i] for i in range(width)}, **{name: int(row[name]) for name in COMPONENTS}}
            continue
        for name in COMPONENTS:
            if name in existing or row[name]:
                existing[name] = int(existing.get(name) or 0) + int(row[name])
    return list(merged.values())
