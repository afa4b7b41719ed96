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
    assert (seven.start_date, seven.end_date) == (date(2023, 12, 28), date(2024, 1, 3))
    assert periods.previous(seven).end_date == date(2023, 12, 27)
    twelve = periods.resolve("12mo", "UTC", today=date(2024, 5, 20))
    assert (twelve.start_date, twelve.end_date, twelve.interval) == (date(2023, 6, 1), date(2024, 5, 31), "month")
    custom = periods.resolve("custom", "UTC", start="2024-01-01", end="2024-01-31")
    assert custom.days == 31 and custom.interval == "day"
    with pytest.raises(periods.PeriodError):
        periods.resolve("custom", "UTC", start="2024-02-01", end="2024-01-01")
    with pytest.raises(periods.PeriodError):
        periods.resolve("fortnight", "UTC")
