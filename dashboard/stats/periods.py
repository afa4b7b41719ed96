"""Report periods in a site's time zone, turned into half-open UTC ranges.

A period is a range of whole local days ``[start_date, end_date]`` in the
site's time zone; ``start_utc``/``end_utc`` are the instants its first day
begins and the day after its last day begins, so DST changes are handled by
the time zone database (a day can be 23 or 25 hours long).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone

NAMES = ("day", "today", "yesterday", "7d", "30d", "month", "last_month", "12mo", "year", "all", "custom")
INTERVALS = ("hour", "day", "week", "month")
MAX_CUSTOM_DAYS = 3660


class PeriodError(ValueError):
    """The period or its dates are invalid; the message says which."""


@dataclass(frozen=True)
class Period:
    name: str
    tz: str
    start_date: date  # first local day, inclusive
    end_date: date  # last local day, inclusive
    start_utc: datetime
    end_utc: datetime  # exclusive
    label: str
    interval: str

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


def local_midnight(day: date, tz: str) -> datetime:
    """The UTC instant at which ``day`` begins in ``tz``."""
    return datetime.combine(day, time(0), tzinfo=zoneinfo.ZoneInfo(tz)).astimezone(timezone.utc)


def today_in(tz: str, now: datetime | None = None) -> date:
    now = now or datetime.now(timezone.utc)
    return now.astimezone(zoneinfo.ZoneInfo(tz)).date()


def parse_date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise PeriodError(f"{what}: {value!r} is not a date (YYYY-MM-DD)") from None


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _month_end(day: date) -> date:
    return _month_start(day, -1) - timedelta(days=1)


def default_interval(start: date, end: date) -> str:
    days = (end - start).days + 1
    if days <= 1:
        return "hour"
    if days <= 92:
        return "day"
    return "month"


def _label(name: str, start: date, end: date) -> str:
    fixed = {
        "day": "Today",
        "today": "Today",
        "yesterday": "Yesterday",
        "7d": "Last 7 days",
        "30d": "Last 30 days",
        "month": "This month",
        "last_month": "Last month",
        "12mo": "Last 12 months",
        "year": "This year",
        "all": "All time",
    }
    if name in fixed:
        return fixed[name]
    if start == end:
        return start.isoformat()
    return f"{start.isoformat()} – {end.isoformat()}"


def make(name: str, tz: str, start: date, end: date, interval: str | None = None) -> Period:
    if end < start:
        raise PeriodError("date_range: the end is before the start")
    if (end - start).days > MAX_CUSTOM_DAYS:
        raise PeriodError("date_range: at most ten years")
    if interval is not None and interval not in INTERVALS:
        raise PeriodError(f"interval: must be one of {', '.join(INTERVALS)}")
    return Period(
        name=name,
        tz=tz,
        start_date=start,
        end_date=end,
        start_utc=local_midnight(start, tz),
        end_utc=local_midnight(end + timedelta(days=1), tz),
        label=_label(name, start, end),
        interval=interval or default_interval(start, end),
    )


def resolve(
    period: str,
    tz: str,
    *,
    today: date | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    earliest: date | None = None,
    interval: str | None = None,
) -> Period:
    """A named period (see ``NAMES``) or ``custom`` with ISO ``start``/``end`` dates.

    ``today`` defaults to today in ``tz``; ``earliest`` is the first day with
    data, used by ``all``.
    """
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PeriodError(f"timezone: {tz!r} is not a known time zone") from None
    today = today or today_in(tz)
    if period in ("day", "today"):
        if start:
            day = start if isinstance(start, date) else parse_date(start, "date")
            return make("custom", tz, day, day, interval)
        return make(period, tz, today, today, interval)
    if period == "yesterday":
        day = today - timedelta(days=1)
        return make(period, tz, day, day, interval)
    if period == "7d":
        return make(period, tz, today - timedelta(days=6), today, interval)
    if period == "30d":
        return make(period, tz, today - timedelta(days=29), today, interval)
    if period == "month":
        first = _month_start(today)
        return make(period, tz, first, _month_end(first), interval)
    if period == "last_month":
        first = _month_start(today, 1)
        return make(period, tz, first, _month_end(first), interval)
    if period == "12mo":
        return make(period, tz, _month_start(today, 11), _month_end(today), interval or "month")
    if period == "year":
        return make(period, tz, date(today.year, 1, 1), date(today.year, 12, 31), interval or "month")
    if period == "all":
        first = min(earliest or today, today)
        return make(period, tz, first, today, interval)
    if period == "custom":
        if not start or not end:
            raise PeriodError("custom period: both start and end dates are needed")
        first = start if isinstance(start, date) else parse_date(start, "start")
        last = end if isinstance(end, date) else parse_date(end, "end")
        return make(period, tz, first, last, interval)
    raise PeriodError(f"period: {period!r} is not one of {', '.join(NAMES)}")


def previous(period: Period) -> Period:
    """The period to compare with: the month/year before for calendar periods, else the same length just before."""
    start, end = period.start_date, period.end_date
    if start.day == 1 and end == _month_end(start) and period.name in ("month", "last_month", "custom"):
        first = _month_start(start, 1)
        prev_start, prev_end = first, _month_end(first)
    elif period.name in ("12mo", "year"):
        prev_start = date(start.year - 1, start.month, 1)
        prev_end = start - timedelta(days=1)
    else:
        length = period.days
        prev_end = start - timedelta(days=1)
        prev_start = prev_end - timedelta(days=length - 1)
    prev = make("custom", period.tz, prev_start, prev_end, period.interval)
    return replace(prev, label=f"Previous: {_label('custom', prev_start, prev_end)}")


def time_labels(period: Period, interval: str | None = None) -> list[str]:
    """Every bucket label of the period, as the timeseries and ``time:*`` dimensions print them."""
    interval = interval or period.interval
    labels: list[str] = []
    if interval == "hour":
        zone = zoneinfo.ZoneInfo(period.tz)
        instant = period.start_utc
        seen: set[str] = set()
        while instant < period.end_utc:
            local = instant.astimezone(zone)
            label = local.strftime("%Y-%m-%d %H:00:00")
            if label not in seen:
                seen.add(label)
                labels.append(label)
            instant += timedelta(hours=1)
        return labels
    if interval == "day":
        day = period.start_date
        while day <= period.end_date:
            labels.append(day.isoformat())
            day += timedelta(days=1)
        return labels
    if interval == "week":
        day = period.start_date - timedelta(days=period.start_date.weekday())
        while day <= period.end_date:
            labels.append(day.isoformat())
            day += timedelta(days=7)
        return labels
    if interval == "month":
        day = _month_start(period.start_date)
        while day <= period.end_date:
            labels.append(day.isoformat())
            day = _month_start(day, -1)
        return labels
    raise PeriodError(f"interval: must be one of {', '.join(INTERVALS)}")
