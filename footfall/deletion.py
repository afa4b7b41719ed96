"""Deleting events: forgetting one visitor, and the one place that issues ``ALTER TABLE events DELETE``
(and deletes the visits table's rows of the visits the deleted events belong to, and the report archives of
the days they were in).

A visitor is named the way the collector derived their pseudonymous ID:
- ``visitor_id``: the stored 64-bit ID itself (as the dashboard shows it);
- ``tracker_id``: the Matomo ``_id`` cookie of a site in cookie mode, hashed
  with the server secret exactly as the anonymize stage does;
- ``user_id``: the Matomo ``uid``, hashed the same way.  Every visit that
  carried it is deleted, as Matomo's GDPR tool deletes whole visits.

Values are always bound as query parameters, never pasted into SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from footfall.hashing import keyed_hash
from footfall.metadata.privacy_log import FORGET, PrivacyLog
from footfall.storage.clickhouse import Storage

TRACKER_ID = re.compile(r"[0-9a-fA-F]{16}")


class ForgetError(ValueError):
    """The request does not name exactly one visitor of one site."""


@dataclass(frozen=True)
class Visitor:
    site_id: int
    visitor_id: int | None = None
    tracker_id: str = ""
    user_id: str = ""

    @classmethod
    def from_json(cls, data: Any) -> Visitor:
        if not isinstance(data, dict):
            raise ForgetError("expected a JSON object")
        try:
            site_id = int(data.get("site_id", 0))
            raw_visitor = data.get("visitor_id")
            visitor_id = int(raw_visitor) if raw_visitor not in (None, "") else None
        except (TypeError, ValueError):
            raise ForgetError("site_id and visitor_id must be whole numbers") from None
        visitor = cls(
            site_id=site_id,
            visitor_id=visitor_id,
            tracker_id=str(data.get("tracker_id") or ""),
            user_id=str(data.get("user_id") or ""),
        )
        visitor.check()
        return visitor

    def to_json(self) -> dict[str, Any]:
        return {
            "site_id": self.site_id,
            "visitor_id": self.visitor_id,
            "tracker_id": self.tracker_id,
            "user_id": self.user_id,
        }

    def check(self) -> None:
        if self.site_id <= 0:
            raise ForgetError("a site id is needed")
        named = sum([self.visitor_id is not None, bool(self.tracker_id), bool(self.user_id)])
        if named != 1:
            raise ForgetError("name the visitor in exactly one way: visitor id, tracker id or user id")
        if self.visitor_id is not None and not 0 < self.visitor_id < 2**64:
            raise ForgetError("a visitor id is a positive 64-bit number")
        if self.tracker_id and not TRACKER_ID.fullmatch(self.tracker_id):
            raise ForgetError("a tracker id (the _id cookie) is 16 hexadecimal characters")


@dataclass(frozen=True)
class Forgotten:
    deleted: int
    visitor_ids: int


def local_table(storage: Storage, table: str) -> str:
    """The table a mutation must name: the local table on every node of a cluster."""
    return f"{table}_local ON CLUSTER {storage.cluster}" if storage.cluster else table


def events_table(storage: Storage) -> str:
    return local_table(storage, "events")


def visits_table(storage: Storage) -> str:
    """The visits table (sql/0004_visits_table.sql), named as a mutation must name it."""
    return local_table(storage, "visits")


def delete_rows(storage: Storage, table: str, where: str, parameters: dict[str, Any]) -> int:
    """Delete the rows of ``table`` matching ``where`` (bound ``parameters``); return how many there were.

    The rows are counted first, so a delete that matches nothing issues no mutation.
    """
    count = int(storage.query(f"SELECT count() FROM {table} WHERE {where}", parameters)[0][0])
    if count:
        storage.command(
            f"ALTER TABLE {local_table(storage, table)} DELETE WHERE {where} SETTINGS mutations_sync = 1",
            parameters,
        )
    return count


def delete_events(storage: Storage, where: str, parameters: dict[str, Any]) -> int:
    """Delete the events matching ``where`` (bound ``parameters``) and their visits' rows; return how many events.

    A visit some of whose events remain (a retention cut through it) loses its
    row too: it started before the cut, in a period no longer kept.

    The rows are counted first, so a delete that matches nothing issues no mutation.
    """
    count = int(storage.query(f"SELECT count() FROM events WHERE {where}", parameters)[0][0])
    if count:
        hours = storage.query(
            f"SELECT DISTINCT site_id, toStartOfHour(visit_start) FROM events WHERE {where}", parameters
        )
        # Stamped before (no archive built from here on counts as fresh) and after (the events are gone).
        stamp_changes(storage, hours)
        # First the rows of the visits these events belong to (found through the events), then the events.
        storage.command(
            f"ALTER TABLE {visits_table(storage)} DELETE WHERE (site_id, visit_id) IN "
            f"(SELECT site_id, visit_id FROM events WHERE {where}) SETTINGS mutations_sync = 1",
            parameters,
        )
        storage.command(
            f"ALTER TABLE {events_table(storage)} DELETE WHERE {where} SETTINGS mutations_sync = 1",
            parameters,
        )
        delete_archives(storage, hours)
        stamp_changes(storage, hours)
    return count


def stamp_changes(storage: Storage, hours: list[Any]) -> None:
    """Mark ``(site_id, hour)`` of visit starts as changed now: archives built before read those days again."""
    if hours:
        storage.command(
            "INSERT INTO event_changes (site_id, hour, changed_at) "
            "SELECT tupleElement(pair, 1), tupleElement(pair, 2), now64(3, 'UTC') "
            "FROM (SELECT arrayJoin(arrayZip({sites:Array(UInt32)}, {hours:Array(DateTime('UTC'))})) AS pair)",
            {"sites": [int(row[0]) for row in hours], "hours": [row[1] for row in hours]},
        )


def delete_archives(storage: Storage, hours: list[Any]) -> None:
    """Delete the report archives (days, weeks, months) whose days hold any of ``(site_id, hour)``: nothing of
    a deleted visitor stays in them, not even in a visitor sketch.  The stamps make those builds stale, so
    reports read the days from the events until the archiver builds them again."""
    by_site: dict[int, list[Any]] = {}
    for site_id, hour in hours:
        by_site.setdefault(int(site_id), []).append(hour)
    for site_id, site_hours in by_site.items():
        storage.command(
            f"ALTER TABLE {local_table(storage, 'archives')} DELETE WHERE site_id = {{site:UInt32}} AND build_id IN ("
            "SELECT build_id FROM archive_builds FINAL WHERE site_id = {site:UInt32} "
            "AND arrayExists(h -> h + 3600 > start_utc AND h < end_utc, {hours:Array(DateTime('UTC'))})"
            ") SETTINGS mutations_sync = 1",
            {"site": site_id, "hours": site_hours},
        )


def _delete_visitors_elsewhere(storage: Storage, site_id: int, visitor_ids: list[int]) -> int:
    """The visitors' rows in every other table of visitor data (the retention module lists them)."""
    from footfall.retention import VISITOR_TABLES  # it imports this module

    deleted = 0
    for table in VISITOR_TABLES:
        # delete_events takes the visits and the archives along
        if table.name not in ("events", "visits") and table.by_visitor and visitor_ids:
            deleted += delete_rows(
                storage,
                table.name,
                "site_id = {site_id:UInt32} AND visitor_id IN {visitor_ids:Array(UInt64)}",
                {"site_id": site_id, "visitor_ids": visitor_ids},
            )
    return deleted


