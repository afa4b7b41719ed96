"""Answering reports from the archives: the fresh archived units of a range, plus the events of the other days.

A query over whole local days of the site (a 30-day or 12-month dashboard, a
custom range of dates), without filters, is answered from the archives
(``sql/0030_archives.sql``): the range is covered by one fresh range
archive of exactly its days, else greedily by fresh months, then days that fit in it; the days no
fresh unit covers (today, a day changed by an import or a ``forget`` since it
was archived, days not archived yet) are computed from the events by the
same SELECT that builds the archives (:mod:`archive_sql`), and both are
merged in one query.  A unit is fresh when it was built in the query's time
zone after the last change to the hours of its visits (``event_changes``).

Visitor counts are merged sketches: exact up to 2,048 visitors in a row, an
estimate within about 1 % above that (as Plausible's ``uniq`` is an
estimate); every other number is exact.
``StatsQuery.exact`` reads the events instead.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Iterator, TypeVar

from dashboard.stats import archive_sql
from dashboard.stats.dimensions import PROPS_PREFIX, Dimension
from dashboard.stats.filters import filter_dimensions, has_behavioural
from dashboard.stats.query import Params, StatsQuery
from dashboard.stats.sql import render_filter

T = TypeVar("T")

# "range" is a range archive of exactly the query's days (it has no buckets inside).
UNITS = ("range", "month", "day")
# More groups than a report pages through (breakdown.MAX_LIMIT).
MAX_GROUPS = 10_000
# The units a time dimension's buckets can be made of (a week's buckets are made of days).
TIME_UNITS = {"time:day": ("day",), "time:week": ("day",), "time:month": ("month", "day")}


def midnight(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant a local day starts."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)


def range_unit(first: date, last: date) -> str:
    """The unit of a range archive: ``range:<days>`` starting on ``first`` (``last`` is exclusive)."""
    return f"range:{(last - first).days}"


def hour_unit(hour: datetime) -> tuple[str, date]:
    """``(unit, day)`` of the archive of one UTC hour of visit starts: ``hour:HH`` on the hour's UTC date.

    Hours archive the days that are not closed yet (today), so a dashboard
    that reaches today reads at most the last hour or two from the events.
    """
    return f"hour:{hour.hour:02d}", hour.date()


def unit_end(unit: str, day: date) -> date:
    """The day after the last day of the unit starting on ``day``."""
    if unit == "day":
        return day + timedelta(days=1)
    if unit.startswith("range:"):
        return day + timedelta(days=int(unit.split(":", 1)[1]))
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
    props: tuple[str, ...] = ()

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

    builds: tuple[Build, ...]
    ranges: tuple[tuple[datetime, datetime], ...]
    first: date
    last: date
    units: tuple[str, ...] = UNITS

    @property
    def build_ids(self) -> tuple[int, ...]:
        return tuple(build.build_id for build in self.builds)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def read_builds(storage: Any, site_id: int, first: date | None = None, last: date | None = None) -> dict[tuple[str, date], Build]:
    """The current build of every unit (that starts in ``[first, last)``, when given)."""
    where = " AND day >= {first:Date} AND day < {last:Date}" if first is not None and last is not None else ""
    rows = storage.query(
        "SELECT unit, day, build_id, days_built_at, timezone, props FROM archive_builds FINAL "
        "WHERE site_id = {site:UInt32}" + where,
        {"site": site_id, "first": first, "last": last},
    )
    return {
        (str(r[0]), r[1]): Build(str(r[0]), r[1], int(r[2]), tuple(_aware(t) for t in r[3]), str(r[4]), tuple(r[5]))
        for r in rows
    }


def read_hour_changes(storage: Any, site_id: int, start: datetime, end: datetime) -> dict[datetime, datetime]:
    """The last change to the visits that start in each UTC hour of ``[start, end)``."""
    rows = storage.query(
        "SELECT hour, max(changed_at) FROM event_changes WHERE site_id = {site:UInt32} "
        "AND hour >= {start:DateTime('UTC')} AND hour < {end:DateTime('UTC')} GROUP BY hour",
        {"site": site_id, "start": start, "end": end},
    )
    return {_aware(r[0]): _aware(r[1]) for r in rows}


def fresh_hour(build: Build | None, tz: str, changed: datetime | None) -> bool:
    return build is not None and build.timezone == tz and (changed is None or changed <= build.days_built_at[0])


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


_plans: contextvars.ContextVar[dict[tuple[Any, ...], Any] | None] = contextvars.ContextVar(
    "archive_plans", default=None
)


@contextlib.contextmanager
def planning() -> Iterator[None]:
    """Within the block (one page or API request), each range is planned once for all its reports."""
    token = _plans.set({})
    try:
        yield
    finally:
        _plans.reset(token)


def planned(func: Callable[..., T]) -> Callable[..., T]:
    """``func`` runs within :func:`planning` (a page's or a request's whole work)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        with planning():
            return func(*args, **kwargs)

    return wrapper


