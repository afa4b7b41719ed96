"""Breakdowns: metrics grouped by any dimensions, ordered and paginated.

This is the engine the other report modules (and the Stats API) use: with no
dimensions it is the aggregate, with a ``time:*`` dimension a timeseries.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from dashboard.stats import metrics as metric_defs
from dashboard.stats.query import (
    COUNTED,
    INTERACTION,
    IS_GOAL,
    Dimension,
    Params,
    QueryError,
    StatsQuery,
    dimension,
    drop_filters,
    filter_dimensions,
    hits_relation,
    match_sql,
    render_filter,
    sessionized_hits,
    split_filters,
    visit_columns_for,
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
    metrics: list[str] | None = None,
    order: list[tuple[str, str]] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[str, dict[str, Any]]:
    """SQL returning one row per group: the dimension values ``d0..`` and the raw components ``metrics`` need.

    When each filter is all-visit or all-event, one ``GROUP BY`` straight over
    the hits does it: per visit (:func:`_visits_sql` for visit and time
    dimensions, :func:`_events_sql` when an event dimension is asked for), or
    per dimension value (:func:`_hits_sql`: event dimensions and filters only,
    and no bounce rate or duration).  When a filter mixes both kinds it is
    evaluated per hit: hits joined to their visit's attributes
    (:func:`query.hits_relation`) are grouped per (dimension values, visit).
    """
    components = metric_defs.components(metrics)
    split = split_filters(query)
    if split is not None:
        if dims and all(dim.scope == "event" for dim in dims) and not split[0] and set(components) <= set(HIT_LEVEL):
            return _hits_sql(query, dims, components, order=order, limit=limit, offset=offset)
        if any(dim.scope == "event" for dim in dims):
            return _events_sql(query, dims, components, order=order, limit=limit, offset=offset)
        share = metrics is not None and "percentage" in metrics
        return _visits_sql(query, dims, components, share=share, order=order, limit=limit, offset=offset)
    params = Params()
    tz = query.timezone
    dim_sql = [dim.expression(params, tz) for dim in dims]
    conditions = [dim.condition(params, tz) for dim in dims if dim.only]
    if any(dim.scope == "event" for dim in dims):
        conditions += [COUNTED, "is_match"]
    match = match_sql(query, params)
    visit_level = metric_defs.visit_level_for(components)
    relation = hits_relation(query, params, dim_sql + conditions + [match, *visit_level.values()])
    where = f"WHERE {' AND '.join(f'({c})' for c in conditions)}" if conditions else ""
    sql = f"""