def forget(storage: Storage, secret: bytes, visitor: Visitor, log: PrivacyLog | None = None) -> Forgotten:
    """Delete every row of one visitor of one site; the privacy log records how many (never who)."""
    done = _forget(storage, secret, visitor)
    if log is not None:
        how = "user id" if visitor.user_id else "tracker id" if visitor.tracker_id else "visitor id"
        log.record(FORGET, done.deleted, visitor.site_id, f"one visitor named by {how}")
    return done


def _forget(storage: Storage, secret: bytes, visitor: Visitor) -> Forgotten:
    visitor.check()
    parameters: dict[str, Any] = {"site_id": visitor.site_id}
    if visitor.user_id:
        parameters["user_id_hash"] = keyed_hash(secret, "uid", visitor.site_id, visitor.user_id)
        rows = storage.query(
            "SELECT DISTINCT visitor_id FROM events "
            "WHERE site_id = {site_id:UInt32} AND user_id_hash = {user_id_hash:UInt64}",
            parameters,
        )
        parameters["visitor_ids"] = [row[0] for row in rows]
        where = (
            "site_id = {site_id:UInt32} AND "
            "(user_id_hash = {user_id_hash:UInt64} OR visitor_id IN {visitor_ids:Array(UInt64)})"
        )
        deleted = delete_events(storage, where, parameters)
        deleted += _delete_visitors_elsewhere(storage, visitor.site_id, parameters["visitor_ids"])
        return Forgotten(deleted, len(rows))
    if visitor.tracker_id:
        parameters["visitor_id"] = keyed_hash(secret, "cookie", visitor.site_id, visitor.tracker_id.lower())
    else:
        parameters["visitor_id"] = visitor.visitor_id
    where = "site_id = {site_id:UInt32} AND visitor_id = {visitor_id:UInt64}"
    deleted = delete_events(storage, where, parameters)
    deleted += _delete_visitors_elsewhere(storage, visitor.site_id, [parameters["visitor_id"]])
    return Forgotten(deleted, 1 if deleted else 0)


def delete_site_data(storage: Storage, site_id: int) -> int:
    """Delete every event and drop count of a site (when the site goes); return how many events there were."""
    parameters = {"site_id": site_id}
    deleted = delete_events(storage, "site_id = {site_id:UInt32}", parameters)
    for table in ("dropped_hits", "archives", "archive_builds"):
        storage.command(
            f"ALTER TABLE {local_table(storage, table)} DELETE WHERE site_id = {{site_id:UInt32}} "
            "SETTINGS mutations_sync = 1",
            parameters,
        )
    return deleted


def delete_site(storage: Storage, sites: Any, site_id: int) -> int:
    """Delete a site: its metadata first (the collector then refuses its hits), then its events and drop counts.

    ``sites`` is the :class:`~footfall.metadata.sites.SiteStore`; goals, roles and share links go with the row.
    Returns how many events were deleted.
    """
    sites.delete(site_id)
    return delete_site_data(storage, site_id)