def plan(storage: Any, query: StatsQuery, units: tuple[str, ...] = UNITS) -> Plan | None:
    """How to answer ``query``'s range from the archives; None when it cannot be (exact, not whole days, nothing archived).

    The filters are the caller's to check (:func:`value_filter`).
    """
    if query.exact:
        return None
    memo = _plans.get()
    key = (query.site_id, query.timezone, query.start, query.end, units)
    if memo is not None and key in memo:
        return memo[key]
    found = _plan(storage, query, units)
    if memo is not None:
        memo[key] = found
    return found


def _plan(storage: Any, query: StatsQuery, units: tuple[str, ...]) -> Plan | None:
    days = local_days(query)
    if days is None:
        return None
    first, last = days
    tz = zoneinfo.ZoneInfo(query.timezone)
    builds, changes = _site_state(storage, query, first, last)
    if not builds:
        return None
    whole = builds.get((range_unit(first, last), first))
    if "range" in units and whole is not None and whole.is_fresh(query.timezone, changes):
        return Plan((whole,), (), first, last, (whole.unit,))
    chosen, uncovered = cover(builds, query.timezone, changes, first, last, units)
    raw_days = [day for day in uncovered if day in changes]  # a day no hit ever reached has nothing to read
    hours, ranges = _hours(storage, query, builds, raw_days, tz)
    chosen += hours
    if not chosen and not ranges:
        return Plan((), (), first, last, units)  # no events at all: nothing to read
    if not chosen:
        return None
    hour_units = tuple(sorted({build.unit for build in hours}))
    return Plan(tuple(chosen), tuple(ranges), first, last, units + hour_units)


def cover(
    builds: dict[tuple[str, date], Build], tz: str, changes: dict[date, datetime], first: date, last: date,
    units: tuple[str, ...] = UNITS,
) -> tuple[list[Build], list[date]]:
    """The fresh months and days of ``units`` that cover ``[first, last)``, largest first, and the days none covers."""
    chosen: list[Build] = []
    uncovered: list[date] = []
    day = first
    while day < last:
        for unit in units:
            if unit == "range" or unit == "month" and day.day != 1:
                continue
            end = unit_end(unit, day)
            build = builds.get((unit, day))
            if end <= last and build is not None and build.is_fresh(tz, changes):
                chosen.append(build)
                day = end
                break
        else:
            uncovered.append(day)
            day += timedelta(days=1)
    return chosen, uncovered


def _site_state(
    storage: Any, query: StatsQuery, first: date, last: date
) -> tuple[dict[tuple[str, date], Build], dict[date, datetime]]:
    """The site's current builds and its days' last changes: read once per :func:`planning` block for every range
    of it (a page plans its period, the previous one and their charts), else only around ``[first, last)``."""
    memo = _plans.get()
    if memo is None:
        return (read_builds(storage, query.site_id, first - timedelta(days=1), last + timedelta(days=1)),
                read_changes(storage, query.site_id, query.timezone, first, last))
    key = ("state", query.site_id, query.timezone)
    if key not in memo:
        memo[key] = (read_builds(storage, query.site_id), read_changes(storage, query.site_id, query.timezone))
    return memo[key]  # type: ignore[return-value]


def _hours(
    storage: Any, query: StatsQuery, builds: dict[tuple[str, date], Build], days: list[date], tz: zoneinfo.ZoneInfo
) -> tuple[list[Build], list[tuple[datetime, datetime]]]:
    """The fresh hour archives of ``days`` (days without a fresh day archive), and the UTC ranges left to read."""
    if not days:
        return [], []
    hour = timedelta(hours=1)
    changes = read_hour_changes(storage, query.site_id, midnight(days[0], tz), midnight(days[-1] + timedelta(days=1), tz))
    found: list[Build] = []
    ranges: list[list[datetime]] = []
    for day in days:
        start, end = midnight(day, tz), midnight(day + timedelta(days=1), tz)
        at = start
        while at < end:
            build = builds.get(hour_unit(at)) if at.minute == 0 and end.minute == 0 else None
            if fresh_hour(build, query.timezone, changes.get(at)):
                assert build is not None
                found.append(build)
                at += hour
                continue
            if at.minute == 0 and end.minute == 0 and at not in changes:  # no hit in this hour: nothing to read
                at += hour
                continue
            step = end if build is None and (at.minute or end.minute) else min(at + hour, end)
            if ranges and ranges[-1][1] == at:
                ranges[-1][1] = step
            else:
                ranges.append([at, step])
            at = step
    return found, [(a, b) for a, b in ranges]


