"""Importing web server access logs: files → chunks of lines → the collector's pipeline → events.

Every line goes through the same pipeline as a live hit (``collector.ingest.process``):
site check, bots, excluded IPs, referrer spam, enrichment, URL hygiene, hashing and
truncation, visits.  Do Not Track and opt-out cookies have no meaning in a log.

A log is read in numbered chunks of ``CHUNK_LINES`` lines.  The ledger
(``footfall.metadata.imports``) records, per log and chunk, how many lines are done,
and each chunk's insert carries a deduplication token made of the same facts, so a
line is imported once even when an import is interrupted and run again.  Within a
chunk the hits are sorted by time, and files are read oldest first, so each
visitor's hits reach the visit table in time order.  Memory stays bounded: one
chunk at a time, and visits that ended a timeout before the import's current time
are forgotten.

The chunk work is the same in both places it runs: in this process when the data
is not in use, or in ``footfall serve`` through its admin endpoint.
"""

from __future__ import annotations

import asyncio
import bz2
import gzip
import hashlib
import os
import sys
import weakref
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any, Iterator

from collector.access_log import FORMATS, LogLineError, LogRecord, detect, parse_line, skip_reason, to_hit
from collector.ingest import process
from collector.rows import Row, for_insert
from footfall.metadata.imports import ImportLedger
from footfall.metadata.sites import SiteError, normalize_domain
from footfall.schema import COLUMNS

if TYPE_CHECKING:
    from footfall.app.services import Services

CHUNK_LINES = 10_000
KEY_LINES = 8  # the lines a log is known by
PIPELINE_SLICE = 500  # hits run between yields to the event loop, so live traffic keeps flowing


class LogImportError(ValueError):
    """The import cannot go on; the message says why."""


@dataclass(frozen=True)
class Routing:
    """Which site a request belongs to: ``--site``, else the host map, else the sites' domains."""

    site_id: int | None = None
    hosts: dict[str, int] = field(default_factory=dict)
    scheme: str = "https"

    def to_json(self) -> dict[str, Any]:
        return {"site_id": self.site_id, "hosts": self.hosts, "scheme": self.scheme}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Routing:
        site_id = data.get("site_id")
        hosts = data.get("hosts") or {}
        if site_id is not None and not isinstance(site_id, int):
            raise LogImportError("site_id must be a whole number")
        if not isinstance(hosts, dict) or not all(isinstance(v, int) for v in hosts.values()):
            raise LogImportError("hosts must map host names to site ids")
        scheme = data.get("scheme", "https")
        if scheme not in ("http", "https"):
            raise LogImportError("scheme must be http or https")
        return cls(site_id, {normalize_domain(k): v for k, v in hosts.items()}, scheme)


def parse_host_map(pairs: tuple[str, ...] | list[str]) -> dict[str, int]:
    """``["example.com=1", "blog.example.com=2"]`` → ``{"example.com": 1, …}``."""
    hosts: dict[str, int] = {}
    for pair in pairs:
        host, sep, site = pair.partition("=")
        try:
            if not sep:
                raise ValueError
            hosts[normalize_domain(host)] = int(site)
        except (ValueError, SiteError):
            raise LogImportError(f"--host {pair!r}: expected HOST=SITE_ID, e.g. example.com=1") from None
    return hosts


