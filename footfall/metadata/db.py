"""The small relational store for metadata: sites, users, tokens and salts.

Events live in ClickHouse; everything that is edited row by row, needs unique
keys, or must be destroyed for real (the daily salts) lives here, in SQLite.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable

from footfall import permissions

SCHEMA = [
    """
    CREATE TABLE IF NOT EXISTS sites (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        domains TEXT NOT NULL,
        timezone TEXT NOT NULL DEFAULT 'UTC',
        token_auth TEXT NOT NULL UNIQUE,
        excluded_ips TEXT NOT NULL DEFAULT '',
        honor_dnt INTEGER NOT NULL DEFAULT 1,
        cookie_mode INTEGER NOT NULL DEFAULT 0,
        store_truncated_ip INTEGER NOT NULL DEFAULT 0,
        retention_days INTEGER NOT NULL DEFAULT 0,
        url_denylist TEXT NOT NULL DEFAULT '',
        referrer_spam TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS salts (
        day TEXT PRIMARY KEY,
        salt BLOB NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS secrets (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )
    """,
]


class Database:
    """One SQLite connection shared by threads, behind a lock."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            # Secrets and password hashes live here: only the service user may read them.
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            permissions.private_file(Path(self.path))
        self._lock = threading.RLock()
        self.connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.connection.row_factory = sqlite3.Row
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA busy_timeout=5000")
        # Deleted rows (old salts above all) are overwritten on disk, not just unlinked.
        self.connection.execute("PRAGMA secure_delete=ON")
        self.connection.execute("PRAGMA foreign_keys=ON")
        self.ensure_schema(SCHEMA)
        if self.path != ":memory:":
            permissions.restrict_sqlite_files(Path(self.path))

    def ensure_schema(self, statements: Iterable[str]) -> None:
        with self._lock:
            for statement in statements:
                self.connection.execute(statement)

    def ensure_column(self, table: str, column: str, ddl: str) -> None:
        """Add ``column`` (declared by ``ddl``, e.g. ``"INTEGER NOT NULL DEFAULT 0"``) unless ``table`` has it."""
        with self._lock:
            present = {row["name"] for row in self.connection.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self.connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}")

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self.connection.execute(sql, tuple(parameters))

    def fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.connection.execute(sql, tuple(parameters)).fetchall()

    def fetchone(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            return self.connection.execute(sql, tuple(parameters)).fetchone()

    def backup_to(self, path: Path | str) -> None:
        """A consistent copy of the whole database in ``path``, with SQLite's online backup (writers may go on)."""
        target = sqlite3.connect(str(path))
        try:
            with self._lock:
                self.connection.backup(target)
        finally:
            target.close()

    def transaction(self) -> "_Transaction":
        return _Transaction(self)

    def close(self) -> None:
        with self._lock:
            self.connection.close()


class _Transaction:
    def __init__(self, db: Database) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db._lock.acquire()
        self.db.connection.execute("BEGIN IMMEDIATE")
        return self.db.connection

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        try:
            self.db.connection.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.db._lock.release()