def value_filter(query: StatsQuery, params: Params, dim: Dimension | None) -> str | None:
    """The query's filters as SQL over an archived dimension's ``value`` ("1" without filters).

    None when a filter is on anything but ``dim`` itself, an event dimension:
    then a filter picks whole groups of that dimension (the hits of a group
    all have its value), which the archives can answer.
    """
    if not query.filters:
        return "1"
    if dim is None or dim.scope != "event" or dim.name.startswith(PROPS_PREFIX) or has_behavioural(query.filters):
        return None
    if any(filter_dimensions(expr) != {dim.name} for expr in query.filters):
        return None
    return " AND ".join(render_filter(expr, params, query.timezone, column="value") for expr in query.filters)


def rows_relation(
    query: StatsQuery, params: Params, found: Plan, keys: tuple[str, ...], pairs: list[tuple[str, str]] | None = None,
    where: str = "1",
) -> str:
    """Archive rows of ``keys`` (``a_``-prefixed components): the plan's builds and, for its other days, the events.

    ``pairs`` limits the stored rows to those ``(dimension, value)``, read
    before the sketches are (PREWHERE), so unwanted sketches are never read;
    ``where`` is a condition on ``value`` (:func:`value_filter`).
    """
    site = params.bind(query.site_id, "UInt32")
    columns = ", ".join(f"{name} AS a_{name}" for name in archive_sql.COLUMNS)
    key_list = f"{params.bind(list(keys), 'Array(String)')}"
    if archive_sql.CUSTOM_PROPS in keys:  # every property
        key_list += f" OR startsWith(dimension, {params.bind(archive_sql.CUSTOM_PROPS)})"
    prewhere = f"PREWHERE (dimension, value) IN {params.bind(pairs, 'Array(Tuple(String, String))')}" if pairs else ""
    stored = f"""
        SELECT day, dimension, value, {columns}
        FROM archives
        {prewhere}
        WHERE site_id = {site} AND day >= {params.bind(found.first, 'Date')} AND day < {params.bind(found.last, 'Date')}
            AND (dimension IN {key_list}) AND unit IN {params.bind(list(found.units), 'Array(String)')}
            AND build_id IN {params.bind(list(found.build_ids), 'Array(UInt64)')} AND ({where})"""
    parts = [stored]
    for key in keys:
        if key.startswith(archive_sql.CUSTOM_PROPS) and key != archive_sql.CUSTOM_PROPS:
            prop = key[len(archive_sql.CUSTOM_PROPS):]
            lacking = [build.build_id for build in found.builds if prop not in build.props]
            if lacking:  # a build without the key: each of its custom events lacks it
                parts.append(f"""
        SELECT day, {params.bind(key)} AS dimension, '(none)' AS value, {columns}
        FROM (SELECT * FROM archives WHERE site_id = {site} AND dimension = {params.bind(archive_sql.CUSTOM_TOTAL)}
            AND build_id IN {params.bind(lacking, 'Array(UInt64)')})""")
    if found.ranges:
        extra = sorted({prop for build in found.builds for prop in build.props} | {
            key[len(archive_sql.CUSTOM_PROPS):] for key in keys if key.startswith(archive_sql.CUSTOM_PROPS)} - {""})
        computed = archive_sql.rows_sql(query, params, list(found.ranges), tuple(k for k in keys if k), extra)
        parts.append(
            f"SELECT day, dimension, value, {columns} FROM ({computed}) WHERE (dimension IN {key_list}) AND ({where})"
        )
    return "(" + " UNION ALL ".join(parts) + ")"


def _merged(components: list[str]) -> str:
    return ",\n    ".join(f"{archive_sql.merged(name, 'a_')} AS {name}" for name in components)


SKETCHES = ("visitors", "converted_visitors")


