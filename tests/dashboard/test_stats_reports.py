"""The report modules over a small hand-built dataset in real chdb, with visits as the collector assigns them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from dashboard.stats import actions, aggregate, audience, drops, pages, periods, realtime, sources, timeseries
from dashboard.stats.breakdown import Request, breakdown, breakdowns
from dashboard.stats.filters import Filter, Or
from dashboard.stats.query import StatsQuery
from footfall.schema import COLUMNS
from footfall.storage.clickhouse import Storage

TZ = "Europe/Berlin"
DAY = date(2024, 5, 14)  # a Tuesday; Berlin is UTC+2 (CEST)
MIDNIGHT = datetime(2024, 5, 13, 22, tzinfo=timezone.utc)  # 2024-05-14 00:00 in Berlin
DEFAULTS: dict[str, Any] = {
    "site_id": 1, "user_id_hash": 0, "event_value": None, "props": {}, "goal_id": 0, "revenue": 0.0,
    "search_count": -1, "engagement_ms": 0, "scroll_depth": 0, "visit_count": 1, "hostname": "example.com",
}


def hit(ts: datetime, visitor: int, visit: int, event_type: str = "pageview", path: str = "/", **columns: Any) -> dict:
    return {"timestamp": ts, "visitor_id": visitor, "visit_id": visit, "event_type": event_type, "pathname": path,
            **columns}


def insert(storage: Storage, hits: list[dict]) -> None:
    """Rows in COLUMNS order; each visit's ``visit_start`` is its first hit's time, as the collector stores it."""
    starts: dict[tuple[int, int], datetime] = {}
    for h in hits:
        key = (h.get("site_id", 1), h["visit_id"])
        starts[key] = min(starts.get(key, h["timestamp"]), h["timestamp"])
    rows = []
    for h in hits:
        values = {**DEFAULTS, **h, "visit_start": starts[(h.get("site_id", 1), h["visit_id"])]}
        rows.append([values.get(name, "") for name in COLUMNS])
    storage.insert("events", rows, list(COLUMNS))


def at(hours: float, day_offset: int = 0) -> datetime:
    """A time on DAY (plus ``day_offset`` days), ``hours`` after Berlin midnight."""
    return MIDNIGHT + timedelta(days=day_offset, hours=hours)


def day_query(first: date = DAY, last: date = DAY, filters: tuple = ()) -> tuple[StatsQuery, periods.Period]:
    period = periods.resolve("custom", TZ, start=first, end=last)
    return StatsQuery.for_period(1, period, filters), period


@pytest.fixture
def dataset(storage: Storage) -> Storage:
    m = timedelta(minutes=1)
    insert(storage, [
        # Visit 11 (visitor 1): Google, DE, desktop; two pages, a ping 10 minutes after the last page.
        hit(at(9), 1, 11, path="/", referrer_type="search", referrer_name="Google", country_code="DE",
            device_type="desktop", browser="Firefox"),
        hit(at(9) + 2 * m, 1, 11, path="/pricing", referrer_type="internal", country_code="DE", device_type="desktop",
            browser="Firefox"),
        hit(at(9) + 12 * m, 1, 11, "ping", path="/pricing", country_code="DE", device_type="desktop", browser="Firefox"),
        # Visit 12 (visitor 1 again, an hour later): direct, one page and a custom event (not a bounce).
        hit(at(10.5), 1, 12, path="/blog", country_code="DE", device_type="desktop", browser="Firefox"),
        hit(at(10.5) + m, 1, 12, "event", path="/blog", event_name="signup", props={"plan": "pro", "via": "hero"},
            country_code="DE", device_type="desktop", browser="Firefox"),
        # Visit 21 (visitor 2): a bounce from FR on a phone, with a campaign.
        hit(at(13), 2, 21, path="/blog", referrer_type="campaign", referrer_name="newsletter", utm_source="newsletter",
            utm_medium="email", country_code="FR", device_type="mobile", browser="Mobile Safari"),
        # Visit 31 (visitor 3): starts at 23:50 and runs past midnight; counts whole on DAY.
        hit(at(23 + 50 / 60), 3, 31, path="/docs", country_code="US", device_type="desktop", browser="Chrome"),
        hit(at(24 + 10 / 60), 3, 31, path="/docs/install", country_code="US", device_type="desktop", browser="Chrome"),
        hit(at(24 + 11 / 60), 3, 31, "event", path="/docs/install", event_name="copy", props={"plan": "free"},
            country_code="US", device_type="desktop", browser="Chrome"),
        # Visit 41 (visitor 4): began the evening before and goes on after midnight; not DAY's.
        hit(at(-0.25), 4, 41, path="/", country_code="AT", device_type="tablet", browser="Chrome"),
        hit(at(0.1), 4, 41, path="/shop", country_code="AT", device_type="tablet", browser="Chrome"),
        # Visit 51 (visitor 5): two days later, for gap filling and the previous-period comparison.
        hit(at(8, 2), 5, 51, path="/", country_code="DE", device_type="desktop", browser="Chrome"),
        hit(at(8, 2) + m, 5, 51, "goal", path="/", goal_id=1, revenue=19.5, country_code="DE",
            device_type="desktop", browser="Chrome"),
    ])
    return storage


def test_visits_belong_to_the_day_they_start_with_all_their_hits(dataset: Storage) -> None:
    query, _ = day_query()
    kpis = aggregate.aggregate(dataset, query)
    # Visits 11, 12, 21, 31; visitor 4's visit started the day before.
    assert kpis["visitors"] == 3
    assert kpis["visits"] == 4
    assert kpis["pageviews"] == 6  # 2 + 1 + 1 + 2 (visit 31's second page is after midnight)
    assert kpis["bounce_rate"] == 25  # only visit 21
    # Durations: 12 min (ping included), 1 min, 0, 21 min -> 34 min / 4 visits = 510 s.
    assert kpis["visit_duration"] == 510
    assert kpis["views_per_visit"] == 1.5

    next_day, _ = day_query(DAY + timedelta(days=1), DAY + timedelta(days=1))
    assert aggregate.aggregate(dataset, next_day)["visits"] == 0  # visit 31 is not counted again


def test_entry_exit_pages_and_sources_come_from_the_visit(dataset: Storage) -> None:
    query, _ = day_query()
    entry = {row["value"]: row["visits"] for row in pages.entry_pages(dataset, query).rows}
    exit_ = {row["value"]: row["visits"] for row in pages.exit_pages(dataset, query).rows}
    assert entry == {"/": 1, "/blog": 2, "/docs": 1}
    assert exit_ == {"/pricing": 1, "/blog": 2, "/docs/install": 1}
    top = {row["value"]: (row["visitors"], row["pageviews"]) for row in pages.top_pages(dataset, query).rows}
    assert top == {"/": (1, 1), "/pricing": (1, 1), "/blog": (2, 2), "/docs": (1, 1), "/docs/install": (1, 1)}
    by_source = {row["value"]: row["visits"] for row in sources.sources(dataset, query).rows}
    assert by_source == {"Google": 1, "Direct / None": 2, "newsletter": 1}
    assert [row["value"] for row in sources.sources(dataset, query, "utm_sources").rows] == ["(not set)", "newsletter"]
    countries = {row["value"]: (row["visitors"], row["percentage"]) for row in audience.audience(dataset, query).rows}
    assert countries == {"DE": (1, 33.3), "FR": (1, 33.3), "US": (1, 33.3)}


def test_visit_filters_keep_whole_visits_and_event_filters_keep_matching_hits(dataset: Storage) -> None:
    query, _ = day_query(filters=(Filter("visit:entry_page", "is", ("/",)),))
    kpis = aggregate.aggregate(dataset, query)
    assert (kpis["visits"], kpis["pageviews"]) == (1, 2)  # visit 11, both of its pages
    query, _ = day_query(filters=(Filter("event:page", "is", ("/pricing",)),))
    kpis = aggregate.aggregate(dataset, query)
    assert (kpis["visits"], kpis["pageviews"], kpis["visit_duration"]) == (1, 1, 720)
    # Breakdown by a visit dimension under an event filter: the visits that contain a matching hit.
    query, _ = day_query(filters=(Filter("event:name", "is", ("signup", "copy")),))
    result = breakdown(dataset, query, ["visit:country"], ["visitors", "visits", "events"])
    assert {row["value"]: (row["visits"], row["events"]) for row in result.rows} == {"DE": (1, 1), "US": (1, 1)}
    # A filter that mixes both kinds is evaluated per hit: visit 21 (FR) and visit 31 (a /docs pageview).
    query, _ = day_query(filters=(Or((Filter("visit:country", "is", ("FR",)), Filter("event:page", "is", ("/docs",)))),))
    kpis = aggregate.aggregate(dataset, query)
    assert (kpis["visits"], kpis["pageviews"]) == (2, 2)
    by_page = breakdown(dataset, query, ["event:page"], ["visitors", "pageviews", "bounce_rate"])
    assert {row["value"]: (row["pageviews"], row["bounce_rate"]) for row in by_page.rows} == {
        "/blog": (1, 100), "/docs": (1, 0)
    }


def test_custom_events_and_their_properties(dataset: Storage) -> None:
    query, _ = day_query()
    events = {row["value"]: (row["visitors"], row["events"]) for row in actions.custom_events(dataset, query).rows}
    assert events == {"signup": (1, 1), "copy": (1, 1)}  # pageviews and pings are not custom events
    assert actions.property_keys(dataset, query) == ["plan", "via"]
    plans = {row["value"]: row["events"] for row in actions.event_properties(dataset, query, "plan").rows}
    assert plans == {"pro": 1, "free": 1}
    via = {row["value"]: row["events"] for row in actions.event_properties(dataset, query, "via", event_name="copy").rows}
    assert via == {"(none)": 1}
    # Filtered to a visit that has no events: no keys.
    filtered, _ = day_query(filters=(Filter("visit:country", "is", ("FR",)),))
    assert actions.property_keys(dataset, filtered) == []


def test_goals_with_conversion_rate_and_revenue(dataset: Storage) -> None:
    query, _ = day_query(DAY, DAY + timedelta(days=2))
    goals = actions.goals(dataset, query).rows
    # Matomo goal conversions, and custom events without a category (Plausible-style goals), by name.
    assert {row["value"]: (row["visitors"], row["events"], row["total_revenue"], row["conversion_rate"])
            for row in goals} == {
        "Goal 1": (1, 1, 19.5, 25.0),  # 1 of 4 visitors
        "signup": (1, 1, 0.0, 25.0),
        "copy": (1, 1, 0.0, 25.0),
    }
    filtered = actions.goals(dataset, query.adding(Filter("visit:country", "is", ("DE",)))).rows
    assert {row["value"]: row["conversion_rate"] for row in filtered} == {"Goal 1": 50.0, "signup": 50.0}


def test_compare_with_the_previous_period(dataset: Storage) -> None:
    now, period = day_query(DAY + timedelta(days=2), DAY + timedelta(days=2))
    before = StatsQuery.for_period(1, periods.resolve("custom", TZ, start=DAY, end=DAY))
    result = aggregate.compare(dataset, now, before)
    assert result["visitors"] == {"value": 1, "previous": 3, "change": -66.7}
    assert result["visits"] == {"value": 1, "previous": 4, "change": -75.0}
    # One pageview and a goal conversion is still a bounce; the change is in percentage points.
    assert result["bounce_rate"] == {"value": 100, "previous": 25, "change": 75}
    empty = StatsQuery.for_period(1, periods.resolve("custom", TZ, start=DAY - timedelta(days=9), end=DAY - timedelta(days=9)))
    assert aggregate.compare(dataset, now, empty)["visitors"] == {"value": 1, "previous": 0, "change": None}
    assert aggregate.compare(dataset, empty, empty)["visitors"]["change"] == 0.0


def test_timeseries_fills_empty_buckets(dataset: Storage) -> None:
    query, period = day_query(DAY - timedelta(days=1), DAY + timedelta(days=3))
    series = timeseries.timeseries(dataset, query, period, ["visitors", "visits", "views_per_visit"])
    assert [point["date"] for point in series] == [(DAY + timedelta(days=d)).isoformat() for d in range(-1, 4)]
    assert [point["visits"] for point in series] == [1, 4, 0, 1, 0]
    assert series[2] == {"date": (DAY + timedelta(days=1)).isoformat(), "visitors": 0, "visits": 0,
                         "views_per_visit": 0.0}
    hourly_query, hourly = day_query()
    hours = timeseries.timeseries(dataset, hourly_query, hourly, ["visits"])
    assert len(hours) == 24
    assert {point["date"][11:13]: point["visits"] for point in hours if point["visits"]} == {
        "09": 1, "10": 1, "13": 1, "23": 1
    }


def test_realtime_counts_the_last_30_minutes(storage: Storage) -> None:
    now = datetime(2024, 5, 14, 12, 0, 30, tzinfo=timezone.utc)
    m = timedelta(minutes=1)
    insert(storage, [
        hit(now - 45 * m, 1, 1, path="/old"),  # too old
        hit(now - 20 * m, 2, 2, path="/a"),
        hit(now - 5 * m, 2, 2, path="/b"),
        hit(now - 4 * m, 3, 3, path="/a"),
        hit(now - 4 * m + timedelta(seconds=10), 3, 3, "ping", path="/a"),
        hit(now + 5 * m, 4, 4, path="/future"),  # after now
        hit(now - 2 * m, 5, 5, path="/a", site_id=2),  # another site
    ])
    data = realtime.realtime(storage, 1, now=now)
    assert (data["visitors"], data["pageviews"]) == (2, 3)
    assert len(data["series"]) == 30 and data["series"][-1]["minutes_ago"] == 0
    per_minute = {point["minutes_ago"]: (point["visitors"], point["pageviews"]) for point in data["series"]}
    assert per_minute[20] == (1, 1) and per_minute[5] == (1, 1) and per_minute[4] == (1, 1)
    assert sum(p["pageviews"] for p in data["series"]) == 3
    assert data["pages"] == [{"value": "/a", "visitors": 2}, {"value": "/b", "visitors": 1}]
    assert realtime.current_visitors(storage, 1, now=now) == 2
    assert realtime.current_visitors(storage, 1, now=now, minutes=3) == 0


def test_dropped_hits_by_reason(storage: Storage) -> None:
    start = datetime(2024, 5, 14, tzinfo=timezone.utc)
    storage.insert(
        "dropped_hits",
        [
            [1, start + timedelta(minutes=1), "bot", 3],
            [1, start + timedelta(minutes=2), "opt-out", 800],
            [1, start + timedelta(minutes=3), "bot", 401],
            [1, start - timedelta(minutes=1), "bot", 1000],  # before the range
            [2, start + timedelta(minutes=1), "bot", 5],
            [0, start + timedelta(minutes=1), "unknown-site", 7],
        ],
        ["site_id", "minute", "reason", "hits"],
    )
    end = start + timedelta(days=1)
    result = drops.dropped_hits(storage, 1, start, end)
    assert result == {"total": 1204, "reasons": [{"reason": "opt-out", "hits": 800}, {"reason": "bot", "hits": 404}]}
    assert drops.summary(result) == "1,204 hits not recorded: opt-out 800, bot 404"
    assert drops.dropped_hits(storage, None, start, end)["total"] == 1216
    nothing = drops.dropped_hits(storage, 3, start, end)
    assert nothing == {"total": 0, "reasons": []} and drops.summary(nothing) == ""
    assert drops.summary({"total": 1, "reasons": [{"reason": "bot", "hits": 1}]}) == "1 hit not recorded: bot 1"


@pytest.mark.parametrize("filters", [(), (Filter("visit:device", "is_not", ("Mobile",)),),
                                     (Filter("event:page", "is", ("/pricing", "/docs")),)])
def test_shared_breakdowns_equal_the_single_ones(dataset: Storage, filters: tuple) -> None:
    query, _ = day_query(DAY - timedelta(days=1), DAY + timedelta(days=2), filters)
    requests = [
        Request((), ("visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration")),
        Request(("time:day",), ("visitors", "visits"), limit=None),
        Request(("visit:source",), ("visitors", "visits", "bounce_rate", "visit_duration"), limit=2),
        Request(("visit:source",), ("visits",), limit=2, offset=1),
        Request(("visit:utm_source",), ("visitors", "visits")),  # only some visits have one
        Request(("visit:entry_page",), ("visitors", "visits", "views_per_visit"), limit=3),
        Request(("visit:country",), ("visitors", "percentage"), limit=10),
        Request(("event:page",), ("visitors", "pageviews"), limit=10),  # not shared: answered on its own
        Request(("visit:device",), ("visitors", "conversion_rate")),  # not shared either
    ]
    shared = breakdowns(dataset, query, requests)
    assert len(shared) == len(requests)
    for request, result in zip(requests, shared):
        single = breakdown(dataset, query, list(request.dimensions), list(request.metrics),
                           limit=request.limit, offset=request.offset)
        assert (result.rows, result.total_rows) == (single.rows, single.total_rows), request
    if not filters:
        assert shared[2].total_rows == 3 and len(shared[2].rows) == 2  # Google, Direct, newsletter; a page of 2
        assert [row["value"] for row in shared[4].rows] == ["(not set)", "newsletter"]
