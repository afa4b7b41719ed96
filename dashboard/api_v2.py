"""``POST /api/v2/query``: the Stats API, compatible with Plausible's Stats API v2.

Authenticated with ``Authorization: Bearer <token>`` (tokens from ``footfall
token create`` or the account page).  The body names the site by domain, the
metrics, a date range in the site's time zone, and optionally dimensions,
filters, order and pagination.  Answers ``{"results", "meta", "query"}``;
invalid input gets a 400 with a message that says what is wrong.
"""

from __future__ import annotations

import json
import zoneinfo
from datetime import date, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from dashboard import goals
from dashboard.state import services_of
from dashboard.stats import metrics as metric_defs
from dashboard.stats import periods
from dashboard.stats.breakdown import MAX_LIMIT, breakdown
from dashboard.stats.dimensions import dimension
from dashboard.stats.filters import And, Filter, FilterExpr, Not, Or, filter_to_json, parse_filters
from dashboard.stats.periods import PeriodError
from dashboard.stats.query import QueryError, StatsQuery
from footfall.metadata.sites import Site, SiteError

MAX_BODY_BYTES = 64 * 1024
KEYS = ("site_id", "metrics", "date_range", "dimensions", "filters", "order_by", "pagination", "include", "date")
SHORTCUTS = {"day": "day", "today": "day", "yesterday": "yesterday", "7d": "7d", "28d": "28d", "30d": "30d",
             "91d": "91d", "month": "month", "6mo": "6mo", "12mo": "12mo", "year": "year", "all": "all"}
INCLUDE_KEYS = ("imports", "time_labels", "total_rows")


def api_routes() -> list[BaseRoute]:
    return [Route("/api/v2/query", query_endpoint, methods=["POST"])]


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers={"Cache-Control": "no-store"})


async def query_endpoint(request: Request) -> JSONResponse:
    from dashboard.web import accounts_of

    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _error("Missing API key. Send it as `Authorization: Bearer <token>`.", 401)
    accounts = accounts_of(request)
    user = await run_in_threadpool(accounts.resolve_api_token, token.strip())
    if user is None:
        return _error("Invalid API key.", 401)

    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _error("The query is too large.", 413)
    try:
        data = json.loads(body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _error("The body must be a JSON object.")
    if not isinstance(data, dict):
        return _error("The body must be a JSON object.")

    services = services_of(request)
    domain = data.get("site_id")
    if not isinstance(domain, str) or not domain.strip():
        return _error("site_id: the site's domain is required.")
    try:
        site = services.sites.by_domain(domain)
    except SiteError:
        site = None
    if site is None or not accounts.can_view(user, site.id):
        # A non-admin cannot tell a site that does not exist from one they may not see.
        if site is None and user.is_admin:
            return _error(f"site_id: no site with the domain {domain!r}.", 404)
        return _error("This API key may not read that site.", 403)

    try:
        plan = await run_in_threadpool(parse_query, services, site, data)
        response = await run_in_threadpool(run_query, services, site, plan)
    except (QueryError, PeriodError) as exc:
        return _error(str(exc))
    return JSONResponse(response, headers={"Cache-Control": "no-store"})


def _date_range(services: Any, site: Site, value: Any, today: date | None) -> periods.Period:
    if isinstance(value, str):
        name = SHORTCUTS.get(value)
        if name is None:
            raise QueryError(f"date_range: {value!r} is not one of {', '.join(SHORTCUTS)} or [start, end]")
        today = today or periods.today_in(site.timezone)
        if name in ("28d", "91d"):
            days = int(name[:-1])
            return periods.resolve("custom", site.timezone, start=date.fromordinal(today.toordinal() - days + 1), end=today)
        if name == "6mo":
            first = date(today.year, today.month, 1)
            for _ in range(5):
                first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
            period = periods.resolve("month", site.timezone, today=today)
            return periods.make("6mo", site.timezone, first, period.end_date, "month")
        earliest = _first_day(services, site) if name == "all" else None
        return periods.resolve(name, site.timezone, today=today, earliest=earliest)
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return periods.resolve("custom", site.timezone, start=value[0], end=value[1])
    raise QueryError('date_range: use a shortcut like "7d" or a pair of ISO dates ["2024-01-01", "2024-01-31"]')


def _first_day(services: Any, site: Site) -> date | None:
    rows = services.storage.query(
        "SELECT toDate(min(timestamp), {tz:String}), count() FROM events WHERE site_id = {site:UInt32}",
        {"tz": site.timezone, "site": site.id},
    )
    return rows[0][0] if rows and rows[0][1] else None


def parse_query(services: Any, site: Site, data: dict[str, Any]) -> dict[str, Any]:
    unknown = [key for key in data if key not in KEYS]
    if unknown:
        raise QueryError(f"unknown key {unknown[0]!r}; the query takes {', '.join(KEYS[:-1])}")
    metrics = data.get("metrics")
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        raise QueryError("metrics: a list of metric names is required")
    metric_defs.check(metrics)
    today = None
    if data.get("date") is not None:
        today = periods.parse_date(str(data["date"]), "date")
    if "date_range" not in data:
        raise QueryError("date_range: required")
    period = _date_range(services, site, data["date_range"], today)

    dimensions = data.get("dimensions") or []
    if not isinstance(dimensions, list) or not all(isinstance(d, str) for d in dimensions):
        raise QueryError("dimensions: must be a list of dimension names")
    if len(dimensions) > 4:
        raise QueryError("dimensions: at most four")
    for name in dimensions:
        dimension(name, interval=period.interval)
    if "percentage" in metrics and not dimensions:
        raise QueryError("metrics: percentage needs at least one dimension")

    filters = parse_filters(data.get("filters"))

    order_by = data.get("order_by")
    order: list[tuple[str, str]] | None = None
    if order_by is not None:
        if not isinstance(order_by, list) or not all(
            isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item) for item in order_by
        ):
            raise QueryError('order_by: a list like [["visitors", "desc"]]')
        order = [(item[0], item[1]) for item in order_by]

    pagination = data.get("pagination") or {}
    if not isinstance(pagination, dict) or any(key not in ("limit", "offset") for key in pagination):
        raise QueryError("pagination: an object with limit and offset")
    limit, offset = pagination.get("limit", MAX_LIMIT), pagination.get("offset", 0)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"pagination: limit must be a whole number from 1 to {MAX_LIMIT}")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise QueryError("pagination: offset must be a whole number, 0 or more")

    include = data.get("include") or {}
    if not isinstance(include, dict) or any(key not in INCLUDE_KEYS for key in include):
        raise QueryError(f"include: an object with any of {', '.join(INCLUDE_KEYS)}")
    if include.get("time_labels") and not any(d.startswith("time") for d in dimensions):
        raise QueryError("include: time_labels needs a time dimension")

    return {
        "metrics": metrics,
        "period": period,
        "dimensions": dimensions,
        "filters": filters,
        "order": order,
        "limit": limit,
        "offset": offset,
        "include": include,
    }


