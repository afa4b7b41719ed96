"""What every report takes: a :class:`StatsQuery` (site, UTC range, filters), and the bound parameters.

The modules around it each do one job: ``filters`` parses and describes
filters, ``dimensions`` names what reports group by, ``sql`` builds the hits
relations every report reads.  Every value is bound as a ClickHouse
server-side parameter (``{p0:String}``) through :class:`Params`, never pasted in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dashboard.stats.filters import FilterExpr


class QueryError(ValueError):
    """The query is invalid; the message is safe to show to the user."""


@dataclass(frozen=True)
class StatsQuery:
    """What every report takes: one site, ``[start, end)`` in UTC, filters."""

    site_id: int
    timezone: str
    start: datetime
    end: datetime
    filters: tuple[FilterExpr, ...] = ()
    visit_timeout_minutes: int = 30
    interval: str = "day"
    # Visit-level reports read the visits table; False regroups the events (the benchmark compares both).
    stored_visits: bool = True
    # Imports of aggregates (``dashboard.stats.imported``) to add where they have the dimension.
    import_ids: tuple[int, ...] = ()
    # True: read the raw events exactly (no archives, no sampling, no estimates).
    exact: bool = False

    @classmethod
    def for_period(
        cls, site_id: int, period: Any, filters: tuple[FilterExpr, ...] = (), visit_timeout_minutes: int = 30
    ) -> "StatsQuery":
        """From a :class:`dashboard.stats.periods.Period`."""
        return cls(
            site_id=site_id,
            timezone=period.tz,
            start=period.start_utc,
            end=period.end_utc,
            filters=tuple(filters),
            visit_timeout_minutes=visit_timeout_minutes,
            interval=period.interval,
        )

    def with_range(self, start: datetime, end: datetime) -> "StatsQuery":
        return replace(self, start=start, end=end)

    def with_imports(self, import_ids: tuple[int, ...] | list[int]) -> "StatsQuery":
        return replace(self, import_ids=tuple(import_ids))

    def with_filters(self, filters: tuple[FilterExpr, ...]) -> "StatsQuery":
        return replace(self, filters=tuple(filters))

    def adding(self, *filters: FilterExpr) -> "StatsQuery":
        return replace(self, filters=self.filters + tuple(filters))


class Params:
    """Collects bound values; ``bind`` returns the placeholder to put in the SQL."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self._names: dict[tuple[str, Any], str] = {}

    def bind(self, value: Any, type_: str = "String") -> str:
        key = (type_, tuple(value) if isinstance(value, list) else value)
        name = self._names.get(key)
        if name is None:
            name = f"p{len(self.values)}"
            self.values[name] = value
            self._names[key] = name
        return "{%s:%s}" % (name, type_)
