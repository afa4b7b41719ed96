"""Retention on real chdb: per-site deletes, the table TTL, and the server's periodic task."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from footfall import retention
from footfall.metadata.sites import Site
from footfall.storage.clickhouse import Storage
from tests.support import LiveServer, free_port, make_settings

COLUMNS = ("site_id", "timestamp", "visitor_id", "event_type", "visit_id", "visit_start")
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def aged(site_id: int, days: int, visit_id: int) -> list:
    # One visit per hit, starting with it (the visits table is kept from the events); the visit names the hit.
    return [site_id, NOW - timedelta(days=days), 1, "pageview", visit_id, NOW - timedelta(days=days)]


def site(site_id: int, retention_days: int = 0) -> Site:
    return Site(id=site_id, name=f"site {site_id}", domains=(f"s{site_id}.example",), retention_days=retention_days)


def visit_ids(storage: Storage) -> list[tuple[int, int]]:
    return storage.query("SELECT site_id, visit_id FROM events ORDER BY site_id, visit_id")


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
    assert visit_ids(storage) == [(1, 2), (1, 3), (2, 4), (2, 5), (3, 6)]

    # A global limit applies to every site; a site's own limit can only shorten it.
    deleted = retention.purge(storage, [site(1, 30), site(2), site(3, 200)], global_days=60, now=NOW)
    assert deleted == {2: 1, 3: 1}
    assert visit_ids(storage) == [(1, 2), (1, 3), (2, 4)]
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
    assert visit_ids(storage) == [(1, 2)]
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
        assert visit_ids(server.services.storage) == [(short.id, 2), (long.id, 3)]
        assert retention.table_ttl_days(server.services.storage) == 365
    finally:
        server.stop()


def test_retention_is_on_by_default_at_25_months() -> None:
    from footfall.settings import Settings

    assert Settings().retention_days == retention.CNIL_MAX_DAYS == 758
    # 758 days never exceed 25 calendar months, whatever day they start on.
    start = datetime(2027, 2, 1, tzinfo=timezone.utc)
    assert start + timedelta(days=758) <= datetime(2029, 3, 1, tzinfo=timezone.utc)


def test_every_table_with_visitor_ids_is_under_retention(storage: Storage) -> None:
    tables = {
        name
        for (name,) in storage.query(
            "SELECT DISTINCT c.table FROM system.columns AS c INNER JOIN system.tables AS t "
            "ON t.database = c.database AND t.name = c.table WHERE c.database = currentDatabase() "
            "AND c.name = 'visitor_id' AND t.engine NOT IN ('MaterializedView', 'View', 'Distributed')"
        )
    }
    by_visitor = {table.name for table in retention.VISITOR_TABLES if table.by_visitor}
    assert tables == by_visitor == {"events", "visits"}
    # Derived from them, without the IDs themselves: the report archives' visitor sketches.
    assert {table.name for table in retention.VISITOR_TABLES} - by_visitor == {"archives"}


def test_rows_past_the_default_ttl_expire_when_clickhouse_merges(storage: Storage) -> None:
    from footfall.metadata.db import Database
    from footfall.metadata.privacy_log import PrivacyLog

    log = PrivacyLog(Database(":memory:"))
    storage.insert("events", [aged(1, 800, 1), aged(1, 759, 2), aged(1, 757, 3), aged(1, 1, 4)], COLUMNS)
    assert len(visit_ids(storage)) == 4
    assert retention.apply_ttls(storage, retention.CNIL_MAX_DAYS, log) == ["events", "visits", "archives"]
    storage.command("OPTIMIZE TABLE events FINAL")
    assert visit_ids(storage) == [(1, 3), (1, 4)]
    # A row written today that is already past the TTL is never kept.
    storage.insert("events", [aged(1, 900, 5)], COLUMNS)
    storage.command("OPTIMIZE TABLE events FINAL")
    assert visit_ids(storage) == [(1, 3), (1, 4)]
    assert [(e.kind, e.detail) for e in reversed(log.entries())] == [
        ("retention-ttl", "events: 758 days"), ("retention-ttl", "visits: 758 days"),
        ("retention-ttl", "archives: 758 days")]
    assert retention.table_ttl_days(storage, retention.VISITOR_TABLES[1]) == 758


def test_expiries_say_what_goes_when(storage: Storage) -> None:
    storage.insert("events", [aged(1, 20, 1), aged(1, 5, 2), aged(2, 3, 3)], COLUMNS)
    found = {e.site_id: e for e in retention.expiries(storage, [site(1, 30), site(2), site(3, 10)], 0, now=NOW)}
    one = found[1]
    assert one.days == 30 and one.cutoff == NOW - timedelta(days=30)
    assert one.oldest == NOW - timedelta(days=20)
    assert one.expires_next == NOW + timedelta(days=10)
    assert one.next_30_days == 4  # both events and their visits are older than 30 days in 30 days
    assert (found[2].days, found[2].expires_next, found[2].next_30_days) == (0, None, 0)
    assert (found[3].days, found[3].oldest, found[3].expires_next) == (10, None, None)
    assert retention.expiry_from_json(retention.expiry_to_json(one)) == one


def test_purges_are_written_to_the_privacy_log(storage: Storage) -> None:
    from footfall.metadata.db import Database
    from footfall.metadata.privacy_log import PrivacyLog

    log = PrivacyLog(Database(":memory:"))
    storage.insert("events", [aged(1, 40, 1), aged(1, 50, 2), aged(1, 1, 3)], COLUMNS)
    assert retention.enforce(storage, [site(1, 30)], 60, log) == {1: 2}
    kinds = [(e.kind, e.site_id, e.rows) for e in log.entries()]
    assert ("retention-purge", 1, 2) in kinds and ("retention-ttl", None, 0) in kinds
    assert log.state("last_retention_run") is not None


def test_the_cli_shows_what_expires_when(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from footfall.app.cli import main
    from footfall.app.services import build

    services = build(make_settings(tmp_path))
    try:
        shop = services.sites.add("shop", ["shop.example"], retention_days=30)
        services.sites.add("blog", ["blog.example"])
        services.storage.insert("events", [aged(shop.id, 20, 1)], COLUMNS)
    finally:
        services.close()
    result = CliRunner().invoke(main, ["retention", "--data-dir", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Global retention: 758 days (settings.retention_days), on events, visits" in result.output
    goes = (NOW + timedelta(days=10)).strftime("%Y-%m-%d")
    assert f"30 days: rows before {(NOW - timedelta(days=30)):%Y-%m-%d}" in result.output
    assert f"goes on {goes}, 2 row(s) within 30 days" in result.output  # the event and its visit
    assert "758 days: rows before" in result.output and "no data yet" in result.output
