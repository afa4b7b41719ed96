"""Numbered ClickHouse migrations: recorded, idempotent, and renderable for a cluster."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from footfall.app.cli import main
from footfall.paths import SQL_DIR
from footfall.schema import COLUMNS
from footfall.storage import migrations
from footfall.storage.clickhouse import Storage


def test_files_are_numbered_in_order_without_duplicates() -> None:
    # Numbers are handed out in ranges (0004-0009, 0010-0019, 0020-0029) so that schema work done
    # side by side never collides: a range may start after a gap, but no number is used twice.
    found = migrations.discover()
    versions = [m.version for m in found]
    assert versions[:3] == [1, 2, 3]
    assert versions == sorted(set(versions))
    assert all(re.fullmatch(r"\d{4}_[a-z0-9_]+\.sql", m.path.name) for m in found)
    assert len(found) == len(list(SQL_DIR.glob("*.sql")))


def test_applied_versions_are_recorded(storage: Storage) -> None:
    versions = [m.version for m in migrations.discover()]
    rows = storage.query("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [row[0] for row in rows] == versions
    assert [row[1] for row in rows] == [m.name for m in migrations.discover()]
    tables = {row[0] for row in storage.query("SHOW TABLES")}
    assert {"events", "dropped_hits", "schema_migrations"} <= tables


def test_migrating_again_changes_nothing(storage: Storage) -> None:
    assert migrations.migrate(storage) == []
    assert migrations.pending(storage) == []
    count = storage.query("SELECT count() FROM schema_migrations")[0][0]
    assert count == len(migrations.discover())


def test_events_table_layout(storage: Storage) -> None:
    engine, partition, sorting = storage.query(
        "SELECT engine, partition_key, sorting_key FROM system.tables WHERE name = 'events' AND database = currentDatabase()"
    )[0]
    assert engine == "MergeTree"
    assert partition == "toYYYYMM(timestamp)"
    assert sorting.startswith("site_id, toDate(timestamp), visitor_id")
    types = dict(storage.query("SELECT name, type FROM system.columns WHERE table = 'events' AND database = currentDatabase()"))
    assert types["event_type"] == "LowCardinality(String)"
    assert types["country_code"] == "LowCardinality(String)"


def test_a_new_file_is_applied_once(storage: Storage, tmp_path: Path) -> None:
    for migration in migrations.discover():
        (tmp_path / migration.path.name).write_text(migration.sql)
    extra = tmp_path / "0999_test_extra.sql"
    extra.write_text("CREATE TABLE IF NOT EXISTS test_extra (x UInt8) ENGINE = MergeTree ORDER BY x;\n")
    applied = migrations.migrate(storage, tmp_path)
    assert [m.version for m in applied] == [999]
    assert migrations.migrate(storage, tmp_path) == []
    assert 999 in migrations.applied_versions(storage)


def test_duplicate_versions_are_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0001_b.sql").write_text("SELECT 1;")
    with pytest.raises(ValueError, match="share a version"):
        migrations.discover(tmp_path)


def test_cluster_rendering_gives_replicated_and_distributed_tables() -> None:
    statements = [s for m in migrations.discover() for s in migrations.render(m, "prod")]
    text = "\n".join(statements)
    assert "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/events_local', '{replica}')" in text
    assert "ReplicatedSummingMergeTree(" in text
    assert re.search(r"CREATE TABLE IF NOT EXISTS events_local ON CLUSTER prod", text)
    assert re.search(
        r"CREATE TABLE IF NOT EXISTS events ON CLUSTER prod AS events_local ENGINE = Distributed\(prod, "
        r"currentDatabase\(\), events_local, cityHash64\(site_id, visitor_id\)\)", text)
    assert "Distributed(prod, currentDatabase(), dropped_hits_local, site_id)" in text
    assert not re.search(r"ENGINE\s*=\s*MergeTree", text)
    assert "non_replicated_deduplication_window" not in text
    assert re.search(r"CREATE MATERIALIZED VIEW IF NOT EXISTS visits_from_events ON CLUSTER prod TO visits_local", text)
    assert "FROM events_local" in text
    for statement in statements:
        code = "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("--"))
        if code.lstrip().startswith("INSERT"):
            continue  # data copies run once, through the Distributed tables
        assert "ON CLUSTER prod" in statement


def test_cluster_statements_are_valid_clickhouse_sql(storage: Storage) -> None:
    for migration in migrations.discover():
        for statement in migrations.render(migration, "prod"):
            assert storage.query("EXPLAIN AST " + statement)  # parses, without needing a cluster


def test_single_node_rendering_is_the_file_itself() -> None:
    for migration in migrations.discover():
        assert migrations.render(migration) == migrations.split_statements(migration.sql)


def test_split_statements_keeps_comments_with_their_statement() -> None:
    sql = "-- one\nCREATE TABLE a (x UInt8) ENGINE = Memory;\n-- only a comment\n\nSELECT 1;\n-- trailing\n"
    assert migrations.split_statements(sql) == ["-- one\nCREATE TABLE a (x UInt8) ENGINE = Memory", "-- only a comment\n\nSELECT 1"]


def test_cli_migrate_is_idempotent(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["migrate", "--data-dir", str(tmp_path / "data")]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert f"Applied {len(migrations.discover())} migration(s)." in first.output
    second = runner.invoke(main, args)
    assert second.exit_code == 0
    assert "up to date" in second.output


def test_cli_prints_cluster_sql() -> None:
    result = CliRunner().invoke(main, ["migrate", "--print-sql", "--cluster", "prod"])
    assert result.exit_code == 0
    assert "ReplicatedMergeTree" in result.output and "ENGINE = Distributed(prod" in result.output


def test_cluster_alters_change_columns_on_both_tables_and_indexes_on_the_data_only() -> None:
    add_column = "ALTER TABLE events ADD COLUMN IF NOT EXISTS x UInt8 CODEC(ZSTD(1)) AFTER y"
    assert migrations.for_cluster(add_column, "prod", "rand()") == [
        "ALTER TABLE events_local ON CLUSTER prod ADD COLUMN IF NOT EXISTS x UInt8 CODEC(ZSTD(1)) AFTER y",
        "ALTER TABLE events ON CLUSTER prod ADD COLUMN IF NOT EXISTS x UInt8 AFTER y",
    ]
    retype = "ALTER TABLE events MODIFY COLUMN x LowCardinality(String) CODEC(ZSTD(3))"
    assert migrations.for_cluster(retype, "prod", "rand()") == [
        "ALTER TABLE events_local ON CLUSTER prod MODIFY COLUMN x LowCardinality(String) CODEC(ZSTD(3))",
        "ALTER TABLE events ON CLUSTER prod MODIFY COLUMN x LowCardinality(String)",
    ]
    recompress = "ALTER TABLE events MODIFY COLUMN x CODEC(Delta, ZSTD(3))"  # nothing to change where nothing is stored
    assert migrations.for_cluster(recompress, "prod", "rand()") == [
        "ALTER TABLE events_local ON CLUSTER prod MODIFY COLUMN x CODEC(Delta, ZSTD(3))"
    ]
    add_index = "ALTER TABLE events ADD INDEX IF NOT EXISTS i x TYPE minmax GRANULARITY 4"
    assert migrations.for_cluster(add_index, "prod", "rand()") == [
        "ALTER TABLE events_local ON CLUSTER prod ADD INDEX IF NOT EXISTS i x TYPE minmax GRANULARITY 4"
    ]


def columns(storage: Storage) -> dict[str, list[tuple[str, str]]]:
    rows = storage.query("SELECT table, name, type FROM system.columns WHERE database = currentDatabase() "
                         "AND table != 'schema_migrations' ORDER BY table, position")
    found: dict[str, list[tuple[str, str]]] = {}
    for table, name, kind in rows:
        found.setdefault(table, []).append((name, kind))
    return found


def test_an_upgrade_from_the_oldest_schema_keeps_the_data_and_ends_like_a_fresh_install(tmp_path: Path) -> None:
    oldest = tmp_path / "oldest"
    oldest.mkdir()
    first = migrations.discover()[0]
    (oldest / first.path.name).write_text(first.sql)

    fresh = Storage(f"chdb://{tmp_path / 'fresh'}")
    migrations.migrate(fresh)
    wanted = columns(fresh)
    fresh.close()

    storage = Storage(f"chdb://{tmp_path / 'upgraded'}")
    try:
        assert [m.version for m in migrations.migrate(storage, oldest)] == [first.version]
        storage.insert("events", [[1, datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), 77, 1001, "pageview", "/old"]],
                       ["site_id", "timestamp", "visitor_id", "hit_id", "event_type", "pathname"])
        applied = migrations.migrate(storage)  # what `footfall migrate` does after an upgrade
        assert [m.version for m in applied] == [m.version for m in migrations.discover()[1:]]
        assert migrations.migrate(storage) == []
        assert columns(storage) == wanted
        assert storage.query("SELECT site_id, visitor_id, pathname FROM events") == [(1, 77, "/old")]
    finally:
        storage.close()


def codecs(storage: Storage) -> dict[str, tuple[str, str]]:
    rows = storage.query("SELECT name, type, compression_codec FROM system.columns "
                         "WHERE database = currentDatabase() AND table = 'events'")
    return {name: (kind, codec) for name, kind, codec in rows}


def test_the_storage_migrations_keep_every_value_and_change_only_types_and_codecs(tmp_path: Path) -> None:
    # A database as it was before sql/0040, with rows that use every column, then the upgrade.
    storage = Storage(f"chdb://{tmp_path / 'data'}")
    try:
        migrations.migrate(storage, before=40)
        assert "hit_id" in codecs(storage)
        names = [name for name in COLUMNS if name not in ("visit_id", "visit_start")]
        when = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
        rows = []
        for n in range(3):
            values = {
                "site_id": 1 + n % 2, "timestamp": when, "visitor_id": 2**64 - 1 - n, "hit_id": 1001 + n,
                "visit_id": 5 + n, "visit_start": when, "event_type": "pageview", "user_id_hash": 9,
                "event_value": [None, 1.5, 0.0][n], "props": {"k": f"v{n}"}, "goal_id": n, "revenue": 19.5 * n,
                "search_count": n - 1, "engagement_ms": 1000 * n, "scroll_depth": 50 + n, "visit_count": n,
            }
            rows.append([values.get(name, f"{name} {n} é") for name in ("hit_id", "visit_id", "visit_start", *names)])
        storage.insert("events", rows, ["hit_id", "visit_id", "visit_start", *names])
        stored = f"SELECT {', '.join(COLUMNS)} FROM events ORDER BY site_id, visitor_id"
        kept = storage.query(stored)
        visits = storage.query("SELECT * FROM visits FINAL ORDER BY visit_id")

        migrations.migrate(storage)
        storage.command("OPTIMIZE TABLE events FINAL")  # the parts rewritten with the new codecs and types
        assert storage.query(stored) == kept
        assert storage.query("SELECT * FROM visits FINAL ORDER BY visit_id") == visits
        after = codecs(storage)
        assert "hit_id" not in after
        assert after["timestamp"] == ("DateTime64(3, 'UTC')", "CODEC(Delta(8), ZSTD(3))")
        assert after["pathname"] == ("String", "CODEC(ZSTD(3))")  # see bench/bench_storage.py: LowCardinality loses on many pages
        assert after["goal_id"] == ("UInt32", "CODEC(T64, ZSTD(1))")
        assert after["country_code"] == ("LowCardinality(String)", "CODEC(ZSTD(3))")

        # The visits table is still fed from the events.
        later = datetime(2026, 1, 3, tzinfo=timezone.utc)
        storage.insert("events", [[1, later, 42, 8, later, "pageview", "/new"]],
                       ["site_id", "timestamp", "visitor_id", "visit_id", "visit_start", "event_type", "pathname"])
        assert storage.query("SELECT entry_page.page, visit_pageviews FROM visits WHERE visit_id = 8") == [("/new", 1)]
    finally:
        storage.close()
