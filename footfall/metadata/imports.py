"""Which parts of which access logs were imported, so importing a file again adds nothing.

A log is known by a digest of its first lines (so a rotated, renamed or
compressed copy is the same log, and a log that grew since is continued), and
is read in numbered chunks of a fixed number of lines.  For each chunk the
ledger keeps how many of its lines are done.
"""

from __future__ import annotations

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