def _goal_filters(expr: FilterExpr, stored_as: dict[str, str]) -> FilterExpr:
    """Filters name goals as the site owner named them; the stats layer knows ``Goal N`` and event names."""
    if isinstance(expr, Filter):
        if expr.dimension != "event:goal" or expr.operator not in ("is", "is_not"):
            return expr
        return Filter(expr.dimension, expr.operator, tuple(stored_as.get(v, v) for v in expr.values))
    if isinstance(expr, And):
        return And(tuple(_goal_filters(f, stored_as) for f in expr.filters))
    if isinstance(expr, Or):
        return Or(tuple(_goal_filters(f, stored_as) for f in expr.filters))
    return Not(_goal_filters(expr.filter, stored_as))


def run_query(services: Any, site: Site, plan: dict[str, Any]) -> dict[str, Any]:
    period: periods.Period = plan["period"]
    names = goals.labels(goals.store_of(services).list(site.id))
    stored_as = {name: label for label, name in names.items()}
    filters = [_goal_filters(f, stored_as) for f in plan["filters"]]
    query = StatsQuery.for_period(
        site.id, period, filters, visit_timeout_minutes=services.settings.visit_timeout_minutes
    )
    result = breakdown(
        services.storage,
        query,
        plan["dimensions"],
        plan["metrics"],
        order_by=plan["order"],
        limit=plan["limit"],
        offset=plan["offset"],
    )
    goal_columns = [i for i, name in enumerate(plan["dimensions"]) if name == "event:goal"]
    results = []
    for row in result.rows:
        values = list(row["dimensions"])
        for i in goal_columns:
            values[i] = names.get(values[i], values[i])
        results.append({"dimensions": values, "metrics": [row[m] for m in plan["metrics"]]})
    meta: dict[str, Any] = {}
    include = plan["include"]
    if include.get("imports"):
        meta["imports_included"] = False
        meta["imports_warning"] = "Footfall has no imported data; only collected data is shown."
    if include.get("time_labels"):
        time_dim = next(d for d in plan["dimensions"] if d.startswith("time"))
        interval = time_dim.split(":", 1)[1] if ":" in time_dim else period.interval
        meta["time_labels"] = periods.time_labels(period, interval)
    if include.get("total_rows"):
        meta["total_rows"] = result.total_rows
    echo = {
        "site_id": site.primary_domain,
        "metrics": plan["metrics"],
        "date_range": [period.start_utc.astimezone(_zone(site)).isoformat(), _last_instant(period, site)],
        "filters": [filter_to_json(f) for f in plan["filters"]],
        "dimensions": plan["dimensions"],
        "order_by": [list(item) for item in plan["order"]] if plan["order"] else None,
        "include": include,
        "pagination": {"limit": plan["limit"], "offset": plan["offset"]},
        "timezone": site.timezone,
    }
    return {"results": results, "meta": meta, "query": echo}


def _zone(site: Site) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(site.timezone)


def _last_instant(period: periods.Period, site: Site) -> str:
    return (period.end_utc - timedelta(seconds=1)).astimezone(_zone(site)).isoformat()

