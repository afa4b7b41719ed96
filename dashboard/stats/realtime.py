"""Realtime: who is on the site right now (the last 30 minutes)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from dashboard.stats.query import Params

WINDOW_MINUTES = 30


def _window(params: Params, site_id: int, minutes: int, now: datetime) -> tuple[str, str]:
    """The condition for the hits of the last ``minutes`` before ``now``, and the bound ``now``."""
    site = params.bind(site_id, "UInt32")
    since = params.bind(now - timedelta(minutes=minutes), "DateTime64(3, 'UTC')")
    until = params.bind(now, "DateTime64(3, 'UTC')")
    # The day condition is implied by the time one, but only it lets the ordering key (site, day, ...) skip the other days.
    return (f"site_id = {site} AND toDate(timestamp) >= toDate({since}) AND timestamp >= {since} "
            f"AND timestamp <= {until}"), until


def _totals(storage: Any, params: Params, where: str) -> tuple[int, int]:
    row = storage.query(
        f"SELECT uniqExact(visitor_id), countIf(event_type = 'pageview') FROM events WHERE {where}", params.values
    )[0]
    return int(row[0]), int(row[1])


def current_visitors(storage: Any, site_id: int, *, minutes: int = WINDOW_MINUTES, now: datetime | None = None) -> int:
    """Unique visitors with any hit in the last ``minutes`` minutes."""
    params = Params()
    where, _ = _window(params, site_id, minutes, now or datetime.now(timezone.utc))
    return _totals(storage, params, where)[0]


def realtime(
    storage: Any, site_id: int, *, minutes: int = WINDOW_MINUTES, now: datetime | None = None, limit: int = 10
) -> dict[str, Any]:
    """Visitors and pageviews in the last ``minutes``, per minute (oldest first), and the pages being viewed."""
    now = now or datetime.now(timezone.utc)
    params = Params()
    where, until = _window(params, site_id, minutes, now)
    totals = _totals(storage, params, where)
    minute_rows = storage.query(
        f"SELECT dateDiff('minute', timestamp, {until}) AS ago, uniqExact(visitor_id), countIf(event_type = 'pageview') "
        f"FROM events WHERE {where} GROUP BY ago",
        params.values,
    )
    by_minute = {int(ago): (int(v), int(p)) for ago, v, p in minute_rows}
    series = [
        {"minutes_ago": ago, "visitors": by_minute.get(ago, (0, 0))[0], "pageviews": by_minute.get(ago, (0, 0))[1]}
        for ago in range(minutes - 1, -1, -1)
    ]
    pages = storage.query(
        f"SELECT pathname, uniqExact(visitor_id) AS visitors FROM events WHERE {where} AND event_type = 'pageview' "
        f"GROUP BY pathname ORDER BY visitors DESC, pathname ASC LIMIT {params.bind(limit, 'UInt32')}",
        params.values,
    )
    return {
        "visitors": int(totals[0]),
        "pageviews": int(totals[1]),
        "minutes": minutes,
        "series": series,
        "pages": [{"value": str(path), "visitors": int(visitors)} for path, visitors in pages],
    }
