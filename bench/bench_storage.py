"""Bytes per event on disk, column by column, before and after each storage migration (sql/0040-0049).

For each ``--events`` size: generates the benchmark events (``bench/generate.py``, the data of
``bench_dashboard.py``) into a temporary database migrated up to sql/0040, i.e. the events table
as it was before (with its random ``hit_id``), merges it, then applies the remaining migrations
one at a time. After each one it measures a copy of the events table written the same way every
time: inserted in blocks of ``BLOCK_ROWS`` rows, then merged with ``OPTIMIZE … FINAL`` (the parts
that background merges make of many small inserts). How a part was last written changes its
size, LZ4 columns most: a part rewritten from a single part, or by a mutation, can be 50 % larger
in those columns than one merged from many, so measuring the table itself after each step would
mix that in. The run prints:

- per migration: the events table's bytes per event in ClickHouse's active parts, the change, and
  the visits table's bytes per event (reported apart; it is kept from the events);
- per column: the compressed bytes per event before the first migration and after each one;
- the alternatives weighed for single columns (``ALTERNATIVES``), each written into a table with the
  events' sort order: its bytes per event, and for the page strings how long a top-10 ``GROUP BY``
  takes, at the benchmark's 264 pages and with 50k and 2M distinct values (the benchmark's pages
  are few; a real site's may not be). Also on the benchmark rows with collector-like random 64-bit
  visitor IDs and millisecond timestamps, which the benchmark's sequential IDs flatter.

It checks that every stored value survives the migrations (a hash of every column of every row,
before and after), and writes ``bench/results/storage-latest.json``.

    python bench/bench_storage.py [--events 1000000 10000000] [--keep] [--skip-alternatives]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate  # noqa: E402
from bench.bench_dashboard import PAGES  # noqa: E402
from bench.common import print_table, scratch_dir, write_results  # noqa: E402
from footfall.schema import COLUMNS  # noqa: E402
from footfall.storage import migrations  # noqa: E402
from footfall.storage.clickhouse import Storage  # noqa: E402

FIRST_STORAGE_MIGRATION = 40
BLOCK_ROWS = 131_072  # several parts per month at 1M events, so the merge is ClickHouse's vertical one
MEASURED = "events_measured"


_MS = "toIntervalMillisecond(cityHash64(visit_id, timestamp) % 1000)"
_FEW, _50K, _2M = ("pathname", "concat(pathname, '/', toString(cityHash64(visit_id, timestamp) % 200))",
                   "concat(url, '?item=', toString(cityHash64(visit_id, timestamp) % 2000000))")
# (column, candidate type and codec, expression over the stored events, time a GROUP BY on it)
ALTERNATIVES: tuple[tuple[str, str, str, bool], ...] = (
    *((f"page, {label}", kind, expression, True)
      for label, expression in (("264 distinct", _FEW), ("50k distinct", _50K), ("2M distinct", _2M))
      for kind in ("String CODEC(ZSTD(3))", "LowCardinality(String) CODEC(ZSTD(3))")),
    *(("timestamp, with ms", f"DateTime64(3, 'UTC') {codec}", f"timestamp + {_MS}", False)
      for codec in ("CODEC(DoubleDelta, ZSTD(1))", "CODEC(Delta, ZSTD(3))", "CODEC(T64, ZSTD(3))", "CODEC(ZSTD(3))")),
    *(("timestamp, whole seconds", f"DateTime64(3, 'UTC') {codec}", "timestamp", False)
      for codec in ("CODEC(Delta, ZSTD(3))", "CODEC(T64, ZSTD(3))")),
    *(("visit_start, with ms", f"DateTime64(3, 'UTC') {codec}", f"visit_start + {_MS.replace('timestamp', 'visit_start')}",
       False) for codec in ("CODEC(DoubleDelta, ZSTD(1))", "CODEC(Delta, ZSTD(3))", "CODEC(ZSTD(3))")),
    *(("visitor_id, random", f"UInt64 {codec}", "cityHash64(visitor_id)", False)
      for codec in ("", "CODEC(Delta, ZSTD(1))", "CODEC(ZSTD(1))")),
    *(("visit_id, random", f"UInt64 {codec}", "cityHash64(visit_id)", False)
      for codec in ("CODEC(ZSTD(1))", "CODEC(Delta, ZSTD(1))")),
)
TRIAL = "column_trial"


def alternatives(storage: Storage, events: int) -> list[dict[str, Any]]:
    """Each candidate column alone beside the sort key (the IDs random, as the collector writes them)."""
    results = []
    for column, kind, expression, timed in ALTERNATIVES:
        storage.command(f"DROP TABLE IF EXISTS {TRIAL} SYNC")
        storage.command(f"CREATE TABLE {TRIAL} (site_id UInt32, timestamp DateTime64(3, 'UTC'), visitor_id UInt64, "
                        f"value {kind}) ENGINE = MergeTree PARTITION BY toYYYYMM(timestamp) "
                        "ORDER BY (site_id, toDate(timestamp), visitor_id, timestamp) "
                        "SETTINGS min_bytes_for_wide_part = 0")  # a compact part has no per-column sizes
        storage.command(f"INSERT INTO {TRIAL} SELECT site_id, timestamp + {_MS}, cityHash64(visitor_id), {expression} "
                        f"FROM events SETTINGS max_insert_block_size = {BLOCK_ROWS}, "
                        f"min_insert_block_size_rows = {BLOCK_ROWS}, min_insert_block_size_bytes = 0")
        storage.command(f"OPTIMIZE TABLE {TRIAL} FINAL")
        size = column_bytes(storage, TRIAL).get("value", 0)
        took = None
        if timed:
            times = []
            for _ in range(3):
                began = time.perf_counter()
                storage.query(f"SELECT value, count() FROM {TRIAL} GROUP BY value ORDER BY count() DESC LIMIT 10")
                times.append(time.perf_counter() - began)
            took = min(times)
        results.append({"column": column, "type": kind or "(LZ4)", "bytes_per_event": size / events,
                        "group_by_seconds": took})
    storage.command(f"DROP TABLE {TRIAL} SYNC")
    return results


def table_bytes(storage: Storage, table: str) -> int:
    """Everything the table's active parts hold on disk: column data, marks, primary index, checksums."""
    rows = storage.query("SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = currentDatabase() "
                         "AND table = {t:String}", {"t": table})
    return int(rows[0][0] or 0)


