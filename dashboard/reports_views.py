"""Report pages: the dashboard, full reports, realtime, CSV export and public share links.

Everything a page shows is in its URL: ``period`` (today, yesterday, 7d, 30d,
month, last_month, 12mo, custom with ``from``/``to``), ``f`` filters
(``f=visit:country,is,DE``, repeatable), the chart ``metric`` and the tab of
each card.  A filtered view can be bookmarked and shared.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dashboard import countries, csv_export, goals, k_anonymity, onboarding, svg_chart
from dashboard.onboarding_views import hosts_of
from dashboard.report_catalog import (
    CARDS,
    METRIC_LABELS,
    OPERATOR_LABELS,
    REPORTS,
    SHORT_METRIC_LABELS,
    Report,
    dimension_label,
    property_report,
)
from dashboard.sites_views import collector_url
from dashboard.stats import aggregate, archive, drops, periods, realtime, timeseries
from dashboard.stats.actions import property_keys
from dashboard.stats.breakdown import Request as BreakdownRequest
from dashboard.stats.breakdown import breakdowns
from dashboard.stats.filters import Filter, parse_filter
from dashboard.stats.metrics import KPI_METRICS
from dashboard.stats.query import QueryError, StatsQuery
from dashboard.web import (
    HttpError,
    accounts_of,
    current_user,
    format_duration,
    format_number,
    format_percent,
    page,
    render,
    secure,
    services_of,
    site_for,
)
from footfall import snippets
from footfall.metadata.imports import AggregateImports
from footfall.metadata.sites import Site

PERIOD_CHOICES = [
    ("today", "Today"),  # "day" is accepted too, as in the stats API
    ("yesterday", "Yesterday"),
    ("7d", "7 days"),
    ("30d", "30 days"),
    ("month", "This month"),
    ("last_month", "Last month"),
    ("12mo", "12 months"),
    ("year", "This year"),
]
PERIOD_NAMES = {name for name, _ in PERIOD_CHOICES} | {"custom", "day"}
COUNT_METRICS = {"visitors", "visits", "pageviews"}
CARD_ROWS = 9
REPORT_PAGE_ROWS = 100
CSV_MAX_ROWS = 10000
CHART_METRICS = KPI_METRICS
LOWER_IS_BETTER = {"bounce_rate"}


# The view: site, period and filters, read from the URL -----------------------------------------


@dataclass
class View:
    site: Site
    base: str  # /sites/ID or /share/TOKEN
    shared: bool
    period: periods.Period
    previous: periods.Period
    filters: list[tuple[str, str, str]]
    query: StatsQuery
    previous_query: StatsQuery
    items: list[tuple[str, str]]  # the query string, as given
    errors: list[str] = field(default_factory=list)
    goals: list[goals.Goal] = field(default_factory=list)  # the site's named goals
    has_imports: bool = False  # the site has imported history (see ``query.import_ids``)

    def url(self, path: str = "", *, drop: tuple[str, ...] = (), **changes: str | None) -> str:
        """This view's URL with some parameters changed (None removes one)."""
        items = [(k, v) for k, v in self.items if k not in changes and k not in drop]
        items += [(k, v) for k, v in changes.items() if v is not None]
        query = urlencode(items)
        return f"{self.base}{path}" + (f"?{query}" if query else "")

    def with_filter(self, dimension: str, value: str, path: str = "", operator: str = "is") -> str:
        kept = [(k, v) for k, v in self.items if not (k == "f" and _same_dimension_is(v, dimension)) and k != "page"]
        return f"{self.base}{path}?" + urlencode([*kept, ("f", f"{dimension},{operator},{value}")])

    def without_filter(self, index: int) -> str:
        count = -1
        kept = []
        for key, value in self.items:
            if key == "f":
                count += 1
                if count == index:
                    continue
            if key != "page":
                kept.append((key, value))
        return self.base + ("?" + urlencode(kept) if kept else "")

    @property
    def query_string(self) -> str:
        return urlencode(self.items)

    @property
    def filter_items(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.items if k == "f"]


