"""Finishing a breakdown: raw group rows (components) into the rows reports and the API show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dashboard.stats import metrics as metric_defs


@dataclass
class Result:
    """Rows of ``{"dimensions": [...], "<metric>": value, ...}``, plus the total number of groups."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    total_rows: int = 0
    dimensions: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    # Some visitor count is an estimate (a merged sketch of the archives above its exact limit).
    estimated: bool = False


def finish_rows(
    raw_rows: list[dict[str, Any]],
    dimensions: list[str],
    metrics: list[str],
    *,
    total_visitors: int | None,
    conversion_bases: dict[tuple, int] | None,
    single_base: int | None,
    python_order: list[tuple[str, str]] | None,
    limit: int | None,
    offset: int,
    week: tuple[int, str] | None = None,
) -> Result:
    """One finished row per raw group row; ``python_order`` (conversion rates) is sorted and paged here.

    ``single_base`` is the conversion rates' denominator; ``conversion_bases``
    (by group key) replaces it for ``group_conversion_rate``.  ``week`` is the
    index of a ``time:week`` dimension and the range's first day: no week label is earlier.
    """
    rows = []
    for raw in raw_rows:
        key = tuple(raw[f"d{i}"] for i in range(len(dimensions)))
        group_base = conversion_bases.get(key, 0) if conversion_bases is not None else single_base
        labels = [str(value) for value in key]
        if week is not None:
            labels[week[0]] = max(labels[week[0]], week[1])
        row: dict[str, Any] = {"dimensions": labels}
        if len(key) == 1:
            row["value"] = labels[0]
        for metric in metrics:
            if metric == "percentage" and not dimensions:
                row[metric] = 100.0 if raw.get("visitors") else 0.0
                continue
            base = group_base if metric == "group_conversion_rate" else single_base
            row[metric] = metric_defs.finish(raw, metric, total_visitors=total_visitors, conversion_base=base)
        rows.append(row)
    total_rows = int(raw_rows[0].get("total_rows", len(raw_rows))) if raw_rows and dimensions else len(rows)
    if python_order is not None:
        for name, direction in reversed(python_order):
            index = dimensions.index(name) if name in dimensions else None
            rows.sort(
                key=(lambda r, i=index: r["dimensions"][i]) if index is not None else (lambda r, n=name: r[n]),
                reverse=direction == "desc",
            )
        total_rows = len(rows)
        if limit is not None:
            rows = rows[offset : offset + limit]
    return Result(rows=rows, total_rows=total_rows, dimensions=list(dimensions), metrics=list(metrics))


def split_shared(
    rows: list[dict[str, Any]],
    requests: list[Any],
    *,
    keys: list[str],
    names: list[str],
    masks: dict[str, int],
    full: int,
    time_names: set[str],
    week_names: set[str] = frozenset(),
    week_start: str = "",
) -> list[Result]:
    """The results of a shared scan (:func:`breakdown_sql.shared_sql`), one per request, ordered and paged."""
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
        group = list(by_set.get(masks[name], []))
        if name in time_names:
            group.sort(key=lambda raw: raw[key])
        else:
            order = default_order_metric(metrics)
            group.sort(key=lambda raw: (-order_value(raw, order), raw[key]))
        page = group[request.offset:] if request.limit is None else group[request.offset:request.offset + request.limit]
        finished = []
        for raw in page:
            label = max(str(raw[key]), week_start) if name in week_names else str(raw[key])
            row = {"dimensions": [label], "value": label}
            for metric in metrics:
                row[metric] = metric_defs.finish(raw, metric, total_visitors=total_visitors)
            finished.append(row)
        results.append(Result(rows=finished, total_rows=len(group), dimensions=[name], metrics=metrics))
    return results


def default_order_metric(metrics: list[str]) -> str:
    """The metric a breakdown is ordered by when none is asked for."""
    return next((m for m in metrics if m in metric_defs.ORDER_SQL), "visitors")


def order_value(raw: dict[str, Any], metric: str) -> float:
    """The value :data:`metrics.ORDER_SQL` sorts by, from a group's raw components."""
    visits = int(raw.get("visits") or 0)
    if metric == "views_per_visit":
        return int(raw["pageviews"]) / visits if visits else 0.0
    if metric == "bounce_rate":
        return int(raw["bounces"]) / visits if visits else 0.0
    if metric == "visit_duration":
        return int(raw["duration_ms"]) / visits if visits else 0.0
    return float(raw["visitors" if metric == "percentage" else metric] or 0)
