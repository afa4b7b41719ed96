"""The SQL every report is built on: the hits of a query's visits, and filters as where-clauses.

Visits are assigned by the collector at ingest: every hit carries its
``visit_id`` (a new visit starts when the visitor's previous hit is more than
the visit timeout older) and ``visit_start`` (the visit's first hit).  A visit
belongs to the period in which it starts, with all its hits, also those after
the period's end, so every hit counts in exactly one period.
:func:`sessionized_hits` reads the hits of the visits that start in
``[start, end)``; reports group them by ``visit_id`` once per query (a visit
made only of ``ping``/``engagement`` hits is no visit).  A visit's source,
UTM, country and device are its first counted hit's; its entry and exit pages
its first and last counted hit's pages (as Plausible's sessions); its duration is last hit minus first hit, pings
included; a bounce is one pageview and no interaction event.

Filters (Plausible semantics):
- a *visit* dimension (``visit:*``) is constant over a visit, so it keeps or
  drops whole visits;
- an *event* dimension (``event:*``) is matched by hits.  Visit metrics
  (visitors, visits, bounce rate, duration) count the visits that contain at
  least one matching hit; event metrics (pageviews, events, revenue) count
  only the matching hits.
- ``and``/``or``/``not`` combine both kinds, evaluated per hit;
- ``has_done``/``has_not_done`` keep the visits with (without) a matching hit.
"""

from __future__ import annotations

import re
from datetime import timedelta

from dashboard.stats.dimensions import (
    ALWAYS_VISIT_COLUMNS,
    COUNTED,
    FIRST_HIT_COLUMNS,
    PROPS_PREFIX,
    VISIT_COLUMNS,
    dimension,
)
from dashboard.stats.filters import And, FilterExpr, HasDone, Not, Or, filter_dimensions, has_behavioural
from dashboard.stats.query import Params, StatsQuery
from footfall.schema import COLUMNS


def render_filter(expr: FilterExpr, params: Params, tz: str, column: str | None = None) -> str:
    """SQL for one filter, over the hits relation (a hit-level boolean).

    With ``column``, the filter tests that column instead of its dimension's
    expression (the ``value`` of an archived dimension: its rows are already
    only those the dimension applies to).
    """
    if isinstance(expr, And):
        return "(" + " AND ".join(render_filter(child, params, tz, column) for child in expr.filters) + ")"
    if isinstance(expr, Or):
        return "(" + " OR ".join(render_filter(child, params, tz, column) for child in expr.filters) + ")"
    if isinstance(expr, Not):
        return f"(NOT {render_filter(expr.filter, params, tz, column)})"
    if isinstance(expr, HasDone):
        # A visit-level fact over the visit's hits (the general path evaluates it in a SELECT).
        inner = render_filter(expr.filter, params, tz)
        done = f"(max(toUInt8(({inner}) AND counted)) OVER (PARTITION BY visit_id))"
        return f"({done} = {0 if expr.negated else 1})"
    dim = dimension(expr.dimension, for_filter=True)
    op, values = expr.operator, list(expr.values)
    is_prop = expr.dimension.startswith(PROPS_PREFIX)
    of_value = column is not None
    if column is None:
        column = f"props[{params.bind(dim.key)}]" if is_prop else dim.expression(params, tz)
    if op in ("is", "is_not"):
        if expr.ignores_case:
            test = f"lower({column}) IN {params.bind([v.lower() for v in values], 'Array(String)')}"
        else:
            test = f"{column} IN {params.bind(values, 'Array(String)')}"
    elif op in ("contains", "contains_not"):
        search = "multiSearchAnyCaseInsensitiveUTF8" if expr.ignores_case else "multiSearchAnyUTF8"
        test = f"{search}({column}, {params.bind(values, 'Array(String)')})"
    else:
        prefix = "(?i)" if expr.ignores_case else ""
        test = "(" + " OR ".join(f"match({column}, {params.bind(prefix + v)})" for v in values) + ")"
    if op.endswith("_not"):
        test = f"NOT {test}"
    if is_prop:
        # Hits without the property match only "(none)" (is), and every negated test.
        missing = "(none)" in values if op in ("is", "is_not") else False
        if op.endswith("_not"):
            missing = not missing
        test = f"if(mapContains(props, {params.bind(dim.key)}), {test}, {int(missing)})"
    if dim.scope == "event" and dim.only and not of_value:
        return f"(({dim.condition(params, tz)}) AND {test})"
    return f"({test})"


_WORD = re.compile(r"[a-z_]+")


def _needed_columns(fragments: list[str]) -> list[str]:
    words = set(_WORD.findall(" ".join(fragments)))
    base = {"site_id", "timestamp", "visitor_id", "visit_id", "visit_start", "event_type"}
    return [column for column in COLUMNS if column in base or column in words]


def visit_columns_for(fragments: list[str]) -> dict[str, str]:
    """The visit attributes (name -> aggregate over the visit's hits) that ``fragments`` mention, plus the basics."""
    words = set(_WORD.findall(" ".join(fragments)))
    return {name: sql for name, sql in VISIT_COLUMNS.items() if name in ALWAYS_VISIT_COLUMNS or name in words}