def _top_groups(
    storage: Any, query: StatsQuery, found: Plan, keys: list[str], components: list[str], need: int,
    dim: Dimension | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Per archive key: its first ``need`` groups by visitors (then value), with every component and ``total_rows``.

    Merging a visitor sketch costs far more than a sum, so the sums of every
    group come first, and sketches only for the groups that can make the
    top: a group has no more visitors than visits, so once ``need`` groups
    have their visitors, a group with fewer visits than the last of them is
    out.  With days read from the events the rows are computed once, in one query.
    """
    sums = [name for name in components if name not in SKETCHES]
    sketches = [name for name in components if name in SKETCHES]
    params = Params()
    relation = rows_relation(query, params, found, tuple(keys), where=_where(query, params, dim))
    rows = storage.query_dicts(
        f"SELECT dimension, value AS d0, {_merged(sums + (sketches if found.ranges else []))}\n"
        f"FROM {relation}\nGROUP BY dimension, value", params.values,
    )
    by_key: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
    for row in rows:
        by_key.setdefault(str(row.pop("dimension")), []).append(row)
    for group in by_key.values():
        group.sort(key=lambda row: (-int(row["visits"] or 0), str(row["d0"])))
    if not found.ranges:
        done: dict[tuple[str, str], dict[str, Any]] = {}
        wanted = [(key, str(row["d0"])) for key, group in by_key.items() for row in group[:need]]
        while wanted:
            sketch_params = Params()
            relation = rows_relation(query, sketch_params, found, tuple(keys), wanted, _where(query, sketch_params, dim))
            for row in storage.query_dicts(
                f"SELECT dimension, value, {_merged(sketches)}\nFROM {relation}\nGROUP BY dimension, value",
                sketch_params.values,
            ):
                done[(str(row.pop("dimension")), str(row.pop("value")))] = row
            wanted = []
            for key, group in by_key.items():
                known = sorted((done[(key, str(r["d0"]))]["visitors"] for r in group if (key, str(r["d0"])) in done),
                               reverse=True)
                bound = known[need - 1] if len(known) >= need else -1
                wanted += [(key, str(r["d0"])) for r in group
                           if (key, str(r["d0"])) not in done and int(r["visits"] or 0) >= bound]
    result = {}
    for key, group in by_key.items():
        total = len(group)
        if not found.ranges:
            group = [{**row, **done[(key, str(row["d0"]))]} for row in group if (key, str(row["d0"])) in done]
        group.sort(key=lambda row: (-int(row["visitors"] or 0), str(row["d0"])))
        result[key] = [{**row, "total_rows": total} for row in group[:need]]
    return result


def estimated(rows: list[dict[str, Any]]) -> bool:
    """Whether a visitor count of these archive rows is above the sketches' exact limit."""
    return any(int(row.get(name) or 0) > archive_sql.EXACT_UP_TO for row in rows for name in SKETCHES)


def _where(query: StatsQuery, params: Params, dim: Dimension | None) -> str:
    where = value_filter(query, params, dim)
    assert where is not None
    return where


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
            found_key = archive_sql.archive_key(dim.name, query.filters)
            if found_key is None:
                return None
            key = found_key
    dim = dims[0] if dims else None
    if key.startswith(archive_sql.CUSTOM_PROPS):
        query = query.with_filters(())  # archived with the filter
    if value_filter(query, Params(), dim) is None:
        return None
    found = plan(storage, query, units)
    if found is None:
        return None
    if key and order == [("visitors", "desc")]:
        need = MAX_GROUPS if limit is None else offset + limit
        top = _top_groups(storage, query, found, [key], components, need, dim)[key]
        return top[offset:] if limit is None else top[offset:offset + limit]
    params = Params()
    relation = rows_relation(query, params, found, (key,), where=_where(query, params, dim))
    group = f"{bucket or 'value'} AS d0, " if dims else ""
    total = ", count() OVER () AS total_rows" if dims else ""
    sql = f"SELECT {group}{_merged(components)}{total}\nFROM {relation}\n"
    sql += group_order_limit(dims, params, order, limit, offset)
    rows = storage.query_dicts(sql, params.values)
    if not dims and not rows:
        return []
    return rows


def property_keys(storage: Any, query: StatsQuery, limit: int) -> list[str] | None:
    """The property keys of the query's custom events, most used first; None when the archives cannot answer."""
    if query.filters:
        return None
    found = plan(storage, query)
    if found is None:
        return None
    params = Params()
    relation = rows_relation(query, params, found, (archive_sql.CUSTOM_PROPS,))
    prefix = params.bind(archive_sql.CUSTOM_PROPS)
    rows = storage.query(
        f"SELECT substring(dimension, length({prefix}) + 1) AS key, sum(a_events) AS hits FROM {relation} "
        f"WHERE value != '(none)' GROUP BY key ORDER BY hits DESC, key ASC LIMIT {params.bind(limit, 'UInt32')}",
        params.values,
    )
    return [str(row[0]) for row in rows]


def shared_rows(
    storage: Any, query: StatsQuery, names: list[str], components: list[str], per_dimension: int
) -> dict[str, list[dict[str, Any]]] | None:
    """Totals (under ``''``) and the top ``per_dimension`` groups by visitors of each dimension of ``names``.

    Each group row has ``d0``, the components and ``total_rows`` (the groups of
    its dimension).  None when the archives cannot answer.
    """
    keys = {name: archive_sql.archive_key(name) for name in names}
    if query.filters or any(key is None for key in keys.values()):
        return None
    found = plan(storage, query)
    if found is None:
        return None
    wanted = list(dict.fromkeys(["", *(key for key in keys.values() if key)]))
    top = _top_groups(storage, query, found, wanted, components, per_dimension)
    return {"": top[""], **{name: top[key or ""] for name, key in keys.items()}}