def _same_dimension_is(raw: str, dimension: str) -> bool:
    parts = raw.split(",", 2)
    return len(parts) == 3 and parts[0] == dimension and parts[1] == "is"


def parse_view_filters(raw_values: list[str]) -> tuple[list[tuple[str, str, str]], list[Filter], list[str]]:
    shown: list[tuple[str, str, str]] = []
    parsed: list[Filter] = []
    errors: list[str] = []
    for raw in raw_values[:20]:
        parts = raw.split(",", 2)
        if len(parts) != 3:
            errors.append("A filter must look like dimension,operator,value.")
            continue
        dimension, operator, value = parts
        try:
            # As in Plausible's dashboard, text searches ignore case; the API's default is case-sensitive.
            modifiers = [{"case_sensitive": False}] if operator.startswith("contains") else []
            expr = parse_filter([operator, dimension, [value], *modifiers])
        except QueryError as error:
            errors.append(str(error))
            continue
        assert isinstance(expr, Filter)
        parsed.append(expr)
        shown.append((dimension, operator, value))
    return shown, parsed, errors


def resolve_period(site: Site, params: Any) -> tuple[periods.Period, list[str]]:
    name = params.get("period", "30d")
    name = "today" if name == "day" else name  # the stats API's name for it
    errors: list[str] = []
    if name not in PERIOD_NAMES:
        errors.append(f"Unknown period {name!r}; showing the last 30 days.")
        name = "30d"
    try:
        if name == "custom":
            return periods.resolve("custom", site.timezone, start=params.get("from", ""), end=params.get("to", "")), errors
        return periods.resolve(name, site.timezone), errors
    except periods.PeriodError as error:
        errors.append(str(error).capitalize() + "; showing the last 30 days.")
        return periods.resolve("30d", site.timezone), errors


def _shared_site(request: Request) -> Site:
    token = request.path_params.get("token", "")
    site_id = accounts_of(request).resolve_share_link(token) if token else None
    site = services_of(request).sites.get(site_id) if site_id else None
    if site is None:
        raise HttpError(404, "This share link does not exist or was revoked.")
    return site


def view_of(request: Request) -> View:
    if "token" in request.path_params:
        site = _shared_site(request)
        base, shared = f"/share/{request.path_params['token']}", True
    else:
        site = site_for(request)
        base, shared = f"/sites/{site.id}", False
    params = request.query_params
    period, errors = resolve_period(site, params)
    shown, parsed, filter_errors = parse_view_filters(params.getlist("f"))
    timeout = services_of(request).settings.visit_timeout_minutes
    previous = periods.previous(period)
    query = StatsQuery.for_period(site.id, period, tuple(parsed), visit_timeout_minutes=timeout)
    previous_query = StatsQuery.for_period(site.id, previous, tuple(parsed), visit_timeout_minutes=timeout)
    if shared and parsed:
        # A filter can narrow a public view to a small group as surely as a row can show one.
        k_anonymity.refuse_small_filtered_view(services_of(request).storage, query, site.k_anonymity)
    # Imported history is added where it has the report's dimension, unless ?imports=0 (as Plausible's toggle).
    import_ids = AggregateImports(services_of(request).db).done_ids(site.id)
    if import_ids and params.get("imports") != "0":
        query, previous_query = query.with_imports(import_ids), previous_query.with_imports(import_ids)
    return View(site, base, shared, period, previous, shown, query, previous_query, list(params.multi_items()),
                errors + filter_errors, goals.store_of(services_of(request)).list(site.id), bool(import_ids))


# Turning report rows into what a table shows -----------------------------------------------------


def format_metric(metric: str, value: Any) -> str:
    if metric in ("bounce_rate", "conversion_rate", "percentage"):
        return format_percent(value)
    if metric == "visit_duration":
        return format_duration(value)
    if metric == "total_revenue":
        return f"{float(value or 0):,.2f}"
    if metric == "views_per_visit":
        return f"{float(value or 0):.2f}"
    return format_number(value)


