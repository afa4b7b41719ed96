"""The dashboard pages and CSV exports show the numbers of an independent model of a known dataset.

The same dataset as ``test_correctness.py`` (``tests/dashboard/dataset.py``)
is ingested through the collector's HTTP endpoint.  An admin logs in, and for
each site, several custom periods and several filter sets (in the URL, as a
user would bookmark them) the test reads:

- the KPI tiles of ``/sites/{id}`` (value, previous period, change) as the page
  prints them, and the first rows of every report card on that page;
- every report of ``report_catalog.REPORTS`` (and the event property report)
  through its CSV export, every row and every column;
- the timeseries and KPI CSV exports;
- the full report pages of several reports, every row and cell as printed.

Each number is compared with what the model computes from the generated hits,
rounded as a page may round it (both neighbours are accepted at an exact tie).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from dashboard.report_catalog import CARDS, REPORTS, Report, property_report
from tests.dashboard.dataset import ADMIN_EMAIL, ADMIN_PASSWORD, SITES, Dataset, expected_rows, ingested, ranges
from tests.dashboard.web_client import login

# Filters as the URL carries them: (dimension, operator, value).
FILTER_SETS: dict[str, list[tuple[str, str, str]]] = {
    "none": [],
    "country": [("visit:country", "is", "DE")],
    "page": [("event:page", "is", "/pricing")],
    "source": [("visit:source", "is", "Google")],
    "device+goal": [("visit:device", "is_not", "Desktop"), ("event:goal", "is", "Goal 1")],
}
# (period, filter set) combinations checked for every site: the full range with every filter set, one local day
# (visits that cross midnight belong to the day they start in) with a few.
CASES = [("full", name) for name in FILTER_SETS] + [("day", "none"), ("day", "country"), ("day", "page")]
FULL_REPORT_PAGES = ("top_pages", "sources", "countries", "goals", "custom_events")
PROPERTY_KEY = "dimension1"
COUNTRY_NAMES = {"DE": "Germany", "US": "United States", "FR": "France", "JP": "Japan", "AT": "Austria"}
# Every generated custom event is a Matomo event, which has a category; the model's way to say "custom events only".
CUSTOM_EVENTS_ONLY = ["matches", "event:category", ["."]]
INT_METRICS = ("visitors", "visits", "pageviews", "events")
# metric → decimals of the number a report carries (the page may round it again for display)
DECIMALS = {"bounce_rate": 0, "visit_duration": 0, "views_per_visit": 2, "percentage": 1, "conversion_rate": 2,
            "total_revenue": 2}
KPI_LABELS = {"visitors": "Visitors", "visits": "Visits", "pageviews": "Pageviews",
              "views_per_visit": "Views per visit", "bounce_rate": "Bounce rate", "visit_duration": "Visit duration"}


# Expected numbers -----------------------------------------------------------------------------


def roundings(value: float, decimals: int) -> list[float]:
    """What a correct rounding of ``value`` to ``decimals`` places may give: the nearest, or both at a tie."""
    scale = 10**decimals
    scaled = value * scale
    low = math.floor(scaled)
    return [k / scale for k in (low, low + 1) if abs(scaled - k) <= 0.5 + 1e-6]


def model_value(metric: str, raw: dict[str, float], totals: dict[str, int]) -> float:
    """A metric's exact value for a group of the model (``totals``: visitors of the query, base for conversions)."""
    visits = raw["visits"]
    if metric in INT_METRICS:
        return raw[metric]
    if metric == "bounce_rate":
        return 100 * raw["bounces"] / visits if visits else 0
    if metric == "visit_duration":
        return raw["duration"] / visits if visits else 0
    if metric == "views_per_visit":
        return raw["pageviews"] / visits if visits else 0
    if metric == "percentage":
        return 100 * raw["visitors"] / totals["visitors"] if totals["visitors"] else 0
    if metric == "conversion_rate":
        return 100 * raw["converted"] / totals["conversion_base"] if totals["conversion_base"] else 0
    if metric == "total_revenue":
        return raw["revenue"]
    raise AssertionError(f"the model has no metric {metric!r}")


