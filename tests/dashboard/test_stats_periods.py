from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from dashboard.stats import periods


def test_a_day_across_the_spring_dst_change_is_23_hours() -> None:
    period = periods.resolve("day", "Europe/Berlin", today=date(2024, 3, 31))
    assert period.start_utc == datetime(2024, 3, 30, 23, tzinfo=timezone.utc)
    assert period.end_utc == datetime(2024, 3, 31, 22, tzinfo=timezone.utc)
    assert len(periods.time_labels(period)) == 23
    assert period.interval == "hour"


def test_months_and_their_previous_period() -> None:
    period = periods.resolve("last_month", "America/New_York", today=date(2024, 3, 10))
    assert (period.start_date, period.end_date) == (date(2024, 2, 1), date(2024, 2, 29))
    assert period.start_utc == datetime(2024, 2, 1, 5, tzinfo=timezone.utc)
    previous = periods.previous(period)
    assert (previous.start_date, previous.end_date) == (date(2024, 1, 1), date(2024, 1, 31))
    month = periods.resolve("month", "Asia/Tokyo", today=date(2024, 1, 15))
    assert month.end_utc == datetime(2024, 1, 31, 15, tzinfo=timezone.utc)


def test_relative_periods_and_custom_ranges() -> None:
    seven = periods.resolve("7d", "UTC", today=date(2024, 1, 3))
    assert (seven.start_date, seven.end_date) == (date(2023, 12, 27), date(2024, 1, 2))  # ends yesterday
    assert seven.span == "2023-12-27 – 2024-01-02"
    assert periods.previous(seven).end_date == date(2023, 12, 26)
    twelve = periods.resolve("12mo", "UTC", today=date(2024, 5, 20))
    assert (twelve.start_date, twelve.end_date, twelve.interval) == (date(2023, 5, 1), date(2024, 4, 30), "month")
    assert (periods.previous(twelve).start_date, periods.previous(twelve).end_date) == (date(2022, 5, 1), date(2023, 4, 30))
    custom = periods.resolve("custom", "UTC", start="2024-01-01", end="2024-01-31")
    assert custom.days == 31 and custom.interval == "day"
    with pytest.raises(periods.PeriodError):
        periods.resolve("custom", "UTC", start="2024-02-01", end="2024-01-01")
    with pytest.raises(periods.PeriodError):
        periods.resolve("fortnight", "UTC")


@pytest.mark.parametrize("name, first, last", [
    ("7d", date(2026, 11, 24), date(2026, 11, 30)),
    ("28d", date(2026, 11, 3), date(2026, 11, 30)),
    ("30d", date(2026, 11, 1), date(2026, 11, 30)),
    ("91d", date(2026, 9, 1), date(2026, 11, 30)),
    ("3d", date(2026, 11, 28), date(2026, 11, 30)),
    ("6mo", date(2026, 6, 1), date(2026, 11, 30)),
    ("12mo", date(2025, 12, 1), date(2026, 11, 30)),
    ("2mo", date(2026, 10, 1), date(2026, 11, 30)),
    ("month", date(2026, 12, 1), date(2026, 12, 31)),
    ("year", date(2026, 1, 1), date(2026, 12, 31)),
    ("day", date(2026, 12, 1), date(2026, 12, 1)),
])
def test_relative_periods_mean_what_plausible_means(name: str, first: date, last: date) -> None:
    period = periods.resolve(name, "Europe/Berlin", today=date(2026, 12, 1))
    assert (period.start_date, period.end_date) == (first, last)


@pytest.mark.parametrize("name", ["0d", "5001d", "101mo", "7days", "d", "-1d"])
def test_out_of_range_relative_periods_are_refused(name: str) -> None:
    with pytest.raises(periods.PeriodError):
        periods.resolve(name, "UTC", today=date(2026, 12, 1))


def test_recent_hours_and_date_time_pairs_are_kept_to_the_second() -> None:
    now = datetime(2026, 12, 1, 12, 30, 15, 500000, tzinfo=timezone.utc)
    day = periods.resolve("24h", "Europe/Berlin", now=now)
    assert (day.start_utc, day.end_utc, day.interval) == (
        datetime(2026, 11, 30, 12, 30, 15, tzinfo=timezone.utc), datetime(2026, 12, 1, 12, 30, 15, tzinfo=timezone.utc),
        "hour")
    exact = periods.from_pair("2026-11-20T12:00:00+01:00", "2026-11-20T15:59:59+01:00", "Europe/Berlin")
    assert exact.start_utc == datetime(2026, 11, 20, 11, tzinfo=timezone.utc)
    assert exact.end_utc == datetime(2026, 11, 20, 15, tzinfo=timezone.utc)  # 15:59:59 local included
    assert periods.time_labels(exact) == [f"2026-11-20 {h}:00:00" for h in (12, 13, 14, 15)]
    assert periods.previous(exact).end_utc == exact.start_utc
    whole = periods.from_pair("2026-11-20", "2026-11-21", "Europe/Berlin")
    assert (whole.exact, whole.days) == (False, 2)


@pytest.mark.parametrize("pair", [
    ["2026-11-20T12:00:00", "2026-11-20T15:00:00"],  # no zone
    ["2026-11-20T12:00:00+25:00", "2026-11-20T15:00:00+01:00"],  # impossible offset
    ["2026-11-20", "2026-11-20T15:00:00+01:00"],  # a date and a date-time
    ["2026-11-31", "2026-12-01"],
    ["2026-11-20T15:00:00Z", "2026-11-20T12:00:00Z"],  # end before start
])
def test_invalid_pairs_are_refused(pair: list[str]) -> None:
    with pytest.raises(periods.PeriodError):
        periods.from_pair(pair[0], pair[1], "UTC")


def test_the_first_week_label_is_not_before_the_period() -> None:
    period = periods.resolve("custom", "UTC", start="2026-11-04", end="2026-11-20")  # a Wednesday
    assert periods.time_labels(period, "week") == ["2026-11-04", "2026-11-09", "2026-11-16"]
