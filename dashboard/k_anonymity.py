"""k-anonymity for public views: no row of fewer than k visitors is shown.

Share links (and everything read through one: report pages, CSV exports,
realtime) pass their report rows through :func:`merge_small_groups`, and a
filtered view matching fewer than k visitors is refused.  Rows with
fewer than ``k`` visitors are taken out and merged into one "(other)" row, so
the rows still add up to the same totals.  A post-processing step on finished
rows, apart from the query builder.  An estimated row (a sample's count,
scaled) stands for k visitors only if the sample itself has k of them, so k
is scaled with it: never less private than the exact numbers.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from dashboard.stats.breakdown import Result, breakdown
from dashboard.stats.query import StatsQuery
from dashboard.web import HttpError

OTHER_LABEL = "(other)"
OTHER_VALUE = "(other)"
# Metrics that add up over rows; the averages are weighted by visits (or visitors).
ADDITIVE = ("visitors", "visits", "pageviews", "events", "total_revenue", "percentage", "conversion_rate")
AVERAGED = ("bounce_rate", "visit_duration", "views_per_visit")


def _number(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def merge_rows(rows: list[dict[str, Any]], metrics: list[str]) -> dict[str, Any]:
    """One row standing for ``rows``: sums, and averages weighted by visits (or visitors)."""
    merged: dict[str, Any] = {"value": OTHER_VALUE, "label": OTHER_LABEL, "merged": len(rows)}
    weight_key = "visits" if "visits" in metrics else "visitors"
    weights = [_number(row.get(weight_key)) for row in rows]
    total_weight = sum(weights)
    for metric in metrics:
        values = [row.get(metric) for row in rows]
        if metric in AVERAGED:
            total = sum(_number(value) * weight for value, weight in zip(values, weights))
            merged[metric] = total / total_weight if total_weight else 0
        else:
            merged[metric] = sum(_number(value) for value in values)
        if all(isinstance(value, int) for value in values):  # whole numbers stay whole
            merged[metric] = round(merged[metric])
    return merged


def merge_small_groups(result: Result, k: int) -> Result:
    """``result`` with every row of fewer than ``k`` visitors merged into one "(other)" row at the end."""
    if k <= 1 or not result.rows:
        return result
    k = sampled_k(k, result.sample_percent)
    kept = [row for row in result.rows if _number(row.get("visitors")) >= k]
    small = [row for row in result.rows if _number(row.get("visitors")) < k]
    if not small:
        return result
    rows = [*kept, merge_rows(small, list(result.metrics))]
    return replace(result, rows=rows, total_rows=max(len(rows), result.total_rows - len(small) + 1))


def merge_small_pages(pages: list[dict[str, Any]], k: int) -> list[dict[str, Any]]:
    """The same for plain ``{"value", "visitors"}`` lists (the realtime page list)."""
    if k <= 1:
        return pages
    kept = [page for page in pages if _number(page.get("visitors")) >= k]
    small = [page for page in pages if _number(page.get("visitors")) < k]
    return kept + ([merge_rows(small, ["visitors"])] if small else [])


def refuse_small_filtered_view(storage: Any, query: StatsQuery, k: int) -> None:
    """A filtered public view that matches fewer than ``k`` visitors is refused (its totals would be a small row)."""
    if k <= 1:
        return
    result = breakdown(storage, query, [], ["visitors"])
    if _number(result.rows[0].get("visitors")) < sampled_k(k, result.sample_percent):
        raise HttpError(403, f"These filters match fewer than {k} visitors; public views do not show groups that small.")


def sampled_k(k: int, sample_percent: int | None) -> int:
    """The scaled count that stands for ``k`` visitors of a sample (``k`` itself for exact numbers)."""
    return math.ceil(k * 100 / sample_percent) if sample_percent else k


def is_other(row: dict[str, Any]) -> bool:
    return "merged" in row
