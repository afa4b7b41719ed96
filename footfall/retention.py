"""Retention: events older than the owner's retention period are deleted.

- ``settings.retention_days`` (0 keeps data forever) is the longest any event
  is kept.  It becomes the events table's TTL, applied when the server starts
  (idempotent; removed again when the setting goes back to 0), so ClickHouse
  drops old parts during merges.
- A site's own ``retention_days`` can shorten that for the site.
- Because TTL deletes happen only when ClickHouse merges, a task in the server
  also deletes, every hour, each site's events older than its effective
  retention.  A site with nothing to delete costs one count query.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import datetime, timedelta, timezone
from typing import AsyncIterator, Callable, Iterable

from footfall.deletion import delete_events, events_table
from footfall.metadata.sites import Site
from footfall.storage.clickhouse import Storage

logger = logging.getLogger("footfall.retention")

INTERVAL_SECONDS = 3600.0
OUR_TTL = re.compile(r"TTL toDateTime\(timestamp\) \+ toIntervalDay\((\d+)\)")


def effective_days(global_days: int, site_days: int) -> int:
    """The shorter of the two limits; 0 means no limit."""
    limits = [days for days in (global_days, site_days) if days > 0]
    return min(limits) if limits else 0


def table_ttl_days(storage: Storage) -> int | None:
    """The retention TTL currently on the events table, or None."""
    table = "events_local" if storage.cluster else "events"
    rows = storage.query(
        "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = {table:String}",
        {"table": table},
    )
    if not rows:
        return None
    match = OUR_TTL.search(rows[0][0])
    return int(match.group(1)) if match else None


def apply_table_ttl(storage: Storage, days: int) -> bool:
    """Make the events table's TTL match ``days`` (0: none). True when the table changed."""
    current = table_ttl_days(storage)
    if days > 0 and current != days:
        # ``days`` is a validated whole number; DDL takes no bound parameters here.
        storage.command(
            f"ALTER TABLE {events_table(storage)} MODIFY TTL toDateTime(timestamp) + INTERVAL {int(days)} DAY"
        )
        return True
    if days == 0 and current is not None:
        storage.command(f"ALTER TABLE {events_table(storage)} REMOVE TTL")
        return True
    return False


def purge(
    storage: Storage, sites: Iterable[Site], global_days: int, now: datetime | None = None
) -> dict[int, int]:
    """Delete each site's events older than its effective retention. Returns deleted rows per site."""
    now = now or datetime.now(timezone.utc)
    deleted: dict[int, int] = {}
    for site in sites:
        days = effective_days(global_days, site.retention_days)
        if not days:
            continue
        cutoff = now - timedelta(days=days)
        count = delete_events(
            storage,
            "site_id = {site_id:UInt32} AND timestamp < fromUnixTimestamp64Milli({cutoff_ms:Int64}, 'UTC')",
            {"site_id": site.id, "cutoff_ms": int(cutoff.timestamp() * 1000)},
        )
        if count:
            deleted[site.id] = count
    return deleted


def enforce(storage: Storage, sites: Iterable[Site], global_days: int) -> dict[int, int]:
    """One round: the table TTL, then the per-site deletes."""
    if apply_table_ttl(storage, global_days):
        logger.info("events table TTL is now %s", f"{global_days} days" if global_days else "off")
    deleted = purge(storage, sites, global_days)
    for site_id, count in deleted.items():
        logger.info("retention deleted %d old events of site %d", count, site_id)
    return deleted


@contextlib.asynccontextmanager
async def running(
    storage: Storage,
    list_sites: Callable[[], list[Site]],
    global_days: int,
    interval: float = INTERVAL_SECONDS,
) -> AsyncIterator[None]:
    """Enforce retention at start and then every ``interval`` seconds while the server runs."""
    stop = asyncio.Event()

    async def loop() -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(enforce, storage, list_sites(), global_days)
            except Exception as exc:  # storage down: try again next round
                logger.warning("retention round failed: %s", type(exc).__name__)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    task = asyncio.create_task(loop(), name="footfall-retention")
    try:
        yield
    finally:
        stop.set()
        # A round in progress finishes before storage is closed.
        await asyncio.gather(task, return_exceptions=True)
