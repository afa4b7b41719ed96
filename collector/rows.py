"""A hit turned into one row of the events table (its columns are in ``footfall.schema``).

A row is plain JSON-able data (the timestamp as epoch milliseconds) so the
spool can write it as is; ``for_insert`` turns it into what clickhouse-connect
takes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from collector.hit import Hit
from footfall.schema import COLUMNS

TIMESTAMP_INDEX = COLUMNS.index("timestamp")
VISIT_START_INDEX = COLUMNS.index("visit_start")
# Rows spooled before sql/0040 carried a random hit_id right after visit_start; a segment an
# older version left behind (a crash, then an upgrade) is stored without it.
SPOOLED_HIT_ID_INDEX = VISIT_START_INDEX + 1

Row = list[Any]


def to_row(hit: Hit) -> Row:
    assert hit.timestamp is not None
    row: Row = [getattr(hit, name) for name in COLUMNS]
    row[TIMESTAMP_INDEX] = int(hit.timestamp.timestamp() * 1000)
    return row


def from_spool(row: Row) -> Row:
    """A spooled row in today's column layout, whichever version wrote it."""
    if len(row) == len(COLUMNS) + 1:
        return row[:SPOOLED_HIT_ID_INDEX] + row[SPOOLED_HIT_ID_INDEX + 1:]
    return row


def for_insert(row: Row) -> Row:
    converted = list(row)
    for index in (TIMESTAMP_INDEX, VISIT_START_INDEX):
        converted[index] = datetime.fromtimestamp(row[index] / 1000, tz=timezone.utc)
    return converted
