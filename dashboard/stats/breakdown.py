"""Breakdowns: metrics grouped by any dimensions, ordered and paginated.

This is the engine the other report modules (and the Stats API) use: with no
dimensions it is the aggregate, with a ``time:*`` dimension a timeseries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dashboard.stats import metrics as metric_defs
from dashboard.stats.query import (
    COUNTED,
    Dimension,
    Params,
    QueryError,
    StatsQuery,
    dimension,
    drop_filters,
    filter_dimensions,
    VISIT_COLUMNS,
    hits_relation,
    match_sql,
    render_filter,
    sessionized_hits,
    split_filters,
)

MAX_LIMIT = 10000
DEFAULT_LIMIT = 10000


@dataclass
class Result:
    """Rows of ``{"dimensions": [...], "<metric>": value, ...}``, plus the total number of groups."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    total_rows: int = 0
    dimensions: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)


def build_sql(
    query: StatsQuery,
    dims: list[Dimension],
    *,
    order: list[tuple[str, str]] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[str, dict[str, Any]]:
    """SQL returning one row per group: the dimension values ``d0..`` and the raw metric components."""
    if all(dim.scope != "event" for dim in dims) and split_filters(query) is not None:
        return _visits_sql(query, dims, order=order, limit=limit, offset=offset)
    params = Params()
    tz = query.timezone
    dim_sql = [dim.expression(params, tz) for dim in dims]
    conditions = [dim.condition(params, tz) for dim in dims if dim.only]
    if any(dim.scope == "event" for dim in dims):
        conditions += [COUNTED, "is_match"]
    match = match_sql(query, params)
    dim_select = "".join(f"{sql} AS d{i}, " for i, sql in enumerate(dim_sql))
    dim_names = [f"d{i}" for i in range(len(dims))]
    visit_level = ",\n    ".join(f"{sql} AS {name}" for name, sql in metric_defs.VISIT_LEVEL.items())
    group_level = ",\n    ".join(f"{sql} AS {name}" for name, sql in metric_defs.GROUP_LEVEL.items())
    relation = hits_relation(query, params, dim_sql + conditions + [match, *metric_defs.VISIT_LEVEL.values()])
    where = f"WHERE {' AND '.join(f'({c})' for c in conditions)}" if conditions else ""
    group_keys = ", ".join([*dim_names, "visitor_id", "visit_no"])
    total = ", count() OVER () AS total_rows" if dims else ""
    sql = f"""
SELECT {', '.join(dim_names) + ', ' if dims else ''}{group_level}{total}
FROM (
    SELECT {dim_select}visitor_id, visit_no,
    {visit_level}
    FROM (SELECT *, {match} AS is_match FROM {relation})
    {where}
    GROUP BY {group_keys}
    HAVING l_matched
)
"""
    if dims:
        sql += f"GROUP BY {', '.join(dim_names)}\n"
        order_terms = []
        for name, direction in order or []:
            order_terms.append(f"{name} {'ASC' if direction == 'asc' else 'DESC'}")
        order_terms += [f"{d} ASC" for d in dim_names]
        sql += f"ORDER BY {', '.join(order_terms)}\n"
        if limit is not None:
            sql += f"LIMIT {params.bind(int(limit), 'UInt64')} OFFSET {params.bind(int(offset), 'UInt64')}\n"
    return sql, params.values


def _visits_sql(
    query: StatsQuery,
    dims: list[Dimension],
    *,
    order: list[tuple[str, str]] | None,
    limit: int | None,
    offset: int,
) -> tuple[str, dict[str, Any]]:
    """The same result as the general path, faster, when only visit dimensions and unmixed filters are used.

    Visits are built with one GROUP BY over the sessionized hits instead of a
    window per visit; event filters are folded into the per-visit counts.
    """
    params = Params()
    tz = query.timezone
    split = split_filters(query)
    assert split is not None
    visit_filters, event_filters = split
    event_match = " AND ".join(render_filter(f, params, tz) for f in event_filters) or "1"
    visit_match = [render_filter(f, params, tz) for f in visit_filters]
    dim_sql = [dim.expression(params, tz) for dim in dims]
    conditions = [dim.condition(params, tz) for dim in dims if dim.only] + visit_match
    words = " ".join(dim_sql + conditions)
    visit_columns = {name: sql for name, sql in VISIT_COLUMNS.items() if name.startswith("v_") and name in words}
    visit_columns.update(
        {name: VISIT_COLUMNS[name] for name in ("entry_page", "exit_page") if name in words}
    )
    per_visit = {
        "visit_start": "min(timestamp)",
        "visit_end": "max(timestamp)",
        "visit_hits": "countIf(counted)",
        "l_visit_pageviews": VISIT_COLUMNS["visit_pageviews"],
        "l_visit_interactions": VISIT_COLUMNS["visit_interactions"],
        **visit_columns,
        **{name: sql.replace("is_match", "event_matches") for name, sql in metric_defs.VISIT_LEVEL.items()
           if name not in ("l_visit_pageviews", "l_visit_interactions", "l_duration_ms")},
    }
    start = params.bind(query.start, "DateTime64(3, 'UTC')")
    hits = sessionized_hits(query, params, [event_match, *per_visit.values()])
    keep = " AND ".join(f"({c})" for c in [f"visit_start >= {start}", "visit_hits > 0", "l_matched", *conditions])
    dim_names = [f"d{i}" for i in range(len(dims))]
    dim_select = "".join(f"{sql} AS d{i}, " for i, sql in enumerate(dim_sql))
    group_level = ",\n    ".join(f"{sql} AS {name}" for name, sql in metric_defs.GROUP_LEVEL.items())
    total = ", count() OVER () AS total_rows" if dims else ""
    per_visit_sql = ",\n        ".join(f"{sql} AS {name}" for name, sql in per_visit.items())
    sql = f"""
SELECT {', '.join(dim_names) + ', ' if dims else ''}{group_level}{total}
FROM (
    SELECT {dim_select}visitor_id, visit_no, l_pageviews, l_events, l_revenue, l_converted,
        l_visit_pageviews, l_visit_interactions,
        toUnixTimestamp64Milli(visit_end) - toUnixTimestamp64Milli(visit_start) AS l_duration_ms
    FROM (
        SELECT visitor_id, visit_no,
        {per_visit_sql}
        FROM (SELECT *, {event_match} AS event_matches FROM {hits})
        GROUP BY visitor_id, visit_no
    )
    WHERE {keep}
)
"""
    if dims:
        sql += f"GROUP BY {', '.join(dim_names)}\n"
        order_terms = [f"{name} {'ASC' if direction == 'asc' else 'DESC'}" for name, direction in order or []]
        order_terms += [f"{d} ASC" for d in dim_names]
        sql += f"ORDER BY {', '.join(order_terms)}\n"
        if limit is not None:
            sql += f"LIMIT {params.bind(int(limit), 'UInt64')} OFFSET {params.bind(int(offset), 'UInt64')}\n"
    return sql, params.values


def _order_terms(
    order_by: list[tuple[str, str]] | None, dimensions: list[str], metrics: list[str]
) -> tuple[list[tuple[str, str]], bool]:
    """SQL order terms, and whether the order needs Python (conversion rate)."""
    if not order_by:
        if any(name.startswith("time") for name in dimensions):
            order_by = [(name, "asc") for name in dimensions if name.startswith("time")]
        else:
            first = next((m for m in metrics if m in metric_defs.ORDER_SQL), "visitors")
            return [(metric_defs.ORDER_SQL[first], "desc")], False
    terms: list[tuple[str, str]] = []
    in_python = False
    for item in order_by:
        name, direction = item
        if direction not in ("asc", "desc"):
            raise QueryError(f"order_by: direction must be asc or desc, not {direction!r}")
        if name in dimensions:
            terms.append((f"d{dimensions.index(name)}", direction))
        elif name == "conversion_rate" and name in metrics:
            in_python = True
        elif name in metric_defs.ORDER_SQL and name in metrics:
            terms.append((metric_defs.ORDER_SQL[name], direction))
        else:
            raise QueryError(f"order_by: {name!r} is not one of the query's metrics or dimensions")
    return terms, in_python


def breakdown(
    storage: Any,
    query: StatsQuery,
    dimensions: list[str],
    metrics: list[str],
    *,
    order_by: list[tuple[str, str]] | None = None,
    limit: int | None = DEFAULT_LIMIT,
    offset: int = 0,
) -> Result:
    """Metrics per value of ``dimensions`` (Plausible names; see ``query.DIMENSIONS``)."""
    metric_defs.check(metrics)
    dims = [dimension(name, interval=query.interval) for name in dimensions]
    if len({d.name for d in dims}) != len(dims):
        raise QueryError("dimensions: each dimension may appear once")
    if limit is not None and not 0 < limit <= MAX_LIMIT:
        raise QueryError(f"pagination: limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise QueryError("pagination: offset must not be negative")
    terms, in_python = _order_terms(order_by, dimensions, metrics)
    sql, params = build_sql(
        query, dims, order=terms, limit=None if in_python else limit, offset=0 if in_python else offset
    )
    raw_rows = storage.query_dicts(sql, params)
    if not dims and not raw_rows:
        raw_rows = [{name: 0 for name in metric_defs.GROUP_LEVEL}]

    total_visitors = None
    if "percentage" in metrics:
        total_visitors = aggregate_raw(storage, query)["visitors"] if dims else None
    conversion_bases: dict[tuple, int] | None = None
    single_base: int | None = None
    if "conversion_rate" in metrics:
        has_goal_filter = "event:goal" in filter_dimensions(query.filters)
        without_goal = query.with_filters(drop_filters(query.filters, "event:goal"))
        if "event:goal" in dimensions or not dims:
            if "event:goal" in dimensions or has_goal_filter:
                single_base = aggregate_raw(storage, without_goal)["visitors"]
        elif has_goal_filter:
            base_sql, base_params = build_sql(without_goal, dims)
            conversion_bases = {
                tuple(row[f"d{i}"] for i in range(len(dims))): int(row["visitors"])
                for row in storage.query_dicts(base_sql, base_params)
            }

    rows = []
    for raw in raw_rows:
        key = tuple(raw[f"d{i}"] for i in range(len(dims)))
        base = conversion_bases.get(key, 0) if conversion_bases is not None else single_base
        row: dict[str, Any] = {"dimensions": [str(value) for value in key]}
        if len(key) == 1:
            row["value"] = str(key[0])
        for metric in metrics:
            if metric == "percentage" and not dims:
                row[metric] = 100.0 if raw.get("visitors") else 0.0
                continue
            row[metric] = metric_defs.finish(raw, metric, total_visitors=total_visitors, conversion_base=base)
        rows.append(row)
    total_rows = int(raw_rows[0].get("total_rows", len(raw_rows))) if raw_rows and dims else len(rows)
    if in_python:
        for name, direction in reversed(order_by or []):
            index = dimensions.index(name) if name in dimensions else None
            rows.sort(
                key=(lambda r, i=index: r["dimensions"][i]) if index is not None else (lambda r, n=name: r[n]),
                reverse=direction == "desc",
            )
        total_rows = len(rows)
        if limit is not None:
            rows = rows[offset : offset + limit]
    return Result(rows=rows, total_rows=total_rows, dimensions=list(dimensions), metrics=list(metrics))


def aggregate_raw(storage: Any, query: StatsQuery) -> dict[str, Any]:
    """The raw components (visitors, visits, bounces, ...) for the whole query."""
    sql, params = build_sql(query, [])
    rows = storage.query_dicts(sql, params)
    return rows[0] if rows else {name: 0 for name in metric_defs.GROUP_LEVEL}