def column_bytes(storage: Storage, table: str) -> dict[str, int]:
    """Each column's compressed data in the active parts."""
    rows = storage.query(
        "SELECT column, sum(column_data_compressed_bytes) FROM system.parts_columns "
        "WHERE active AND database = currentDatabase() AND table = {t:String} GROUP BY column", {"t": table})
    return {name: int(size) for name, size in rows}


def column_types(storage: Storage) -> dict[str, str]:
    rows = storage.query("SELECT name, type, compression_codec FROM system.columns "
                         "WHERE database = currentDatabase() AND table = 'events'")
    return {name: f"{kind} {codec or '(LZ4)'}" for name, kind, codec in rows}


def content_hash(storage: Storage) -> tuple[int, int]:
    """(rows, a hash of every value of every column in COLUMNS): equal before and after a lossless migration."""
    row = storage.query(f"SELECT count(), sum(cityHash64(toString(tuple({', '.join(COLUMNS)})))) FROM events")[0]
    return int(row[0]), int(row[1])


def measure(storage: Storage, label: str, events: int) -> dict[str, Any]:
    """The events table's bytes per event (of a copy written the same way at every step) and the visits table's."""
    storage.command(f"DROP TABLE IF EXISTS {MEASURED} SYNC")
    storage.command(f"CREATE TABLE {MEASURED} AS events")  # the same columns, types, codecs, order and partitions
    storage.command(f"ALTER TABLE {MEASURED} MODIFY SETTING min_bytes_for_wide_part = 0")  # per-column sizes
    storage.command(f"INSERT INTO {MEASURED} SELECT * FROM events SETTINGS max_insert_block_size = {BLOCK_ROWS}, "
                    f"min_insert_block_size_rows = {BLOCK_ROWS}, min_insert_block_size_bytes = 0, "
                    f"max_block_size = {BLOCK_ROWS}")
    storage.command(f"OPTIMIZE TABLE {MEASURED} FINAL")
    try:
        return {
            "step": label,
            "events_bytes_per_event": table_bytes(storage, MEASURED) / events,
            "visits_bytes_per_event": table_bytes(storage, "visits") / events,
            "columns": {name: size / events for name, size in column_bytes(storage, MEASURED).items()},
            "types": column_types(storage),
        }
    finally:
        storage.command(f"DROP TABLE {MEASURED} SYNC")