SELECT {_group_select(dims, components)}
FROM (
    SELECT {_dim_select(dim_sql)}visitor_id, visit_id,
    {_aliased(visit_level)}
    FROM (SELECT *, {match} AS is_match FROM {relation})
    {where}
    GROUP BY {', '.join([*_dim_names(dims), 'visitor_id', 'visit_id'])}
    HAVING l_matched
)
"""
    return sql + _group_order_limit(dims, params, order, limit, offset), params.values


def _visits_relation(
    query: StatsQuery, params: Params, dims: list[Dimension], components: list[str]
) -> tuple[str, str, list[str]]:
    """One row per visit that starts in the query's range: ``(relation, keep, dimension SQL)``.

    One ``GROUP BY visit_id`` over the hits gives every visit's attributes and
    the counts ``components`` need, with the event filters folded into them;
    ``keep`` is the condition for the visits the filters keep (visit filters
    are evaluated per visit).
    """
    tz = query.timezone
    split = split_filters(query)
    assert split is not None
    visit_filters, event_filters = split
    event_match = " AND ".join(render_filter(f, params, tz) for f in event_filters) or "1"
    visit_match = [render_filter(f, params, tz) for f in visit_filters]
    dim_sql = [dim.expression(params, tz) for dim in dims]
    conditions = [dim.condition(params, tz) for dim in dims if dim.only]
    visit_level = metric_defs.visit_level_for(components)
    per_visit = {
        "visitor_id": "any(visitor_id)",
        "visit_start": "any(visit_start)",
        **visit_columns_for(dim_sql + conditions + visit_match),
        **{name: sql.replace("is_match", "event_matches") for name, sql in visit_level.items()
           if name not in ("l_visit_pageviews", "l_visit_interactions", "l_duration_ms")},
    }
    if "l_visit_pageviews" in visit_level:
        per_visit["l_visit_pageviews"] = "countIf(event_type = 'pageview')"
        per_visit["l_visit_interactions"] = f"countIf({INTERACTION})"
    if "l_duration_ms" in visit_level:
        per_visit["l_duration_ms"] = "toUnixTimestamp64Milli(max(timestamp)) - toUnixTimestamp64Milli(min(timestamp))"
    hits = sessionized_hits(query, params, [event_match, *per_visit.values()])
    keep = " AND ".join(f"({c})" for c in ["visit_hits > 0", "l_matched", *visit_match])
    relation = f"""(
        SELECT visit_id,
        {_aliased(per_visit)}
        FROM (SELECT *, {event_match} AS event_matches FROM {hits})
        GROUP BY visit_id
    )"""
    return relation, keep, dim_sql


def _visits_sql(
    query: StatsQuery,
    dims: list[Dimension],
    components: list[str],
    *,
    share: bool = False,
    order: list[tuple[str, str]] | None,
    limit: int | None,
    offset: int,
) -> tuple[str, dict[str, Any]]:
    """The same result as the general path, faster, when only visit dimensions and unmixed filters are used.

    Visits come from :func:`_visits_relation`; dimensions are evaluated per
    visit.  With ``share``, every row also carries ``all_visitors``, the
    visitors of the whole query (for percentages).
    """
    params = Params()
    visits, keep, dim_sql = _visits_relation(query, params, dims, components)
    conditions = [dim.condition(params, query.timezone) for dim in dims if dim.only]
    group_select = _group_select(dims, components)
    if dims and share:
        # The share of all visitors: every kept visit counts, also those the dimension leaves out.
        visits = f"(SELECT *, uniqExact(visitor_id) OVER () AS all_visitors FROM {visits} WHERE {keep})"
        group_select += ", any(all_visitors) AS all_visitors"
    only = " AND ".join(f"({c})" for c in [keep, *conditions])
    sql = f"""
SELECT {group_select}
FROM (
    SELECT {_dim_select(dim_sql)}*
    FROM {visits}
    WHERE {only}
)
"""
    return sql + _group_order_limit(dims, params, order, limit, offset), params.values


# Group-level components counted straight from the matching hits (no visit attribute needed).
HIT_LEVEL = {
    "visitors": "uniqExact(visitor_id)",
    "visits": "uniqExact(visit_id)",
    "pageviews": "countIf(event_type = 'pageview')",
    "events": "count()",
    "total_revenue": f"sumIf(revenue, {IS_GOAL})",
    "revenue_hits": f"countIf({IS_GOAL} AND revenue > 0)",
    "converted_visitors": f"uniqExactIf(visitor_id, {IS_GOAL})",
}


def _hits_sql(
    query: StatsQuery,
    dims: list[Dimension],
    components: list[str],
    *,
    order: list[tuple[str, str]] | None,
    limit: int | None,
    offset: int,
) -> tuple[str, dict[str, Any]]:
    """Event dimensions only, event filters only, no bounce rate or duration: one GROUP BY over the matching hits."""
    params = Params()
    tz = query.timezone
    event_match = [render_filter(f, params, tz) for f in query.filters]
    dim_sql = [dim.expression(params, tz) for dim in dims]
    conditions = [COUNTED, *event_match, *(dim.condition(params, tz) for dim in dims if dim.only)]
    counts = {name: HIT_LEVEL[name] for name in components}
    hits = sessionized_hits(query, params, dim_sql + conditions + list(counts.values()))
    total = ", count() OVER () AS total_rows"
    sql = f"""
