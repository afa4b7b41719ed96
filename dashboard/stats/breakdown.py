"""Breakdowns: metrics grouped by any dimensions, ordered and paginated.

This is the engine the other report modules (and the Stats API) use: with no
dimensions it is the aggregate, with a ``time:*`` dimension a timeseries.
This module decides how a breakdown is answered; the SQL shapes are in
:mod:`breakdown_sql`, the finishing of rows in :mod:`breakdown_rows`.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Any

from dashboard.stats import archive, imported
from dashboard.stats import breakdown_sql as shapes
from dashboard.stats import metrics as metric_defs
from dashboard.stats.breakdown_rows import Result, default_order_metric, finish_rows, split_shared
from dashboard.stats.dimensions import Dimension, dimension
from dashboard.stats.filters import drop_filters, filter_dimensions
from dashboard.stats.query import QueryError, StatsQuery
from dashboard.stats.sql import split_filters

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Request", "Result", "aggregate_raw", "breakdown", "breakdowns", "build_sql"]

MAX_LIMIT = 10000
DEFAULT_LIMIT = 10000


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
    the hits does it: per visit (``visits_sql`` for visit and time dimensions,
    ``events_sql`` when an event dimension is asked for), or per dimension
    value (``hits_sql``: event dimensions and filters only, and no bounce rate
    or duration).  When a filter mixes both kinds it is evaluated per hit
    (``general_sql``).
    """
    components = metric_defs.components(metrics)
    page = {"order": order, "limit": limit, "offset": offset}
    split = split_filters(query)
    if split is None:
        return shapes.general_sql(query, dims, components, **page)
    event_dims = [dim for dim in dims if dim.scope == "event"]
    if dims and len(event_dims) == len(dims) and not split[0] and set(components) <= set(shapes.HIT_LEVEL):
        return shapes.hits_sql(query, dims, components, **page)
    if event_dims:
        return shapes.events_sql(query, dims, components, **page)
    share = metrics is not None and "percentage" in metrics
    return shapes.visits_sql(query, dims, components, share=share, **page)


def group_rows(
    storage: Any,
    query: StatsQuery,
    dims: list[Dimension],
    *,
    metrics: list[str] | None = None,
    order: list[tuple[str, str]] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], bool]:
    """The raw group rows of :func:`build_sql`, from the archives when they can answer, else from the events;
    and whether a visitor count is an estimate."""
    rows = archive.group_rows(
        storage, query, dims, metric_defs.components(metrics), order=order, limit=limit, offset=offset
    )
    if rows is not None:
        return rows, archive.estimated(rows)
    sql, params = build_sql(query, dims, metrics=metrics, order=order, limit=limit, offset=offset)
    return storage.query_dicts(sql, params), False


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



