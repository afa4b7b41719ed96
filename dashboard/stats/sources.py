"""Sources: where visits come from (first hit of the visit)."""

from __future__ import annotations

from typing import Any

from dashboard.stats.breakdown import Result, breakdown
from dashboard.stats.query import StatsQuery

SOURCE_METRICS = ["visitors", "visits", "bounce_rate", "visit_duration"]
# Report name → dimension.
REPORTS = {
    "sources": "visit:source",
    "channels": "visit:channel",
    "referrers": "visit:referrer",
    "search_engines": "visit:search_engine",
    "social_networks": "visit:social_network",
    "utm_sources": "visit:utm_source",
    "utm_mediums": "visit:utm_medium",
    "utm_campaigns": "visit:utm_campaign",
    "utm_terms": "visit:utm_term",
    "utm_contents": "visit:utm_content",
}


def sources(
    storage: Any, query: StatsQuery, report: str = "sources", *, limit: int = 10, offset: int = 0, metrics: list[str] | None = None
) -> Result:
    """One of ``REPORTS``: visitors and visits per source, referrer, search engine, UTM value, ..."""
    return breakdown(storage, query, [REPORTS[report]], metrics or SOURCE_METRICS, limit=limit, offset=offset)