def number_choices(metric: str, exact: float) -> list[float]:
    if metric in INT_METRICS:
        return [exact]
    return roundings(exact, DECIMALS[metric])


def shown(metric: str, number: float) -> str:
    """How a page prints a metric's number."""
    if metric in ("bounce_rate", "percentage", "conversion_rate"):
        return f"{number:.1f}".rstrip("0").rstrip(".") + "%"
    if metric == "visit_duration":
        seconds = int(number)
        if seconds < 60:
            return f"{seconds}s"
        if seconds < 3600:
            return f"{seconds // 60}m {seconds % 60:02d}s"
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    if metric == "views_per_visit":
        return f"{number:.2f}"
    if metric == "total_revenue":
        return f"{number:,.2f}"
    return f"{int(number):,}"


def shown_choices(metric: str, exact: float) -> set[str]:
    texts = set()
    for number in number_choices(metric, exact):
        # The page prints a percentage with one decimal: a second rounding of the report's number.
        for again in (roundings(number, 1) if metric in ("percentage", "conversion_rate") else [number]):
            texts.add(shown(metric, again))
    return texts


ZERO = {"visitors": 0, "visits": 0, "pageviews": 0, "events": 0, "bounces": 0, "duration": 0, "revenue": 0.0,
        "converted": 0}


@dataclass
class Case:
    """One site, period and filter set, and the model's view of it."""

    data: Dataset
    domain: str
    start: date
    end: date
    filters: list[tuple[str, str, str]]
    memo: dict[tuple, dict] = field(default_factory=dict)

    @property
    def site_id(self) -> int:
        return self.data.site_ids[self.domain]

    @property
    def params(self) -> list[tuple[str, str]]:
        return [("period", "custom"), ("from", self.start.isoformat()), ("to", self.end.isoformat()),
                *(("f", ",".join(f)) for f in self.filters)]

    @property
    def model_filters(self) -> list:
        return [[operator, dimension, [value]] for dimension, operator, value in self.filters]

    def rows(self, dims: list[str], filters: list | None = None, start: date | None = None,
             end: date | None = None) -> dict[tuple, dict]:
        filters = self.model_filters if filters is None else filters
        key = (tuple(dims), repr(filters), start, end)
        if key not in self.memo:
            self.memo[key] = expected_rows(self.data, self.domain, start or self.start, end or self.end, dims, filters)
        return self.memo[key]

    def total(self, **period: date) -> dict:
        return self.rows([], **period).get((), ZERO)

    def previous_total(self) -> dict:
        """The numbers of the period compared with: as long as this one, just before it."""
        length = (self.end - self.start).days + 1
        return self.total(start=self.start - timedelta(days=length), end=self.start - timedelta(days=1))

    def totals(self) -> dict[str, int]:
        without_goal = [f for f in self.model_filters if f[1] != "event:goal"]
        return {"visitors": self.total()["visitors"],
                "conversion_base": self.rows([], without_goal).get((), ZERO)["visitors"]}

    def report(self, report: Report) -> list[tuple[str, dict]]:
        """The report's rows as the model has them, in the report's order (most visitors first, then by value)."""
        extra = [CUSTOM_EVENTS_ONLY] if report.name in ("custom_events", "props") else []
        groups = self.rows([report.dimension], self.model_filters + extra)
        return sorted(((key[0], raw) for key, raw in groups.items()), key=lambda item: (-item[1]["visitors"], item[0]))


# Reading the pages ----------------------------------------------------------------------------


DETAILS_LINK = re.compile(r"/reports/[^/?]+(\?|$)")


