"""Building the report archives: each closed local day of a site from its events, then months and ranges from days.

:func:`refresh` is one round, as Matomo's ``core:archive`` is: it builds the
days that are closed (the visit timeout has passed since the day ended) and
have no fresh build, newest first, within a time budget; then every closed
month whose days all have fresh builds, by merging the days' rows; then the
ranges the dashboard opens on (:data:`RANGES`: the last 7 and 30 days and the
periods they are compared with), so such a page merges one row per group;
then it deletes the rows of the builds it replaced.  There are no week
units: they cost a quarter of the archives' bytes and only spared ad-hoc
ranges some merging.  A build is written under
a new ``build_id`` and only then named current in ``archive_builds``, so a
report never sees half a build.  The server runs a round every few minutes
(``footfall.app``); ``footfall archive`` runs one from the command line.
"""

from __future__ import annotations

import logging
import random
import time as clock
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from dashboard.stats import archive_sql, periods
from dashboard.stats.archive import (
    Build,
    cover,
    fresh_hour,
    hour_unit,
    midnight,
    range_unit,
    read_builds,
    read_changes,
    read_hour_changes,
    unit_end,
)
from dashboard.stats.query import Params, StatsQuery
from footfall.deletion import local_table

logger = logging.getLogger("footfall.archiver")

# The periods whose range archives every round keeps (with the periods they are compared with).
RANGES = ("7d", "30d")
# What a day without any change includes.
NOTHING = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ids = random.SystemRandom()


@dataclass
class Round:
    """What one round did."""

    built: dict[str, int] = field(default_factory=lambda: {"day": 0, "month": 0, "range": 0, "hour": 0})
    replaced: int = 0
    pending_days: int = 0  # closed days still to build when the time budget ran out
    seconds: float = 0.0


def round_to_json(done: Round) -> dict[str, Any]:
    return {"built": dict(done.built), "replaced": done.replaced, "pending_days": done.pending_days,
            "seconds": round(done.seconds, 2)}


def _query(site_id: int, tz: str, timeout_minutes: int) -> StatsQuery:
    now = datetime.now(timezone.utc)
    return StatsQuery(site_id=site_id, timezone=tz, start=now, end=now, visit_timeout_minutes=timeout_minutes)


def _new_id() -> int:
    return _ids.getrandbits(63) or 1


def _record(storage: Any, build: Build, site_id: int, span: tuple[datetime, datetime] | None = None) -> None:
    zone = zoneinfo.ZoneInfo(build.timezone)
    start, end = span or (midnight(build.day, zone), midnight(unit_end(build.unit, build.day), zone))
    rows = storage.query(
        "SELECT count() FROM archives WHERE site_id = {site:UInt32} AND build_id = {id:UInt64}",
        {"site": site_id, "id": build.build_id},
    )[0][0]
    storage.command(
        "INSERT INTO archive_builds (site_id, unit, day, build_id, start_utc, end_utc, built_at, days_built_at, version, "
        "timezone, rows, props) VALUES ({site:UInt32}, {unit:String}, {day:Date}, {id:UInt64}, "
        "{start:DateTime('UTC')}, {end:DateTime('UTC')}, {built_at:DateTime64(3, 'UTC')}, "
        "{days:Array(DateTime64(3, 'UTC'))}, now64(3, 'UTC'), {tz:String}, {rows:UInt64}, {props:Array(String)})",
        {"site": site_id, "unit": build.unit, "day": build.day, "id": build.build_id,
         "start": start, "end": end,
         "built_at": min(build.days_built_at), "days": list(build.days_built_at), "tz": build.timezone,
         "rows": int(rows), "props": list(build.props)},
    )


INSERT_COLUMNS = f"site_id, unit, day, build_id, dimension, value, {', '.join(archive_sql.COLUMNS)}"


def build_day(
    storage: Any, site_id: int, tz: str, day: date, last_change: datetime | None, timeout_minutes: int = 30
) -> Build:
    zone = zoneinfo.ZoneInfo(tz)
    return _build_span(storage, site_id, tz, "day", day, (midnight(day, zone), midnight(day + timedelta(days=1), zone)),
                       last_change, timeout_minutes)


def build_hour(
    storage: Any, site_id: int, tz: str, hour: datetime, last_change: datetime | None, timeout_minutes: int = 30
) -> Build:
    """Archive the visits that start in one UTC hour of a day not closed yet."""
    unit, day = hour_unit(hour)
    return _build_span(storage, site_id, tz, unit, day, (hour, hour + timedelta(hours=1)), last_change, timeout_minutes)