SELECT {_dim_select(dim_sql)}{', '.join(f'{sql} AS {name}' for name, sql in counts.items())}{total}
FROM {hits}
WHERE {' AND '.join(f'({c})' for c in conditions)}
"""
    return sql + _group_order_limit(dims, params, order, limit, offset), params.values


def _events_sql(
    query: StatsQuery,
    dims: list[Dimension],
    components: list[str],
    *,
    order: list[tuple[str, str]] | None,
    limit: int | None,
    offset: int,
) -> tuple[str, dict[str, Any]]:
    """Breakdowns by event dimensions (with any visit dimensions) when no filter mixes both kinds.

    One ``GROUP BY visit_id``: per visit, its attributes, and a map from the
    event dimensions' values (of the counted hits that match the event
    filters) to the hit counts; ``ARRAY JOIN`` then gives one row per visit
    and value, grouped like the general path's (dimension values, visit) rows.
    """
    params = Params()
    tz = query.timezone
    split = split_filters(query)
    assert split is not None
    visit_filters, event_filters = split
    event_match = " AND ".join(render_filter(f, params, tz) for f in event_filters) or "1"
    visit_match = [render_filter(f, params, tz) for f in visit_filters]
    event_dims = [dim for dim in dims if dim.scope == "event"]
    key_parts = [dim.expression(params, tz) for dim in event_dims]
    key = key_parts[0] if len(key_parts) == 1 else f"tuple({', '.join(key_parts)})"
    hit_condition = " AND ".join(
        f"({c})" for c in [COUNTED, event_match, *(dim.condition(params, tz) for dim in event_dims if dim.only)]
    )
    # Per (visit, value): l_events counts every matching hit, so no value sums to all zeros (sumMap drops those).
    per_hit = {"l_events": "toUInt64(1)"}
    if "pageviews" in components:
        per_hit["l_pageviews"] = "toUInt64(event_type = 'pageview')"
    if "total_revenue" in components:
        per_hit["l_revenue"] = f"if({IS_GOAL}, revenue, 0.0)"
    if "revenue_hits" in components:
        per_hit["l_revenue_hits"] = f"toUInt64({IS_GOAL} AND revenue > 0)"
    if "converted_visitors" in components:
        per_hit["l_converted"] = f"toUInt64({IS_GOAL})"
    dim_sql: list[str] = []
    visit_conditions = list(visit_match)
    event_index = 0
    for dim in dims:
        if dim.scope == "event":
            event_index += 1
            dim_sql.append("hit_key" if len(event_dims) == 1 else f"tupleElement(hit_key, {event_index})")
        else:
            dim_sql.append(dim.expression(params, tz))
            if dim.only:
                visit_conditions.append(dim.condition(params, tz))
    hit_map = "sumMapIf([{}], {}, {})".format(
        key, ", ".join(f"[{sql}]" for sql in per_hit.values()), hit_condition
    )
    per_visit = {
        "visitor_id": "any(visitor_id)",
        "visit_start": "any(visit_start)",
        **visit_columns_for(dim_sql + visit_conditions),
        "hit_map": hit_map,
    }
    hits = sessionized_hits(query, params, list(per_visit.values()))
    array_join = ", ".join(
        ["hit_map.1 AS hit_key", *(f"hit_map.{i + 2} AS {name}" for i, name in enumerate(per_hit))]
    )
    keep = " AND ".join(f"({c})" for c in ["visit_hits > 0", *visit_conditions])
    sql = f"""
