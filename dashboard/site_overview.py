"""The numbers on the sites list: visitors in the last 30 days and a sparkline of visitors per day."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from markupsafe import Markup

DAYS = 30
SPARK_WIDTH = 120
SPARK_HEIGHT = 28


def overview(storage: Any, site_ids: list[int], now: datetime | None = None) -> dict[int, dict[str, Any]]:
    """``{site_id: {"visitors": 123, "daily": [per-day visitors, oldest first]}}`` over the last 30 UTC days."""
    if not site_ids:
        return {}
    today = (now or datetime.now(timezone.utc)).date()
    first = today - timedelta(days=DAYS - 1)
    params = {"sites": site_ids, "since": datetime(first.year, first.month, first.day, tzinfo=timezone.utc)}
    where = "site_id IN {sites:Array(UInt32)} AND timestamp >= {since:DateTime64(3, 'UTC')} AND event_type = 'pageview'"
    totals = dict(storage.query(f"SELECT site_id, uniq(visitor_id) FROM events WHERE {where} GROUP BY site_id", params))
    daily: dict[int, dict[date, int]] = {}
    for site_id, day, visitors in storage.query(
        f"SELECT site_id, toDate(timestamp) AS day, uniq(visitor_id) FROM events WHERE {where} GROUP BY site_id, day",
        params,
    ):
        daily.setdefault(int(site_id), {})[day] = int(visitors)
    days = [first + timedelta(days=offset) for offset in range(DAYS)]
    return {
        site_id: {"visitors": int(totals.get(site_id, 0)), "daily": [daily.get(site_id, {}).get(d, 0) for d in days]}
        for site_id in site_ids
    }


def sparkline(values: list[int], label: str) -> Markup:
    """A tiny inline SVG line (attributes only: the CSP forbids inline styles)."""
    top = max(values, default=0) or 1
    step = SPARK_WIDTH / max(len(values) - 1, 1)
    points = " ".join(
        f"{index * step:.1f},{SPARK_HEIGHT - 2 - (SPARK_HEIGHT - 4) * value / top:.1f}" for index, value in enumerate(values)
    )
    return Markup(
        f'<svg class="spark" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" '
        f'role="img" aria-label="{Markup.escape(label)}"><polyline points="{points}"/></svg>'
    )