def display_label(report: Report, value: str) -> str:
    if report.dimension == "visit:country":
        return countries.name(value) if value else "Unknown"
    if value == "":
        return "(not set)"
    return value


@dataclass
class Table:
    report: Report
    columns: list[tuple[str, str]]  # (metric, header)
    rows: list[dict[str, Any]]
    total_rows: int
    bar_metric: str


def table_for(view: View, report: Report, result: Any, path: str = "") -> Table:
    metrics = [m for m in result.metrics]
    bar_metric = "visitors" if "visitors" in metrics else metrics[0]
    top = max((float(row.get(bar_metric) or 0) for row in result.rows), default=0) or 1
    rows = []
    for row in result.rows:
        value = row["value"]
        dimension, operator, filter_value = row.get("filter") or (report.dimension, "is", value)
        other = k_anonymity.is_other(row)
        rows.append({
            "value": value,
            "label": k_anonymity.OTHER_LABEL if other else display_label(report, row.get("label") or value),
            "flag": value if report.dimension == "visit:country" and not other else "",
            "filter": (dimension, operator, filter_value),
            "href": "" if k_anonymity.is_other(row) else view.with_filter(dimension, filter_value, path, operator),
            "cells": [(m, format_metric(m, row.get(m))) for m in metrics],
            "bar": round(100 * float(row.get(bar_metric) or 0) / top, 1),
        })
    columns = [(m, SHORT_METRIC_LABELS.get(m, m)) for m in metrics]
    if view.site.currency:  # revenue in the site's currency: "Revenue (EUR)"
        columns = [(m, f"{label} ({view.site.currency})" if m == "total_revenue" else label) for m, label in columns]
    return Table(report, columns, rows, result.total_rows, bar_metric)


def run_report(storage: Any, view: View, report: Report, limit: int, offset: int) -> Any:
    """A report's rows; goals carry their names (``label``) and page goals are added.

    Through a share link, rows of fewer than the site's k visitors are merged into "(other)".
    """
    if report.name == "goals":
        result = goals.goals_report(storage, view.query, view.goals, limit=limit, offset=offset)
    else:
        result = report.run(storage, view.query, limit, offset)
    return k_anonymity.merge_small_groups(result, view.site.k_anonymity) if view.shared else result


def report_for(name: str, key: str = "") -> Report:
    if name == "props":
        if not key or len(key) > 300:
            raise HttpError(404, "Name a property with ?key=NAME.")
        return property_report(key)
    report = REPORTS.get(name)
    if report is None:
        raise HttpError(404, "No such report.")
    return report


# The dashboard ----------------------------------------------------------------------------------


def _change_class(metric: str, change: float | None) -> str:
    if change is None or change == 0:
        return "flat"
    better = change < 0 if metric in LOWER_IS_BETTER else change > 0
    return "up" if better else "down"


def _change_text(metric: str, change: float | None) -> str:
    if change is None:
        return "new"
    arrow = "↑" if change > 0 else ("↓" if change < 0 else "→")
    unit = " pp" if metric in LOWER_IS_BETTER else "%"
    return f"{arrow} {abs(change):g}{unit}"


def _short_time_label(interval: str) -> Any:
    def label(text: str) -> str:
        try:
            if interval == "hour":
                return text[11:16]
            day = date.fromisoformat(text[:10])
            if interval == "month":
                return day.strftime("%b %Y")
            return day.strftime("%b %-d")
        except ValueError:
            return text

    return label


def _chosen_tab(request: Request, card_id: str, tabs: list[tuple[str, str]]) -> Report:
    """The report a card shows: the tab named in the URL, else its first."""
    chosen = request.query_params.get(card_id, tabs[0][0])
    return REPORTS[chosen if chosen in dict(tabs) else tabs[0][0]]


