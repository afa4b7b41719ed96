"""``POST /api/v2/query``: the Stats API, compatible with Plausible's Stats API v2.

Authenticated with ``Authorization: Bearer <token>`` (tokens from ``footfall
token create`` or the account page).  The body names the site by domain, the
metrics, a date range in the site's time zone, and optionally dimensions,
filters, order and pagination (see :mod:`dashboard.api_query`, and the schema
at ``GET /api/docs/query/schema.json``).  Answers ``{"results", "meta",
"query"}``, where ``query`` is the query as applied and can be posted back;
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

from dashboard import api_query, goals
from dashboard.api_schema import SCHEMA_ID, schema_endpoint
from dashboard.state import services_of
from dashboard.stats import archive, imported, periods
from dashboard.stats import metrics as metric_defs
from dashboard.stats.breakdown import breakdown
from dashboard.stats.filters import And, Filter, FilterExpr, HasDone, Not, Or, filter_to_json
from dashboard.stats.periods import PeriodError
from dashboard.stats.query import QueryError, StatsQuery
from footfall.metadata.imports import AggregateImports
from footfall.metadata.sites import Site, SiteError

MAX_BODY_BYTES = 64 * 1024
# Footfall records revenue amounts without a currency; the API reports them in this one.
REVENUE_CURRENCY = "EUR"
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def api_routes() -> list[BaseRoute]:
    return [Route("/api/v2/query", query_endpoint, methods=["POST"]),
            Route(SCHEMA_ID, schema_endpoint, methods=["GET"])]


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


def _first_day(services: Any, site: Site) -> date | None:
    rows = services.storage.query(
        "SELECT toDate(min(timestamp), {tz:String}), count() FROM events WHERE site_id = {site:UInt32}",
        {"tz": site.timezone, "site": site.id},
    )
    collected = rows[0][0] if rows and rows[0][1] else None
    # "all" also covers the days of the site's imports (added when the query asks for them).
    imported_days = [date.fromisoformat(item.first_day) for item in AggregateImports(services.db).list(site.id)
                     if item.status == "done" and item.first_day]
    return min([day for day in (collected, *imported_days) if day is not None], default=None)


def parse_query(services: Any, site: Site, data: dict[str, Any]) -> api_query.ApiQuery:
    configured = goals.store_of(services).list(site.id)
    earliest = _first_day(services, site) if data.get("date_range") == "all" else None
    return api_query.parse(data, site.timezone, {goal.name for goal in configured}, earliest)


def _goal_filters(expr: FilterExpr, stored_as: dict[str, str]) -> FilterExpr:
    """Filters name goals as the site owner named them; the stats layer knows ``Goal N`` and event names."""
    if isinstance(expr, Filter):
        if expr.dimension != "event:goal" or expr.operator not in ("is", "is_not"):
            return expr
        return Filter(expr.dimension, expr.operator, tuple(stored_as.get(v, v) for v in expr.values), expr.case_sensitive)
    if isinstance(expr, HasDone):
        return HasDone(_goal_filters(expr.filter, stored_as), expr.negated)
    if isinstance(expr, And):
        return And(tuple(_goal_filters(f, stored_as) for f in expr.filters))
    if isinstance(expr, Or):
        return Or(tuple(_goal_filters(f, stored_as) for f in expr.filters))
    return Not(_goal_filters(expr.filter, stored_as))


@archive.planned
def run_query(services: Any, site: Site, plan: api_query.ApiQuery) -> dict[str, Any]:
    period = plan.period
    names = goals.labels(goals.store_of(services).list(site.id))
    stored_as = {name: label for label, name in names.items()}
    filters = [_goal_filters(f, stored_as) for f in plan.filters]
    query = StatsQuery.for_period(
        site.id, period, filters, visit_timeout_minutes=services.settings.visit_timeout_minutes
    )
    include = plan.include
    import_ids = AggregateImports(services.db).done_ids(site.id) if include.get("imports") else []
    imports_fit = bool(import_ids) and imported.supports(query, list(plan.dimensions), list(plan.metrics))
    if imports_fit:
        query = query.with_imports(import_ids)
    result = breakdown(
        services.storage,
        query,
        plan.dimensions,
        plan.metrics,
        order_by=plan.order or None,
        limit=plan.limit,
        offset=plan.offset,
    )
    goal_columns = [i for i, name in enumerate(plan.dimensions) if name == "event:goal"]
    results = []
    for row in result.rows:
        values = list(row["dimensions"])
        for i in goal_columns:
            values[i] = names.get(values[i], values[i])
        results.append({"dimensions": values, "metrics": [_value(m, row[m]) for m in plan.metrics]})
    meta: dict[str, Any] = {}
    if include.get("imports"):
        meta["imports_included"] = imports_fit
        if not import_ids:
            meta["imports_skip_reason"] = "no_imported_data"  # as Plausible: a reason, and no warning
        elif not imports_fit:
            meta["imports_skip_reason"] = "unsupported_query"
            meta["imports_warning"] = (
                "Imported data has no breakdown by these dimensions, metrics or filters; only collected data is shown."
            )
    if include.get("time_labels"):
        time_dim = next(d for d in plan.dimensions if d.startswith("time"))
        interval = time_dim.split(":", 1)[1] if ":" in time_dim else period.interval
        meta["time_labels"] = periods.time_labels(period, interval)
    if include.get("total_rows"):
        meta["total_rows"] = result.total_rows
    echo = {
        "site_id": site.primary_domain,
        "metrics": plan.metrics,
        "date_range": [period.start_utc.astimezone(_zone(site)).isoformat(), _last_instant(period, site)],
        "filters": [filter_to_json(f) for f in plan.filters],
        "dimensions": plan.dimensions,
        "order_by": [list(item) for item in plan.order],
        "include": include,
        "pagination": {"limit": plan.limit, "offset": plan.offset},
    }
    return {"results": results, "meta": meta, "query": echo}


def _value(metric: str, value: Any) -> Any:
    """A metric's value as Plausible prints it: revenue as ``{value, currency, short, long}``."""
    if metric not in metric_defs.REVENUE_METRICS:
        return value
    amount = float(value or 0)
    symbol = CURRENCY_SYMBOLS.get(REVENUE_CURRENCY, REVENUE_CURRENCY + " ")
    return {"value": amount, "currency": REVENUE_CURRENCY, "short": symbol + _short_amount(amount),
            "long": f"{symbol}{amount:,.2f}"}


def _short_amount(amount: float) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(amount) >= limit:
            return f"{amount / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{amount:.2f}" if amount != int(amount) else f"{amount:.0f}"


def _zone(site: Site) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(site.timezone)


def _last_instant(period: periods.Period, site: Site) -> str:
    return (period.end_utc - timedelta(seconds=1)).astimezone(_zone(site)).isoformat()
