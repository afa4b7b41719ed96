"""Which visit a hit belongs to: a new visit after ``visit_timeout_minutes`` of inactivity.

The tracker keeps, per (site, visitor), the last hit's time, the visit id and
the visit's start, in memory only and only for visitors active within the
timeout.  It is rebuilt on start from the recent rows in ClickHouse and the
spool, so a restart does not split visits.  Hits of one visitor are expected in
time order, as live traffic (and Matomo's own log importer) sends them; a hit
that is older than the visit it would join, but within the timeout of its
start, joins it.
"""

from __future__ import annotations

import random
import time
from typing import Iterable

_ids = random.Random()  # unique, not secret: no system call per visit

# site_id, visitor_id -> (last hit ms, visit id, visit start ms, wall-clock ms of the last hit's arrival)
Entry = tuple[int, int, int, int]


class VisitTracker:
    def __init__(self, timeout_minutes: int, max_visitors: int = 2_000_000) -> None:
        self.timeout_ms = timeout_minutes * 60_000
        self.max_visitors = max_visitors
        self._visits: dict[tuple[int, int], Entry] = {}
        self._swept_at = time.monotonic()

    def __len__(self) -> int:
        return len(self._visits)

    def assign(self, site_id: int, visitor_id: int, timestamp_ms: int) -> tuple[int, int]:
        """Return (visit_id, visit_start_ms) for a hit, starting a new visit when needed."""
        key = (site_id, visitor_id)
        arrived = int(time.time() * 1000)
        entry = self._visits.pop(key, None)
        if entry is not None:
            last, visit_id, start, _ = entry
            if start - self.timeout_ms <= timestamp_ms <= last + self.timeout_ms:
                self._visits[key] = (max(last, timestamp_ms), visit_id, start, arrived)
                return visit_id, start
        visit_id = _ids.getrandbits(64) | 1
        self._visits[key] = (timestamp_ms, visit_id, timestamp_ms, arrived)
        self._bound()
        return visit_id, timestamp_ms

    def remember(self, site_id: int, visitor_id: int, last_ms: int, visit_id: int, start_ms: int) -> None:
        """Seed the tracker with a visit seen before a restart."""
        key = (site_id, visitor_id)
        known = self._visits.get(key)
        if known is None or known[0] < last_ms:
            self._visits[key] = (last_ms, visit_id, start_ms, min(last_ms, int(time.time() * 1000)))

    def _bound(self) -> None:
        now = time.monotonic()
        if now - self._swept_at > 60:
            self._swept_at = now
            # Forget visitors not heard from for a whole timeout, by the wall clock: a
            # backdated import (cdt) keeps its visits while its hits keep arriving.
            horizon = int(time.time() * 1000) - self.timeout_ms
            for key in [key for key, entry in self._visits.items() if entry[3] < horizon]:
                del self._visits[key]
        while len(self._visits) > self.max_visitors:
            # Least recently active first: entries are re-inserted on every hit.
            del self._visits[next(iter(self._visits))]

    def expire_before(self, timestamp_ms: int) -> int:
        """Forget visits whose last hit is a whole timeout before ``timestamp_ms``; returns how many.

        An import of old logs calls it with the time it has reached, so the table stays as
        small as the visitors active around that time, however long the log.
        """
        horizon = timestamp_ms - self.timeout_ms
        stale = [key for key, entry in self._visits.items() if entry[0] < horizon]
        for key in stale:
            del self._visits[key]
        return len(stale)

    def warm(self, rows: Iterable[tuple[int, int, int, int, int]]) -> None:
        for site_id, visitor_id, last_ms, visit_id, start_ms in rows:
            if visit_id:
                self.remember(site_id, visitor_id, last_ms, visit_id, start_ms)
