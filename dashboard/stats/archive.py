"""Answering reports from the archives: the fresh archived units of a range, plus the events of the other days.

A query over whole local days of the site (a 30-day or 12-month dashboard, a
custom range of dates), without filters, is answered from the archives
(``sql/0030_archives.sql``): the range is covered greedily by the largest
fresh units (months, then weeks, then days) that fit in it; the days no
fresh unit covers (today, a day changed by an import or a ``forget`` since it
was archived, days not archived yet) are computed from the events by the
same SELECT that builds the archives (:mod:`archive_sql`), and both are
merged in one query.  A unit is fresh when it was built in the query's time
zone after the last change to the hours of its visits (``event_changes``).

Visitor counts are merged sketches: exact up to about a thousand visitors,
an estimate within about 1 % above that; every other number is exact.
``StatsQuery.exact`` reads the events instead.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from dashboard.stats import archive_sql
from dashboard.stats.dimensions import Dimension
from dashboard.stats.query import Params, StatsQuery

UNITS = ("month", "week", "day")
# The units a time dimension's buckets can be made of (a week can straddle two months).
TIME_UNITS = {"time:day": ("day",), "time:week": ("week", "day"), "time:month": ("month", "day")}


def midnight(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant a local day starts."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)


def unit_end(unit: str, day: date) -> date:
    """The day after the last day of the unit starting on ``day``."""
    if unit == "day":
        return day + timedelta(days=1)
    if unit == "week":
        return day + timedelta(days=7)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def local_days(query: StatsQuery) -> tuple[date, date] | None:
    """``[first, last)`` local days of the query's range, or None when it does not start and end at local midnight."""
    tz = zoneinfo.ZoneInfo(query.timezone)
    start, end = query.start.astimezone(tz), query.end.astimezone(tz)
    if start.time() != time(0) or end.time() != time(0) or start >= end:
        return None
    first, last = start.date(), end.date()
    if midnight(first, tz) != query.start or midnight(last, tz) != query.end:
        return None  # a day that starts at another time (a DST change at midnight)
    return first, last


@dataclass(frozen=True)
class Build:
    """The current build of one unit and its time zone.

    ``days_built_at`` has one entry per day of the unit: the last change to
    that day's visits the build includes (the epoch for a day without events).
    """

    unit: str
    day: date
    build_id: int
    days_built_at: tuple[datetime, ...]
    timezone: str

    def is_fresh(self, tz_name: str, changes: dict[date, datetime]) -> bool:
        """In the time zone, and no day of it changed after the change it includes."""
        if self.timezone != tz_name:
            return False
        for offset, built_at in enumerate(self.days_built_at):
            changed = changes.get(self.day + timedelta(days=offset))
            if changed is not None and changed > built_at:
                return False
        return True


@dataclass(frozen=True)
class Plan:
    """Which archived builds answer a query, and which UTC ranges are read from the events."""

    build_ids: tuple[int, ...]
    ranges: tuple[tuple[datetime, datetime], ...]
    first: date
    last: date


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def read_builds(storage: Any, site_id: int, first: date | None = None, last: date | None = None) -> dict[tuple[str, date], Build]:
    """The current build of every unit (that starts in ``[first, last)``, when given)."""
    where = " AND day >= {first:Date} AND day < {last:Date}" if first is not None and last is not None else ""
    rows = storage.query(
        "SELECT unit, day, build_id, days_built_at, timezone FROM archive_builds FINAL "
        "WHERE site_id = {site:UInt32}" + where,
        {"site": site_id, "first": first, "last": last},
    )
    return {
        (str(r[0]), r[1]): Build(str(r[0]), r[1], int(r[2]), tuple(_aware(t) for t in r[3]), str(r[4])) for r in rows
    }


def read_changes(storage: Any, site_id: int, tz: str, first: date | None = None, last: date | None = None) -> dict[date, datetime]:
    """The last change to the visits of each local day (in ``[first, last)`` when given).

    ``event_changes`` is kept per UTC hour; an hour that spans two local days
    (a time zone with a half-hour offset) counts for both.
    """
    where = ""
    parameters: dict[str, Any] = {"site": site_id, "tz": tz}
    if first is not None and last is not None:
        zone = zoneinfo.ZoneInfo(tz)
        where = " AND hour >= {start:DateTime('UTC')} AND hour < {end:DateTime('UTC')}"
        parameters.update(start=midnight(first, zone) - timedelta(hours=1), end=midnight(last, zone))
    rows = storage.query(
        "SELECT day, max(changed) FROM (SELECT arrayJoin([toDate(hour, {tz:String}), toDate(hour + 3599, {tz:String})]) "
        f"AS day, changed_at AS changed FROM event_changes WHERE site_id = {{site:UInt32}}{where}) GROUP BY day",
        parameters,
    )
    return {r[0]: _aware(r[1]) for r in rows}


