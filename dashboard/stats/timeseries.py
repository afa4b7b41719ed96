"""Metrics per hour, day, week or month of a period, with empty buckets filled."""

from __future__ import annotations

from typing import Any

from dashboard.stats.breakdown import Result, breakdown
from dashboard.stats.metrics import KPI_METRICS
from dashboard.stats.periods import Period, time_labels
from dashboard.stats.query import QueryError, StatsQuery


def timeseries(
    storage: Any,
    query: StatsQuery,
    period: Period,
    metrics: list[str] | None = None,
    interval: str | None = None,
) -> list[dict[str, Any]]:
    """One row per bucket of the period, ``{"date": "2024-01-01", "visitors": 3, ...}``, in time order.

    A visit counts in the bucket in which it started (site time zone).
    """
    metrics = list(metrics or KPI_METRICS)
    interval = interval or query.interval
    if interval not in ("hour", "day", "week", "month"):
        raise QueryError("interval: must be hour, day, week or month")
    return fill(breakdown(storage, query, [f"time:{interval}"], metrics, limit=None), period, metrics, interval)


def fill(result: Result, period: Period, metrics: list[str], interval: str) -> list[dict[str, Any]]:
    """:func:`timeseries`' answer from a breakdown by ``time:<interval>``: every bucket, empty ones as 0."""
    found = {row["value"]: row for row in result.rows}
    series = []
    for label in time_labels(period, interval):
        row = found.get(label)
        point = {"date": label}
        for metric in metrics:
            point[metric] = row[metric] if row else (0.0 if metric in ("views_per_visit", "percentage") else 0)
        series.append(point)
    return series
