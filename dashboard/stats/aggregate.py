"""Top-line numbers (KPIs) for a period, and their change against another period."""

from __future__ import annotations

from typing import Any

from dashboard.stats.breakdown import breakdown
from dashboard.stats.metrics import KPI_METRICS
from dashboard.stats.query import StatsQuery


def aggregate(storage: Any, query: StatsQuery, metrics: list[str] | None = None) -> dict[str, Any]:
    """``{"visitors": 12, "visits": 15, ...}`` for the whole query."""
    metrics = list(metrics or KPI_METRICS)
    row = breakdown(storage, query, [], metrics).rows[0]
    return {metric: row[metric] for metric in metrics}


def change(current: float, previous: float) -> float | None:
    """Percent change from ``previous`` to ``current``; None when there is nothing to compare with."""
    if not previous:
        return None if current else 0.0
    return round(100 * (current - previous) / previous, 1)


def compare(
    storage: Any, query: StatsQuery, previous: StatsQuery, metrics: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Each metric now, in the previous period, and the change: ``{"visitors": {"value", "previous", "change"}}``.

    For bounce rate the change is in percentage points, as Plausible shows it.
    """
    metrics = list(metrics or KPI_METRICS)
    return changes(aggregate(storage, query, metrics), aggregate(storage, previous, metrics), metrics)


def changes(now: dict[str, Any], before: dict[str, Any], metrics: list[str]) -> dict[str, dict[str, Any]]:
    """:func:`compare`'s answer from the two periods' numbers (rows of a breakdown without dimensions)."""
    result: dict[str, dict[str, Any]] = {}
    for metric in metrics:
        if metric in ("bounce_rate", "conversion_rate"):
            delta: float | None = round(now[metric] - before[metric], 2)
        else:
            delta = change(now[metric], before[metric])
        result[metric] = {"value": now[metric], "previous": before[metric], "change": delta}
    return result
