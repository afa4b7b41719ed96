"""Group commit into the spool, and the flusher that moves the spool into ClickHouse.

``submit(rows)`` returns once the rows are fsynced in the spool: that is when
the client may hear "accepted".  Requests that arrive within a few
milliseconds of each other share one write and one fsync.  A background task
seals a segment every ``flush_interval_seconds`` (or when it holds
``spool_segment_rows`` rows) and inserts it with one batched insert, retrying
with backoff while ClickHouse is unreachable.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter as Tally
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from collector.metrics import CollectorMetrics
from collector.rows import COLUMNS, Row, for_insert, from_spool
from collector.spool import Spool, SpoolFull
from footfall.settings import Settings
from footfall.storage.clickhouse import Storage

logger = logging.getLogger("footfall.writer")

MAX_PENDING_ROWS = 200_000


class Writer:
    def __init__(self, settings: Settings, storage: Storage, metrics: CollectorMetrics) -> None:
        self.settings = settings
        self.storage = storage
        self.metrics = metrics
        self.spool = Spool(settings.spool_path, settings.spool_max_bytes, fsync=settings.fsync)
        self._pending: list[Row] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._drops: Tally[tuple[int, int, str]] = Tally()
        self._wake_commit: asyncio.Event | None = None
        self._wake_flush: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self._backoff = 0.0
        self.stored_rows = 0  # hits stored in ClickHouse since start
        self.stored_on_stop = 0  # of which by the final flush in stop()

    # Lifecycle
    async def start(self) -> None:
        self._wake_commit = asyncio.Event()
        self._wake_flush = asyncio.Event()
        self._closing = False
        self._tasks = [
            asyncio.create_task(self._commit_loop(), name="footfall-group-commit"),
            asyncio.create_task(self._flush_loop(), name="footfall-flush"),
        ]
        if self.spool.sealed():
            self._wake_flush.set()  # replay what a crash left behind now, not one flush interval later
        self.update_gauges()

    async def stop(self, timeout: float = 30.0) -> None:
        """Commit what is pending, then store every sealed segment (as far as ClickHouse allows)."""
        self._closing = True
        assert self._wake_commit is not None and self._wake_flush is not None
        self._wake_commit.set()
        self._wake_flush.set()
        # The loops see _closing and return; cancelling them could lose a wake-up.
        await asyncio.gather(*self._tasks, return_exceptions=True)
        stored_before = self.stored_rows
        await self._commit_pending()
        deadline = time.monotonic() + timeout
        self.spool.seal()
        while self.spool.sealed() and time.monotonic() < deadline:
            if not await asyncio.to_thread(self.flush_once):
                await asyncio.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        await asyncio.to_thread(self.flush_drops)
        self.stored_on_stop = self.stored_rows - stored_before
        self.spool.close()

    # Accepting hits
    async def submit(self, rows: list[Row]) -> None:
        """Return when ``rows`` are durable in the spool; raise SpoolFull when there is no room."""
        if not rows:
            return
        if len(self._pending) + len(rows) > MAX_PENDING_ROWS or self.spool.would_overflow():
            self.metrics.rejected.inc(len(rows))
            raise SpoolFull("the spool is full")
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._pending.extend(rows)
        self._waiters.append(waiter)
        assert self._wake_commit is not None
        self._wake_commit.set()
        await waiter

    def count_drop(self, site_id: int, reason: str, now: datetime | None = None) -> None:
        """Count a dropped hit; only (site, minute, reason) is kept, nothing about the visitor."""
        minute = int((now or datetime.now(timezone.utc)).timestamp()) // 60 * 60
        self._drops[(site_id, minute, reason)] += 1
        self.metrics.dropped.labels(reason=reason).inc()

    async def _commit_loop(self) -> None:
        assert self._wake_commit is not None
        while not self._closing:
            await self._wake_commit.wait()
            self._wake_commit.clear()
            if self._closing:
                return
            if self.settings.group_commit_ms:
                await asyncio.sleep(self.settings.group_commit_ms / 1000)
            await self._commit_pending()

    async def _commit_pending(self) -> None:
        if not self._pending:
            return
        rows, waiters = self._pending, self._waiters
        self._pending, self._waiters = [], []
        try:
            await asyncio.to_thread(self.spool.append, rows)
        except BaseException as exc:  # SpoolFull, disk errors: every waiter hears it
            error = exc if isinstance(exc, SpoolFull) else SpoolFull(f"the spool cannot be written: {exc}")
            if isinstance(exc, SpoolFull):
                self.metrics.rejected.inc(len(rows))
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(error)
            if not isinstance(exc, Exception):
                raise
            return
        self.metrics.accepted.inc(len(rows))
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
        if self.spool.current_rows >= self.settings.spool_segment_rows:
            assert self._wake_flush is not None
            self._wake_flush.set()
        self.update_gauges()

    def request_flush(self) -> None:
        """Seal the open segment and wake the flusher now rather than at the next interval.

        Call it on the event loop (the admin endpoint does, before forget and export).
        """
        self.spool.seal()
        if self._wake_flush is not None:
            self._wake_flush.set()

    async def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every hit acknowledged so far is in ClickHouse, not only in the spool.

        False when that took longer than ``timeout`` seconds (ClickHouse is behind or down).
        """
        self.request_flush()
        waiting = set(self.spool.sealed())
        deadline = time.monotonic() + timeout
        while waiting & set(self.spool.sealed()):
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    # Storing
    async def _flush_loop(self) -> None:
        assert self._wake_flush is not None
        while not self._closing:
            try:
                await asyncio.wait_for(self._wake_flush.wait(), timeout=self.settings.flush_interval_seconds)
            except asyncio.TimeoutError:
                pass
            self._wake_flush.clear()
            if self._closing:
                return
            self.spool.seal()
            ok = await asyncio.to_thread(self.flush_once)
            await asyncio.to_thread(self.flush_drops)
            if not ok:
                self._backoff = min(self.settings.retry_max_seconds, max(0.1, self._backoff * 2))
                logger.warning("storing the spool failed; retrying in %.1f s", self._backoff)
                try:
                    await asyncio.wait_for(self._wake_flush.wait(), timeout=self._backoff)
                except asyncio.TimeoutError:
                    pass
            else:
                self._backoff = 0.0

    def flush_once(self) -> bool:
        """Insert every sealed segment, oldest first. False when an insert failed."""
        for path in self.spool.sealed():
            if not self._store_segment(path):
                return False
        self.update_gauges()
        return True

    def _store_segment(self, path: Path) -> bool:
        try:
            rows = Spool.read(path)
        except OSError:
            logger.exception("cannot read spool segment %s", path.name)
            return False
        started = time.perf_counter()
        try:
            if rows:
                self.storage.insert(
                    "events", [for_insert(from_spool(row)) for row in rows], COLUMNS, dedup_token=f"spool:{path.name}"
                )
        except Exception as exc:
            self.metrics.flush_failures.inc()
            logger.warning("insert of spool segment failed: %s", type(exc).__name__)
            return False
        self.metrics.flush_seconds.observe(time.perf_counter() - started)
        self.metrics.stored.inc(len(rows))
        self.stored_rows += len(rows)
        self.spool.remove(path)
        return True

    def flush_drops(self) -> None:
        """Store the drop counts gathered since the last flush (the flusher calls it; tests may too)."""
        if not self._drops:
            return
        drops, self._drops = self._drops, Tally()
        rows = [
            [site_id, datetime.fromtimestamp(minute, tz=timezone.utc), reason, count]
            for (site_id, minute, reason), count in drops.items()
        ]
        try:
            # A fresh token per flush: without one, ClickHouse's block deduplication would
            # discard a flush whose counts happen to equal a recent one.
            self.storage.insert(
                "dropped_hits", rows, ("site_id", "minute", "reason", "hits"), dedup_token=f"drops:{uuid.uuid4()}"
            )
        except Exception:
            # Counts are best effort: keep them for the next flush.
            for (site_id, minute, reason), count in drops.items():
                self._drops[(site_id, minute, reason)] += count

    def update_gauges(self) -> None:
        """Bring the spool gauges up to date (before /metrics is read)."""
        self.metrics.spool_bytes.set(self.spool.depth_bytes)
        self.metrics.spool_segments.set(self.spool.depth_segments())

    def status(self) -> dict[str, Any]:
        return {
            "pending_rows": len(self._pending),
            "spool_bytes": self.spool.depth_bytes,
            "spool_segments": self.spool.depth_segments(),
        }