def hits_relation(query: StatsQuery, params: Params, fragments: list[str]) -> str:
    """Hits of visits that start in the query's range, each with its visit's attributes.

    ``fragments`` is the SQL the caller will run over the relation; only the
    columns and visit attributes it mentions are read and computed.  The
    attributes come from one ``GROUP BY visit_id``, joined back to the hits.
    """
    visit_columns = visit_columns_for(fragments)
    per_visit = ",\n            ".join(f"{sql} AS {name}" for name, sql in visit_columns.items())
    hits = sessionized_hits(query, params, fragments)
    visits = sessionized_hits(query, params, list(visit_columns.values()))
    return f"""(
    SELECT * FROM {hits} AS hits
    INNER JOIN (
        SELECT visit_id,
            {per_visit}
        FROM {visits}
        GROUP BY visit_id
        HAVING visit_hits > 0
    ) AS visits USING visit_id
)"""


def match_sql(query: StatsQuery, params: Params) -> str:
    """One boolean per hit: does it match all the query's filters."""
    if not query.filters:
        return "1"
    return " AND ".join(render_filter(f, params, query.timezone) for f in query.filters)


def sessionized_hits(query: StatsQuery, params: Params, fragments: list[str]) -> str:
    """Every hit of the visits that start in ``[start, end)``; ``visit_id`` names a visit.

    Visits are assigned by the collector at ingest, so this is a plain range
    read: ``visit_start`` selects the visits (its minmax index skips other
    days) and ``timestamp >= start - timeout`` lets the primary key skip the
    days before (a late hit may join a visit up to the timeout before its start).
    Only the columns ``fragments`` mention are read; ``counted`` says whether
    a hit is more than a ping.
    """
    columns = _needed_columns(fragments)
    timeout = timedelta(minutes=query.visit_timeout_minutes)
    site = params.bind(query.site_id, "UInt32")
    low = params.bind(query.start - timeout, "DateTime64(3, 'UTC')")
    start = params.bind(query.start, "DateTime64(3, 'UTC')")
    end = params.bind(query.end, "DateTime64(3, 'UTC')")
    return f"""(
    SELECT {', '.join(columns)}, {COUNTED} AS counted
    FROM events
    WHERE site_id = {site} AND visit_start >= {start} AND visit_start < {end} AND timestamp >= {low}
)"""


def split_filters(query: StatsQuery) -> tuple[list[FilterExpr], list[FilterExpr]] | None:
    """Top-level filters split into (visit-only, event-only); None when one mixes both kinds."""
    visit_filters, event_filters = [], []
    if has_behavioural(query.filters):
        return None
    for expr in query.filters:
        scopes = {dimension(name, for_filter=True).scope for name in filter_dimensions(expr)}
        if scopes == {"visit"}:
            visit_filters.append(expr)
        elif scopes == {"event"}:
            event_filters.append(expr)
        else:
            return None
    return visit_filters, event_filters


# The same visit attributes as ``VISIT_COLUMNS``, from the ``visits`` table (sql/0004_visits_table.sql), read
# with FINAL so each visit is one row: the counts summed, the (time, value) tuples reduced to their minimum or
# maximum.  The table's columns are read as ``s_<name>`` so the results can take their names.
STORED_COLUMNS = (
    "visitor_id", "visit_start", "visit_first", "visit_end", "visit_hits", "visit_pageviews", "visit_interactions",
    "visit_goals", "visit_revenue", "entry_page", "exit_page", "first_hit",
)
STORED_VISIT_COLUMNS: dict[str, str] = {
    **{column: f"s_{column}" for column in STORED_COLUMNS if column.startswith("visit")},
    # No entry or exit page: the table keeps the first and last pageview's, and a visit's entry and exit pages
    # are its first and last counted hit's (as in Plausible), so those reports read the hits.
    **{f"v_{column}": f"s_first_hit.{column}" for column in FIRST_HIT_COLUMNS},
}


def stored_visits(query: StatsQuery, params: Params, columns: dict[str, str]) -> str:
    """One row per visit that starts in ``[start, end)``, from the ``visits`` table: ``visit_id`` and ``columns``.

    ``columns`` maps output names to expressions over the table's row
    (see :data:`STORED_VISIT_COLUMNS`).  ``FINAL`` merges the partial rows of
    a visit still in separate parts; a visit's rows are all in one partition
    (its start's month), so partitions are merged on their own, and one that
    is a single part is read as it is.  The ordering key starts with the site
    and the visit's start day, so only the query's days are read.
    """
    site = params.bind(query.site_id, "UInt32")
    start = params.bind(query.start, "DateTime64(3, 'UTC')")
    end = params.bind(query.end, "DateTime64(3, 'UTC')")
    aliased = ",\n        ".join(f"{sql} AS {name}" for name, sql in columns.items())
    stored = ", ".join(f"{column} AS s_{column}" for column in STORED_COLUMNS)
    return f"""(
        SELECT visit_id,
        {aliased}
        FROM (
            SELECT visit_id, {stored}
            FROM visits FINAL
            WHERE site_id = {site} AND visit_start >= {start} AND visit_start < {end}
            SETTINGS do_not_merge_across_partitions_select_final = 1
        )
    )"""
