"""The one way Footfall talks to ClickHouse: a clickhouse-connect client.

``chdb:///path`` runs ClickHouse in this process (one process owns the
directory); ``http(s)://user:pass@host:8123/db`` reaches a server or cluster
with the same code.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import threading
import urllib.parse
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import clickhouse_connect
from clickhouse_connect.driver.client import Client

# Embedded ClickHouse may write BACKUPs to, and RESTORE from, any directory the process can reach (only
# ``footfall backup`` and ``footfall restore`` issue them, with a path the operator gave).
CHDB_OPTIONS = {"backups.allowed_path": "/"}


class DataDirLocked(RuntimeError):
    """Another process (usually ``footfall serve``) owns the embedded data directory."""


class StorageUnavailable(RuntimeError):
    """ClickHouse cannot be reached or opened; the message names the DSN without its password."""


def redacted(dsn: str) -> str:
    """The DSN with its password replaced by ``***``, for messages and logs."""
    parts = urllib.parse.urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def embedded_path(dsn: str) -> Path:
    """The directory of a ``chdb:///path`` DSN."""
    return Path(dsn.removeprefix("chdb://"))


def _held_by_another_process(path: Path) -> bool:
    """True when another process holds ClickHouse's lock on ``path/status`` (it takes an exclusive flock)."""
    try:
        descriptor = os.open(path / "status", os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return False
    finally:
        os.close(descriptor)


class Storage:
    """A thread-safe wrapper around a few clickhouse-connect clients.

    chdb runs in-process and is driven from worker threads.  One chdb
    connection handle runs one call at a time, but the engine takes several
    handles, so an embedded storage keeps a small pool of them: a long
    dashboard query does not hold up another user's queries or the
    collector's inserts, and each call borrows a free handle.  A server
    client is used the same way (each pooled client has its own session).
    """

    _open_here: dict[str, int] = {}  # embedded paths this process has open, and how often

    def __init__(self, dsn: str, *, cluster: str = "", handles: int = 4) -> None:
        self.dsn = dsn
        self.cluster = cluster
        self.embedded = dsn.startswith("chdb:")
        self._free: queue.LifoQueue[Client] = queue.LifoQueue()
        self._all: list[Client] = []
        self._exclusive_gate = threading.Lock()
        self._exclusive_owner: int | None = None
        self._path: Path | None = None
        locked = DataDirLocked(
            "the data directory is in use by another Footfall process (is `footfall serve` running?)"
        )
        path = embedded_path(dsn) if self.embedded else None
        # Checked first where this process has not opened it yet, so chdb does not print its own error.
        if path is not None and str(path) not in Storage._open_here and _held_by_another_process(path):
            raise locked
        try:
            options = {"chdb_options": CHDB_OPTIONS} if self.embedded else {}
            for _ in range(max(1, handles)):
                client = clickhouse_connect.get_client(dsn=dsn, **options)
                self._all.append(client)
                self._free.put(client)
        except Exception as exc:
            self.close()
            text = str(exc)
            if path is not None and ("Cannot lock file" in text or "already running" in text
                                     or _held_by_another_process(path)):
                raise locked from None
            reason = text.splitlines()[0][:300] if text else type(exc).__name__
            raise StorageUnavailable(
                f"cannot reach ClickHouse at {redacted(dsn)}: {reason}. Check that ClickHouse runs and that the "
                "setting 'dsn' is right."
            ) from None
        self.client: Client = self._all[0]
        if path is not None:
            Storage._open_here[str(path)] = Storage._open_here.get(str(path), 0) + 1
            self._path = path

    @contextlib.contextmanager
    def _borrow(self) -> Iterator[Client]:
        if self._exclusive_owner == threading.get_ident():  # inside exclusive(): every handle is ours
            yield self.client
            return
        client = self._free.get()
        try:
            yield client
        finally:
            self._free.put(client)

    def query(self, sql: str, parameters: dict[str, Any] | None = None) -> list[tuple]:
        with self._borrow() as client:
            return client.query(sql, parameters=parameters or {}).result_rows

    def query_dicts(self, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self._borrow() as client:
            result = client.query(sql, parameters=parameters or {})
            names = result.column_names
            return [dict(zip(names, row)) for row in result.result_rows]

    def command(self, sql: str, parameters: dict[str, Any] | None = None) -> Any:
        with self._borrow() as client:
            return client.command(sql, parameters=parameters or {})

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
        else:
            # Without a token ClickHouse would drop a block equal to a recent one; events have no
            # ID of their own, so two identical hits inserted apart are both kept.
            settings["insert_deduplicate"] = 0
        with self._borrow() as client:
            client.insert(table, rows, column_names=list(columns), settings=settings)

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[Storage]:
        """Hold every other call of this process back while the block runs (reads that must agree with a backup)."""
        with self._exclusive_gate:
            held = [self._free.get() for _ in self._all]
            self._exclusive_owner = threading.get_ident()
            try:
                yield self
            finally:
                self._exclusive_owner = None
                for client in held:
                    self._free.put(client)

    def close(self) -> None:
        if self._path is not None and Storage._open_here.get(str(self._path)):
            Storage._open_here[str(self._path)] -= 1
            if not Storage._open_here[str(self._path)]:
                del Storage._open_here[str(self._path)]
        self._path = None
        for client in self._all:
            try:
                client.close()
            except Exception:  # pragma: no cover - closing is best effort
                pass
        self._all = []
