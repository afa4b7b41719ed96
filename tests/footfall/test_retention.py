"""Retention on real chdb: per-site deletes, the table TTL, and the server's periodic task."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from footfall import retention
from footfall.metadata.sites import Site
from footfall.storage.clickhouse import Storage
from tests.support import LiveServer, free_port, make_settings

COLUMNS = ("site_id", "timestamp", "visitor_id", "hit_id", "event_type")
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def aged(site_id: int, days: int, hit_id: int) -> list:
    return [site_id, NOW - timedelta(days=days), 1, hit_id, "pageview"]


def site(site_id: int, retention_days: int = 0) -> Site:
    return Site(id=site_id, name=f"site {site_id}", domains=(f"s{site_id}.example",), retention_days=retention_days)


def hit_ids(storage: Storage) -> list[tuple[int, int]]:
    return storage.query("SELECT site_id, hit_id FROM events ORDER BY site_id, hit_id")


def test_effective_retention_is_the_shorter_limit() -> None:
    assert retention.effective_days(0, 0) == 0
    assert retention.effective_days(0, 30) == 30
    assert retention.effective_days(90, 0) == 90
    assert retention.effective_days(90, 30) == 30
    assert retention.effective_days(30, 90) == 30


def test_purge_deletes_old_events_of_the_right_site_only(storage: Storage) -> None:
    storage.insert(
        "events",
        [aged(1, 40, 1), aged(1, 20, 2), aged(1, 0, 3), aged(2, 40, 4), aged(2, 400, 5), aged(3, 100, 6)],
        COLUMNS,
    )
    deleted = retention.purge(storage, [site(1, 30), site(2), site(3, 200)], global_days=0, now=NOW)
    assert deleted == {1: 1}
    assert hit_ids(storage) == [(1, 2), (1, 3), (2, 4), (2, 5), (3, 6)]

    # A global limit applies to every site; a site's own limit can only shorten it.
    deleted = retention.purge(storage, [site(1, 30), site(2), site(3, 200)], global_days=60, now=NOW)
    assert deleted == {2: 1, 3: 1}
    assert hit_ids(storage) == [(1, 2), (1, 3), (2, 4)]
    assert retention.purge(storage, [site(1, 30), site(2)], global_days=60, now=NOW) == {}


def test_table_ttl_is_applied_once_and_removed_again(storage: Storage) -> None:
    assert retention.table_ttl_days(storage) is None
    assert retention.apply_table_ttl(storage, 0) is False
    assert retention.apply_table_ttl(storage, 30) is True
    assert retention.table_ttl_days(storage) == 30
    assert retention.apply_table_ttl(storage, 30) is False
    assert retention.apply_table_ttl(storage, 45) is True
    assert retention.table_ttl_days(storage) == 45
    # The TTL is what ClickHouse enforces on merges: an old row inserted now does not survive one.
    storage.insert("events", [aged(1, 50, 1), aged(1, 5, 2)], COLUMNS)
    storage.command("OPTIMIZE TABLE events FINAL")
    assert hit_ids(storage) == [(1, 2)]
    assert retention.apply_table_ttl(storage, 0) is True
    assert retention.table_ttl_days(storage) is None


def test_the_server_enforces_retention_when_it_starts(data_dir: Path) -> None:
    server = LiveServer(make_settings(data_dir, port=free_port(), retention_days=365))
    try:
        short = server.add_site("short.example", retention_days=7)
        long = server.add_site("long.example")
        server.services.storage.insert(
            "events",
            [aged(short.id, 10, 1), aged(short.id, 1, 2), aged(long.id, 10, 3), aged(long.id, 400, 4)],
            COLUMNS,
        )
        server.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and server.count() != 2:
            time.sleep(0.1)
        assert hit_ids(server.services.storage) == [(short.id, 2), (long.id, 3)]
        assert retention.table_ttl_days(server.services.storage) == 365
    finally:
        server.stop()
