"""Report periods in a site's time zone, turned into half-open UTC ranges.

This is the one definition of periods: the dashboard's period picker and the
Stats API's ``date_range`` both resolve through :func:`resolve` and
:func:`from_pair`, with Plausible's meaning of every name:

- ``day``/``today`` and ``yesterday``; ``month``, ``last_month`` and ``year``
  (whole calendar units); ``all`` (from the first day with data to today);
- ``Nd`` (``7d``, ``28d``, ``30d``, ``91d``, any N from 1 to 5000): the N
  whole days that end yesterday;
- ``Nmo`` (``6mo``, ``12mo``, any N from 1 to 100): the N whole months
  before the current one;
- ``24h``, ``30m`` and ``realtime``: the last 24 hours, 30 minutes or 5
  minutes, to the second;
- a pair of ISO dates (whole local days) or of ISO date-times with a zone
  offset (kept to the second, the end included).

A period of whole days is ``[start_date, end_date]`` in the site's time
zone; ``start_utc``/``end_utc`` are the instants its first day begins and
the day after its last day begins, so DST changes are handled by the time
zone database (a day can be 23 or 25 hours long).  An exact period
(``exact=True``) starts and ends at the given instants instead.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone

NAMES = ("day", "today", "yesterday", "7d", "28d", "30d", "91d", "month", "last_month", "6mo", "12mo", "year", "all",
         "24h", "30m", "realtime", "custom")
INTERVALS = ("hour", "day", "week", "month")
MAX_CUSTOM_DAYS = 3660
MAX_RELATIVE_DAYS = 5000
MAX_RELATIVE_MONTHS = 100
# Ranges to the second that end now: name -> (length, slack after now), as Plausible defines them.
RECENT = {"24h": (timedelta(hours=24), timedelta(0)), "30m": (timedelta(minutes=30), timedelta(seconds=5)),
          "realtime": (timedelta(minutes=5), timedelta(seconds=5))}
RELATIVE = re.compile(r"^([1-9][0-9]{0,3})(d|mo)$")


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
    exact: bool = False  # start_utc/end_utc are given instants, not local midnights

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def span(self) -> str:
        """Which days (or instants) the period covers, as the page shows it: ``2026-11-24 – 2026-11-30``."""
        if self.exact:
            zone = zoneinfo.ZoneInfo(self.tz)
            first = self.start_utc.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
            last = (self.end_utc - timedelta(seconds=1)).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
            return f"{first} – {last}"
        if self.start_date == self.end_date:
            return self.start_date.isoformat()
        return f"{self.start_date.isoformat()} – {self.end_date.isoformat()}"


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
        "month": "This month",
        "last_month": "Last month",
        "year": "This year",
        "all": "All time",
        "24h": "Last 24 hours",
        "30m": "Last 30 minutes",
        "realtime": "Realtime",
    }
    if name in fixed:
        return fixed[name]
    relative = RELATIVE.match(name)
    if relative:
        count, unit = int(relative.group(1)), relative.group(2)
        return f"Last {count} {'day' if unit == 'd' else 'month'}{'s' if count > 1 else ''}"
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
    now: datetime | None = None,
) -> Period:
    """A named period (see the module docstring; ``NAMES`` lists the common ones) or ``custom`` with ISO dates.

    ``today`` defaults to today in ``tz`` and ``now`` to the current instant;
    ``earliest`` is the first day with data, used by ``all``.
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
    if period == "month":
        first = _month_start(today)
        return make(period, tz, first, _month_end(first), interval)
    if period == "last_month":
        first = _month_start(today, 1)
        return make(period, tz, first, _month_end(first), interval)
    if period == "year":
        return make(period, tz, date(today.year, 1, 1), date(today.year, 12, 31), interval or "month")
    if period == "all":
        first = min(earliest or today, today)
        return make(period, tz, first, today, interval)
    if period in RECENT:
        length, slack = RECENT[period]
        now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
        return make_exact(period, tz, now - length, now + slack, interval)
    if period == "custom":
        if not start or not end:
            raise PeriodError("custom period: both start and end dates are needed")
        first = start if isinstance(start, date) else parse_date(start, "start")
        last = end if isinstance(end, date) else parse_date(end, "end")
        return make(period, tz, first, last, interval)
    relative = RELATIVE.match(period)
    if relative:
        count, unit = int(relative.group(1)), relative.group(2)
        if unit == "d" and count <= MAX_RELATIVE_DAYS:
            # N whole days that end yesterday.
            return make(period, tz, today - timedelta(days=count), today - timedelta(days=1), interval)
        if unit == "mo" and count <= MAX_RELATIVE_MONTHS:
            # N whole months before the current one.
            first = _month_start(today, count)
            last = _month_start(today) - timedelta(days=1)
            return make(period, tz, first, last, interval or ("month" if count > 3 else None))
    raise PeriodError(
        f"Invalid date_range {period!r}; use day, yesterday, Nd (e.g. 7d), Nmo (e.g. 6mo), month, "
        "last_month, year, all, 24h, 30m, realtime or a pair of ISO dates or date-times"
    )