def _build_span(
    storage: Any, site_id: int, tz: str, unit: str, day: date, span: tuple[datetime, datetime],
    last_change: datetime | None, timeout_minutes: int,
) -> Build:
    """Archive one local day of a site from its events; returns the new build (now current).

    ``last_change`` is the day's last change read before the build: a hit
    is stamped in ``event_changes`` only after it is stored, so the build
    includes it and every change before it.  A change after it makes the
    build stale (a conservative answer for a change that the build did read).
    """
    built_at = last_change or NOTHING
    build_id = _new_id()
    params = Params()
    rows = archive_sql.rows_sql(_query(site_id, tz, timeout_minutes), params, [span])
    site = params.bind(site_id, "UInt32")
    storage.command(
        f"INSERT INTO archives ({INSERT_COLUMNS}) SELECT {site}, {params.bind(unit)}, day, "
        f"{params.bind(build_id, 'UInt64')}, "
        f"dimension, value, {', '.join(archive_sql.COLUMNS)} FROM ({rows})",
        params.values,
    )
    props = storage.query(
        "SELECT DISTINCT substring(dimension, {n:UInt32}) FROM archives WHERE site_id = {site:UInt32} "
        "AND build_id = {id:UInt64} AND startsWith(dimension, {prefix:String}) AND dimension != {prefix:String}",
        {"site": site_id, "id": build_id, "prefix": archive_sql.CUSTOM_PROPS, "n": len(archive_sql.CUSTOM_PROPS) + 1},
    )
    build = Build(unit, day, build_id, (built_at,), tz, tuple(sorted(str(row[0]) for row in props)))
    _record(storage, build, site_id, span)
    return build


def build_merged(storage: Any, site_id: int, tz: str, unit: str, day: date, parts: list[Build]) -> Build:
    """Archive a month or a range by merging the builds of its parts (a day without a build had no events)."""
    build_id = _new_id()
    read: dict[date, datetime] = {}
    for part in parts:
        for offset, built_at in enumerate(part.days_built_at):
            read[part.day + timedelta(days=offset)] = built_at
    span = (unit_end(unit, day) - day).days
    days_built_at = tuple(read.get(day + timedelta(days=n), NOTHING) for n in range(span))
    props = tuple(sorted({prop for part in parts for prop in part.props}))
    if parts:
        params = Params()
        site = params.bind(site_id, "UInt32")
        columns = ", ".join(archive_sql.COLUMNS)
        sources = [f"SELECT dimension, value, {columns} FROM archives WHERE site_id = {site} "
                   f"AND build_id IN {params.bind([b.build_id for b in parts], 'Array(UInt64)')}"]
        for part in parts:  # a part without a key of the others: its custom events are (none) for it
            missing = [prop for prop in props if prop not in part.props]
            if missing:
                totals = (f"SELECT {columns} FROM archives WHERE site_id = {site} "
                          f"AND build_id = {params.bind(part.build_id, 'UInt64')} "
                          f"AND dimension = {params.bind(archive_sql.CUSTOM_TOTAL)}")
                sources.append(
                    f"SELECT concat({params.bind(archive_sql.CUSTOM_PROPS)}, key) AS dimension, '(none)' AS value, "
                    f"{columns} FROM ({totals}) ARRAY JOIN {params.bind(missing, 'Array(String)')} AS key")
        merged = ", ".join(f"{archive_sql.merged_state(name)} AS {name}" for name in archive_sql.COLUMNS)
        storage.command(
            f"INSERT INTO archives ({INSERT_COLUMNS}) "
            f"SELECT {site}, {params.bind(unit)}, {params.bind(day, 'Date')}, {params.bind(build_id, 'UInt64')}, "
            f"dimension, value, {merged} FROM ({' UNION ALL '.join(sources)}) GROUP BY dimension, value",
            params.values,
        )
    build = Build(unit, day, build_id, days_built_at, tz, props)
    _record(storage, build, site_id)
    return build


def refresh(
    storage: Any,
    site_id: int,
    tz: str,
    *,
    now: datetime | None = None,
    timeout_minutes: int = 30,
    budget_seconds: float | None = None,
) -> Round:
    """One archiving round for one site (see the module docstring)."""
    began = clock.perf_counter()
    done = Round()
    now = now or datetime.now(timezone.utc)
    zone = zoneinfo.ZoneInfo(tz)
    changes = read_changes(storage, site_id, tz)
    if not changes:
        return done
    first_day = min(changes)
    last_closed = now.astimezone(zone).date() - timedelta(days=1)
    while last_closed >= first_day and midnight(last_closed + timedelta(days=1), zone) + timedelta(
        minutes=timeout_minutes
    ) > now:
        last_closed -= timedelta(days=1)
    builds = read_builds(storage, site_id)
    replaced: list[int] = []
    day = last_closed
    while day >= first_day:
        current = builds.get(("day", day))
        if current is None or not current.is_fresh(tz, changes):
            if budget_seconds is not None and clock.perf_counter() - began > budget_seconds:
                done.pending_days += 1
            else:
                builds[("day", day)] = build_day(storage, site_id, tz, day, changes.get(day), timeout_minutes)
                done.built["day"] += 1
                if current is not None:
                    replaced.append(current.build_id)
        day -= timedelta(days=1)
    start = first_day.replace(day=1)
    while unit_end("month", start) <= last_closed + timedelta(days=1):
        span = [start + timedelta(days=n) for n in range((unit_end("month", start) - start).days)]
        day_builds = {d: builds[("day", d)] for d in span if ("day", d) in builds}
        complete = all(d in day_builds for d in span if d >= first_day)
        current = builds.get(("month", start))
        if complete and all(b.is_fresh(tz, changes) for b in day_builds.values()) and (
            current is None or not current.is_fresh(tz, changes)
        ):
            builds[("month", start)] = build_merged(storage, site_id, tz, "month", start, list(day_builds.values()))
            done.built["month"] += 1
            if current is not None:
                replaced.append(current.build_id)
        start = unit_end("month", start)
    replaced += _build_ranges(storage, site_id, tz, builds, changes, last_closed, done)
    replaced += _build_hours(storage, site_id, tz, builds, now, last_closed, timeout_minutes, done)
    if replaced:
        storage.command(
            f"ALTER TABLE {local_table(storage, 'archives')} DELETE WHERE site_id = {{site:UInt32}} "
            "AND build_id IN {ids:Array(UInt64)} "
            "SETTINGS mutations_sync = 1",
            {"site": site_id, "ids": replaced},
        )
        done.replaced = len(replaced)
    done.seconds = clock.perf_counter() - began
    if any(done.built.values()):
        logger.info("archived site %d: %s in %.1f s (%d days still to do)", site_id, done.built, done.seconds,
                    done.pending_days)
    return done