SELECT {_group_select(dims, components)}
FROM (
    SELECT {_dim_select(dim_sql)}visitor_id, {', '.join(per_hit)},
        visit_pageviews AS l_visit_pageviews, visit_interactions AS l_visit_interactions,
        toUnixTimestamp64Milli(visit_end) - toUnixTimestamp64Milli(visit_first) AS l_duration_ms
    FROM (
        SELECT visit_id,
        {_aliased(per_visit)}
        FROM {hits}
        GROUP BY visit_id
    )
    ARRAY JOIN {array_join}
    WHERE {keep}
)
"""
    return sql + _group_order_limit(dims, params, order, limit, offset), params.values


def _dim_names(dims: list[Dimension]) -> list[str]:
    return [f"d{i}" for i in range(len(dims))]


def _dim_select(dim_sql: list[str]) -> str:
    return "".join(f"{sql} AS d{i}, " for i, sql in enumerate(dim_sql))


def _aliased(columns: dict[str, str]) -> str:
    return ",\n        ".join(f"{sql} AS {name}" for name, sql in columns.items())


def _group_select(dims: list[Dimension], components: list[str]) -> str:
    group_level = ",\n    ".join(f"{metric_defs.GROUP_LEVEL[name]} AS {name}" for name in components)
    total = ", count() OVER () AS total_rows" if dims else ""
    return "".join(f"{d}, " for d in _dim_names(dims)) + group_level + total


def _group_order_limit(
    dims: list[Dimension], params: Params, order: list[tuple[str, str]] | None, limit: int | None, offset: int
) -> str:
    if not dims:
        return ""
    names = _dim_names(dims)
    order_terms = [f"{name} {'ASC' if direction == 'asc' else 'DESC'}" for name, direction in order or []]
    order_terms += [f"{d} ASC" for d in names]
    sql = f"GROUP BY {', '.join(names)}\nORDER BY {', '.join(order_terms)}\n"
    if limit is not None:
        sql += f"LIMIT {params.bind(int(limit), 'UInt64')} OFFSET {params.bind(int(offset), 'UInt64')}\n"
    return sql


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
        elif name in metric_defs.CONVERSION_METRICS and name in metrics:
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
        query, dims, metrics=metrics, order=terms, limit=None if in_python else limit, offset=0 if in_python else offset
    )
    raw_rows = storage.query_dicts(sql, params)
    if not dims and not raw_rows:
        raw_rows = [{name: 0 for name in metric_defs.GROUP_LEVEL}]

    total_visitors = None
    if "percentage" in metrics:
        if dims and raw_rows and "all_visitors" in raw_rows[0]:
            total_visitors = int(raw_rows[0]["all_visitors"])
        elif dims:
            total_visitors = aggregate_raw(storage, query, ["visitors"])["visitors"]
    conversion_bases: dict[tuple, int] | None = None
    single_base: int | None = None
    if set(metrics) & set(metric_defs.CONVERSION_METRICS):
        # Plausible's bases: conversion_rate divides by all visitors of the query without its goal filters;
        # group_conversion_rate by the visitors of the same group (the dimensions other than event:goal).
        has_goal_filter = "event:goal" in filter_dimensions(query.filters)
        without_goal = query.with_filters(drop_filters(query.filters, "event:goal"))
        group_dims = [name for name in dimensions if name != "event:goal"]
        if "event:goal" in dimensions or has_goal_filter:
            single_base = aggregate_raw(storage, without_goal, ["visitors"])["visitors"]
            if "group_conversion_rate" in metrics and group_dims:
                group_index = [dimensions.index(name) for name in group_dims]
                base_sql, base_params = build_sql(without_goal, [dims[i] for i in group_index], metrics=["visitors"])
                conversion_bases = {
                    tuple(row[f"d{k}"] for k in range(len(group_index))): int(row["visitors"])
                    for row in storage.query_dicts(base_sql, base_params)
                }
        else:
            group_index = []

    rows = []
    for raw in raw_rows:
        key = tuple(raw[f"d{i}"] for i in range(len(dims)))
        group_base = None
        if conversion_bases is not None:
            group_base = conversion_bases.get(tuple(key[i] for i in group_index), 0)
        row: dict[str, Any] = {"dimensions": [_label(dim, value, query) for dim, value in zip(dims, key)]}
        if len(key) == 1:
            row["value"] = row["dimensions"][0]
        for metric in metrics:
            if metric == "percentage" and not dims:
                row[metric] = 100.0 if raw.get("visitors") else 0.0
                continue
            base = group_base if metric == "group_conversion_rate" and group_base is not None else single_base
            row[metric] = metric_defs.finish(raw, metric, total_visitors=total_visitors, conversion_base=base)
        rows.append(row)
    total_rows = int(raw_rows[0].get("total_rows", len(raw_rows))) if raw_rows and dims else len(rows)
    if dims and not raw_rows and offset > 0 and not in_python:
        # Past the last row: the count of groups still answers, as in Plausible.
        count_sql, count_params = build_sql(query, dims, metrics=["visitors"], order=terms, limit=1, offset=0)
        first = storage.query_dicts(count_sql, count_params)
        total_rows = int(first[0]["total_rows"]) if first else 0
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


@dataclass(frozen=True)
class Request:
    """One breakdown of a batch (see :func:`breakdowns`): dimensions, metrics and the page of rows."""

    dimensions: tuple[str, ...]
    metrics: tuple[str, ...]
    limit: int | None = DEFAULT_LIMIT
    offset: int = 0


def breakdowns(storage: Any, query: StatsQuery, requests: list[Request]) -> list[Result]:
    """Several breakdowns of one query, each as :func:`breakdown` (in its default order) gives it.

    The ones that only need visits (no dimension, or one visit or time
    dimension, no conversion rate) under filters that do not mix visit and
    event dimensions come from one scan: one ``GROUP BY visit_id``, then
    ``GROUPING SETS``, one set per dimension; every group comes back and is
    ordered and paged here.  A dashboard that shows KPIs, a chart, sources,
    countries and devices for a period reads its visits once.  The other
    requests run one by one.
    """
    results: list[Result | None] = [None] * len(requests)
    shared = [i for i, request in enumerate(requests) if _shareable(query, request)]
    if len(shared) > 1 and any(requests[i].dimensions for i in shared):
        for i, result in zip(shared, _shared_breakdowns(storage, query, [requests[i] for i in shared])):
            results[i] = result
    for i, request in enumerate(requests):
        if results[i] is None:
            results[i] = breakdown(storage, query, list(request.dimensions), list(request.metrics),
                                   limit=request.limit, offset=request.offset)
    return [result for result in results if result is not None]


def _shareable(query: StatsQuery, request: Request) -> bool:
    metric_defs.check(list(request.metrics))
    if len(request.dimensions) > 1 or set(request.metrics) & set(metric_defs.CONVERSION_METRICS) or split_filters(query) is None:
        return False
    if request.limit is not None and not 0 < request.limit <= MAX_LIMIT or request.offset < 0:
        raise QueryError(f"pagination: limit must be between 1 and {MAX_LIMIT}")
    if not request.dimensions:
        return True
    dim = dimension(request.dimensions[0], interval=query.interval)
    # Time buckets are listed in time order, so only whole series are shared.
    return dim.scope == "visit" or (dim.scope == "time" and request.limit is None)


def _shared_breakdowns(storage: Any, query: StatsQuery, requests: list[Request]) -> list[Result]:
    names = list(dict.fromkeys(request.dimensions[0] for request in requests if request.dimensions))
    dims = [dimension(name, interval=query.interval) for name in names]
    components = [
        name for name in metric_defs.GROUP_LEVEL
        if name in set().union(*(metric_defs.components(list(r.metrics)) for r in requests))
    ]
    params = Params()
    visits, keep, dim_sql = _visits_relation(query, params, dims, components)
    # A dimension's value is NULL on the visits it does not apply to (e.g. no UTM source); that group is dropped.
    values = [
        f"if({dim.condition(params, query.timezone)}, {sql}, NULL)" if dim.only else sql
        for dim, sql in zip(dims, dim_sql)
    ]
    keys = [f"g{k}" for k in range(len(dims))]
    full = (1 << len(dims)) - 1
    masks = {name: full - (1 << (len(dims) - 1 - k)) for k, name in enumerate(names)}
    sets = ", ".join([*(f"({key})" for key in keys), "()"])
    group_level = ",\n    ".join(f"{metric_defs.GROUP_LEVEL[name]} AS {name}" for name in components)
    sql = f"""
