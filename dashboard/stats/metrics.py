"""The metrics reports can ask for, the SQL that counts them, and how they are finished.

SQL counts raw components per group (visitors, visits, bounces, summed
durations, ...); :func:`finish` turns them into the numbers people read,
rounded as Plausible rounds them.
"""

from __future__ import annotations

import re
from typing import Any

from dashboard.stats.dimensions import IS_GOAL
from dashboard.stats.query import QueryError

METRICS = (
    "visitors",
    "visits",
    "pageviews",
    "views_per_visit",
    "bounce_rate",
    "visit_duration",
    "events",
    "percentage",
    "conversion_rate",
    "total_revenue",
)

# The top-line numbers (KPIs) of a period, in the order the dashboard shows them and the chart offers them.
KPI_METRICS = ("visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration")

# Per (group, visit): what the visit contributes.  ``is_match`` is the hit's filter result.
VISIT_LEVEL = {
    "l_matched": "max(is_match AND counted)",
    "l_pageviews": "countIf(event_type = 'pageview' AND is_match)",
    "l_events": "countIf(counted AND is_match)",
    "l_revenue": f"sumIf(revenue, {IS_GOAL} AND is_match)",
    "l_converted": f"max({IS_GOAL} AND is_match AND counted)",
    "l_visit_pageviews": "any(visit_pageviews)",
    "l_visit_interactions": "any(visit_interactions)",
    "l_duration_ms": "any(toUnixTimestamp64Milli(visit_end) - toUnixTimestamp64Milli(visit_first))",
}

# Per group: the raw components.
GROUP_LEVEL = {
    "visitors": "uniqExact(visitor_id)",
    "visits": "count()",
    "pageviews": "sum(l_pageviews)",
    "events": "sum(l_events)",
    "bounces": "countIf(l_visit_pageviews = 1 AND l_visit_interactions = 0)",
    "duration_ms": "sum(l_duration_ms)",
    "total_revenue": "sum(l_revenue)",
    "converted_visitors": "uniqExactIf(visitor_id, l_converted > 0)",
}

# Which group-level components each metric is finished from.
COMPONENTS = {
    "visitors": ("visitors",),
    "visits": ("visits",),
    "pageviews": ("pageviews",),
    "views_per_visit": ("pageviews", "visits"),
    "bounce_rate": ("bounces", "visits"),
    "visit_duration": ("duration_ms", "visits"),
    "events": ("events",),
    "percentage": ("visitors",),
    "conversion_rate": ("converted_visitors", "visitors"),
    "total_revenue": ("total_revenue",),
}


def components(metrics: list[str] | None) -> list[str]:
    """The group-level components (keys of ``GROUP_LEVEL``) that ``metrics`` need; all of them for None.

    Visitors and visits are always counted: breakdowns order by them and
    tell an empty group from a missing one with them.
    """
    if metrics is None:
        return list(GROUP_LEVEL)
    needed = {"visitors", "visits"}.union(*(COMPONENTS[metric] for metric in metrics))
    return [name for name in GROUP_LEVEL if name in needed]


def visit_level_for(group_components: list[str]) -> dict[str, str]:
    """The per-visit values (subset of ``VISIT_LEVEL``) the group-level components sum up."""
    words = set(re.findall(r"\w+", " ".join(GROUP_LEVEL[name] for name in group_components)))
    return {name: sql for name, sql in VISIT_LEVEL.items() if name == "l_matched" or name in words}


# How to sort by a metric in SQL (percentage sorts like visitors; conversion_rate is sorted in Python).
ORDER_SQL = {
    "visitors": "visitors",
    "visits": "visits",
    "pageviews": "pageviews",
    "events": "events",
    "views_per_visit": "if(visits = 0, 0, pageviews / visits)",
    "bounce_rate": "if(visits = 0, 0, bounces / visits)",
    "visit_duration": "if(visits = 0, 0, duration_ms / visits)",
    "total_revenue": "total_revenue",
    "percentage": "visitors",
}


def check(metrics: list[str]) -> list[str]:
    if not isinstance(metrics, list) or not metrics:
        raise QueryError("metrics: at least one metric is needed")
    for metric in metrics:
        if metric not in METRICS:
            raise QueryError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
    if len(set(metrics)) != len(metrics):
        raise QueryError("metrics: each metric may appear once")
    return metrics


def finish(raw: dict[str, Any], metric: str, *, total_visitors: int | None = None, conversion_base: int | None = None) -> Any:
    """One metric's value from a group's raw components."""
    visits = int(raw.get("visits") or 0)
    if metric in ("visitors", "visits", "pageviews", "events"):
        return int(raw.get(metric) or 0)
    if metric == "views_per_visit":
        return round(int(raw["pageviews"]) / visits, 2) if visits else 0.0
    if metric == "bounce_rate":
        return round(100 * int(raw["bounces"]) / visits) if visits else 0
    if metric == "visit_duration":
        return round(int(raw["duration_ms"]) / 1000 / visits) if visits else 0
    if metric == "total_revenue":
        return round(float(raw.get("total_revenue") or 0), 2)
    if metric == "percentage":
        return round(100 * int(raw["visitors"]) / total_visitors, 1) if total_visitors else 0.0
    if metric == "conversion_rate":
        base = conversion_base if conversion_base is not None else int(raw.get("visitors") or 0)
        return round(100 * int(raw["converted_visitors"]) / base, 2) if base else 0.0
    raise QueryError(f"unknown metric {metric!r}")
