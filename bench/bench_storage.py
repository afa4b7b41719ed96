"""Bytes per event on disk, column by column, before and after each storage migration (sql/0040-0049).

For each ``--events`` size: generates the benchmark events (``bench/generate.py``, the data of
``bench_dashboard.py``) into a temporary database migrated up to sql/0040, i.e. the events table
as it was before (with its random ``hit_id``), merges it, then applies the remaining migrations
one at a time. After each one, ``OPTIMIZE … FINAL`` rewrites every part with the new types and
codecs (what background merges do over time), and the run prints:

- per migration: the events table's bytes per event in ClickHouse's active parts, the change, and
  the visits table's bytes per event (reported apart; it is kept from the events);
- per column: the compressed bytes per event before the first migration and after each one.

It checks that every stored value survives the migrations (a hash of every column of every row,
before and after), and writes ``bench/results/storage-latest.json``.

    python bench/bench_storage.py [--events 1000000 10000000] [--keep]
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
TABLES = ("events", "visits")


def table_bytes(storage: Storage, table: str) -> int:
    """Everything the table's active parts hold on disk: column data, marks, primary index, checksums."""
    rows = storage.query("SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = currentDatabase() "
                         "AND table = {t:String}", {"t": table})
    return int(rows[0][0] or 0)


def column_bytes(storage: Storage, table: str = "events") -> dict[str, int]:
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


def merge(storage: Storage) -> None:
    for table in TABLES:
        storage.command(f"OPTIMIZE TABLE {table} FINAL")


def measure(storage: Storage, label: str, events: int) -> dict[str, Any]:
    return {
        "step": label,
        "events_bytes_per_event": table_bytes(storage, "events") / events,
        "visits_bytes_per_event": table_bytes(storage, "visits") / events,
        "columns": {name: size / events for name, size in column_bytes(storage).items()},
        "types": column_types(storage),
    }


def run(events: int, keep: bool) -> dict[str, Any]:
    with scratch_dir("bench-storage-", keep=keep) as work:
        storage = Storage(f"chdb://{work / 'data'}", handles=1)
        try:
            migrations.migrate(storage, before=FIRST_STORAGE_MIGRATION)
            began = time.perf_counter()
            written = generate.generate(storage, events, datetime.now(timezone.utc), PAGES)
            merge(storage)
            print(f"\n{written:,} events generated and merged in {time.perf_counter() - began:.1f} s")
            before = content_hash(storage)
            steps = [measure(storage, "before (sql/0001-0039)", written)]
            for migration in migrations.pending(storage):
                began = time.perf_counter()
                migrations.migrate(storage, before=migration.version + 1)
                merge(storage)
                steps.append(measure(storage, f"{migration.version:04d}_{migration.name}", written))
                steps[-1]["seconds"] = time.perf_counter() - began
            after = content_hash(storage)
            if after != before:
                raise SystemExit(f"the migrations changed the stored data: {before} before, {after} after")
        finally:
            storage.close()
    report(written, steps)
    return {"events": written, "steps": steps, "data_unchanged": True}


def report(events: int, steps: list[dict[str, Any]]) -> None:
    base = steps[0]["events_bytes_per_event"]
    rows = []
    for index, step in enumerate(steps):
        previous = steps[index - 1]["events_bytes_per_event"] if index else step["events_bytes_per_event"]
        rows.append([step["step"], round(step["events_bytes_per_event"], 2),
                     round(step["events_bytes_per_event"] - previous, 2), f"{step['events_bytes_per_event'] / base:.2f}",
                     round(step["visits_bytes_per_event"], 2)])
    print_table(f"bytes per event at {events:,} events (active parts, after OPTIMIZE FINAL)",
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--keep", action="store_true", help="keep the generated data directories")
    args = parser.parse_args()
    results = [run(events, args.keep) for events in args.events]
    path = write_results("storage", {"runs": results})
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
