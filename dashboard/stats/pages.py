"""Pages: top pages, entry pages, exit pages, page titles."""

from __future__ import annotations

from typing import Any

from dashboard.stats.breakdown import Result, breakdown
from dashboard.stats.query import StatsQuery

PAGE_METRICS = ["visitors", "pageviews", "bounce_rate", "visit_duration"]
ENTRY_METRICS = ["visitors", "visits", "bounce_rate", "visit_duration"]
EXIT_METRICS = ["visitors", "visits"]


def top_pages(storage: Any, query: StatsQuery, *, limit: int = 10, offset: int = 0, metrics: list[str] | None = None) -> Result:
    return breakdown(storage, query, ["event:page"], metrics or PAGE_METRICS, limit=limit, offset=offset)


def entry_pages(storage: Any, query: StatsQuery, *, limit: int = 10, offset: int = 0, metrics: list[str] | None = None) -> Result:
    return breakdown(storage, query, ["visit:entry_page"], metrics or ENTRY_METRICS, limit=limit, offset=offset)


def exit_pages(storage: Any, query: StatsQuery, *, limit: int = 10, offset: int = 0, metrics: list[str] | None = None) -> Result:
    return breakdown(storage, query, ["visit:exit_page"], metrics or EXIT_METRICS, limit=limit, offset=offset)


def page_titles(storage: Any, query: StatsQuery, *, limit: int = 10, offset: int = 0, metrics: list[str] | None = None) -> Result:
    return breakdown(storage, query, ["event:title"], metrics or ["visitors", "pageviews"], limit=limit, offset=offset)