def plan(storage: Any, query: StatsQuery, units: tuple[str, ...] = UNITS) -> Plan | None:
    """How to answer ``query`` from the archives; None when it cannot be (filters, exact, not whole days, nothing archived)."""
    if query.exact or query.filters:
        return None
    days = local_days(query)
    if days is None:
        return None
    first, last = days
    tz = zoneinfo.ZoneInfo(query.timezone)
    builds = read_builds(storage, query.site_id, first, last)
    if not builds:
        return None
    changes = read_changes(storage, query.site_id, query.timezone, first, last)
    build_ids: list[int] = []
    raw_days: list[date] = []
    day = first
    while day < last:
        for unit in units:
            if unit == "month" and day.day != 1 or unit == "week" and day.weekday() != 0:
                continue
            end = unit_end(unit, day)
            build = builds.get((unit, day))
            if end <= last and build is not None and build.is_fresh(query.timezone, changes):
                build_ids.append(build.build_id)
                day = end
                break
        else:
            raw_days.append(day)
            day += timedelta(days=1)
    if not build_ids:
        return None
    return Plan(tuple(build_ids), tuple(_ranges(raw_days, tz)), first, last)


def _ranges(days: list[date], tz: zoneinfo.ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Runs of consecutive days as UTC ranges."""
    runs: list[list[date]] = []
    for day in days:
        if runs and runs[-1][1] == day:
            runs[-1][1] = day + timedelta(days=1)
        else:
            runs.append([day, day + timedelta(days=1)])
    return [(midnight(a, tz), midnight(b, tz)) for a, b in runs]


def rows_relation(query: StatsQuery, params: Params, found: Plan, keys: tuple[str, ...]) -> str:
    """Archive rows of ``keys`` (``a_``-prefixed components): the plan's builds and, for its other days, the events."""
    site = params.bind(query.site_id, "UInt32")
    columns = ", ".join(f"{name} AS a_{name}" for name in archive_sql.COLUMNS)
    key_list = params.bind(list(keys), "Array(String)")
    stored = f"""
        SELECT day, dimension, value, {columns}
        FROM archives
        WHERE site_id = {site} AND day >= {params.bind(found.first, 'Date')} AND day < {params.bind(found.last, 'Date')}
            AND build_id IN {params.bind(list(found.build_ids), 'Array(UInt64)')} AND dimension IN {key_list}"""
    parts = [stored]
    if found.ranges:
        computed = archive_sql.rows_sql(query, params, list(found.ranges), tuple(k for k in keys if k))
        parts.append(f"SELECT day, dimension, value, {columns} FROM ({computed}) WHERE dimension IN {key_list}")
    return "(" + " UNION ALL ".join(parts) + ")"


def _merged(components: list[str]) -> str:
    return ",\n    ".join(f"{archive_sql.merged(name, 'a_')} AS {name}" for name in components)


def group_rows(
    storage: Any,
    query: StatsQuery,
    dims: list[Dimension],
    components: list[str],
    *,
    order: list[tuple[str, str]] | None,
    limit: int | None,
    offset: int,
) -> list[dict[str, Any]] | None:
    """The raw group rows :func:`breakdown.build_sql` would give (``d0``, components, ``total_rows``), from the archives.

    None when the archives cannot answer: more than one dimension, one they
    do not hold, or a query :func:`plan` declines.
    """
    from dashboard.stats.breakdown_sql import group_order_limit

    if len(dims) > 1:
        return None
    key = ""
    bucket = None
    units = UNITS
    if dims:
        dim = dims[0]
        if dim.name in archive_sql.TIME_BUCKETS:
            bucket, units = archive_sql.TIME_BUCKETS[dim.name], TIME_UNITS[dim.name]
        else:
            found_key = archive_sql.archive_key(dim.name)
            if found_key is None:
                return None
            key = found_key
    found = plan(storage, query, units)
    if found is None:
        return None
    params = Params()
    relation = rows_relation(query, params, found, (key,))
    group = f"{bucket or 'value'} AS d0, " if dims else ""
    total = ", count() OVER () AS total_rows" if dims else ""
    sql = f"SELECT {group}{_merged(components)}{total}\nFROM {relation}\n"
    sql += group_order_limit(dims, params, order, limit, offset)
    rows = storage.query_dicts(sql, params.values)
    if not dims and not rows:
        return []
    return rows


def shared_rows(
    storage: Any, query: StatsQuery, names: list[str], components: list[str], per_dimension: int
) -> dict[str, list[dict[str, Any]]] | None:
    """Totals (under ``''``) and the top ``per_dimension`` groups by visitors of each dimension of ``names``, in one query.

    Each group row has ``d0``, the components and ``total_rows`` (the groups of
    its dimension).  None when the archives cannot answer.
    """
    keys = {name: archive_sql.archive_key(name) for name in names}
    if any(key is None for key in keys.values()):
        return None
    found = plan(storage, query)
    if found is None:
        return None
    params = Params()
    wanted = tuple(dict.fromkeys(["", *(key for key in keys.values() if key)]))
    relation = rows_relation(query, params, found, wanted)
    sql = f"""
SELECT dimension, value AS d0, {_merged(components)}, count() OVER (PARTITION BY dimension) AS total_rows
FROM {relation}
GROUP BY dimension, value
ORDER BY dimension, visitors DESC, value ASC
LIMIT {params.bind(per_dimension, 'UInt64')} BY dimension
"""
    by_key: dict[str, list[dict[str, Any]]] = {}
    for row in storage.query_dicts(sql, params.values):
        by_key.setdefault(str(row.pop("dimension")), []).append(row)
    result = {"": by_key.get("", [])}
    for name, key in keys.items():
        result[name] = by_key.get(key or "", [])
    return result
