"""Audience: countries, regions, cities, browsers, OS, devices, screen sizes, languages."""

from __future__ import annotations

from typing import Any

from dashboard.stats.breakdown import Result, breakdown
from dashboard.stats.query import StatsQuery

AUDIENCE_METRICS = ["visitors", "percentage"]
REPORTS = {
    "countries": "visit:country",
    "regions": "visit:region",
    "cities": "visit:city",
    "browsers": "visit:browser",
    "browser_versions": "visit:browser_version",
    "operating_systems": "visit:os",
    "os_versions": "visit:os_version",
    "devices": "visit:device",
    "screen_sizes": "visit:screen",
    "languages": "visit:language",
}


def audience(
    storage: Any, query: StatsQuery, report: str = "countries", *, limit: int = 10, offset: int = 0, metrics: list[str] | None = None
) -> Result:
    """One of ``REPORTS``: visitors (and share of all visitors) per value."""
    return breakdown(storage, query, [REPORTS[report]], metrics or AUDIENCE_METRICS, limit=limit, offset=offset)
