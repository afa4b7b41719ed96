"""Bookkeeping of imports: which parts of which access logs were imported, and the
imports of aggregates (Plausible's CSV export) a site has, so they can be listed and deleted.

Access logs: importing a file again adds nothing.

A log is known by a digest of its first lines (so a rotated, renamed or
compressed copy is the same log, and a log that grew since is continued), and
is read in numbered chunks of a fixed number of lines.  For each chunk the
ledger keeps how many of its lines are done.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from footfall.metadata.db import Database

SCHEMA = [
    """
    CREATE TABLE IF NOT EXISTS log_import_chunks (
        log_key TEXT NOT NULL,
        chunk INTEGER NOT NULL,
        lines_done INTEGER NOT NULL,
        rows_stored INTEGER NOT NULL DEFAULT 0,
        imported_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
        PRIMARY KEY (log_key, chunk)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS aggregate_imports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        first_day TEXT NOT NULL DEFAULT '',
        last_day TEXT NOT NULL DEFAULT '',
        rows_stored INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'importing',
        created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
    )
    """,
]


class ImportLedger:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure_schema(SCHEMA)

    def lines_done(self, log_key: str, chunk: int) -> int:
        row = self.db.fetchone(
            "SELECT lines_done FROM log_import_chunks WHERE log_key = ? AND chunk = ?", [log_key, chunk]
        )
        return int(row["lines_done"]) if row else 0

    def record(self, log_key: str, chunk: int, lines_done: int, rows_stored: int) -> None:
        self.db.execute(
            "INSERT INTO log_import_chunks (log_key, chunk, lines_done, rows_stored) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (log_key, chunk) DO UPDATE SET lines_done = excluded.lines_done, "
            "rows_stored = rows_stored + excluded.rows_stored, imported_at = CURRENT_TIMESTAMP",
            [log_key, chunk, lines_done, rows_stored],
        )


@dataclass(frozen=True)
class AggregateImport:
    id: int
    site_id: int
    source: str
    label: str
    first_day: str
    last_day: str
    rows_stored: int
    status: str
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class AggregateImports:
    """The imports of a site's aggregate history; ``id`` is the ``import_id`` of their rows in ClickHouse."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure_schema(SCHEMA)

    def start(self, site_id: int, source: str, label: str) -> int:
        cursor = self.db.execute(
            "INSERT INTO aggregate_imports (site_id, source, label) VALUES (?, ?, ?)", [site_id, source, label[:200]]
        )
        return int(cursor.lastrowid)

    def finish(self, import_id: int, first_day: str, last_day: str, rows_stored: int) -> None:
        self.db.execute(
            "UPDATE aggregate_imports SET first_day = ?, last_day = ?, rows_stored = ?, status = 'done' WHERE id = ?",
            [first_day, last_day, rows_stored, import_id],
        )

    def get(self, site_id: int, import_id: int) -> AggregateImport | None:
        row = self.db.fetchone("SELECT * FROM aggregate_imports WHERE id = ? AND site_id = ?", [import_id, site_id])
        return AggregateImport(**dict(row)) if row else None

    def list(self, site_id: int) -> list[AggregateImport]:
        rows = self.db.fetchall("SELECT * FROM aggregate_imports WHERE site_id = ? ORDER BY id", [site_id])
        return [AggregateImport(**dict(row)) for row in rows]

    def done_ids(self, site_id: int) -> list[int]:
        return [item.id for item in self.list(site_id) if item.status == "done"]

    def remove(self, import_id: int) -> None:
        self.db.execute("DELETE FROM aggregate_imports WHERE id = ?", [import_id])
