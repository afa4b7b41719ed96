"""The rows of the report archives (``sql/0030_archives.sql``), computed from the events.

One row per (local day, dimension, value) of a site: ``visitors`` and
``converted_visitors`` as mergeable sketches, every other component of
:data:`metrics.GROUP_LEVEL` as a sum.  Every visit belongs to the day it
starts on, with all its hits, so the sums of days add up to the sums of any
range of days; the sketches are merged.  Dimension ``''`` holds the totals.

The same SELECT fills the archives (:mod:`archiver`) and answers, at query
time, the days no fresh archive covers yet (:mod:`archive`), so both give the
same numbers by construction.  The meanings are those of the raw reports
(:mod:`sql`): a visit's attributes come from :data:`dimensions.VISIT_COLUMNS`,
an event dimension groups the counted hits its condition keeps.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.stats import metrics as metric_defs
from dashboard.stats.dimensions import COUNTED, DIMENSIONS, IS_GOAL, PROPS_PREFIX, VISIT_COLUMNS, Dimension
from dashboard.stats.filters import CUSTOM_EVENTS
from dashboard.stats.query import Params, StatsQuery
from dashboard.stats.sql import render_filter, sessionized_hits

# The visitor sketch: exact (a set of 32-bit hashes) up to 2,048 visitors, then a HyperLogLog of 2^15 cells,
# within about 1 % (the worst of five seeds at 3k to 1M visitors was 1.02 %; at precision 14 it was 3 %).
# The column types in sql/0030_archives.sql name the same function.
SKETCH = "uniqCombined(15)"
EXACT_UP_TO = 2048
CONVERTED_SKETCH = "uniqCombinedIf(15)"

# Components summed over days (the sketches are merged instead).
SUMS = ("visits", "pageviews", "events", "bounces", "duration_ms", "total_revenue", "revenue_hits")
COLUMNS = ("visitors", "converted_visitors", *SUMS)


def _archived() -> dict[str, str]:
    """Dimension name -> the name its rows are archived under (dimensions with the same SQL share rows)."""
    by_sql: dict[tuple[str, str, str], str] = {}
    names: dict[str, str] = {}
    for name, dim in DIMENSIONS.items():
        if dim.scope == "time":
            continue
        names[name] = by_sql.setdefault((dim.scope, dim.sql, dim.only), name)
    return names


# Every visit and event dimension of the registry, and the properties of custom events (``CUSTOM_PROPS`` + key:
# what the dashboard's property card shows, a breakdown by ``event:props:KEY`` filtered to ``CUSTOM_EVENTS``).
ARCHIVED = _archived()
CUSTOM_PROPS = "custom:props:"
# Every custom event, under one group: what a property's (none) is where a day had no event with that key.
CUSTOM_TOTAL = "custom:"
KEYS = (*dict.fromkeys(ARCHIVED.values()), CUSTOM_PROPS)
# Time dimensions over the archive's local ``day``.
TIME_BUCKETS = {
    "time:day": "toString(day)",
    "time:week": "toString(toMonday(day))",
    "time:month": "toString(toStartOfMonth(day))",
}


def archive_key(name: str, filters: tuple[Any, ...] = ()) -> str | None:
    """The archive dimension a breakdown by ``name`` under ``filters`` reads, or None when the archives do not have it.

    Filters are the caller's to apply, except ``CUSTOM_EVENTS`` on a property breakdown: those rows are archived.
    """
    if name.startswith(PROPS_PREFIX):
        return CUSTOM_PROPS + name[len(PROPS_PREFIX):] if filters == (CUSTOM_EVENTS,) else None
    return ARCHIVED.get(name)


def _visit_level() -> dict[str, str]:
    """What a visit contributes to its groups when nothing is filtered (``metrics.VISIT_LEVEL`` with every hit matching)."""
    wanted = ("l_pageviews", "l_events", "l_revenue", "l_revenue_hits", "l_converted")
    return {name: metric_defs.VISIT_LEVEL[name].replace("is_match", "1") for name in wanted}


def rows_sql(
    query: StatsQuery, params: Params, ranges: list[tuple[datetime, datetime]], keys: tuple[str, ...] = KEYS,
    props: list[str] | None = None,
) -> str:
    """SELECT of archive rows (``day, dimension, value`` and :data:`COLUMNS`) for the visits that start in ``ranges``.

    ``ranges`` are UTC ``[start, end)`` intervals, each a whole number of the
    site's local days; ``keys`` the archive dimensions to compute (``''``, the
    totals, is always included).  ``query`` gives the site, the time zone and
    the visit timeout; its range and filters are not used.  Property rows
    are made for the keys custom events carry in ``ranges`` and for ``props``:
    a custom event without one of them counts as (none) for it.
    """
    assert ranges
    tz = params.bind(query.timezone)
    with_props = any(key.startswith(CUSTOM_PROPS) for key in keys)
    dims = [DIMENSIONS[key] for key in keys if key and not key.startswith(CUSTOM_PROPS)]
    visit_dims = [dim for dim in dims if dim.scope == "visit"]
    event_dims = [dim for dim in dims if dim.scope == "event"]
    visit_level = _visit_level()
    per_visit = {
        "visitor_id": "any(visitor_id)",
        "day": f"toDate(any(visit_start), {tz})",
        **VISIT_COLUMNS,
        **visit_level,
    }
    pairs = ", ".join(
        ["('', '', 1)", *(_pair(dim, params, query.timezone) for dim in visit_dims)]
    )
    visit_rows = f"""
        SELECT day, visitor_id, pair.1 AS dimension, pair.2 AS value, l_pageviews, l_events, l_revenue,
            l_revenue_hits, l_converted, l_bounce, l_duration_ms
        FROM per_visit
        ARRAY JOIN arrayFilter(x -> x.3, [{pairs}]) AS pair"""
    union = [visit_rows]
    custom = render_filter(CUSTOM_EVENTS, params, query.timezone)
    if event_dims or with_props:
        hit_pairs = ", ".join(_pair(dim, params, query.timezone) for dim in event_dims)
        hit_fragments = [hit_pairs, COUNTED, IS_GOAL, "revenue", custom, "props"]
        pairs_sql = f"arrayFilter(x -> x.3 AND counted, [{hit_pairs}])" if event_dims else "[]"
        if with_props:
            # Every custom event has a value for every property key of the range: its own, or (none).
            props_pairs = (f"if({custom}, arrayPushBack(arrayMap(k -> (concat('{CUSTOM_PROPS}', k), "
                           "if(mapContains(props, k), props[k], '(none)'), toUInt8(1)), custom_keys), "
                           f"('{CUSTOM_TOTAL}', '', toUInt8(1))), [])")
            pairs_sql = f"arrayConcat({pairs_sql}, {props_pairs})" if event_dims else props_pairs
        union.append(f"""
        SELECT v.day AS day, v.visitor_id AS visitor_id, e.dimension AS dimension, e.value AS value,
            e.l_pageviews AS l_pageviews, e.l_events AS l_events, e.l_revenue AS l_revenue,
            e.l_revenue_hits AS l_revenue_hits, e.l_converted AS l_converted, v.l_bounce AS l_bounce,
            v.l_duration_ms AS l_duration_ms
        FROM (
            SELECT visit_id, pair.1 AS dimension, pair.2 AS value,
                countIf(event_type = 'pageview') AS l_pageviews, count() AS l_events,
                sumIf(revenue, {IS_GOAL}) AS l_revenue, countIf({IS_GOAL} AND revenue > 0) AS l_revenue_hits,
                max({IS_GOAL}) AS l_converted
            FROM {_hits(query, params, ranges, hit_fragments)}
            ARRAY JOIN {pairs_sql} AS pair
            GROUP BY visit_id, dimension, value
        ) AS e
        INNER JOIN per_visit AS v USING visit_id""")
    aliased = ",\n            ".join(f"{sql} AS {name}" for name, sql in per_visit.items())
    visits = f"""(
        SELECT visit_id,
            {aliased},
            visit_pageviews = 1 AND visit_interactions = 0 AS l_bounce,
            toUnixTimestamp64Milli(visit_end) - toUnixTimestamp64Milli(visit_first) AS l_duration_ms
        FROM {_hits(query, params, ranges, list(per_visit.values()))}
        GROUP BY visit_id
        HAVING visit_hits > 0
    )"""
    keys_sql = ""
    if with_props:
        extra = params.bind(list(props or []), "Array(String)")
        keys_sql = (f", (SELECT arrayDistinct(arrayConcat(groupUniqArrayArray(mapKeys(props)), {extra})) "
                    f"FROM {_hits(query, params, ranges, [custom, 'props'])} WHERE {custom}) AS custom_keys")
    return f"""
    WITH per_visit AS {visits}{keys_sql}
    SELECT day, dimension, value,
        {SKETCH.replace('(', 'State(', 1)}(visitor_id) AS visitors,
        {CONVERTED_SKETCH.replace('(', 'State(', 1)}(visitor_id, toUInt8(l_converted > 0)) AS converted_visitors,
        count() AS visits, toUInt64(sum(l_pageviews)) AS pageviews, toUInt64(sum(l_events)) AS events, countIf(l_bounce) AS bounces,
        toUInt64(sum(l_duration_ms)) AS duration_ms, toFloat64(sum(l_revenue)) AS total_revenue, toUInt64(sum(l_revenue_hits)) AS revenue_hits
    FROM ({' UNION ALL '.join(union)})
    GROUP BY day, dimension, value"""


def _pair(dim: Dimension, params: Params, tz: str) -> str:
    """``(archive key, value, applies)`` for one dimension, as a tuple of the row it is evaluated on."""
    condition = dim.condition(params, tz) if dim.only else "1"
    return f"('{ARCHIVED[dim.name]}', toString({dim.expression(params, tz)}), toUInt8({condition}))"


def _hits(query: StatsQuery, params: Params, ranges: list[tuple[datetime, datetime]], fragments: list[str]) -> str:
    """The hits of the visits that start in any of ``ranges`` (each read as :func:`sql.sessionized_hits` reads one)."""
    parts = [sessionized_hits(query.with_range(start, end), params, fragments) for start, end in ranges]
    if len(parts) == 1:
        return parts[0]
    return "(" + " UNION ALL ".join(f"SELECT * FROM {part}" for part in parts) + ")"


def merged(column: str, prefix: str = "") -> str:
    """SQL merging ``column`` (read as ``prefix + column``) over archive rows: a sketch's ``-Merge``, else a sum."""
    return _combine(column, prefix, "Merge")


def merged_state(column: str, prefix: str = "") -> str:
    """SQL merging ``column`` into one archive row's value (a sketch stays a sketch)."""
    return _combine(column, prefix, "MergeState")


def _combine(column: str, prefix: str, combinator: str) -> str:
    sketch = {"visitors": SKETCH, "converted_visitors": CONVERTED_SKETCH}.get(column)
    if sketch is None:
        return f"sum({prefix}{column})"
    return f"{sketch.replace('(', combinator + '(', 1)}({prefix}{column})"