@archive.planned
def build_dashboard(request: Request, view: View) -> dict[str, Any]:
    storage = services_of(request).storage
    started = time.perf_counter()
    chart_metric = request.query_params.get("metric", "visitors")
    if chart_metric not in CHART_METRICS:
        chart_metric = "visitors"
    chosen_reports = {card_id: _chosen_tab(request, card_id, tabs) for card_id, _, tabs in CARDS}
    # The numbers that only need visits come from two scans, one per period; the rest one query each.
    interval = view.period.interval
    shared_reports = {
        card_id: report.request(CARD_ROWS) for card_id, report in chosen_reports.items() if report.name != "goals"
    }
    shared_reports = {card_id: req for card_id, req in shared_reports.items() if req is not None}
    chart_request = BreakdownRequest((f"time:{interval}",), (chart_metric,), limit=None)
    kpi_request = BreakdownRequest((), KPI_METRICS)
    now_results = breakdowns(storage, view.query, [kpi_request, chart_request, *shared_reports.values()])
    before_results = breakdowns(storage, view.previous_query, [kpi_request, chart_request])
    card_results = dict(zip(shared_reports, now_results[2:]))
    kpis_raw = aggregate.changes(now_results[0].rows[0], before_results[0].rows[0], list(KPI_METRICS))
    if not kpis_raw["visits"]["previous"]:
        for data in kpis_raw.values():  # nothing to compare with: no made-up changes
            data["change"] = None
    kpis = [
        {
            "metric": metric,
            "label": METRIC_LABELS[metric],
            "value": format_metric(metric, data["value"]),
            "previous": format_metric(metric, data["previous"]),
            "change": _change_text(metric, data["change"]),
            "change_class": _change_class(metric, data["change"]),
            "href": view.url(metric=metric),
            "active": metric == chart_metric,
        }
        for metric, data in kpis_raw.items()
    ]
    series = timeseries.fill(now_results[1], view.period, [chart_metric], interval)
    previous_series = timeseries.fill(before_results[1], view.previous, [chart_metric], interval)
    labels = [point["date"] for point in series]
    previous_values = [point[chart_metric] for point in previous_series][: len(labels)]
    chart = svg_chart.responsive(
        labels,
        svg_chart.Series(METRIC_LABELS[chart_metric], [point[chart_metric] for point in series]),
        svg_chart.Series("previous period", previous_values) if previous_values else None,
        title=f"{METRIC_LABELS[chart_metric]}, {view.period.label}, compared with the previous period",
        format_value=lambda value: format_metric(chart_metric, value) if chart_metric != "visit_duration"
        else format_duration(value),
        short_label=_short_time_label(view.period.interval),
        integer=chart_metric in COUNT_METRICS,
    )
    cards = []
    for card_id, title, tabs in CARDS:
        report = chosen_reports[card_id]
        chosen = report.name
        result = card_results[card_id] if card_id in card_results else run_report(storage, view, report, CARD_ROWS, 0)
        table = table_for(view, report, result)
        unnamed = [int(match.group(1)) for row in table.rows if (match := goals.MATOMO_GOAL.match(str(row["label"])))]
        cards.append({
            "id": card_id,
            "title": title,
            "unnamed_goals": unnamed if report.name == "goals" else [],
            "tabs": [(name, label, view.url(**{card_id: name}) + f"#card-{card_id}", name == chosen) for name, label in tabs],
            "table": table,
            "more": view.url(f"/reports/{report.name}", drop=tuple(c for c, _, _ in CARDS) + ("metric",)),
            "csv": view.url(f"/export/{report.name}.csv", drop=tuple(c for c, _, _ in CARDS) + ("metric",)),
        })
    keys = property_keys(storage, view.query, limit=20)
    props_card = None
    if keys:
        key = request.query_params.get("prop", keys[0])
        if key not in keys:
            key = keys[0]
        report = property_report(key)
        props_card = {
            "id": "props",
            "title": "Event properties",
            "tabs": [(k, k, view.url(prop=k) + "#card-props", k == key) for k in keys],
            "table": table_for(view, report, run_report(storage, view, report, CARD_ROWS, 0)),
            "more": view.url("/reports/props", key=key, drop=("prop", "metric")),
            "csv": view.url("/export/props.csv", key=key, drop=("prop", "metric")),
        }
    live = realtime.current_visitors(storage, view.site.id)
    first_hit = None
    window = (view.period.start_utc, view.period.end_utc)
    if not view.shared and not onboarding.has_events(storage, view.site.id):
        first_hit = {"snippet": snippets.tracking_snippet(collector_url(request), view.site.id),
                     "status_url": f"/sites/{view.site.id}/first-hit.json"}
        window = onboarding.recent_window()  # a site still waiting for data: what was refused lately, any period
    dropped = drops.dropped_hits(storage, view.site.id, *window)
    advice = onboarding.explain(view.site, dropped, [] if view.shared else hosts_of(request, view.site))
    return {
        "kpis": kpis,
        "chart": chart,
        "chart_metric": chart_metric,
        "cards": cards,
        "props_card": props_card,
        "drops_summary": drops.summary(dropped),
        "advice": advice,
        "first_hit": first_hit,
        "request_added": added if (added := request.query_params.get("added", "")) in view.site.domains else "",
        "can_manage": not view.shared and accounts_of(request).can_manage(current_user(request), view.site.id),
        "live_visitors": live,
        "elapsed_ms": round((time.perf_counter() - started) * 1000),
        "timeseries_csv": view.url("/export/timeseries.csv", drop=("metric",)),
    }