def _default_order(dimensions: list[str], metrics: list[str]) -> list[tuple[str, str]]:
    """What ``_order_terms`` orders by when asked for nothing, as names Python can sort by."""
    time_names = [(name, "asc") for name in dimensions if name.startswith("time")]
    if time_names:
        return time_names
    return [(next((m for m in metrics if m in metric_defs.ORDER_SQL), metrics[0]), "desc")]


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
    """Metrics per value of ``dimensions`` (Plausible names; see ``dimensions.DIMENSIONS``)."""
    metric_defs.check(metrics)
    dims = [dimension(name, interval=query.interval) for name in dimensions]
    if len({d.name for d in dims}) != len(dims):
        raise QueryError("dimensions: each dimension may appear once")
    if limit is not None and not 0 < limit <= MAX_LIMIT:
        raise QueryError(f"pagination: limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise QueryError("pagination: offset must not be negative")
    terms, in_python = _order_terms(order_by, dimensions, metrics)
    with_imports = bool(query.import_ids) and imported.supports(query, list(dimensions), list(metrics))
    if with_imports:
        in_python = True  # the imported groups are added before the rows are ordered and paged
        order_by = order_by or _default_order(dimensions, metrics)
    raw_rows, estimated = group_rows(
        storage, query, dims, metrics=metrics, order=terms, limit=None if in_python else limit, offset=0 if in_python else offset
    )
    if not dims and not raw_rows:
        raw_rows = [{name: 0 for name in metric_defs.GROUP_LEVEL}]
    if with_imports:
        raw_rows = imported.merge(raw_rows, imported.raw_rows(storage, query, list(dimensions)), len(dims))

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
        group_index = [i for i, name in enumerate(dimensions) if name != "event:goal"]
        if "event:goal" in dimensions or has_goal_filter:
            single_base = aggregate_raw(storage, without_goal, ["visitors"])["visitors"]
            if "group_conversion_rate" in metrics and group_index:
                base_sql, base_params = build_sql(without_goal, [dims[i] for i in group_index], metrics=["visitors"])
                by_group = {
                    tuple(row[f"d{k}"] for k in range(len(group_index))): int(row["visitors"])
                    for row in storage.query_dicts(base_sql, base_params)
                }
                conversion_bases = {}
                for raw in raw_rows:
                    key = tuple(raw[f"d{i}"] for i in range(len(dims)))
                    conversion_bases[key] = by_group.get(tuple(key[i] for i in group_index), 0)
    weeks = [i for i, dim in enumerate(dims) if dim.name == "time:week"]
    result = finish_rows(
        raw_rows, list(dimensions), list(metrics), total_visitors=total_visitors, conversion_bases=conversion_bases,
        single_base=single_base, python_order=(order_by or []) if in_python else None, limit=limit, offset=offset,
        week=(weeks[0], _first_day(query)) if weeks else None,
    )
    result.estimated = estimated
    if dims and not raw_rows and offset > 0 and not in_python:
        # Past the last row: the number of groups still answers, as in Plausible.
        count_sql, count_params = build_sql(query, dims, metrics=["visitors"], order=terms, limit=1, offset=0)
        first = storage.query_dicts(count_sql, count_params)
        result.total_rows = int(first[0]["total_rows"]) if first else 0
    return result


def _first_day(query: StatsQuery) -> str:
    """The local date the query's range starts on."""
    return query.start.astimezone(zoneinfo.ZoneInfo(query.timezone)).date().isoformat()


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
    converting = set(request.metrics) & set(metric_defs.CONVERSION_METRICS)
    if len(request.dimensions) > 1 or converting or split_filters(query) is None:
        return False
    if query.import_ids:
        return False  # imported groups are added one breakdown at a time
    if request.limit is not None and not 0 < request.limit <= MAX_LIMIT or request.offset < 0:
        raise QueryError(f"pagination: limit must be between 1 and {MAX_LIMIT}")
    if not request.dimensions:
        return True
    dim = dimension(request.dimensions[0], interval=query.interval)
    # Time buckets are listed in time order, so only whole series are shared.
    return dim.scope == "visit" or (dim.scope == "time" and request.limit is None)


def _shared_breakdowns(storage: Any, query: StatsQuery, requests: list[Request]) -> list[Result]:
    archived = _archived_breakdowns(storage, query, requests)
    if archived is not None:
        return archived
    names = list(dict.fromkeys(request.dimensions[0] for request in requests if request.dimensions))
    dims = [dimension(name, interval=query.interval) for name in names]
    wanted = set().union(*(metric_defs.components(list(r.metrics)) for r in requests))
    components = [name for name in metric_defs.GROUP_LEVEL if name in wanted]
    sql, params, keys, masks, full = shapes.shared_sql(query, names, dims, components)
    time_names = {name for name, dim in zip(names, dims) if dim.scope == "time"}
    week_names = {name for name, dim in zip(names, dims) if dim.name == "time:week"}
    return split_shared(storage.query_dicts(sql, params), requests, keys=keys, names=names, masks=masks, full=full,
                        time_names=time_names, week_names=week_names, week_start=_first_day(query))


def _archived_breakdowns(storage: Any, query: StatsQuery, requests: list[Request]) -> list[Result] | None:
    """The shared breakdowns from the archives: totals and every visit dimension in one query, time series one each.

    None when the archives cannot answer them all.
    """
    grouped = [r for r in requests if r.dimensions and not r.dimensions[0].startswith("time")]
    if any(default_order_metric(list(r.metrics)) != "visitors" for r in grouped):
        return None
    wanted = set().union(*(metric_defs.components(list(r.metrics)) for r in requests))
    components = [name for name in metric_defs.GROUP_LEVEL if name in wanted]
    per_dimension = max([MAX_LIMIT if r.limit is None else r.offset + r.limit for r in grouped] or [1])
    names = list(dict.fromkeys(r.dimensions[0] for r in grouped))
    found = archive.shared_rows(storage, query, names, components, per_dimension)
    if found is None:
        return None
    totals = found[""][0] if found[""] else {name: 0 for name in metric_defs.GROUP_LEVEL}
    total_visitors = int(totals.get("visitors") or 0)
    estimated = archive.estimated([totals])
    results: list[Result] = []
    for request in requests:
        dimensions, metrics = list(request.dimensions), list(request.metrics)
        if not dimensions:
            result = finish_rows([totals], [], metrics, total_visitors=total_visitors, conversion_bases=None,
                                 single_base=None, python_order=None, limit=None, offset=0)
            result.estimated = estimated
            results.append(result)
        elif dimensions[0].startswith("time"):
            results.append(breakdown(storage, query, dimensions, metrics, limit=request.limit, offset=request.offset))
        else:
            rows = found[dimensions[0]]
            page = rows[request.offset:] if request.limit is None else rows[request.offset:request.offset + request.limit]
            result = finish_rows(page, dimensions, metrics, total_visitors=total_visitors, conversion_bases=None,
                                 single_base=None, python_order=None, limit=None, offset=0)
            result.total_rows = int(rows[0]["total_rows"]) if rows else 0
            result.estimated = archive.estimated(page)
            results.append(result)
    return results


def aggregate_raw(storage: Any, query: StatsQuery, metrics: list[str] | None = None) -> dict[str, Any]:
    """The raw components (visitors, visits, bounces, ...) ``metrics`` need (all for None), for the whole query."""
    rows, _ = group_rows(storage, query, [], metrics=metrics)
    return rows[0] if rows else {name: 0 for name in metric_defs.GROUP_LEVEL}