def make_exact(name: str, tz: str, start: datetime, end: datetime, interval: str | None = None) -> Period:
    """A period from one instant to another, half-open ``[start, end)``; ``end`` must be after ``start``."""
    if end <= start:
        raise PeriodError("date_range: the end is before the start")
    if end - start > timedelta(days=MAX_CUSTOM_DAYS):
        raise PeriodError("date_range: at most ten years")
    if interval is not None and interval not in INTERVALS:
        raise PeriodError(f"interval: must be one of {', '.join(INTERVALS)}")
    zone = zoneinfo.ZoneInfo(tz)
    start_utc, end_utc = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    first, last = start_utc.astimezone(zone).date(), (end_utc - timedelta(seconds=1)).astimezone(zone).date()
    label = _label(name, first, last) if name in RECENT else f"{start.isoformat()} – {end.isoformat()}"
    default = "hour" if end_utc - start_utc <= timedelta(hours=48) else default_interval(first, last)
    return Period(name=name, tz=tz, start_date=first, end_date=last, start_utc=start_utc, end_utc=end_utc,
                  label=label, interval=interval or default, exact=True)


DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})$")


def from_pair(first: str, last: str, tz: str) -> Period:
    """``[first, last]``: two ISO dates (whole local days, both included) or two ISO date-times with a zone.

    Date-times are kept to the second and ``last`` is included, as in
    Plausible.  A date-time without a zone offset, an impossible offset, or
    a date mixed with a date-time is refused.
    """
    if DATE_ONLY.match(first) and DATE_ONLY.match(last):
        return resolve("custom", tz, start=parse_date(first, "date_range"), end=parse_date(last, "date_range"))
    invalid = PeriodError(f"Invalid date_range {[first, last]!r}; use two ISO dates or two ISO date-times "
                          "with a zone offset, e.g. [\"2024-01-01T00:00:00+01:00\", \"2024-01-01T12:00:00+01:00\"]")
    if not (DATE_TIME.match(first) and DATE_TIME.match(last)):
        raise invalid
    try:
        start, end = datetime.fromisoformat(first.replace("Z", "+00:00")), datetime.fromisoformat(last.replace("Z", "+00:00"))
    except ValueError:
        raise invalid from None
    if start.tzinfo is None or end.tzinfo is None:
        raise invalid
    # The last second is included: [start, end + 1 s) at whole-second precision.
    return make_exact("custom", tz, start.replace(microsecond=0), end.replace(microsecond=0) + timedelta(seconds=1))


def previous(period: Period) -> Period:
    """The period to compare with: the month/year before for calendar periods, else the same length just before."""
    if period.exact:
        length = period.end_utc - period.start_utc
        prev = make_exact("custom", period.tz, period.start_utc - length, period.start_utc, period.interval)
        return replace(prev, label=f"Previous: {prev.span}")
    start, end = period.start_date, period.end_date
    if start.day == 1 and end == _month_end(start) and period.name in ("month", "last_month", "custom"):
        first = _month_start(start, 1)
        prev_start, prev_end = first, _month_end(first)
    elif period.name == "year":
        prev_start = date(start.year - 1, start.month, 1)
        prev_end = start - timedelta(days=1)
    elif start.day == 1 and end == _month_end(end):  # whole months (Nmo): as many months just before
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        prev_start = _month_start(start, months)
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
        instant = period.start_utc.replace(minute=0, second=0, microsecond=0)
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
        # Weeks start on Monday; the first label is the period's first day when the period starts mid-week.
        day = period.start_date - timedelta(days=period.start_date.weekday())
        while day <= period.end_date:
            labels.append(max(day, period.start_date).isoformat())
            day += timedelta(days=7)
        return labels
    if interval == "month":
        day = _month_start(period.start_date)
        while day <= period.end_date:
            labels.append(day.isoformat())
            day = _month_start(day, -1)
        return labels
    raise PeriodError(f"interval: must be one of {', '.join(INTERVALS)}")