def _period_links(view: View) -> list[tuple[str, str, bool]]:
    return [
        (label, view.url(period=name, drop=("from", "to", "page")), view.period.name == name)
        for name, label in PERIOD_CHOICES
    ]


def _filter_chips(view: View) -> list[dict[str, str]]:
    chips = []
    goal_names = goals.labels(view.goals)
    page_goals = {goal.page_regex: goal.name for goal in view.goals if goal.match_type == "page"}
    for index, (dimension, operator, value) in enumerate(view.filters):
        shown = countries.name(value) if dimension == "visit:country" else value
        text = f"{dimension_label(dimension)} {OPERATOR_LABELS.get(operator, operator)} {shown}"
        if dimension == "event:goal" and value in goal_names:
            text = f"Goal {OPERATOR_LABELS.get(operator, operator)} {goal_names[value]}"
        elif (dimension, operator) == ("event:page", "matches") and value in page_goals:
            text = f"Goal is {page_goals[value]}"
        chips.append({
            "text": text,
            "remove": view.without_filter(index),
        })
    return chips


def _common(view: View) -> dict[str, Any]:
    return {
        "view": view,
        "site": view.site,
        "period_links": _period_links(view),
        "chips": _filter_chips(view),
        "custom_from": view.period.start_date.isoformat(),
        "custom_to": view.period.end_date.isoformat(),
        "realtime_url": f"{view.base}/realtime.json",
        "imports_note": _imports_note(view),
    }


def _imports_note(view: View) -> dict[str, str] | None:
    if not view.has_imports:
        return None
    if view.query.import_ids:
        return {"text": "Including imported data where it has the report's dimension.",
                "link": view.url(imports="0"), "action": "Show collected data only"}
    return {"text": "Collected data only.", "link": view.url(drop=("imports",)), "action": "Include imported data"}


@page
async def dashboard(request: Request) -> Response:
    view = view_of(request)
    data = await run_in_threadpool(build_dashboard, request, view)
    return render(request, "dashboard.html", **_common(view), **data)


