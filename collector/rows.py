"""The events table's columns, and a hit turned into one row of them.

A row is plain JSON-able data (the timestamp as epoch milliseconds) so the
spool can write it as is; ``for_insert`` turns it into what clickhouse-connect
takes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from collector.hit import Hit

COLUMNS: tuple[str, ...] = (
    "site_id",
    "timestamp",
    "visitor_id",
    "visit_id",
    "visit_start",
    "hit_id",
    "event_type",
    "user_id_hash",
    "pageview_id",
    "hostname",
    "pathname",
    "url",
    "title",
    "referrer",
    "referrer_host",
    "referrer_type",
    "referrer_name",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "event_category",
    "event_action",
    "event_name",
    "event_value",
    "props",
    "goal_id",
    "revenue",
    "search_keyword",
    "search_category",
    "search_count",
    "link_url",
    "engagement_ms",
    "scroll_depth",
    "country_code",
    "region",
    "city",
    "browser",
    "browser_version",
    "os",
    "os_version",
    "device_type",
    "screen_size",
    "language",
    "visit_count",
    "ip_truncated",
)
TIMESTAMP_INDEX = COLUMNS.index("timestamp")
VISIT_START_INDEX = COLUMNS.index("visit_start")

Row = list[Any]


def to_row(hit: Hit) -> Row:
    assert hit.timestamp is not None
    row: Row = [getattr(hit, name) for name in COLUMNS]
    row[TIMESTAMP_INDEX] = int(hit.timestamp.timestamp() * 1000)
    return row


def for_insert(row: Row) -> Row:
    converted = list(row)
    for index in (TIMESTAMP_INDEX, VISIT_START_INDEX):
        converted[index] = datetime.fromtimestamp(row[index] / 1000, tz=timezone.utc)
    return converted