def run(events: int, keep: bool, weigh: bool) -> dict[str, Any]:
    with scratch_dir("bench-storage-", keep=keep) as work:
        storage = Storage(f"chdb://{work / 'data'}", handles=1)
        try:
            migrations.migrate(storage, before=FIRST_STORAGE_MIGRATION)
            began = time.perf_counter()
            written = generate.generate(storage, events, datetime.now(timezone.utc), PAGES)
            storage.command("OPTIMIZE TABLE visits FINAL")
            print(f"\n{written:,} events generated and merged in {time.perf_counter() - began:.1f} s")
            before = content_hash(storage)
            steps = [measure(storage, "before (sql/0001-0039)", written)]
            for migration in migrations.pending(storage):
                began = time.perf_counter()
                migrations.migrate(storage, before=migration.version + 1)
                steps.append(measure(storage, f"{migration.version:04d}_{migration.name}", written))
                steps[-1]["seconds"] = time.perf_counter() - began
            after = content_hash(storage)
            if after != before:
                raise SystemExit(f"the migrations changed the stored data: {before} before, {after} after")
            weighed = alternatives(storage, written) if weigh else []
        finally:
            storage.close()
    report(written, steps, weighed)
    return {"events": written, "steps": steps, "data_unchanged": True, "alternatives": weighed}


def report(events: int, steps: list[dict[str, Any]], weighed: list[dict[str, Any]]) -> None:
    base = steps[0]["events_bytes_per_event"]
    rows = []
    for index, step in enumerate(steps):
        previous = steps[index - 1]["events_bytes_per_event"] if index else step["events_bytes_per_event"]
        rows.append([step["step"], round(step["events_bytes_per_event"], 2),
                     round(step["events_bytes_per_event"] - previous, 2), f"{step['events_bytes_per_event'] / base:.2f}",
                     round(step["visits_bytes_per_event"], 2)])
    print_table(f"bytes per event at {events:,} events (active parts, inserted in blocks of {BLOCK_ROWS:,} rows "
                "and merged)",
                ["step", "events B/event", "change", "ratio to before", "visits B/event"], rows)

    names = sorted({name for step in steps for name in step["columns"]},
                   key=lambda name: -steps[0]["columns"].get(name, 0.0))
    header = ["column", "before", *(step["step"][:4] for step in steps[1:]), "type and codec after"]
    column_rows = []
    for name in names:
        sizes = [step["columns"].get(name) for step in steps]
        if max(size or 0.0 for size in sizes) < 0.005:
            continue
        column_rows.append([name, *("-" if size is None else f"{size:.2f}" for size in sizes),
                            steps[-1]["types"].get(name, "(dropped)")])
    total = [sum(step["columns"].values()) for step in steps]
    column_rows.append(["all column data", *(f"{size:.2f}" for size in total), ""])
    print_table(f"compressed column data, bytes per event at {events:,} events (columns under 0.005 left out)",
                header, column_rows)
    if weighed:
        print_table(f"alternatives, one column at a time, at {events:,} events (random visitor IDs, ms timestamps)",
                    ["column", "type and codec", "B/event", "top-10 GROUP BY"],
                    [[w["column"], w["type"], f"{w['bytes_per_event']:.2f}",
                      "" if w["group_by_seconds"] is None else f"{w['group_by_seconds'] * 1000:.0f} ms"]
                     for w in weighed])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--keep", action="store_true", help="keep the generated data directories")
    parser.add_argument("--skip-alternatives", action="store_true", help="do not weigh the single-column alternatives")
    args = parser.parse_args()
    results = [run(events, args.keep, not args.skip_alternatives) for events in args.events]
    path = write_results("storage", {"runs": results})
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
