"""The Stats API's query: its vocabulary, parsing and validation, as Plausible's Stats API v2 defines them.

The lists here are the one definition of what ``POST /api/v2/query``
accepts: the parser below checks queries against them and
:mod:`dashboard.api_schema` builds the published JSON schema from them.
Error messages start as Plausible's do ("Invalid filter", "Unknown metric",
"Invalid date_range", ...), so scripts that match on them keep working.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from dashboard.stats import metrics as metric_defs
from dashboard.stats import periods
from dashboard.stats.breakdown import MAX_LIMIT
from dashboard.stats.dimensions import DIMENSIONS, PROPS_PREFIX, TIME_DIMENSIONS
from dashboard.stats.filters import (
    BEHAVIOURAL,
    MODIFIERS,
    OPERATORS,
    And,
    Filter,
    FilterExpr,
    HasDone,
    Not,
    Or,
    filter_dimensions,
    parse_filters,
)
from dashboard.stats.periods import PeriodError
from dashboard.stats.query import QueryError

KEYS = ("site_id", "metrics", "date_range", "dimensions", "filters", "order_by", "pagination", "include", "date")
REQUIRED = ("site_id", "metrics", "date_range")
METRICS = metric_defs.METRICS
DIMENSION_NAMES = tuple(name for name in DIMENSIONS if not name.startswith("time:"))
LOGICAL = ("and", "or", "not")
# Goals can only be filtered by these operators, and only at the top level (with event:hostname).
GOAL_OPERATORS = ("is", "contains", "matches")
TOP_LEVEL_ONLY = ("event:goal", "event:hostname")
# Plausible's relative ranges (see dashboard.stats.periods); N is bounded there.
SHORTCUTS = ("day", "yesterday", "month", "last_month", "year", "all", "24h", "30m", "realtime")
SHORTCUT_PATTERN = r"^([1-9][0-9]{0,3})(d|mo)$"
# ``sampling: false`` asks for exact numbers where a very large range would be estimated from a sample.
INCLUDE_KEYS = {"imports": bool, "time_labels": bool, "total_rows": bool, "sampling": bool}
PAGINATION_KEYS = ("limit", "offset")
# Dimensions that only exist per visit (Plausible's session-only dimensions); event metrics cannot go with them.
SESSION_DIMENSIONS = ("visit:entry_page", "visit:entry_page_hostname", "visit:exit_page", "visit:exit_page_hostname")
COUNTRY_CODE = re.compile(r"^[A-Za-z]{2}$")


@dataclass(frozen=True)
class ApiQuery:
    metrics: list[str]
    period: periods.Period
    dimensions: list[str]
    filters: tuple[FilterExpr, ...]
    order: list[tuple[str, str]]  # as applied: the given order, or Plausible's default
    limit: int
    offset: int
    include: dict[str, Any]


def parse(data: dict[str, Any], tz: str, goal_names: set[str], earliest: date | None = None) -> ApiQuery:
    """A validated query for a site in time zone ``tz`` whose configured goals are ``goal_names``.

    ``earliest`` is the first day with data (for ``all``).  Raises
    QueryError or PeriodError with a message that says what is wrong.
    """
    unknown = [key for key in data if key not in KEYS]
    if unknown:
        raise QueryError(f"Invalid query: unknown key {unknown[0]!r}; the query takes {', '.join(KEYS)}")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise QueryError(f"Invalid query: {missing[0]} is required")
    metrics = data["metrics"]
    if not isinstance(metrics, list) or not metrics or not all(isinstance(m, str) for m in metrics):
        raise QueryError("Invalid metrics: a non-empty list of metric names is required")
    for metric in metrics:
        if metric not in METRICS:
            raise QueryError(f"Unknown metric {metric!r}; known: {', '.join(METRICS)}")
    if len(set(metrics)) != len(metrics):
        raise QueryError("Invalid metrics: each metric may appear once")

    today = None
    if data.get("date") is not None:
        if not isinstance(data["date"], str) or not periods.DATE_ONLY.match(data["date"]):
            raise QueryError(f"Invalid date {data['date']!r}")
        try:
            today = periods.parse_date(data["date"], "date")
        except PeriodError:
            raise QueryError(f"Invalid date {data['date']!r}") from None
    period = _date_range(data["date_range"], tz, today, earliest)

    dimensions = data.get("dimensions") or []
    if not isinstance(dimensions, list) or not all(isinstance(d, str) for d in dimensions):
        raise QueryError("Invalid dimensions: a list of dimension names")
    for name in dimensions:
        if not _known_dimension(name) and name not in TIME_DIMENSIONS:
            raise QueryError(f"Invalid dimensions: unknown dimension {name!r}")
    if len(set(dimensions)) != len(dimensions):
        raise QueryError("Invalid dimensions: each dimension may appear once")
    if sum(name in TIME_DIMENSIONS for name in dimensions) > 1:
        raise QueryError("Invalid dimensions: at most one time dimension")

    filters = parse_filters(data.get("filters"))
    for expr in filters:
        _check_filter(expr, goal_names, depth=0)

    _check_metrics(metrics, dimensions, filters)
    order = _order(data.get("order_by"), metrics, dimensions)
    limit, offset = _pagination(data.get("pagination"))
    include = _include(data.get("include"), dimensions)
    return ApiQuery(metrics, period, dimensions, filters, order, limit, offset, include)


def _known_dimension(name: str) -> bool:
    return name in DIMENSION_NAMES or (name.startswith(PROPS_PREFIX) and len(name) > len(PROPS_PREFIX))


def _date_range(value: Any, tz: str, today: date | None, earliest: date | None) -> periods.Period:
    if isinstance(value, str) and value != "custom":
        return periods.resolve(value, tz, today=today, earliest=earliest)
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return periods.from_pair(value[0], value[1], tz)
    raise PeriodError(f"Invalid date_range {value!r}; use a period like \"7d\" or a pair of ISO dates or date-times")


def _check_filter(expr: FilterExpr, goal_names: set[str], depth: int) -> None:
    if isinstance(expr, (And, Or)):
        for child in expr.filters:
            _check_filter(child, goal_names, depth + 1)
        return
    if isinstance(expr, (Not, HasDone)):
        _check_filter(expr.filter, goal_names, depth + 1)
        return
    assert isinstance(expr, Filter)
    if expr.dimension in TOP_LEVEL_ONLY and depth > 0:
        raise QueryError(f"Invalid filters. Dimension `{expr.dimension}` can only be filtered at the top level.")
    if expr.dimension == "event:goal":
        if expr.operator not in GOAL_OPERATORS:
            raise QueryError(f"Invalid filter: event:goal takes {', '.join(GOAL_OPERATORS)}, not {expr.operator}")
        if expr.operator == "is":
            for name in expr.values:
                if name not in goal_names:
                    raise QueryError(f"The goal `{name}` is not configured for this site. "
                                     "Configure it on the site's goals page.")
    if expr.dimension == "visit:country" and expr.operator in ("is", "is_not"):
        if not all(COUNTRY_CODE.match(value) for value in expr.values):
            raise QueryError("Invalid visit:country filter, visit:country needs to be a valid 2-letter country code.")


def _mentions(filters: tuple[FilterExpr, ...], name: str) -> bool:
    return name in filter_dimensions(filters)


def _check_metrics(metrics: list[str], dimensions: list[str], filters: tuple[FilterExpr, ...]) -> None:
    goal_context = "event:goal" in dimensions or _mentions(filters, "event:goal")
    for metric in metrics:
        if metric in metric_defs.CONVERSION_METRICS and not goal_context:
            raise QueryError(f"Metric `{metric}` can only be queried with event:goal filters or dimensions.")
        if metric == "percentage" and not dimensions:
            raise QueryError("Metric `percentage` can only be queried with a dimension.")
    event_dimensions = [d for d in dimensions if d.startswith("event:")]
    session_metrics = [m for m in metrics if m in metric_defs.SESSION_METRICS]
    if session_metrics and event_dimensions and event_dimensions != ["event:page"]:
        raise QueryError(f"Session metric(s) {_ticks(session_metrics)} cannot be queried along with event "
                         f"dimension(s) {_ticks(event_dimensions)}")
    event_metrics = [m for m in metrics if m in metric_defs.EVENT_METRICS]
    session_dimensions = [d for d in dimensions if d in SESSION_DIMENSIONS]
    if event_metrics and session_dimensions:
        raise QueryError(f"Event metric(s) {_ticks(event_metrics)} cannot be queried along with session "
                         f"dimension(s) {_ticks(session_dimensions)}")


def _ticks(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _order(value: Any, metrics: list[str], dimensions: list[str]) -> list[tuple[str, str]]:
    if value is None:
        # Plausible's default: time ascending when there is a time dimension, else the first metric descending.
        time_dims = [d for d in dimensions if d in TIME_DIMENSIONS]
        if time_dims:
            return [(time_dims[0], "asc")]
        return [(metrics[0], "desc")] if dimensions else []
    if not isinstance(value, list):
        raise QueryError(f"Invalid order_by {value!r}")
    order = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)) \
                or item[1] not in ("asc", "desc"):
            raise QueryError(f"Invalid order_by entry {item!r}")
        if item[0] not in metrics and item[0] not in dimensions:
            raise QueryError(f"Invalid order_by entry {item!r}. Entry is not a queried metric or dimension.")
        order.append((item[0], item[1]))
    return order


def _pagination(value: Any) -> tuple[int, int]:
    value = {} if value is None else value
    if not isinstance(value, dict) or any(key not in PAGINATION_KEYS for key in value):
        raise QueryError("Invalid pagination: an object with limit and offset")
    limit, offset = value.get("limit", MAX_LIMIT), value.get("offset", 0)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"Invalid pagination: limit must be a whole number from 1 to {MAX_LIMIT}")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise QueryError("Invalid pagination: offset must be a whole number, 0 or more")
    return limit, offset


def _include(value: Any, dimensions: list[str]) -> dict[str, Any]:
    value = {} if value is None else value
    if not isinstance(value, dict) or any(key not in INCLUDE_KEYS for key in value) \
            or not all(isinstance(v, INCLUDE_KEYS[k]) for k, v in value.items()):
        raise QueryError(f"Invalid include {value!r}: an object with any of {', '.join(INCLUDE_KEYS)} (true/false)")
    if value.get("time_labels") and not any(d in TIME_DIMENSIONS for d in dimensions):
        raise QueryError("Invalid include.time_labels: requires a time dimension.")
    return dict(value)


__all__ = ["ApiQuery", "parse", "OPERATORS", "BEHAVIOURAL", "MODIFIERS", "LOGICAL"]
