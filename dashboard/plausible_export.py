"""A site's collected data as Plausible CE's CSV export: a ZIP of ``imported_*.csv`` files.

The numbers are the dashboard's: visits as the collector assigned them, each on the
day (in the site's time zone) it starts; a visit's source, location and device are
its first hit's, its entry and exit pages its first and last pageview; a bounce is
one pageview and no interaction; durations are whole seconds, summed per row, as
Plausible's files hold them.  Plausible's city column is a GeoNames id, which
Footfall does not keep: it is written as 0.  Direct traffic has an empty source.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zoneinfo
from datetime import date, datetime, time, timedelta, timezone
from typing import IO, Any

from dashboard.stats.dimensions import COUNTED, DEVICE, DIMENSIONS, EVENT_NAME, INTERACTION
from dashboard.stats.query import Params, StatsQuery
from dashboard.stats.sql import sessionized_hits, visit_columns_for
from footfall import plausible_format
from footfall.metadata.sites import Site
from footfall.storage.clickhouse import Storage

SOURCE = DIMENSIONS["visit:source"].sql
DIRECT = "Direct / None"
VISIT_METRICS = (
    "uniqExact(visitor_id) AS visitors, count() AS visits, sum(visit_pageviews) AS pageviews, "
    "countIf(visit_pageviews = 1 AND visit_interactions = 0) AS bounces, "
    "sum(intDiv(toUnixTimestamp64Milli(visit_end) - toUnixTimestamp64Milli(visit_first), 1000)) AS visit_duration"
)

# Per visit-level table: the CSV's dimension columns as SQL over one row per visit.
VISIT_TABLES: dict[str, dict[str, str]] = {
    "imported_visitors": {},
    "imported_sources": {
        "source": f"if(({SOURCE}) = '{DIRECT}', '', {SOURCE})",
        "referrer": "if(v_referrer_type IN ('direct', 'internal'), '', v_referrer)",
        "utm_source": "v_utm_source", "utm_medium": "v_utm_medium", "utm_campaign": "v_utm_campaign",
        "utm_content": "v_utm_content", "utm_term": "v_utm_term",
    },
    "imported_entry_pages": {"entry_page": "entry_page"},
    "imported_exit_pages": {"exit_page": "exit_page"},
    "imported_locations": {"country": "v_country_code", "region": "v_region", "city": "toUInt64(0)"},
    "imported_devices": {"device": DEVICE},
    "imported_browsers": {"browser": "v_browser", "browser_version": "v_browser_version"},
    "imported_operating_systems": {"operating_system": "v_os", "operating_system_version": "v_os_version"},
}
RENAMED = {"imported_entry_pages": {"visits": "entrances"}, "imported_exit_pages": {"visits": "exits"}}
# The rows a visit-level table keeps (a visit without pageviews has no entry page).
VISIT_ONLY = {"imported_entry_pages": "entry_page != ''", "imported_exit_pages": "exit_page != ''"}


def _visits(query: StatsQuery, params: Params, fragments: list[str]) -> str:
    columns = visit_columns_for(fragments)
    per_visit = ",\n        ".join(f"{sql} AS {name}" for name, sql in columns.items())
    hits = sessionized_hits(query, params, [*columns.values(), "visit_start"])
    return f"""(
    SELECT visit_id, any(visitor_id) AS visitor_id, min(visit_start) AS visit_began,
        {per_visit}
    FROM {hits}
    GROUP BY visit_id
    HAVING visit_hits > 0
)"""


def visit_table_sql(table: str, query: StatsQuery, params: Params) -> str:
    dims = VISIT_TABLES[table]
    renamed = RENAMED.get(table, {})
    metrics = VISIT_METRICS
    for old, new in renamed.items():
        metrics = metrics.replace(f" AS {old}", f" AS {new}")
    tz = params.bind(query.timezone)
    selected = [f"toDate(visit_began, {tz}) AS date", *(f"{sql} AS {name}" for name, sql in dims.items()), metrics]
    where = VISIT_ONLY.get(table, "1")
    group = ", ".join(["date", *dims])
    source = _visits(query, params, [*dims.values(), where])
    return f"SELECT {', '.join(selected)} FROM {source} WHERE {where} GROUP BY {group} ORDER BY {group}"


def pages_sql(query: StatsQuery, params: Params) -> str:
    tz = params.bind(query.timezone)
    hits = sessionized_hits(query, params, ["hostname", "pathname"])
    return (
        f"SELECT toDate(visit_start, {tz}) AS date, hostname, pathname AS page, uniqExact(visit_id) AS visits, "
        "uniqExact(visitor_id) AS visitors, count() AS pageviews, NULL AS scroll_depth, "
        f"toUInt64(0) AS pageleave_visitors FROM {hits} WHERE event_type = 'pageview' "
        "GROUP BY date, hostname, page ORDER BY date, hostname, page"
    )


def custom_events_sql(query: StatsQuery, params: Params) -> str:
    tz = params.bind(query.timezone)
    hits = sessionized_hits(query, params, [EVENT_NAME, "link_url", "pathname"])
    return (
        f"SELECT toDate(visit_start, {tz}) AS date, {EVENT_NAME} AS name, link_url, pathname AS path, "
        f"uniqExact(visitor_id) AS visitors, count() AS events FROM {hits} "
        f"WHERE {COUNTED} AND event_type != 'pageview' AND ({INTERACTION} OR event_type = 'goal') AND name != '' "
        "GROUP BY date, name, link_url, path ORDER BY date, name, link_url, path"
    )


def table_sql(table: str, query: StatsQuery, params: Params) -> str:
    if table == "imported_pages":
        return pages_sql(query, params)
    if table == "imported_custom_events":
        return custom_events_sql(query, params)
    return visit_table_sql(table, query, params)


def day_range(storage: Storage, site: Site) -> tuple[date, date] | None:
    """The first and last day with data, in the site's time zone."""
    row = storage.query(
        "SELECT count(), toDate(min(visit_start), {tz:String}), toDate(max(visit_start), {tz:String}) "
        "FROM events WHERE site_id = {site:UInt32}",
        {"site": site.id, "tz": site.timezone},
    )[0]
    return (row[1], row[2]) if row[0] else None


def stats_query(site: Site, first: date, last: date, visit_timeout_minutes: int) -> StatsQuery:
    zone = zoneinfo.ZoneInfo(site.timezone)
    start = datetime.combine(first, time(), zone).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(timezone.utc)
    return StatsQuery(site.id, site.timezone, start, end, visit_timeout_minutes=visit_timeout_minutes)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_zip(storage: Storage, site: Site, target: IO[bytes], *, first: date | None = None,
              last: date | None = None, visit_timeout_minutes: int = 30) -> dict[str, int]:
    """Write the ZIP to ``target``; returns rows per file.  With no data, the files hold only their headers."""
    known = day_range(storage, site)
    today = datetime.now(zoneinfo.ZoneInfo(site.timezone)).date()
    first = first or (known[0] if known else today)
    last = last or (known[1] if known else today)
    query = stats_query(site, first, last, visit_timeout_minutes)
    counts: dict[str, int] = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table, columns in plausible_format.TABLES.items():
            params = Params()
            sql = table_sql(table, query, params)
            names = [name for name, _ in columns]
            result = storage.query_dicts(sql, params.values)
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(names)
            for row in result:
                writer.writerow([_cell(row[name]) for name in names])
            archive.writestr(plausible_format.filename(table, first, last), buffer.getvalue())
            counts[table] = len(result)
    return counts