def _build_hours(
    storage: Any, site_id: int, tz: str, builds: dict[tuple[str, date], Build], now: datetime, last_closed: date,
    timeout_minutes: int, done: Round,
) -> list[int]:
    """Hour archives of the closed hours of the days after ``last_closed``; drops those of archived days.

    Returns the builds they replace.  A time zone whose days do not start on
    the hour gets none (its days are read from the events until archived).
    """
    zone = zoneinfo.ZoneInfo(tz)
    start = midnight(last_closed + timedelta(days=1), zone)
    hour = timedelta(hours=1)
    replaced = []
    gone = [build for (unit, _), build in builds.items() if unit.startswith("hour:")
            and midnight(build.day, timezone.utc) + timedelta(hours=int(unit[5:])) < start]
    if start.minute == 0:
        changes = read_hour_changes(storage, site_id, start, now)
        at = start
        while at + hour + timedelta(minutes=timeout_minutes) <= now:
            current = builds.get(hour_unit(at))
            if not fresh_hour(current, tz, changes.get(at)):
                builds[hour_unit(at)] = build_hour(storage, site_id, tz, at, changes.get(at), timeout_minutes)
                done.built["hour"] += 1
                if current is not None:
                    replaced.append(current.build_id)
            at += hour
    return replaced + _drop(storage, site_id, gone)


def _drop(storage: Any, site_id: int, gone: list[Build]) -> list[int]:
    """Builds no longer wanted leave ``archive_builds`` now; their rows go with the round's replaced builds."""
    if gone:
        storage.command(
            f"ALTER TABLE {local_table(storage, 'archive_builds')} DELETE WHERE site_id = {{site:UInt32}} "
            "AND build_id IN {ids:Array(UInt64)} SETTINGS mutations_sync = 1",
            {"site": site_id, "ids": [build.build_id for build in gone]},
        )
    return [build.build_id for build in gone]


def standard_ranges(tz: str, today: date) -> list[tuple[date, date]]:
    """``[first, last)`` of the ranges the dashboard opens on (RANGES) and of the periods they are compared with."""
    found = []
    for name in RANGES:
        period = periods.resolve(name, tz, today=today)
        for each in (period, periods.previous(period)):
            found.append((each.start_date, each.end_date + timedelta(days=1)))
    return list(dict.fromkeys(found))


def _build_ranges(
    storage: Any, site_id: int, tz: str, builds: dict[tuple[str, date], Build], changes: dict[date, datetime],
    last_closed: date, done: Round,
) -> list[int]:
    """Range archives for :func:`standard_ranges` whose days are all archived; returns the builds they replace.

    Ranges of other days (yesterday's "last 30 days") are dropped: their rows
    and their entries in ``archive_builds``.
    """
    wanted = {(range_unit(first, last), first): (first, last)
              for first, last in standard_ranges(tz, last_closed + timedelta(days=1)) if last <= last_closed + timedelta(days=1)}
    replaced = []
    for key, (first, last) in wanted.items():
        current = builds.get(key)
        if current is not None and current.is_fresh(tz, changes):
            continue
        parts, uncovered = cover(builds, tz, changes, first, last)
        if any(day >= min(changes) for day in uncovered):
            continue  # a day with events is not archived yet (days before the site's first events have none)
        builds[key] = build_merged(storage, site_id, tz, key[0], first, parts)
        done.built["range"] += 1
        if current is not None:
            replaced.append(current.build_id)
    gone = [build for key, build in builds.items() if key[0].startswith("range:") and key not in wanted]
    return replaced + _drop(storage, site_id, gone)


def refresh_sites(
    storage: Any, sites: list[Any], *, timeout_minutes: int = 30, budget_seconds: float | None = None
) -> dict[int, Round]:
    """One round for every site (``site.id``, ``site.timezone``)."""
    return {
        site.id: refresh(storage, site.id, site.timezone, timeout_minutes=timeout_minutes,
                         budget_seconds=budget_seconds)
        for site in sites
    }
