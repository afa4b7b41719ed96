"""Report archives in real chdb: every report they answer equals the exact answer from the events.

A seeded dataset of a few weeks (visits across midnight, returning visitors,
sources, devices, custom events with properties, goals with revenue,
searches, outlinks, downloads, pings) is archived with the archiver's own
rounds, then every breakdown is asked twice: from the archives and with
``exact=True`` from the events.  Changes after archiving (new hits in an
archived day, a forgotten visitor, a new time zone) must show at once.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from dashboard.stats import actions, archive, archive_sql, archiver, metrics, pages, periods
from dashboard.stats.breakdown import Request, breakdown, breakdowns
from dashboard.stats.filters import Filter
from dashboard.stats.query import StatsQuery
from footfall import deletion
from footfall.schema import COLUMNS
from footfall.storage.clickhouse import Storage

SITES = {1: "Europe/Berlin", 2: "Asia/Kolkata"}  # Kolkata: local midnight is half past a UTC hour
DAYS = 24
DEFAULTS: dict[str, Any] = {
    "user_id_hash": 0, "event_value": None, "props": {}, "goal_id": 0, "revenue": 0.0, "search_count": -1,
    "engagement_ms": 0, "scroll_depth": 0, "visit_count": 1, "hostname": "example.com",
}
PAGES = ["/", "/pricing", "/blog/a", "/blog/b", "/docs", "/docs/install", "/shop"]
SOURCES = [("direct", "", "", ""), ("search", "Google", "google.com", "https://google.com/"),
           ("social", "Facebook", "facebook.com", "https://facebook.com/"),
           ("campaign", "newsletter", "", "")]
DEVICES = [("Firefox", "Linux", "desktop", "1920x1080"), ("Mobile Safari", "iOS", "mobile", "390x844"),
           ("Chrome", "Android", "tablet", "820x1180")]
_ids = itertools.count(1)


def generate(site_id: int, now: datetime, seed: int) -> list[list[Any]]:
    """About 2,000 hits over the DAYS days before ``now``, visits assigned as the collector assigns them."""
    rng = random.Random(seed)
    rows = []
    start = now - timedelta(days=DAYS)
    for visitor in range(1, 160):
        ts = start + timedelta(seconds=rng.randrange(int((now - start).total_seconds()) - 7200))
        kind, name, host, referrer = rng.choice(SOURCES)
        browser, os_name, device, screen = rng.choice(DEVICES)
        country = rng.choice(["DE", "DE", "FR", "US", "IN"])
        for _visit in range(rng.choice([1, 1, 2, 3])):
            visit_id, visit_start = next(_ids), ts
            for n in range(rng.choice([1, 2, 3, 5, 8])):
                event = "pageview" if n == 0 else rng.choice(
                    ["pageview", "pageview", "ping", "event", "goal", "search", "outlink", "download"])
                values = {**DEFAULTS, "site_id": site_id, "timestamp": ts, "visitor_id": visitor * 10 + site_id,
                          "visit_id": visit_id, "visit_start": visit_start,
                          "event_type": event, "pathname": rng.choice(PAGES), "title": "Page",
                          "country_code": country, "browser": browser, "os": os_name, "device_type": device,
                          "screen_size": screen, "language": "de-de" if country == "DE" else "en-us"}
                if n == 0:
                    values.update(referrer_type=kind, referrer_name=name, referrer_host=host, referrer=referrer)
                    if kind == "campaign":
                        values.update(utm_source="newsletter", utm_medium="email", utm_campaign=f"c{visitor % 3}")
                else:
                    values["referrer_type"] = "internal"
                if event == "event":
                    values.update(event_category="" if n % 2 else "CTA", event_action="click",
                                  event_name=rng.choice(["signup", "play", "Goal 7"]),
                                  props=rng.choice([{}, {"plan": "pro"}, {"plan": "free", "via": "hero"}]))
                elif event == "goal":
                    values.update(goal_id=rng.choice([1, 2]), revenue=rng.choice([0.0, 9.5]))
                elif event == "search":
                    values["search_keyword"] = rng.choice(["Pricing", "install"])
                elif event in ("outlink", "download"):
                    values["link_url"] = f"https://elsewhere.example/{rng.randrange(4)}"
                rows.append([values.get(column, "") for column in COLUMNS])
                ts += timedelta(seconds=rng.randrange(20, 900))
            ts += timedelta(minutes=rng.randrange(40, 600))
    return rows


def refresh(storage: Storage, site_id: int, tz: str, **kwargs: Any) -> archiver.Round:
    """A round as the server runs it, a visit timeout later: yesterday is closed whatever the time of day."""
    kwargs.setdefault("now", datetime.now(timezone.utc) + timedelta(minutes=31))
    return archiver.refresh(storage, site_id, tz, **kwargs)


@pytest.fixture
def archived(storage: Storage) -> Storage:
    now = datetime.now(timezone.utc)
    for site_id in SITES:
        storage.insert("events", generate(site_id, now, seed=site_id), list(COLUMNS))
    for site_id, tz in SITES.items():
        done = refresh(storage, site_id, tz)
        assert done.built["day"] >= DAYS - 1 and done.built["range"] >= 2, done
    return storage


def queries(site_id: int) -> list[StatsQuery]:
    """Ranges of whole local days: the standard ones, odd ones (weeks and days), and ones that reach today."""
    tz = SITES[site_id]
    today = periods.today_in(tz)
    named = [periods.resolve(name, tz) for name in ("7d", "30d", "month", "day")]
    custom = [periods.resolve("custom", tz, start=today - timedelta(days=a), end=today - timedelta(days=b))
              for a, b in ((19, 3), (12, 12), (26, 0))]
    return [StatsQuery.for_period(site_id, period) for period in named + custom]


ALL_METRICS = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration", "events",
               "total_revenue", "average_revenue", "conversion_rate"]


def both(storage: Storage, query: StatsQuery, dims: list[str], metric_names: list[str]) -> tuple[Any, Any]:
    archived = breakdown(storage, query, dims, metric_names)
    exact = breakdown(storage, replace(query, exact=True), dims, metric_names)
    return archived, exact


def archive_names() -> list[str]:
    return [name for name in archive_sql.ARCHIVED if name not in ("visit:exit_page_hostname",)] + [
        "visit:exit_page_hostname", "time:day", "time:week", "time:month"]


@pytest.mark.parametrize("site_id", list(SITES))
def test_every_archived_breakdown_equals_the_exact_one(archived: Storage, site_id: int) -> None:
    answered = [query for query in queries(site_id) if archive.plan(archived, query) is not None]
    assert len(answered) >= 4  # 7d, 30d and the custom ranges of past days at least
    for query in queries(site_id):
        a, e = both(archived, query, [], ALL_METRICS)
        assert a.rows == e.rows, query
        for name in archive_names():
            wanted = [m for m in ALL_METRICS if not (name.startswith("event:") and m == "conversion_rate")]
            a, e = both(archived, query, [name], wanted)
            assert (a.rows, a.total_rows) == (e.rows, e.total_rows), (query.start, name)
        for name in ("visit:country", "visit:device"):
            a, e = both(archived, query, [name], ["visitors", "percentage"])
            assert a.rows == e.rows


def test_reports_that_use_the_archives(archived: Storage) -> None:
    query = StatsQuery.for_period(1, periods.resolve("30d", SITES[1]))
    found = archive.plan(archived, query)
    assert found is not None and not found.ranges and found.units[0].startswith("range:")  # one range archive
    exact = replace(query, exact=True)
    for report in (actions.custom_events, actions.goals, actions.search_terms, actions.outlinks, pages.top_pages):
        assert report(archived, query) == report(archived, exact), report.__name__
    assert actions.property_keys(archived, query) == actions.property_keys(archived, exact) == ["plan", "via"]
    for key in ("plan", "via"):
        assert actions.event_properties(archived, query, key) == actions.event_properties(archived, exact, key)
    # A filter on the report's own dimension picks its groups; any other filter reads the events.
    only_signup = query.adding(Filter("event:name", "is", ("signup",)))
    assert breakdown(archived, only_signup, ["event:name"], ["visitors", "events"]).rows == breakdown(
        archived, replace(only_signup, exact=True), ["event:name"], ["visitors", "events"]).rows
    de = query.adding(Filter("visit:country", "is", ("DE",)))
    assert archive.group_rows(archived, de, [], ["visitors"], order=None, limit=None, offset=0) is None
    requests = [Request((), metrics.KPI_METRICS), Request(("time:day",), ("visitors",), limit=None),
                Request(("visit:source",), ("visitors", "visits", "bounce_rate"), limit=3),
                Request(("visit:entry_page",), ("visitors", "visits"), limit=2, offset=1)]
    assert [r.rows for r in breakdowns(archived, query, requests)] == [
        r.rows for r in breakdowns(archived, exact, requests)]


def test_a_new_hit_in_an_archived_day_shows_at_once(archived: Storage) -> None:
    query = StatsQuery.for_period(1, periods.resolve("30d", SITES[1]))
    before = breakdown(archived, query, [], ["visitors", "pageviews"]).rows[0]
    last_week = datetime.now(timezone.utc) - timedelta(days=7)
    late = generate(1, last_week + timedelta(hours=2), seed=99)[:1]  # one pageview of a new visitor
    late[0][COLUMNS.index("visitor_id")] = 987654321
    archived.insert("events", late, list(COLUMNS))
    after = breakdown(archived, query, [], ["visitors", "pageviews"]).rows[0]
    assert after == {"dimensions": [], "visitors": before["visitors"] + 1, "pageviews": before["pageviews"] + 1}
    assert archive.plan(archived, query).ranges  # that day is read from the events until it is archived again
    done = refresh(archived, 1, SITES[1])
    assert done.built["day"] == 1 and done.replaced >= 3  # the day, its week or month, the ranges holding it
    assert not archive.plan(archived, query).ranges
    assert breakdown(archived, query, [], ["visitors", "pageviews"]).rows[0] == after


def test_a_forgotten_visitor_leaves_the_archives_at_once(archived: Storage) -> None:
    query = StatsQuery.for_period(1, periods.resolve("30d", SITES[1]))
    top = breakdown(archived, query, ["visit:source"], ["visitors"], limit=1).rows[0]
    visitor = archived.query(
        "SELECT visitor_id FROM events WHERE site_id = 1 AND visit_start >= {s:DateTime64(3, 'UTC')} LIMIT 1",
        {"s": query.start})[0][0]
    builds = set(archived.query("SELECT DISTINCT build_id FROM archives WHERE site_id = 1"))
    deletion.forget(archived, b"secret", deletion.Visitor(site_id=1, visitor_id=visitor))
    assert set(archived.query("SELECT DISTINCT build_id FROM archives WHERE site_id = 1")) < builds
    exact = replace(query, exact=True)
    assert breakdown(archived, query, [], ALL_METRICS).rows == breakdown(archived, exact, [], ALL_METRICS).rows
    refresh(archived, 1, SITES[1])
    assert breakdown(archived, query, ["visit:source"], ["visitors"], limit=1).rows[0]["visitors"] <= top["visitors"]
    assert breakdown(archived, query, [], ALL_METRICS).rows == breakdown(archived, exact, [], ALL_METRICS).rows


def test_builds_of_another_time_zone_are_not_used(archived: Storage) -> None:
    query = StatsQuery.for_period(1, periods.resolve("30d", "America/New_York"))
    assert archive.plan(archived, query) is None
    refresh(archived, 1, "America/New_York")
    assert archive.plan(archived, query) is not None
    a, e = both(archived, query, ["visit:country"], ["visitors", "visits"])
    assert a.rows == e.rows


def test_today_is_not_archived_and_the_rest_is_not_built_twice(archived: Storage) -> None:
    for site_id, tz in SITES.items():
        days = {row[0] for row in archived.query(
            "SELECT day FROM archive_builds FINAL WHERE site_id = {s:UInt32} AND unit = 'day'", {"s": site_id})}
        today = periods.today_in(tz)
        closes = periods.local_midnight(today + timedelta(days=1), tz) + timedelta(minutes=30)
        assert today not in days or datetime.now(timezone.utc) + timedelta(minutes=31) >= closes
        again = refresh(archived, site_id, tz)
        assert again.built == {"day": 0, "month": 0, "range": 0, "hour": 0} and again.replaced == 0


def midnight_of(build: Any) -> datetime:
    """The UTC hour an hour archive holds."""
    return datetime.combine(build.day, datetime.min.time(), timezone.utc) + timedelta(hours=int(build.unit[5:]))


def test_today_is_archived_by_the_hour(archived: Storage) -> None:
    tz = SITES[1]
    today = StatsQuery.for_period(1, periods.resolve("day", tz))
    found = archive.plan(archived, today)
    hours = [build for build in found.builds if build.unit.startswith("hour:")] if found else []
    # An hour is closed once the visit timeout has passed after its end.
    elapsed = (datetime.now(timezone.utc) + timedelta(minutes=31) - today.start).total_seconds()
    assert len(hours) == (int((elapsed - 5400) // 3600) + 1 if elapsed >= 5400 else 0)
    # What the hours do not cover (the last hour or two, where it had hits) is read from the events.
    archived_hours = {midnight_of(build) for build in hours}
    for start, end in found.ranges if found else ():
        assert today.start <= start < end <= today.end
        assert not any(start <= hour < end for hour in archived_hours)
    late = datetime.now(timezone.utc) - timedelta(hours=3)
    if late >= today.start:  # a new hit in an archived hour: that hour is read from the events again
        row = generate(1, late + timedelta(minutes=5), seed=7)[:1]
        row[0][COLUMNS.index("visitor_id")] = 55555
        archived.insert("events", row, list(COLUMNS))
        assert len([b for b in archive.plan(archived, today).builds if b.unit.startswith("hour:")]) == len(hours) - 1
    a, e = both(archived, today, ["visit:source"], ["visitors", "visits", "pageviews"])
    assert a.rows == e.rows


def test_only_the_standard_ranges_are_kept(archived: Storage) -> None:
    tz = SITES[1]
    today = periods.today_in(tz)
    wanted = {archive.range_unit(first, last) for first, last in archiver.standard_ranges(tz, today)
              if last <= today}
    kept = {row[0] for row in archived.query(
        "SELECT DISTINCT unit FROM archive_builds FINAL WHERE site_id = 1 AND startsWith(unit, 'range:')")}
    assert kept and kept <= wanted
    # Tomorrow's ranges replace today's: the old ones go, rows and builds.
    refresh(archived, 1, tz, now=datetime.now(timezone.utc) + timedelta(days=1, minutes=31))
    for first, last in archiver.standard_ranges(tz, today):
        if last <= today and (first, last) not in archiver.standard_ranges(tz, today + timedelta(days=1)):
            unit = archive.range_unit(first, last)
            assert not archived.query(
                "SELECT 1 FROM archive_builds FINAL WHERE site_id = 1 AND unit = {u:String} AND day = {d:Date}",
                {"u": unit, "d": first})


def test_estimates_above_the_exact_limit_stay_within_two_percent(storage: Storage) -> None:
    """Sketches are exact for small counts and estimates for large ones (Plausible's ``uniq`` is one too)."""
    now = datetime.now(timezone.utc)
    start = now - timedelta(days=10)
    storage.command(
        "INSERT INTO events (site_id, timestamp, visitor_id, visit_id, visit_start, event_type, pathname) "
        "SELECT 1, t, number % 40000, number, t, 'pageview', '/' FROM "
        "(SELECT number, {s:DateTime64(3, 'UTC')} + toIntervalSecond(number * 7 % 777600) AS t FROM numbers(120000))",
        {"s": start})
    refresh(storage, 1, "UTC")
    query = StatsQuery.for_period(1, periods.resolve("7d", "UTC"))
    assert archive.plan(storage, query) is not None
    estimate = breakdown(storage, query, [], ["visitors", "visits"]).rows[0]
    exact = breakdown(storage, replace(query, exact=True), [], ["visitors", "visits"]).rows[0]
    assert estimate["visits"] == exact["visits"]
    assert abs(estimate["visitors"] - exact["visitors"]) <= 0.02 * exact["visitors"]


def test_days_are_whole_local_days_or_nothing() -> None:
    query = StatsQuery(site_id=1, timezone="Europe/Berlin", start=datetime(2026, 3, 1, 23, tzinfo=timezone.utc),
                       end=datetime(2026, 3, 9, 23, tzinfo=timezone.utc))
    assert archive.local_days(query) == (date(2026, 3, 2), date(2026, 3, 10))
    assert archive.local_days(replace(query, start=datetime(2026, 3, 2, 5, tzinfo=timezone.utc))) is None
    assert archive.unit_end("month", date(2026, 2, 1)) == date(2026, 3, 1)
    assert archive.unit_end("range:30", date(2026, 2, 1)) == date(2026, 3, 3)
