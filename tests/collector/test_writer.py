"""Group commit into the spool and the flusher, on real embedded ClickHouse."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from collector.metrics import CollectorMetrics
from collector.pipeline import run
from collector.rows import SPOOLED_HIT_ID_INDEX, to_row
from collector.spool import SpoolFull
from collector.writer import Writer
from footfall.storage.clickhouse import Storage
from tests.collector.builders import make_context, make_hit
from tests.collector.test_spool import records
from tests.support import make_settings


def rows(count: int, tag: str = "w") -> list[list]:
    context = make_context()
    made = []
    for n in range(count):
        hit = make_hit(title=f"{tag}{n}", timestamp=datetime.now(timezone.utc))
        assert run(hit, context) is None
        made.append(to_row(hit))
    return made


def stored(storage: Storage) -> int:
    return int(storage.query("SELECT count() FROM events")[0][0])


def test_concurrent_submits_share_one_write(storage: Storage, data_dir: Path) -> None:
    settings = make_settings(data_dir, flush_interval_seconds=3600, group_commit_ms=20)
    writer = Writer(settings, storage, CollectorMetrics())

    async def scenario() -> None:
        await writer.start()
        await asyncio.gather(*(writer.submit(rows(1, f"c{n}-")) for n in range(30)))
        writer.spool.seal()
        [segment] = writer.spool.sealed()
        assert len(writer.spool.read(segment)) == 30
        assert records(segment) < 5  # 30 requests, a handful of writes and fsyncs
        await writer.stop()

    asyncio.run(scenario())
    assert stored(storage) == 30
    assert not writer.spool.sealed()


def test_a_full_segment_is_stored_without_waiting_for_the_interval(storage: Storage, data_dir: Path) -> None:
    settings = make_settings(data_dir, flush_interval_seconds=3600, spool_segment_rows=10)
    writer = Writer(settings, storage, CollectorMetrics())

    async def scenario() -> None:
        await writer.start()
        await writer.submit(rows(12))
        deadline = time.monotonic() + 20
        while stored(storage) < 12 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await writer.stop()

    asyncio.run(scenario())
    assert stored(storage) == 12


def test_rows_are_stored_after_the_flush_interval(storage: Storage, data_dir: Path) -> None:
    settings = make_settings(data_dir, flush_interval_seconds=0.1)
    writer = Writer(settings, storage, CollectorMetrics())

    async def scenario() -> int:
        await writer.start()
        await writer.submit(rows(3))
        deadline = time.monotonic() + 20
        while stored(storage) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        count = stored(storage)
        await writer.stop()
        return count

    assert asyncio.run(scenario()) == 3


def test_submit_refuses_when_the_spool_is_full(storage: Storage, data_dir: Path) -> None:
    settings = make_settings(data_dir, flush_interval_seconds=3600, spool_max_bytes=65536)
    metrics = CollectorMetrics()
    writer = Writer(settings, storage, metrics)

    async def scenario() -> int:
        await writer.start()
        accepted = 0
        with pytest.raises(SpoolFull):
            for _ in range(200):
                batch = rows(10)
                await writer.submit(batch)
                accepted += len(batch)
        await writer.stop()
        return accepted

    accepted = asyncio.run(scenario())
    assert 0 < accepted < 2000
    assert stored(storage) == accepted
    assert metrics.rejected._value.get() >= 10


def test_drop_counts_are_stored_per_site_minute_and_reason(storage: Storage, data_dir: Path) -> None:
    writer = Writer(make_settings(data_dir), storage, CollectorMetrics())
    minute = datetime(2024, 5, 14, 12, 0, 30, tzinfo=timezone.utc)
    for _ in range(3):
        writer.count_drop(1, "bot", minute)
    writer.count_drop(1, "opt-out", minute)
    writer.count_drop(2, "bot", minute)
    writer.flush_drops()
    counted = storage.query("SELECT site_id, toString(minute), reason, sum(hits) FROM dropped_hits "
                            "GROUP BY site_id, minute, reason ORDER BY site_id, reason")
    assert counted == [(1, "2024-05-14 12:00:00", "bot", 3), (1, "2024-05-14 12:00:00", "opt-out", 1),
                       (2, "2024-05-14 12:00:00", "bot", 1)]


def test_equal_drop_counts_from_two_flushes_are_both_stored(storage: Storage, data_dir: Path) -> None:
    settings = make_settings(data_dir)
    writer = Writer(settings, storage, CollectorMetrics())
    when = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
    for _ in range(2):
        writer.count_drop(7, "opt-out", when)
        writer.flush_drops()
    [(total,)] = storage.query("SELECT sum(hits) FROM dropped_hits WHERE site_id = 7")
    assert total == 2


def test_a_segment_spooled_before_the_upgrade_is_stored_without_its_hit_id(storage: Storage, data_dir: Path) -> None:
    # The rows of a version before sql/0040 carried a random hit_id after visit_start; a segment it left
    # behind (a crash, then the upgrade) is still stored, identical two hits and all.
    made = rows(2, "old")
    made.append(list(made[0]))
    spooled = [row[:SPOOLED_HIT_ID_INDEX] + [1000 + n] + row[SPOOLED_HIT_ID_INDEX:] for n, row in enumerate(made)]
    settings = make_settings(data_dir, flush_interval_seconds=3600)
    writer = Writer(settings, storage, CollectorMetrics())
    writer.spool.append(spooled)
    writer.spool.seal()
    assert writer.flush_once()
    titles = storage.query("SELECT title, count() FROM events GROUP BY title ORDER BY title")
    assert titles == [("old0", 2), ("old1", 1)]
    assert not writer.spool.sealed()
