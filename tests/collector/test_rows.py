"""A hit as a row of the events table, as the spool writes it and ClickHouse takes it."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from collector.pipeline import run
from collector.rows import COLUMNS, TIMESTAMP_INDEX, for_insert, to_row
from footfall.storage.clickhouse import Storage
from tests.collector.builders import make_context, make_hit


def test_columns_match_the_events_table(storage: Storage) -> None:
    table = [row[0] for row in storage.query(
        "SELECT name FROM system.columns WHERE table = 'events' AND database = currentDatabase() ORDER BY position")]
    assert list(COLUMNS) == [name for name in table if name in COLUMNS]
    assert set(COLUMNS) <= set(table)


def test_row_is_json_and_round_trips_the_timestamp() -> None:
    when = datetime(2024, 5, 14, 12, 30, 15, 123000, tzinfo=timezone.utc)
    context = make_context()
    hit = make_hit(timestamp=when, props={"plan": "pro"}, title="Ä")
    assert run(hit, context) is None
    row = to_row(hit)
    assert len(row) == len(COLUMNS)
    assert json.loads(json.dumps(row)) == row
    assert row[TIMESTAMP_INDEX] == int(when.timestamp() * 1000)
    assert for_insert(row)[TIMESTAMP_INDEX] == when
    assert dict(zip(COLUMNS, row))["props"] == {"plan": "pro"}


def test_a_row_is_stored_as_it_was_built(storage: Storage) -> None:
    context = make_context()
    hit = make_hit(timestamp=datetime(2024, 5, 14, 12, 0, tzinfo=timezone.utc), event_type="event",
                   event_category="Video", event_value=None, props={"a": "b"})
    assert run(hit, context) is None
    row = to_row(hit)
    storage.insert("events", [for_insert(row)], COLUMNS)
    [stored] = storage.query_dicts("SELECT * FROM events")
    inserted = for_insert(row)
    for index, (name, value) in enumerate(zip(COLUMNS, row)):
        if name in ("timestamp", "visit_start"):
            assert stored[name].replace(tzinfo=timezone.utc) == inserted[index]
        else:
            assert stored[name] == value, name
