"""Hostnames of pages whose hits a site refused (domain-not-allowed), so its owner can add the right one.

Only the page's host name is kept (``staging.example.com``), never a URL, an
address or anything about the visitor, and only a few per site: the most
recently seen.  A hit on a refused host writes at most once a minute per host.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from footfall.metadata.db import Database

SCHEMA = [
    """
    CREATE TABLE IF NOT EXISTS hosts_seen (
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        host TEXT NOT NULL,
        hits INTEGER NOT NULL DEFAULT 0,
        last_seen TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
        PRIMARY KEY (site_id, host)
    )
    """,
]
MAX_HOSTS_PER_SITE = 5
MAX_HOST_LENGTH = 253
WRITE_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class HostSeen:
    host: str
    hits: int
    last_seen: str


class HostsSeen:
    def __init__(self, db: Database, clock=time.monotonic) -> None:
        self.db = db
        self.clock = clock
        db.ensure_schema(SCHEMA)
        self._pending: dict[tuple[int, str], int] = {}
        self._written: dict[tuple[int, str], float] = {}

    def note(self, site_id: int, host: str) -> None:
        """Count one refused hit from ``host``; written to SQLite at most once a minute per (site, host)."""
        host = host.strip().lower().rstrip(".")
        if not host or len(host) > MAX_HOST_LENGTH or site_id <= 0:
            return
        key = (site_id, host)
        self._pending[key] = self._pending.get(key, 0) + 1
        now = self.clock()
        if now - self._written.get(key, -WRITE_EVERY_SECONDS) < WRITE_EVERY_SECONDS:
            return
        if len(self._written) > 10_000:  # bounded memory, whatever hosts are sent
            self._written.clear()
        self._written[key] = now
        self._write(site_id, host, self._pending.pop(key))

    def _write(self, site_id: int, host: str, hits: int) -> None:
        with self.db.transaction() as connection:
            if not connection.execute("SELECT 1 FROM sites WHERE id = ?", (site_id,)).fetchone():
                return
            connection.execute(
                "INSERT INTO hosts_seen (site_id, host, hits) VALUES (?, ?, ?) ON CONFLICT (site_id, host) "
                "DO UPDATE SET hits = hits + excluded.hits, last_seen = CURRENT_TIMESTAMP",
                (site_id, host, hits),
            )
            connection.execute(
                "DELETE FROM hosts_seen WHERE site_id = ? AND host NOT IN (SELECT host FROM hosts_seen "
                "WHERE site_id = ? ORDER BY last_seen DESC, rowid DESC LIMIT ?)",
                (site_id, site_id, MAX_HOSTS_PER_SITE),
            )

    def list(self, site_id: int) -> list[HostSeen]:
        rows = self.db.fetchall(
            "SELECT host, hits, last_seen FROM hosts_seen WHERE site_id = ? ORDER BY last_seen DESC, rowid DESC",
            [site_id],
        )
        return [HostSeen(row["host"], int(row["hits"]), row["last_seen"]) for row in rows]

    def forget(self, site_id: int, host: str) -> None:
        self.db.execute("DELETE FROM hosts_seen WHERE site_id = ? AND host = ?", [site_id, host])
        self._written.pop((site_id, host), None)
        self._pending.pop((site_id, host), None)
