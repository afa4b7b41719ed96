"""The privacy log: an append-only record of what was destroyed, and when.

Salt rotations and destructions, retention purges and ``forget`` runs are
written here with their time and how many rows they touched.  An entry never
holds a salt, an IP, a visitor ID or anything else about a visitor: only the
kind, the site, a count and a short text written by Footfall itself.  SQLite
triggers refuse every UPDATE and DELETE, so entries cannot be rewritten.

``privacy_state`` beside it keeps the few "last time this ran" values the
privacy manifest shows (they change, so they are not log entries).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from footfall.metadata.db import Database

SALT_CREATED = "salt-created"
SALT_DESTROYED = "salt-destroyed"
RETENTION_PURGE = "retention-purge"
RETENTION_TTL = "retention-ttl"
FORGET = "forget"
KINDS = (SALT_CREATED, SALT_DESTROYED, RETENTION_PURGE, RETENTION_TTL, FORGET)

LAST_RETENTION_RUN = "last_retention_run"

SCHEMA = [
    """
    CREATE TABLE IF NOT EXISTS privacy_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        site_id INTEGER,
        rows INTEGER NOT NULL DEFAULT 0,
        detail TEXT NOT NULL DEFAULT ''
    )
    """,
    """
    CREATE TRIGGER IF NOT EXISTS privacy_log_no_update BEFORE UPDATE ON privacy_log
    BEGIN SELECT RAISE(ABORT, 'the privacy log is append-only'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS privacy_log_no_delete BEFORE DELETE ON privacy_log
    BEGIN SELECT RAISE(ABORT, 'the privacy log is append-only'); END
    """,
    """
    CREATE TABLE IF NOT EXISTS privacy_state (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )
    """,
]


@dataclass(frozen=True)
class Entry:
    id: int
    at: str
    kind: str
    site_id: int | None
    rows: int
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "kind": self.kind, "site_id": self.site_id, "rows": self.rows, "detail": self.detail}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class PrivacyLog:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure_schema(SCHEMA)

    def record(self, kind: str, rows: int = 0, site_id: int | None = None, detail: str = "", at: str = "") -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown privacy log kind {kind!r}")
        self.db.execute(
            "INSERT INTO privacy_log (at, kind, site_id, rows, detail) VALUES (?, ?, ?, ?, ?)",
            (at or _now(), kind, site_id, int(rows), detail),
        )

    def entries(self, limit: int = 100, site_id: int | None = None) -> list[Entry]:
        """The newest entries first; with ``site_id``, that site's and the ones for every site."""
        where, parameters = ("WHERE site_id IS NULL OR site_id = ?", [site_id]) if site_id is not None else ("", [])
        rows = self.db.fetchall(
            f"SELECT id, at, kind, site_id, rows, detail FROM privacy_log {where} ORDER BY id DESC LIMIT ?",
            [*parameters, limit],
        )
        return [Entry(r["id"], r["at"], r["kind"], r["site_id"], r["rows"], r["detail"]) for r in rows]

    def summary(self, site_id: int | None = None) -> dict[str, dict[str, Any]]:
        """Per kind: how many entries, how many rows in all, and the last time."""
        where, parameters = ("WHERE site_id IS NULL OR site_id = ?", [site_id]) if site_id is not None else ("", [])
        rows = self.db.fetchall(
            f"SELECT kind, count(*) AS entries, sum(rows) AS rows, max(at) AS last FROM privacy_log {where} GROUP BY kind",
            parameters,
        )
        found = {r["kind"]: {"entries": r["entries"], "rows": r["rows"] or 0, "last": r["last"]} for r in rows}
        return {kind: found.get(kind, {"entries": 0, "rows": 0, "last": None}) for kind in KINDS}

    def last(self, kind: str) -> str | None:
        """When the newest entry of ``kind`` was written, or None."""
        row = self.db.fetchone("SELECT max(at) AS at FROM privacy_log WHERE kind = ?", (kind,))
        return row["at"] if row else None

    def set_state(self, name: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO privacy_state (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def state(self, name: str) -> str | None:
        row = self.db.fetchone("SELECT value FROM privacy_state WHERE name = ?", (name,))
        return row["value"] if row else None

    def mark_retention_run(self) -> None:
        self.set_state(LAST_RETENTION_RUN, _now())
