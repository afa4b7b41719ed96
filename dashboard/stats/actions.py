"""Actions: custom events and their properties, goals, site search, outlinks, downloads."""

from __future__ import annotations

from typing import Any

from dashboard.stats import archive
from dashboard.stats.breakdown import Result, breakdown
from dashboard.stats.dimensions import COUNTED, PROPS_PREFIX, dimension
from dashboard.stats.filters import CUSTOM_EVENTS, Filter, filter_dimensions
from dashboard.stats.query import Params, StatsQuery
from dashboard.stats.sql import hits_relation, match_sql, render_filter, sessionized_hits

EVENT_METRICS = ["visitors", "events"]
GOAL_METRICS = ["visitors", "events", "conversion_rate", "total_revenue"]


def custom_events(storage: Any, query: StatsQuery, *, limit: int = 10, offset: int = 0) -> Result:
    """Custom events by name (Plausible events, and Matomo events by name or action)."""
    query = query.adding(_not_builtin())
    return breakdown(storage, query, ["event:name"], EVENT_METRICS, limit=limit, offset=offset)


def event_categories(storage: Any, query: StatsQuery, *, limit: int = 10, offset: int = 0) -> Result:
    """Matomo events by category."""
    return breakdown(storage, query, ["event:category"], EVENT_METRICS, limit=limit, offset=offset)


def event_actions(storage: Any, query: StatsQuery, *, limit: int = 10, offset: int = 0) -> Result:
    return breakdown(storage, query, ["event:action"], EVENT_METRICS, limit=limit, offset=offset)


def property_keys(storage: Any, query: StatsQuery, *, limit: int = 50) -> list[str]:
    """The property keys custom events carry in the period, most used first."""
    archived = archive.property_keys(storage, query, limit)
    if archived is not None:
        return archived
    params = Params()
    match = match_sql(query, params)
    custom = render_filter(CUSTOM_EVENTS, params, query.timezone)
    scopes = {dimension(name, for_filter=True).scope for name in filter_dimensions(query.filters)}
    # Visit attributes are only joined to the hits when a filter asks about the visit.
    relate = hits_relation if "visit" in scopes else sessionized_hits
    relation = relate(query, params, ["props", match, COUNTED, custom])
    sql = f"""
SELECT key, count() AS hits
FROM (SELECT arrayJoin(mapKeys(props)) AS key FROM (SELECT *, {match} AS is_match FROM {relation})
      WHERE {custom} AND is_match)
GROUP BY key ORDER BY hits DESC, key ASC LIMIT {params.bind(limit, 'UInt32')}"""
    return [str(row[0]) for row in storage.query(sql, params.values)]


def event_properties(
    storage: Any, query: StatsQuery, key: str, *, event_name: str | None = None, limit: int = 10, offset: int = 0
) -> Result:
    """Values of one custom-event property (``(none)`` where an event lacks it)."""
    query = query.adding(Filter("event:name", "is", (event_name,))) if event_name else query.adding(_not_builtin())
    return breakdown(storage, query, [PROPS_PREFIX + key], EVENT_METRICS, limit=limit, offset=offset)


def goals(storage: Any, query: StatsQuery, *, limit: int = 10, offset: int = 0) -> Result:
    """Goal conversions: unique converting visitors, conversions, conversion rate and revenue."""
    return breakdown(storage, query, ["event:goal"], GOAL_METRICS, limit=limit, offset=offset)


def search_terms(storage: Any, query: StatsQuery, *, limit: int = 10, offset: int = 0) -> Result:
    """Site-search keywords (lower-cased)."""
    return breakdown(storage, query, ["event:search_term"], ["visitors", "events"], limit=limit, offset=offset)


def outlinks(storage: Any, query: StatsQuery, *, limit: int = 10, offset: int = 0) -> Result:
    return breakdown(storage, query, ["event:outlink"], ["visitors", "events"], limit=limit, offset=offset)


def downloads(storage: Any, query: StatsQuery, *, limit: int = 10, offset: int = 0) -> Result:
    return breakdown(storage, query, ["event:download"], ["visitors", "events"], limit=limit, offset=offset)


def _not_builtin() -> Filter:
    return CUSTOM_EVENTS