class ReportTables(HTMLParser):
    """Every ``table.report`` of a page: its section, its headers, and per row the label, its link and the cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self.sections: list[str] = []
        self.details: dict[str, str] = {}  # section id → text of its "Details" link
        self.text: list[str] | None = None
        self.in_flag = False
        self.in_table = False
        self.in_details = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        classes = (attr.get("class") or "").split()
        if tag == "section":
            self.sections.append(attr.get("id") or "")
        elif tag == "table" and "report" in classes:
            self.in_table = True
            self.tables.append({"section": self.sections[-1] if self.sections else "", "headers": [], "rows": []})
        elif not self.in_table:
            if tag == "a" and self.sections and DETAILS_LINK.search(attr.get("href") or ""):
                self.in_details, self.text = True, []
        elif tag == "th":
            self.text = []
        elif tag == "tr" and self.tables[-1]["headers"]:
            self.tables[-1]["rows"].append({"href": "", "flag": "", "label": "", "cells": []})
        elif tag == "td":
            self.text = []
        elif tag == "a" and self.text is not None:
            self.tables[-1]["rows"][-1]["href"] = attr.get("href") or ""
        elif tag == "span" and "cc" in classes:
            self.in_flag = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self.sections:
            self.sections.pop()
        elif tag == "table" and self.in_table:
            self.in_table = False
        elif tag == "a" and self.in_details and self.text is not None:
            self.details[self.sections[-1]] = "".join(self.text).strip()
            self.in_details, self.text = False, None
        elif tag == "span" and self.in_flag:
            self.in_flag = False
        elif tag == "th" and self.text is not None:
            self.tables[-1]["headers"].append("".join(self.text).strip())
            self.text = None
        elif tag == "td" and self.text is not None:
            row = self.tables[-1]["rows"][-1]
            if row["label"] == "" and not row["cells"] and row["href"]:
                row["label"] = "".join(self.text).strip()
            else:
                row["cells"].append("".join(self.text).strip())
            self.text = None

    def handle_data(self, data: str) -> None:
        if self.in_flag:
            self.tables[-1]["rows"][-1]["flag"] += data
        elif self.text is not None:
            self.text.append(data)


def read_tables(html: str) -> ReportTables:
    parser = ReportTables()
    parser.feed(html)
    parser.close()
    return parser


KPI = re.compile(
    r'<a class="kpi[^"]*" href="[^"]*" title="Previous period: ([^"]*)">\s*<div class="label">([^<]*)</div>\s*'
    r'<div class="value">([^<]*)</div>\s*<div class="change ([a-z]+)">([^<]*)<'
)


def read_kpis(html: str) -> dict[str, dict[str, str]]:
    return {label: {"value": value, "previous": previous, "change": change.strip(), "class": css}
            for previous, label, value, css, change in KPI.findall(html)}


# The short headers of the report tables, back to metric names.
HEADER_METRICS = {"Visitors": "visitors", "Visits": "visits", "Pageviews": "pageviews",
                  "Views/visit": "views_per_visit", "Bounce": "bounce_rate", "Duration": "visit_duration",
                  "Events": "events", "%": "percentage", "CR": "conversion_rate", "Revenue": "total_revenue"}


def table_metrics(table: dict[str, Any]) -> list[str]:
    headers = table["headers"][1:]
    assert "Visitors" in headers, table["headers"]
    return [HEADER_METRICS[header] for header in headers]


def row_filter(href: str) -> tuple[str, str, str]:
    """The filter a row's link adds (the last ``f`` of its URL)."""
    added = [value for key, value in parse_qsl(urlsplit(href.replace("&amp;", "&")).query) if key == "f"][-1]
    dimension, operator, value = added.split(",", 2)
    return dimension, operator, value


def display_label(report: Report, value: str) -> str:
    if report.dimension == "visit:country":
        return COUNTRY_NAMES[value] if value else "Unknown"
    return value or "(not set)"


# Checks ---------------------------------------------------------------------------------------


def check_table(case: Case, report: Report, table: dict[str, Any], expected: list[tuple[str, dict]],
                metrics: list[str], where: str) -> None:
    """A report table as printed: labels, the filter each row adds, and every cell."""
    totals = case.totals()
    got = [(row_filter(row["href"])[2], row) for row in table["rows"]]
    assert [value for value, _ in got] == [value for value, _ in expected], f"{where}: rows differ"
    for (value, row), (_, raw) in zip(got, expected):
        label = f"{where} {value!r}"
        assert row_filter(row["href"]) == (report.dimension, "is", value), label
        assert row["label"] == display_label(report, value), label
        if report.dimension == "visit:country":
            assert row["flag"] == value, label
        assert len(row["cells"]) == len(metrics), label
        for metric, text in zip(metrics, row["cells"]):
            assert text in shown_choices(metric, model_value(metric, raw, totals)), f"{label} {metric}: {text}"


