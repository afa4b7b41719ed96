"""The one way Footfall talks to ClickHouse: a clickhouse-connect client.

``chdb:///path`` runs ClickHouse in this process (one process owns the
directory); ``http(s)://user:pass@host:8123/db`` reaches a server or cluster
with the same code.
"""

from __future__ import annotations

import threading
from typing import Any, Iterable, Sequence

import clickhouse_connect
from clickhouse_connect.driver.client import Client


class DataDirLocked(RuntimeError):
    """Another process (usually ``footfall serve``) owns the embedded data directory."""


class Storage:
    """A thread-safe wrapper around one clickhouse-connect client.

    chdb runs in-process and is driven from worker threads; calls are
    serialized with a lock.  A server client needs no lock but keeps the same
    interface.
    """

    def __init__(self, dsn: str, *, cluster: str = "") -> None:
        self.dsn = dsn
        self.cluster = cluster
        self.embedded = dsn.startswith("chdb:")
        self._lock = threading.RLock()
        try:
            self.client: Client = clickhouse_connect.get_client(dsn=dsn)
        except Exception as exc:
            text = str(exc)
            if self.embedded and ("Cannot lock file" in text or "already running" in text):
                raise DataDirLocked(
                    "the data directory is in use by another Footfall process "
                    "(is `footfall serve` running?)"
                ) from None
            raise

    def query(self, sql: str, parameters: dict[str, Any] | None = None) -> list[tuple]:
        with self._lock:
            return self.client.query(sql, parameters=parameters or {}).result_rows

    def query_dicts(self, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            result = self.client.query(sql, parameters=parameters or {})
            names = result.column_names
            return [dict(zip(names, row)) for row in result.result_rows]

    def command(self, sql: str, parameters: dict[str, Any] | None = None) -> Any:
        with self._lock:
            return self.client.command(sql, parameters=parameters or {})

    def insert(
        self,
        table: str,
        rows: Sequence[Sequence[Any]],
        columns: Iterable[str],
        *,
        dedup_token: str | None = None,
    ) -> None:
        settings: dict[str, Any] = {}
        if dedup_token:
            settings["insert_deduplication_token"] = dedup_token
            # The visits the materialized view derives from the block are deduplicated with it.
            settings["deduplicate_blocks_in_dependent_materialized_views"] = 1
        with self._lock:
            self.client.insert(table, rows, column_names=list(columns), settings=settings)

    def close(self) -> None:
        with self._lock:
            try:
                self.client.close()
            except Exception:  # pragma: no cover - closing is best effort
                pass
