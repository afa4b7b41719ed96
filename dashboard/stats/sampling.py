"""Sampling for very large ranges: read a fraction of the visitors, and scale the counts back.

As Plausible's Enterprise edition does, a report over a range with more
events than ``sample_above_events`` (a setting, on the storage the reports
read through; 0 never samples) reads a sample of about that many events
instead of all of them.  The sample is ``SAMPLE p/100`` on the visitor ID,
the sampling key of both the events and the visits table (sql/0004 and
sql/0050): a visitor is in it with all their hits, so every visit is whole and
visit semantics (bounces, durations, entry pages) hold, and the same fraction
of the two tables is the same visitors.  ``p`` is a whole percent, at least 1.

Every count a report adds up (visitors, visits, pageviews, events, bounces,
durations, revenue, conversions: the components of ``metrics.GROUP_LEVEL``)
is scaled by ``100 / p``; rates and averages are ratios of two scaled counts,
so they come out as the sample's.  ``total_rows`` (how many groups there are
to page through) is the sample's own count and is not scaled.

A query with ``exact=True`` is never sampled.  The decision depends only on
the site and the range (not on filters), so every report of one page, its
conversion bases and its totals read the same visitors.

The relations that may be sampled (:func:`sql.sessionized_hits`,
:func:`sql.stored_visits`) carry :data:`SAMPLE_HERE` after their table; a
:class:`SampledStorage` fills it in and scales what comes back, so the SQL
shapes need not know about sampling.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from dashboard.stats.metrics import GROUP_LEVEL
from dashboard.stats.query import StatsQuery

# Where a relation may read a sample: a comment until a SampledStorage replaces it with the SAMPLE clause.
SAMPLE_HERE = "/* sample */"
# The raw components that are counts or sums, and so are scaled; ``all_visitors`` is the query's visitors.
SCALED = (*GROUP_LEVEL, "all_visitors")
# How long a range's event count is reused: one page asks for it once per report.
ESTIMATE_SECONDS = 10.0


@dataclass(frozen=True)
class Sample:
    """``percent`` % of the visitors (1 to 99)."""

    percent: int

    @property
    def factor(self) -> float:
        return 100 / self.percent

    @property
    def clause(self) -> str:
        return f"SAMPLE {self.percent}/100"


def percent_for(events: int, threshold: int) -> int | None:
    """The sample (a whole percent) that reads about ``threshold`` of ``events``; None reads them all."""
    if threshold <= 0 or events <= threshold:
        return None
    percent = max(1, math.ceil(100 * threshold / events))
    return percent if percent < 100 else None


def sample_for(storage: Any, query: StatsQuery) -> Sample | None:
    """The sample a report of ``query`` reads, or None for exact numbers."""
    threshold = int(getattr(storage, "sample_above_events", 0) or 0)
    if query.exact or threshold <= 0:
        return None
    percent = percent_for(events_in_range(storage, query), threshold)
    return Sample(percent) if percent else None


_counts: dict[tuple, tuple[float, int]] = {}
_counts_lock = threading.Lock()


def events_in_range(storage: Any, query: StatsQuery) -> int:
    """How many events the site has on the UTC days ``[start, end)`` touches, kept a few seconds.

    Whole days, because the ordering key has the day: ClickHouse answers this
    ``count()`` from the key in a few milliseconds, where a condition on the
    timestamps reads them (about 100 ms for 10M events).  A range that starts
    or ends within a day is counted a little high.
    """
    key = (getattr(storage, "dsn", id(storage)), query.site_id, query.start, query.end)
    now = time.monotonic()
    with _counts_lock:
        cached = _counts.get(key)
    if cached is not None and now - cached[0] < ESTIMATE_SECONDS:
        return cached[1]
    rows = storage.query(
        "SELECT count() FROM events WHERE site_id = {site:UInt32} "
        "AND toDate(timestamp) >= toDate({start:DateTime64(3, 'UTC')}) "
        "AND toDate(timestamp) <= toDate({end:DateTime64(3, 'UTC')} - toIntervalMillisecond(1))",
        {"site": query.site_id, "start": query.start, "end": query.end},
    )
    count = int(rows[0][0]) if rows else 0
    with _counts_lock:
        if len(_counts) > 1000:
            _counts.clear()
        _counts[key] = (now, count)
    return count


def scale(row: dict[str, Any], factor: float) -> dict[str, Any]:
    """A raw group row with its counts (:data:`SCALED`) multiplied by ``factor``; whole numbers stay whole."""
    for name in SCALED:
        value = row.get(name)
        if value is None:
            continue
        row[name] = round(value * factor, 2) if isinstance(value, float) else round(value * factor)
    return row


class SampledStorage:
    """``storage`` as one sampled report reads it.

    SQL with :data:`SAMPLE_HERE` reads the sample and its rows come back
    scaled; any other SQL (imported data, lookups) goes through unchanged.
    """

    def __init__(self, storage: Any, sample: Sample) -> None:
        self.storage = storage
        self.sample = sample
        self.sampled = False  # whether any answer so far came from the sample

    def query_dicts(self, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        if SAMPLE_HERE not in sql:
            return self.storage.query_dicts(sql, parameters)
        self.sampled = True
        rows = self.storage.query_dicts(sql.replace(SAMPLE_HERE, self.sample.clause), parameters)
        return [scale(row, self.sample.factor) for row in rows]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.storage, name)


def reader(storage: Any, query: StatsQuery) -> Any:
    """What a report of ``query`` reads the events through: ``storage``, or a SampledStorage over it."""
    if isinstance(storage, SampledStorage):
        return storage
    sample = sample_for(storage, query)
    return SampledStorage(storage, sample) if sample else storage


def unsampled(storage: Any) -> Any:
    """The storage under a SampledStorage: for reads that must stay exact (the archives, merged with events)."""
    return storage.storage if isinstance(storage, SampledStorage) else storage


def percent_read(storage: Any) -> int | None:
    """The sample a report's numbers were estimated from, if any came from one (None: exact)."""
    return storage.sample.percent if isinstance(storage, SampledStorage) and storage.sampled else None
