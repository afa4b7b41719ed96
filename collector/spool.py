"""The write-ahead spool: acknowledged hits are on disk before the client hears 200.

Hits are appended in groups (one write and one fsync per group) to the open
segment file.  A sealed segment is inserted into ClickHouse and then deleted.
Segments left behind by a crash are replayed on start; the insert carries the
segment's name as ClickHouse's deduplication token, so a segment inserted just
before a crash is not stored twice.

Record format: 4-byte length, 4-byte CRC32, then the JSON list of rows.  A torn
record at the end of a segment (a crash mid-write) was never acknowledged and
is skipped.
"""

from __future__ import annotations

import json
import os
import secrets
import struct
import threading
import time
import zlib
from pathlib import Path
from typing import Any

HEADER = struct.Struct("<II")
SUFFIX = ".seg"


class SpoolFull(RuntimeError):
    """The spool reached its disk limit; the client should retry later."""


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


class Spool:
    def __init__(self, directory: Path, max_bytes: int, *, fsync: bool = True) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.fsync = fsync
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # hits are the visitors' data: owner only
        self._lock = threading.Lock()
        self._sealed: list[Path] = sorted(directory.glob(f"*{SUFFIX}"))
        self._bytes = sum(path.stat().st_size for path in self._sealed)
        self._current: Path | None = None
        self._handle: Any = None
        self._current_rows = 0

    # Writing
    def _open(self) -> None:
        name = f"{time.time_ns():020d}-{secrets.token_hex(4)}{SUFFIX}"
        self._current = self.directory / name
        self._handle = open(self._current, "ab", buffering=0, opener=_private)
        self._current_rows = 0

    def append(self, rows: list[list[Any]]) -> None:
        """Write one group of rows and make it durable."""
        if not rows:
            return
        payload = json.dumps(rows, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        record = HEADER.pack(len(payload), zlib.crc32(payload)) + payload
        with self._lock:
            if self._bytes + len(record) > self.max_bytes:
                raise SpoolFull(f"spool holds {self._bytes} bytes, limit {self.max_bytes}")
            if self._handle is None:
                self._open()
            self._handle.write(record)
            if self.fsync:
                os.fsync(self._handle.fileno())
            self._bytes += len(record)
            self._current_rows += len(rows)

    def would_overflow(self, extra: int = 0) -> bool:
        return self._bytes + extra > self.max_bytes

    @property
    def current_rows(self) -> int:
        return self._current_rows

    def seal(self) -> None:
        """Close the open segment so it can be inserted; the next append opens a new one."""
        with self._lock:
            if self._handle is None:
                return
            self._handle.close()
            if self._current_rows:
                self._sealed.append(self._current)  # type: ignore[arg-type]
            else:
                self._current.unlink(missing_ok=True)  # type: ignore[union-attr]
            self._handle = None
            self._current = None
            self._current_rows = 0

    # Reading
    def sealed(self) -> list[Path]:
        with self._lock:
            return list(self._sealed)

    @staticmethod
    def read(path: Path) -> list[list[Any]]:
        rows: list[list[Any]] = []
        data = path.read_bytes()
        offset = 0
        while offset + HEADER.size <= len(data):
            length, crc = HEADER.unpack_from(data, offset)
            start = offset + HEADER.size
            payload = data[start : start + length]
            if len(payload) < length or zlib.crc32(payload) != crc:
                break  # torn tail: never acknowledged
            rows.extend(json.loads(payload))
            offset = start + length
        return rows

    def remove(self, path: Path) -> None:
        with self._lock:
            size = path.stat().st_size if path.exists() else 0
            path.unlink(missing_ok=True)
            if path in self._sealed:
                self._sealed.remove(path)
            self._bytes = max(0, self._bytes - size)

    @property
    def depth_bytes(self) -> int:
        return self._bytes

    def depth_segments(self) -> int:
        with self._lock:
            return len(self._sealed) + (1 if self._handle is not None else 0)

    def close(self) -> None:
        self.seal()