SELECT {', '.join(keys)}, grouping({', '.join(keys)}) AS set_mask,
{group_level}
FROM (
    SELECT {''.join(f"{value} AS {key}, " for value, key in zip(values, keys))}*
    FROM {visits}
    WHERE {keep}
)
GROUP BY GROUPING SETS ({sets})
HAVING set_mask = {full} OR {' OR '.join(f'isNotNull({key})' for key in keys)}
SETTINGS group_by_use_nulls = 1
"""
    rows = storage.query_dicts(sql, params.values)
    by_set: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_set.setdefault(int(row["set_mask"]), []).append(row)
    totals = by_set.get(full) or [{name: 0 for name in metric_defs.GROUP_LEVEL}]
    total_visitors = int(totals[0]["visitors"] or 0)
    results = []
    for request in requests:
        metrics = list(request.metrics)
        if not request.dimensions:
            row = {"dimensions": []}
            for metric in metrics:
                row[metric] = (100.0 if totals[0]["visitors"] else 0.0) if metric == "percentage" \
                    else metric_defs.finish(totals[0], metric)
            results.append(Result(rows=[row], total_rows=1, dimensions=[], metrics=metrics))
            continue
        name = request.dimensions[0]
        key = keys[names.index(name)]
        group = by_set.get(masks[name], [])
        if dimension(name, interval=query.interval).scope == "time":
            group.sort(key=lambda raw: raw[key])
        else:
            order = _default_order_metric(request)
            group.sort(key=lambda raw: (-_order_value(raw, order), raw[key]))
        page = group[request.offset:] if request.limit is None else group[request.offset:request.offset + request.limit]
        finished = []
        for raw in page:
            label = _label(dimension(name, interval=query.interval), raw[key], query)
            row = {"dimensions": [label], "value": label}
            for metric in metrics:
                row[metric] = metric_defs.finish(raw, metric, total_visitors=total_visitors)
            finished.append(row)
        results.append(Result(rows=finished, total_rows=len(group), dimensions=[name], metrics=metrics))
    return results


def _default_order_metric(request: Request) -> str:
    return next((m for m in request.metrics if m in metric_defs.ORDER_SQL), "visitors")


def _order_value(raw: dict[str, Any], metric: str) -> float:
    """The value :data:`metrics.ORDER_SQL` sorts by, from a group's raw components."""
    visits = int(raw.get("visits") or 0)
    if metric == "views_per_visit":
        return int(raw["pageviews"]) / visits if visits else 0.0
    if metric == "bounce_rate":
        return int(raw["bounces"]) / visits if visits else 0.0
    if metric == "visit_duration":
        return int(raw["duration_ms"]) / visits if visits else 0.0
    return float(raw["visitors" if metric == "percentage" else metric] or 0)


def _label(dim: Dimension, value: Any, query: StatsQuery) -> str:
    """A group's printed value; a ``time:week`` bucket is labelled no earlier than the range's first day."""
    text = str(value)
    if dim.name == "time:week":
        first = query.start.astimezone(zoneinfo.ZoneInfo(query.timezone)).date().isoformat()
        return max(text, first)
    return text


def aggregate_raw(storage: Any, query: StatsQuery, metrics: list[str] | None = None) -> dict[str, Any]:
    """The raw components (visitors, visits, bounces, ...) ``metrics`` need (all for None), for the whole query."""
    sql, params = build_sql(query, [], metrics=metrics)
    rows = storage.query_dicts(sql, params)
    return rows[0] if rows else {name: 0 for name in metric_defs.GROUP_LEVEL}

