"""Retention: visitor data older than the retention period is deleted, on by default.

- ``VISITOR_TABLES`` is the one list of ClickHouse tables that hold data about
  visitors (pseudonymous IDs, pages, devices).  Every table in it gets the
  retention TTL and the per-site purges, and ``forget`` deletes from each.
  Tables of counts only (``dropped_hits``) are not visitor data.
- ``settings.retention_days`` (default ``DEFAULT_RETENTION_DAYS``, 25 months,
  the longest the French CNIL accepts for audience measurement without
  consent; 0 keeps data forever) becomes each table's TTL, applied when the
  server starts (idempotent; removed again when the setting goes back to 0),
  so ClickHouse drops old parts during merges.
- A site's own ``retention_days`` can only shorten that for the site.
- Because TTL deletes happen only when ClickHouse merges, a task in the server
  also deletes, every hour, each site's rows older than its effective
  retention.  A site with nothing to delete costs one count query per table.
- Every round, TTL change and purge is written to the privacy log.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import AsyncIterator, Callable, Iterable

from footfall import periodic
from footfall.deletion import delete_events, delete_rows, local_table
from footfall.metadata.privacy_log import RETENTION_PURGE, RETENTION_TTL, PrivacyLog
from footfall.metadata.sites import Site
from footfall.settings import DEFAULT_RETENTION_DAYS
from footfall.storage.clickhouse import Storage

logger = logging.getLogger("footfall.retention")

INTERVAL_SECONDS = 3600.0
CNIL_MAX_DAYS = DEFAULT_RETENTION_DAYS


@dataclass(frozen=True)
class VisitorTable:
    """A ClickHouse table holding visitor data, and the column its rows' age is counted from."""

    name: str
    time_column: str
    holds: str
    # False for a table without visitor IDs (a forget deletes its rows through footfall.deletion instead).
    by_visitor: bool = True

    @property
    def ttl_pattern(self) -> re.Pattern[str]:
        return re.compile(rf"TTL toDateTime\({re.escape(self.time_column)}\) \+ toIntervalDay\((\d+)\)")


# The one list of tables that hold visitor data. A new such table is added here.
VISITOR_TABLES: tuple[VisitorTable, ...] = (
    VisitorTable(
        "events",
        "timestamp",
        "one row per recorded hit: pseudonymous visitor and visit IDs, page, referrer, campaign, event, "
        "country, browser, OS, device type, screen size, language",
    ),
    VisitorTable(
        "visits",
        "visit_start",
        "one row per visit, kept from the events: pseudonymous visitor and visit IDs, entry and exit page, "
        "counts, and the first hit's source, campaign, location and device",
    ),
    VisitorTable(
        "archives",
        "day",
        "the reports pre-aggregated per day, week and month: counts per page, source, location and device, "
        "and the visitors as sketches of their pseudonymous IDs",
        by_visitor=False,
    ),
)


def effective_days(global_days: int, site_days: int) -> int:
    """The shorter of the two limits; 0 means no limit."""
    limits = [days for days in (global_days, site_days) if days > 0]
    return min(limits) if limits else 0


def table_ttl_days(storage: Storage, table: VisitorTable = VISITOR_TABLES[0]) -> int | None:
    """The retention TTL currently on ``table``, or None."""
    name = f"{table.name}_local" if storage.cluster else table.name
    rows = storage.query(
        "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = {table:String}",
        {"table": name},
    )
    if not rows:
        return None
    match = table.ttl_pattern.search(rows[0][0])
    return int(match.group(1)) if match else None


def apply_table_ttl(storage: Storage, days: int, table: VisitorTable = VISITOR_TABLES[0]) -> bool:
    """Make ``table``'s TTL match ``days`` (0: none). True when the table changed."""
    current = table_ttl_days(storage, table)
    target = local_table(storage, table.name)
    if days > 0 and current != days:
        # ``days`` is a validated whole number and the column a constant; DDL takes no bound parameters here.
        storage.command(f"ALTER TABLE {target} MODIFY TTL toDateTime({table.time_column}) + INTERVAL {int(days)} DAY")
        return True
    if days == 0 and current is not None:
        storage.command(f"ALTER TABLE {target} REMOVE TTL")
        return True
    return False


def apply_ttls(storage: Storage, days: int, log: PrivacyLog | None = None) -> list[str]:
    """The TTL on every visitor table; returns the names of the tables that changed."""
    changed = [table.name for table in VISITOR_TABLES if apply_table_ttl(storage, days, table)]
    for name in changed:
        logger.info("%s table TTL is now %s", name, f"{days} days" if days else "off")
        if log is not None:
            log.record(RETENTION_TTL, detail=f"{name}: {f'{days} days' if days else 'kept forever'}")
    return changed


