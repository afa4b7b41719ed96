"""Every report the dashboard shows: its title, the dimension a click filters on, and how to run it.

The numbers come from ``dashboard.stats``; this module only names and groups the reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from dashboard.stats import actions, audience, pages, sources
from dashboard.stats.breakdown import Request, Result
from dashboard.stats.query import StatsQuery

Runner = Callable[[Any, StatsQuery, int, int], Result]


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    column: str  # header of the label column
    dimension: str  # what clicking a row filters on
    run: Runner
    # For a plain breakdown by ``dimension``: its metrics, so a page can ask for several reports at once.
    metrics: tuple[str, ...] = ()

    def request(self, limit: int, offset: int = 0) -> Request | None:
        """The report as one request of ``breakdown.breakdowns``; None when it is more than a breakdown."""
        return Request((self.dimension,), self.metrics, limit=limit, offset=offset) if self.metrics else None


def _pages(func: Callable[..., Result]) -> Runner:
    return lambda storage, query, limit, offset: func(storage, query, limit=limit, offset=offset)


def _sources(report: str, title: str, column: str) -> Report:
    """A sources report; its dimension is the one ``sources.REPORTS`` names."""
    return Report(report, title, column, sources.REPORTS[report],
                  lambda storage, query, limit, offset: sources.sources(storage, query, report, limit=limit, offset=offset),
                  tuple(sources.SOURCE_METRICS))


def _audience(report: str, title: str, column: str) -> Report:
    """An audience report; its dimension is the one ``audience.REPORTS`` names."""
    return Report(report, title, column, audience.REPORTS[report],
                  lambda storage, query, limit, offset: audience.audience(storage, query, report, limit=limit, offset=offset),
                  tuple(audience.AUDIENCE_METRICS))


REPORTS: dict[str, Report] = {
    report.name: report
    for report in (
        Report("top_pages", "Top pages", "Page", "event:page", _pages(pages.top_pages)),
        Report("entry_pages", "Entry pages", "Entry page", "visit:entry_page", _pages(pages.entry_pages),
               tuple(pages.ENTRY_METRICS)),
        Report("exit_pages", "Exit pages", "Exit page", "visit:exit_page", _pages(pages.exit_pages),
               tuple(pages.EXIT_METRICS)),
        Report("page_titles", "Page titles", "Title", "event:title", _pages(pages.page_titles)),
        _sources("sources", "Sources", "Source"),
        _sources("channels", "Channels", "Channel"),
        _sources("referrers", "Referrers", "Referrer"),
        _sources("search_engines", "Search engines", "Search engine"),
        _sources("social_networks", "Social networks", "Network"),
        _sources("utm_sources", "UTM sources", "utm_source"),
        _sources("utm_mediums", "UTM mediums", "utm_medium"),
        _sources("utm_campaigns", "UTM campaigns", "utm_campaign"),
        _sources("utm_terms", "UTM terms", "utm_term"),
        _sources("utm_contents", "UTM contents", "utm_content"),
        _audience("countries", "Countries", "Country"),
        _audience("regions", "Regions", "Region"),
        _audience("cities", "Cities", "City"),
        _audience("browsers", "Browsers", "Browser"),
        _audience("operating_systems", "Operating systems", "OS"),
        _audience("devices", "Devices", "Device"),
        _audience("screen_sizes", "Screen sizes", "Screen"),
        _audience("languages", "Languages", "Language"),
        Report("custom_events", "Custom events", "Event", "event:name", _pages(actions.custom_events)),
        Report("event_categories", "Event categories", "Category", "event:category", _pages(actions.event_categories)),
        Report("event_actions", "Event actions", "Action", "event:action", _pages(actions.event_actions)),
        Report("goals", "Goals", "Goal", "event:goal", _pages(actions.goals)),
        Report("search_terms", "Site search", "Search term", "event:search_term", _pages(actions.search_terms)),
        Report("outlinks", "Outlinks", "Link", "event:outlink", _pages(actions.outlinks)),
        Report("downloads", "Downloads", "File", "event:download", _pages(actions.downloads)),
    )
}


def property_report(key: str) -> Report:
    """Values of one custom-event property."""
    return Report(
        "props",
        f"Property: {key}",
        key,
        f"event:props:{key}",
        lambda storage, query, limit, offset: actions.event_properties(storage, query, key, limit=limit, offset=offset),
    )


# The cards of the dashboard, each a group of reports shown one at a time (tabs are links).
CARDS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("pages", "Pages", [("top_pages", "Top"), ("entry_pages", "Entry"), ("exit_pages", "Exit"), ("page_titles", "Titles")]),
    ("sources", "Sources", [("sources", "Sources"), ("channels", "Channels"), ("referrers", "Referrers"),
                            ("search_engines", "Search"), ("social_networks", "Social")]),
    ("campaigns", "Campaigns", [("utm_sources", "Source"), ("utm_mediums", "Medium"), ("utm_campaigns", "Campaign"),
                                ("utm_terms", "Term"), ("utm_contents", "Content")]),
    ("locations", "Locations", [("countries", "Countries"), ("regions", "Regions"), ("cities", "Cities")]),
    ("devices", "Devices", [("browsers", "Browsers"), ("operating_systems", "OS"), ("devices", "Devices"),
                            ("screen_sizes", "Screens"), ("languages", "Languages")]),
    ("goals", "Goals & events", [("goals", "Goals"), ("custom_events", "Events"), ("event_categories", "Categories")]),
    ("behaviour", "Search & links", [("search_terms", "Site search"), ("outlinks", "Outlinks"), ("downloads", "Downloads")]),
]

DIMENSION_LABELS = {
    "event:page": "Page",
    "event:title": "Title",
    "event:name": "Event",
    "event:goal": "Goal",
    "event:category": "Event category",
    "event:action": "Event action",
    "event:search_term": "Search term",
    "event:outlink": "Outlink",
    "event:download": "Download",
    "event:hostname": "Hostname",
    "visit:entry_page": "Entry page",
    "visit:exit_page": "Exit page",
    "visit:source": "Source",
    "visit:channel": "Channel",
    "visit:referrer": "Referrer",
    "visit:search_engine": "Search engine",
    "visit:social_network": "Social network",
    "visit:utm_source": "UTM source",
    "visit:utm_medium": "UTM medium",
    "visit:utm_campaign": "UTM campaign",
    "visit:utm_term": "UTM term",
    "visit:utm_content": "UTM content",
    "visit:country": "Country",
    "visit:region": "Region",
    "visit:city": "City",
    "visit:browser": "Browser",
    "visit:os": "OS",
    "visit:device": "Device",
    "visit:screen": "Screen size",
    "visit:language": "Language",
}
OPERATOR_LABELS = {"is": "is", "is_not": "is not", "contains": "contains", "contains_not": "does not contain",
                   "matches": "matches", "matches_not": "does not match"}


def dimension_label(name: str) -> str:
    if name.startswith("event:props:"):
        return "Property " + name[len("event:props:"):]
    return DIMENSION_LABELS.get(name, name)


METRIC_LABELS = {
    "visitors": "Visitors",
    "visits": "Visits",
    "pageviews": "Pageviews",
    "views_per_visit": "Views per visit",
    "bounce_rate": "Bounce rate",
    "visit_duration": "Visit duration",
    "events": "Events",
    "percentage": "%",
    "conversion_rate": "Conversion rate",
    "total_revenue": "Revenue",
}
SHORT_METRIC_LABELS = {**METRIC_LABELS, "views_per_visit": "Views/visit", "bounce_rate": "Bounce",
                       "visit_duration": "Duration", "conversion_rate": "CR"}