def check_csv(case: Case, report: Report, body: str, where: str) -> None:
    """Every row and column of a report's CSV export."""
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    header, rows = lines[0], lines[1:]
    assert header[0] == report.column, where
    metrics = header[1:]
    assert "visitors" in metrics, where
    expected = case.report(report)
    assert [row[0] for row in rows] == [value for value, _ in expected], f"{where}: rows differ"
    totals = case.totals()
    for row, (value, raw) in zip(rows, expected):
        assert len(row) == len(header), where
        for metric, cell in zip(metrics, row[1:]):
            exact = model_value(metric, raw, totals)
            allowed = number_choices(metric, exact)
            assert any(abs(float(cell) - choice) < 1e-6 for choice in allowed), \
                f"{where} {value!r} {metric}: {cell}, model {exact}"


def check_kpis(case: Case, html: str, where: str) -> None:
    """The six tiles: this period's value, the previous period's in the tooltip, and the change."""
    now, before = case.total(), case.previous_total()
    tiles = read_kpis(html)
    assert set(tiles) == set(KPI_LABELS.values()), f"{where}: tiles {sorted(tiles)}"
    for metric, title in KPI_LABELS.items():
        tile = tiles[title]
        value, previous = model_value(metric, now, {}), model_value(metric, before, {})
        assert tile["value"] in shown_choices(metric, value), f"{where} {title}: {tile['value']}, model {value}"
        assert tile["previous"] in shown_choices(metric, previous), f"{where} {title} before: {tile['previous']}"
        if metric in INT_METRICS:
            if not before["visits"]:
                assert tile["change"] == "new", f"{where} {title}: {tile['change']}"
            else:
                percent = 100 * (value - previous) / previous
                arrow = "↑" if percent > 0 else ("↓" if percent < 0 else "→")
                texts = {f"{arrow} {abs(choice):g}%" for choice in roundings(percent, 1)}
                assert tile["change"] in texts, f"{where} {title}: {tile['change']}, model {percent}"
                assert tile["class"] == ("up" if percent > 0 else "down" if percent < 0 else "flat"), where


def check_timeseries(case: Case, body: str, where: str) -> None:
    """The chart's numbers: one row per local hour of a day, or per local day of a longer period."""
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    header, rows = lines[0], lines[1:]
    assert header == ["date", *KPI_LABELS], where
    hourly = case.start == case.end
    expected = case.rows(["time:hour" if hourly else "time:day"])
    if hourly:
        zone = ZoneInfo(SITES[case.domain])
        first = datetime(case.start.year, case.start.month, case.start.day, tzinfo=zone).astimezone(timezone.utc)
        labels = list(dict.fromkeys(
            (first + timedelta(hours=h)).astimezone(zone).strftime("%Y-%m-%d %H:00:00") for h in range(26)
            if (first + timedelta(hours=h)).astimezone(zone).date() == case.start
        ))
    else:
        labels = [(case.start + timedelta(days=d)).isoformat() for d in range((case.end - case.start).days + 1)]
    assert [row[0] for row in rows] == labels, where
    assert set(key[0] for key in expected) <= set(labels), where
    for row in rows:
        raw = expected.get((row[0],), ZERO)
        for metric, cell in zip(header[1:], row[1:]):
            exact = model_value(metric, raw, {})
            assert any(abs(float(cell) - c) < 1e-6 for c in number_choices(metric, exact)), \
                f"{where} {row[0]} {metric}: {cell}, model {exact}"


# The test -------------------------------------------------------------------------------------


@dataclass
class Pages:
    data: Dataset
    client: httpx.Client


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pages]:
    with ingested(tmp_path_factory.mktemp("correctness-pages") / "data") as data:
        client = login(data.server, ADMIN_EMAIL, ADMIN_PASSWORD)
        try:
            yield Pages(data, client)
        finally:
            client.close()


def case_of(pages: Pages, domain: str, period: str, filter_set: str) -> Case:
    full, day, _ = ranges(pages.data, domain)
    start, end = full if period == "full" else day
    return Case(pages.data, domain, start, end, FILTER_SETS[filter_set])