def purge(
    storage: Storage,
    sites: Iterable[Site],
    global_days: int,
    now: datetime | None = None,
    log: PrivacyLog | None = None,
) -> dict[int, int]:
    """Delete each site's visitor rows older than its effective retention. Returns deleted rows per site."""
    now = now or datetime.now(timezone.utc)
    deleted: dict[int, int] = {}
    for site in sites:
        days = effective_days(global_days, site.retention_days)
        if not days:
            continue
        cutoff = now - timedelta(days=days)
        for table in VISITOR_TABLES:
            where = (
                f"site_id = {{site_id:UInt32}} AND "
                f"{table.time_column} < fromUnixTimestamp64Milli({{cutoff_ms:Int64}}, 'UTC')"
            )
            parameters = {"site_id": site.id, "cutoff_ms": int(cutoff.timestamp() * 1000)}
            if table.name == "events":  # takes the rows of their visits along (footfall.deletion)
                count = delete_events(storage, where, parameters)
            else:
                count = delete_rows(storage, table.name, where, parameters)
            if count:
                deleted[site.id] = deleted.get(site.id, 0) + count
                if log is not None:
                    log.record(
                        RETENTION_PURGE, count, site.id, f"{table.name} before {cutoff.date().isoformat()} ({days} days)"
                    )
    return deleted


def enforce(
    storage: Storage, sites: Iterable[Site], global_days: int, log: PrivacyLog | None = None
) -> dict[int, int]:
    """One round: the table TTLs, then the per-site deletes."""
    apply_ttls(storage, global_days, log)
    deleted = purge(storage, sites, global_days, log=log)
    for site_id, count in deleted.items():
        logger.info("retention deleted %d old rows of site %d", count, site_id)
    if log is not None:
        log.mark_retention_run()
    return deleted


@dataclass(frozen=True)
class Expiry:
    """What a site's retention deletes, and when."""

    site_id: int
    days: int
    cutoff: datetime | None  # rows before this are deleted now
    oldest: datetime | None  # the oldest row kept
    expires_next: datetime | None  # when that row goes
    next_30_days: int  # rows that go within 30 days


def _time(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def expiry_to_json(expiry: Expiry) -> dict[str, object]:
    return {
        "site_id": expiry.site_id,
        "days": expiry.days,
        "cutoff": _time(expiry.cutoff),
        "oldest": _time(expiry.oldest),
        "expires_next": _time(expiry.expires_next),
        "next_30_days": expiry.next_30_days,
    }


def expiry_from_json(data: dict) -> Expiry:
    return Expiry(
        int(data["site_id"]),
        int(data["days"]),
        _parse_time(data["cutoff"]),
        _parse_time(data["oldest"]),
        _parse_time(data["expires_next"]),
        int(data["next_30_days"]),
    )


def expiries(storage: Storage, sites: Iterable[Site], global_days: int, now: datetime | None = None) -> list[Expiry]:
    """For each site: its retention, the current cutoff, and what goes next (over every visitor table)."""
    now = now or datetime.now(timezone.utc)
    found = []
    for site in sites:
        days = effective_days(global_days, site.retention_days)
        oldest: datetime | None = None
        soon = 0
        for table in VISITOR_TABLES:
            window = f"{table.time_column} < fromUnixTimestamp64Milli({{soon_ms:Int64}}, 'UTC')"
            soon_ms = int((now - timedelta(days=days) + timedelta(days=30)).timestamp() * 1000) if days else 0
            [(first, count)] = storage.query(
                f"SELECT minOrNull({table.time_column}), countIf({window}) FROM {table.name} "
                "WHERE site_id = {site_id:UInt32}",
                {"site_id": site.id, "soon_ms": soon_ms},
            )
            if first is not None:
                first = first if first.tzinfo else first.replace(tzinfo=timezone.utc)
                oldest = first if oldest is None else min(oldest, first)
            soon += int(count) if days else 0
        cutoff = now - timedelta(days=days) if days else None
        expires = oldest + timedelta(days=days) if days and oldest is not None else None
        found.append(Expiry(site.id, days, cutoff, oldest, expires, soon))
    return found


@contextlib.asynccontextmanager
async def running(
    storage: Storage,
    list_sites: Callable[[], list[Site]],
    global_days: int,
    interval: float = INTERVAL_SECONDS,
    log: PrivacyLog | None = None,
) -> AsyncIterator[None]:
    """Enforce retention at start and then every ``interval`` seconds while the server runs."""

    def round_() -> None:
        enforce(storage, list_sites(), global_days, log)

    async with periodic.running("retention", round_, interval):
        yield