@page
async def full_report(request: Request) -> Response:
    view = view_of(request)
    report = report_for(request.path_params["report"], request.query_params.get("key", ""))
    try:
        page_number = max(1, min(int(request.query_params.get("page", "1")), 1000))
    except ValueError:
        page_number = 1
    storage = services_of(request).storage
    result = await run_in_threadpool(run_report, storage, view, report, REPORT_PAGE_ROWS,
                                     (page_number - 1) * REPORT_PAGE_ROWS)
    table = table_for(view, report, result, f"/reports/{report.name}")
    # A click in a full report filters the dashboard, not only this report.
    for row in table.rows:
        dimension, operator, value = row["filter"]
        if row["href"]:  # the "(other)" row of a public view filters on nothing
            row["href"] = view.with_filter(dimension, value, operator=operator)
    pages = (result.total_rows + REPORT_PAGE_ROWS - 1) // REPORT_PAGE_ROWS
    return render(
        request,
        "report.html",
        **_common(view),
        report=report,
        table=table,
        page_number=page_number,
        prev_url=view.url(f"/reports/{report.name}", page=str(page_number - 1)) if page_number > 1 else "",
        next_url=view.url(f"/reports/{report.name}", page=str(page_number + 1)) if page_number < pages else "",
        csv_url=view.url(f"/export/{report.name}.csv", drop=("page",)),
        back_url=view.url(drop=("page", "key")),
    )


@page
async def realtime_page(request: Request) -> Response:
    view = view_of(request)
    data = await run_in_threadpool(realtime.realtime, services_of(request).storage, view.site.id)
    if view.shared:
        data["pages"] = k_anonymity.merge_small_pages(data["pages"], view.site.k_anonymity)
    series = data["series"]
    chart = svg_chart.responsive(
        [f"{point['minutes_ago']} min ago" if point["minutes_ago"] else "now" for point in series],
        svg_chart.Series("pageviews", [point["pageviews"] for point in series]),
        title="Pageviews per minute in the last 30 minutes",
        integer=True,
    )
    return render(request, "realtime.html", **_common(view), data=data, chart=chart)


async def realtime_json(request: Request) -> Response:
    @page
    async def handler(request: Request) -> Response:
        view = view_of(request)
        count = await run_in_threadpool(realtime.current_visitors, services_of(request).storage, view.site.id)
        return JSONResponse({"visitors": count, "minutes": realtime.WINDOW_MINUTES})

    response = await handler(request)
    if response.status_code == 303:  # not logged in: a JSON client gets 401, not a login page
        return secure(JSONResponse({"error": "login required"}, 401))
    return response


# CSV --------------------------------------------------------------------------------------------


@archive.planned
def build_csv(request: Request, view: View, name: str) -> str:
    storage = services_of(request).storage
    if name == "timeseries":
        metrics = list(CHART_METRICS)
        series = timeseries.timeseries(storage, view.query, view.period, metrics)
        return csv_export.to_csv(["date", *metrics], [[p["date"], *[p[m] for m in metrics]] for p in series])
    if name == "kpis":
        kpis = aggregate.compare(storage, view.query, view.previous_query)
        return csv_export.to_csv(
            ["metric", "value", "previous", "change"],
            [[m, d["value"], d["previous"], d["change"] if d["change"] is not None else ""] for m, d in kpis.items()],
        )
    report = report_for(name, request.query_params.get("key", ""))
    result = run_report(storage, view, report, CSV_MAX_ROWS, 0)
    header = [report.column, *result.metrics]
    # Goals show their names (``label``); every other report its values.
    return csv_export.to_csv(header, [[row.get("label") or row["value"], *[row.get(m) for m in result.metrics]]
                                      for row in result.rows])


@page
async def export_csv(request: Request) -> Response:
    view = view_of(request)
    name = request.path_params["report"]
    body = await run_in_threadpool(build_csv, request, view, name)
    filename = csv_export.filename(view.site.name, name, view.period.start_date.isoformat(),
                                   view.period.end_date.isoformat())
    return Response(
        body.encode("utf-8-sig"),  # the BOM makes Excel read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for prefix in ("/sites/{site_id:id}", "/share/{token}"):
        routes += [
            Route(prefix, dashboard),
            Route(prefix + "/reports/{report}", full_report),
            Route(prefix + "/realtime", realtime_page),
            Route(prefix + "/realtime.json", realtime_json),
            Route(prefix + "/export/{report}.csv", export_csv),
        ]
    return routes


__all__ = ["routes", "build_dashboard", "view_of"]
