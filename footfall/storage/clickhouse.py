"""The one way Footfall talks to ClickHouse: a clickhouse-connect client.

``chdb:///path`` runs ClickHouse in this process (one process owns the
directory); ``http(s)://user:pass@host:8123/db`` reaches a server or cluster
with the same code.
"""

from __future__ import annotations

import fcntl
import os
import threading
import urllib.parse
from pathlib import Path
from typing import Any, Iterable, Sequence

import clickhouse_connect
from clickhouse_connect.driver.client import Client


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
    """A thread-safe wrapper around one clickhouse-connect client.

    chdb runs in-process and is driven from worker threads; calls are
    serialized with a lock.  A server client needs no lock but keeps the same
    interface.
    """

    _open_here: dict[str, int] = {}  # embedded paths this process has open, and how often

    def __init__(self, dsn: str, *, cluster: str = "") -> None:
        self.dsn = dsn
        self.cluster = cluster
        self.embedded = dsn.startswith("chdb:")
        self._lock = threading.RLock()
        locked = DataDirLocked(
            "the data directory is in use by another Footfall process (is `footfall serve` running?)"
        )
        path = embedded_path(dsn) if self.embedded else None
        # Checked first where this process has not opened it yet, so chdb does not print its own error.
        if path is not None and str(path) not in Storage._open_here and _held_by_another_process(path):
            raise locked
        try:
            self.client: Client = clickhouse_connect.get_client(dsn=dsn)
        except Exception as exc:
            text = str(exc)
            if path is not None and ("Cannot lock file" in text or "already running" in text
                                     or _held_by_another_process(path)):
                raise locked from None
            reason = text.splitlines()[0][:300] if text else type(exc).__name__
            raise StorageUnavailable(
                f"cannot reach ClickHouse at {redacted(dsn)}: {reason}. Check that ClickHouse runs and that the "
                "setting 'dsn' is right."
            ) from None
        if path is not None:
            Storage._open_here[str(path)] = Storage._open_here.get(str(path), 0) + 1
        self._path = path

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
        with self._lock:
            self.client.insert(table, rows, column_names=list(columns), settings=settings)

    def close(self) -> None:
        with self._lock:
            if self._path is not None and Storage._open_here.get(str(self._path)):
                Storage._open_here[str(self._path)] -= 1
                if not Storage._open_here[str(self._path)]:
                    del Storage._open_here[str(self._path)]
                self._path = None
            try:
                self.client.close()
            except Exception:  # pragma: no cover - closing is best effort
                pass