@dataclass
class Tally:
    """What happened to the lines: stored, or skipped for a reason."""

    lines: int = 0
    stored: int = 0
    already: int = 0  # imported before
    skipped: Counter = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.lines += other.lines
        self.stored += other.stored
        self.already += other.already
        self.skipped.update(other.skipped)

    def to_json(self) -> dict[str, Any]:
        return {"lines": self.lines, "stored": self.stored, "already": self.already, "skipped": dict(self.skipped)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tally:
        return cls(int(data["lines"]), int(data["stored"]), int(data["already"]), Counter(data["skipped"]))


# Parsing: pure, runs in any thread
def parse_chunk(lines: list[str], fmt: str, tally: Tally) -> list[LogRecord]:
    """The records worth recording, oldest first; the others counted in ``tally.skipped``."""
    records: list[LogRecord] = []
    skipped = tally.skipped
    for line in lines:
        if not line.strip():
            continue
        try:
            record = parse_line(line, fmt)
        except LogLineError:
            skipped["invalid"] += 1
            continue
        reason = skip_reason(record)
        if reason is not None:
            skipped[reason] += 1
            continue
        records.append(record)
    records.sort(key=lambda record: record.timestamp)
    return records


# The pipeline: on the thread that owns the services' visit table (the event loop when serving)
def run_records(services: Services, records: list[LogRecord], routing: Routing, tally: Tally) -> list[Row]:
    rows: list[Row] = []
    sites = services.sites
    skipped = tally.skipped
    fixed = sites.cached(routing.site_id) if routing.site_id is not None else None
    if routing.site_id is not None and fixed is None:
        raise LogImportError(f"site {routing.site_id} does not exist")
    for record in records:
        host = record.host
        if fixed is not None:
            site_id = fixed.id
            if not host or not fixed.allows_host(host):
                host = fixed.primary_domain
        else:
            key = host[4:] if host.startswith("www.") else host
            site_id = routing.hosts.get(key, 0)
            if not site_id and host:
                site = sites.cached_by_domain(host)
                site_id = site.id if site is not None else 0
            if not site_id:
                skipped["no-site"] += 1
                continue
        row, reason = process(services.collector, lambda record=record, site_id=site_id, host=host: to_hit(record, site_id, host, routing.scheme), site_id)
        if row is None:
            skipped[reason.value if reason is not None else "malformed"] += 1
        else:
            rows.append(row)
    return rows


async def import_chunk(
    services: Services, log_key: str, chunk: int, lines: list[str], fmt: str, routing: Routing
) -> Tally:
    """Import one chunk (or what of it is not imported yet); safe to repeat."""
    if fmt not in FORMATS:
        raise LogImportError(f"unknown log format {fmt!r}; one of {', '.join(FORMATS)}")
    ledger = ImportLedger(services.db)
    tally = Tally(lines=len(lines))
    done = ledger.lines_done(log_key, chunk)
    tally.already = min(done, len(lines))
    todo = lines[done:]
    if not todo:
        return tally
    # One chunk at a time through the pipeline, in the order the chunks came; the insert of
    # one chunk can then overlap the next chunk's pipeline work.
    async with _pipeline_lock(services):
        records = await asyncio.to_thread(parse_chunk, todo, fmt, tally)
        rows: list[Row] = []
        for start in range(0, len(records), PIPELINE_SLICE):
            rows.extend(run_records(services, records[start:start + PIPELINE_SLICE], routing, tally))
            await asyncio.sleep(0)
        if records:
            _forget_ended_visits(services, records[0].timestamp)
    if rows:
        token = f"logs:{log_key}:{chunk}:{done}:{len(lines)}"
        await asyncio.to_thread(
            services.storage.insert, "events", [for_insert(row) for row in rows], COLUMNS, dedup_token=token
        )
    ledger.record(log_key, chunk, len(lines), len(rows))
    tally.stored = len(rows)
    return tally


_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _pipeline_lock(services: Services) -> asyncio.Lock:
    """One per pipeline (per running Footfall): chunks go through it one after the other."""
    lock = _locks.get(services.pipeline.visits)
    if lock is None:
        lock = _locks[services.pipeline.visits] = asyncio.Lock()
    return lock


def _forget_ended_visits(services: Services, reached: datetime) -> None:
    visits = services.pipeline.visits
    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
    reached_ms = int(reached.timestamp() * 1000)
    if reached_ms < now_ms - visits.timeout_ms:  # live visits are never older than this
        visits.expire_before(reached_ms)


# Reading files
class LogFile:
    """A log file (plain, gzip or bzip2 by content; ``-`` is standard input), read as text lines."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.size: int | None = None
        if path == "-":
            self._raw: IO[bytes] = sys.stdin.buffer
            self.stream: IO[bytes] = self._raw
            return
        try:
            self._raw = open(path, "rb")
        except OSError as exc:
            raise LogImportError(f"{path}: {exc.strerror}") from None
        self.size = os.fstat(self._raw.fileno()).st_size
        magic = self._raw.read(3)
        self._raw.seek(0)
        if magic[:2] == b"\x1f\x8b":
            self.stream = gzip.GzipFile(fileobj=self._raw)  # type: ignore[assignment]
        elif magic == b"BZh":
            self.stream = bz2.BZ2File(self._raw)  # type: ignore[assignment]
        else:
            self.stream = self._raw

    def position(self) -> int:
        """Bytes of the file read so far (compressed bytes for a compressed file)."""
        try:
            return self._raw.tell() if self.size is not None else 0
        except (OSError, ValueError):
            return 0

    def lines(self) -> Iterator[str]:
        try:
            for raw in self.stream:
                yield raw.decode("utf-8", "replace").rstrip("\r\n")
        except (OSError, EOFError) as exc:
            raise LogImportError(f"{self.path}: cannot read it: {exc}") from None

    def close(self) -> None:
        if self.stream is not self._raw:
            self.stream.close()
        if self._raw is not sys.stdin.buffer:
            self._raw.close()


def log_key(first_lines: list[str]) -> str:
    digest = hashlib.sha256()
    for line in first_lines[:KEY_LINES]:
        digest.update(line.encode("utf-8", "surrogatepass") + b"\n")
    return digest.hexdigest()[:32]


def chunks(lines: Iterator[str], size: int = CHUNK_LINES) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def detect_format(lines: list[str]) -> str:
    for line in lines:
        if line.strip():
            fmt = detect(line)
            if fmt is None:
                # The line itself is not quoted: it holds a visitor's IP address and User-Agent.
                raise LogImportError(
                    f"cannot tell the log format from its first line; pass --format ({', '.join(FORMATS)})"
                )
            return fmt
    return "combined"


def first_time(path: str) -> float:
    """When a log starts, to read several logs oldest first (standard input: as given)."""
    if path == "-":
        return float("inf")
    log = LogFile(path)
    try:
        for line in log.lines():
            fmt = detect(line) if line.strip() else None
            if fmt is not None:
                try:
                    return parse_line(line, fmt).timestamp.timestamp()
                except LogLineError:
                    return float("inf")
            if line.strip():
                break
    finally:
        log.close()
    return float("inf")
