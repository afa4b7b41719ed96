"""The SQL shapes a breakdown takes, each returning one row per group.

Every shape returns the dimension values ``d0..`` and the raw group-level
components (``metrics.GROUP_LEVEL``) the metrics need; :mod:`breakdown`
decides which shape answers a query, :mod:`breakdown_rows` finishes the rows.

- :func:`general_sql`: filters that mix visit and event dimensions, evaluated
  per hit over hits joined to their visit's attributes, grouped per
  (dimension values, visit);
- :func:`visits_sql`: visit and time dimensions, one ``GROUP BY visit_id``;
- :func:`events_sql`: event dimensions (with any visit dimensions), per visit
  a map from event values to counts, then ``ARRAY JOIN``;
- :func:`hits_sql`: event dimensions and filters only, no bounce rate or
  duration, one ``GROUP BY`` straight over the matching hits;
- :func:`shared_sql`: several one-dimension visit breakdowns of one query in
  one scan, as ``GROUPING SETS``.
"""

from __future__ import annotations

from typing import Any

from dashboard.stats import metrics as metric_defs
from dashboard.stats.dimensions import COUNTED, INTERACTION, IS_GOAL, Dimension
from dashboard.stats.query import Params, StatsQuery
from dashboard.stats.sql import (
    STORED_VISIT_COLUMNS,
    hits_relation,
    match_sql,
    render_filter,
    sessionized_hits,
    split_filters,
    stored_visits,
    visit_columns_for,
)


def general_sql(
    query: StatsQuery,
    dims: list[Dimension],
    components: list[str],
    *,
    order: list[tuple[str, str]] | None,
    limit: int | None,
    offset: int,
) -> tuple[str, dict[str, Any]]:
    """Any filters: hits joined to their visit's attributes (:func:`sql.hits_relation`), per (dimension values, visit)."""
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
    return sql + group_order_limit(dims, params, order, limit, offset), params.values


# What a visit contributes to its group (``metrics.VISIT_LEVEL``) when no event filter applies, over the
# visits table's partial rows (``s_<column>``, see :func:`sql.stored_visits`).
STORED_VISIT_LEVEL = {
    "l_matched": "s_visit_hits > 0",
    "l_pageviews": "s_visit_pageviews",
    "l_events": "s_visit_hits",
    "l_revenue": "s_visit_revenue",
    "l_converted": "s_visit_goals > 0",
    "l_visit_pageviews": "s_visit_pageviews",
    "l_visit_interactions": "s_visit_interactions",
    "l_duration_ms": "toUnixTimestamp64Milli(s_visit_end) - toUnixTimestamp64Milli(s_visit_first)",
}


def visits_relation(
    query: StatsQuery, params: Params, dims: list[Dimension], components: list[str]
) -> tuple[str, str, list[str]]:
    """One row per visit that starts in the query's range: ``(relation, keep, dimension SQL)``.

    Without event filters the rows come from the visits table
    (:func:`sql.stored_visits`).  Otherwise one ``GROUP BY visit_id`` over the
    hits gives every visit's attributes and the counts ``components`` need,
    with the event filters folded into them;
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
    if not event_filters and query.stored_visits:
        # Nothing asks about single hits: the visits table has every visit's row.
        columns = {
            "visitor_id": STORED_VISIT_COLUMNS["visitor_id"],
            "visit_start": STORED_VISIT_COLUMNS["visit_start"],
            **{name: STORED_VISIT_COLUMNS[name] for name in visit_columns_for(dim_sql + conditions + visit_match)},
            **{name: STORED_VISIT_LEVEL[name] for name in visit_level},
        }
        keep = " AND ".join(f"({c})" for c in ["visit_hits > 0", *visit_match])
        return stored_visits(query, params, columns), keep, dim_sql
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


def visits_sql(
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

    Visits come from :func:`visits_relation`; dimensions are evaluated per
    visit.  With ``share``, every row also carries ``all_visitors``, the
    visitors of the whole query (for percentages).
    """
    params = Params()
    visits, keep, dim_sql = visits_relation(query, params, dims, components)
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
    return sql + group_order_limit(dims, params, order, limit, offset), params.values


# Group-level components counted straight from the matching hits (no visit attribute needed).
HIT_LEVEL = {
    "visitors": "uniqExact(visitor_id)",
    "visits": "uniqExact(visit_id)",
    "pageviews": "countIf(event_type = 'pageview')",
    "events": "count()",
    "total_revenue": f"sumIf(revenue, {IS_GOAL})",
    "converted_visitors": f"uniqExactIf(visitor_id, {IS_GOAL})",
}


def hits_sql(
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
    return sql + group_order_limit(dims, params, order, limit, offset), params.values


def events_sql(
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
    return sql + group_order_limit(dims, params, order, limit, offset), params.values


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


def group_order_limit(
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


def shared_sql(
    query: StatsQuery, names: list[str], dims: list[Dimension], components: list[str]
) -> tuple[str, dict[str, Any], list[str], dict[str, int], int]:
    """One scan for several one-dimension visit breakdowns: ``(sql, params, keys, masks, full)``.

    Each dimension ``names[k]`` is grouped as ``keys[k]`` in its own grouping
    set (``set_mask`` is ``masks[name]``); the set of no dimension
    (``set_mask = full``) gives the totals.
    """
    params = Params()
    visits, keep, dim_sql = visits_relation(query, params, dims, components)
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
    return sql, params.values, keys, masks, full