def get(pages: Pages, path: str, case: Case, **extra: str) -> str:
    response = pages.client.get(path, params=[*case.params, *extra.items()])
    assert response.status_code == 200, f"{path}: {response.status_code}"
    return response.text


@pytest.mark.parametrize("domain", list(SITES))
@pytest.mark.parametrize(("period", "filter_set"), CASES)
def test_dashboard_kpis_and_cards_match_the_model(pages: Pages, domain: str, period: str, filter_set: str) -> None:
    case = case_of(pages, domain, period, filter_set)
    where = f"{domain} {case.start}..{case.end} {filter_set}"
    html = get(pages, f"/sites/{case.site_id}", case)
    assert 'role="alert"' not in html, f"{where}: the page shows an error"
    check_kpis(case, html, where)
    tables = read_tables(html)
    cards = {table["section"]: table for table in tables.tables}
    for card_id, _, tabs in CARDS:
        report = REPORTS[tabs[0][0]]  # the tab a card shows first
        expected = case.report(report)
        if not expected:
            assert f"card-{card_id}" not in cards, f"{where} {card_id}: rows where the model has none"
            continue
        table = cards[f"card-{card_id}"]
        check_table(case, report, table, expected[:9], table_metrics(table), f"{where} card {card_id}")
        details = tables.details.get(f"card-{card_id}", "")
        assert details == (f"Details ({len(expected):,})" if len(expected) > 9 else "Details"), f"{where} {card_id}"
    props = case.report(property_report(PROPERTY_KEY))
    if props:
        check_table(case, property_report(PROPERTY_KEY), cards["card-props"], props[:9],
                    table_metrics(cards["card-props"]), f"{where} card props")
    else:
        assert "card-props" not in cards, where


@pytest.mark.parametrize("domain", list(SITES))
@pytest.mark.parametrize(("period", "filter_set"), CASES)
def test_every_report_csv_matches_the_model(pages: Pages, domain: str, period: str, filter_set: str) -> None:
    case = case_of(pages, domain, period, filter_set)
    where = f"{domain} {case.start}..{case.end} {filter_set}"
    base = f"/sites/{case.site_id}/export"
    for report in [*REPORTS.values(), property_report(PROPERTY_KEY)]:
        extra = {"key": PROPERTY_KEY} if report.name == "props" else {}
        check_csv(case, report, get(pages, f"{base}/{report.name}.csv", case, **extra), f"{where} {report.name}.csv")
    check_timeseries(case, get(pages, f"{base}/timeseries.csv", case), f"{where} timeseries.csv")
    kpis = list(csv.reader(io.StringIO(get(pages, f"{base}/kpis.csv", case).lstrip("\ufeff"))))
    assert kpis[0] == ["metric", "value", "previous", "change"]
    now, before = case.total(), case.previous_total()
    for metric, value, previous, _ in kpis[1:]:
        for cell, raw in ((value, now), (previous, before)):
            exact = model_value(metric, raw, {})
            assert any(abs(float(cell) - c) < 1e-6 for c in number_choices(metric, exact)), f"{where} kpis {metric}"
    assert [row[0] for row in kpis[1:]] == list(KPI_LABELS), where


@pytest.mark.parametrize("domain", list(SITES))
@pytest.mark.parametrize(("period", "filter_set"), [("full", "none"), ("full", "country"), ("day", "page")])
def test_full_report_pages_match_the_model(pages: Pages, domain: str, period: str, filter_set: str) -> None:
    case = case_of(pages, domain, period, filter_set)
    where = f"{domain} {case.start}..{case.end} {filter_set}"
    for name in FULL_REPORT_PAGES:
        report = REPORTS[name]
        html = get(pages, f"/sites/{case.site_id}/reports/{name}", case)
        expected = case.report(report)
        tables = read_tables(html).tables
        if not expected:
            assert not tables and "No data for this period." in html, f"{where} {name}"
            continue
        (table,) = tables
        check_table(case, report, table, expected, table_metrics(table), f"{where} {name} page")
        assert f"Page 1 · {len(expected):,} rows" in html, f"{where} {name}"
