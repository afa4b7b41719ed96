"""How long a full 30-day dashboard takes in embedded chdb, at 1M, 10M or 100M events.

Generates the events inside ClickHouse (``bench/generate.py``: ``INSERT …
SELECT … FROM numbers()``; ``--python`` uses the slower Python generator
below) into a temporary data directory, lets the visits table fill from
them, merges both tables, then times, ``--repeat`` times each:

- the baseline ``count() + uniqExact(visitor_id)`` over the 30-day rows;
- the report archives' build (``dashboard.stats.archiver``: every closed
  day, then weeks and months), its time and its bytes per event;
- the 27 reports of a full dashboard four ways: from the archives (what the
  dashboard does), one query per report regrouping the events (the first
  version), the visit-level reports from one shared scan of the events, and
  that shared scan over the visits table (the last three read the events
  exactly, as ``exact`` asks);
- one Stats API breakdown by page and by source;
- four users loading the full dashboard at once.

It prints p50 and p95 of every report and of every full load, each as a
ratio to the same run's baseline, and the bytes per event on disk.

    python bench/bench_dashboard.py [--events 1000000] [--repeat 5] [--users 4] [--data-dir DIR] [--python]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate as sql_generator  # noqa: E402
from dashboard.stats import (  # noqa: E402,E501
    actions,
    aggregate,
    archive,
    archiver,
    audience,
    drops,
    metrics,
    pages,
    periods,
    realtime,
    sources,
    timeseries,
)
from dashboard.stats.breakdown import Request, breakdown, breakdowns  # noqa: E402
from dashboard.stats.query import StatsQuery  # noqa: E402
from footfall.schema import COLUMNS  # noqa: E402
from footfall.storage import migrations  # noqa: E402
from footfall.storage.clickhouse import Storage  # noqa: E402

TZ = "Europe/Berlin"
PAGES = sql_generator.PAGES
REFERRERS = [
    ("direct", "", "", ""),
    ("search", "Google", "google.com", "google.com/search"),
    ("search", "Bing", "bing.com", "bing.com/search"),
    ("social", "Facebook", "facebook.com", "facebook.com/"),
    ("website", "news.example.org", "news.example.org", "news.example.org/article"),
    ("campaign", "newsletter", "", ""),
]
DEVICES = [
    ("Chrome", "124", "Windows", "10", "desktop", "1920x1080"),
    ("Firefox", "125", "Linux", "", "desktop", "1440x900"),
    ("Mobile Safari", "17", "iOS", "17.4", "mobile", "390x844"),
    ("Chrome Mobile", "124", "Android", "14", "mobile", "412x915"),
    ("Mobile Safari", "16", "iOS", "16.6", "tablet", "820x1180"),
]
COUNTRIES = ["DE", "DE", "DE", "AT", "CH", "US", "FR", "NL", "GB", "PL"]
VISIT_TIMEOUT_MINUTES = 30


def generate(storage: Storage, events: int, end: datetime, days: int = 35, batch: int = 200_000) -> int:
    rng = random.Random(1)
    index = {name: i for i, name in enumerate(COLUMNS)}
    template = [""] * len(COLUMNS)
    for name, value in {
        "site_id": 1, "user_id_hash": 0, "event_value": None, "props": {}, "goal_id": 0, "revenue": 0.0,
        "search_count": -1, "engagement_ms": 0, "scroll_depth": 0, "visit_count": 1, "hostname": "example.com",
    }.items():
        template[index[name]] = value
    start = end - timedelta(days=days)
    span = int((end - start).total_seconds())
    rows: list[list] = []
    written = 0
    visitor = 0
    visit_ids = itertools.count(1)
    timeout = timedelta(minutes=VISIT_TIMEOUT_MINUTES)
    while written + len(rows) < events:
        visitor += 1
        ts = start + timedelta(seconds=rng.randrange(span))
        device = rng.choice(DEVICES)
        country = rng.choice(COUNTRIES)
        ref = rng.choices(REFERRERS, weights=[35, 30, 5, 10, 10, 10])[0]
        last_hit = None
        for visit in range(rng.choice([1, 1, 2])):
            if visit:
                ts += timedelta(minutes=rng.randrange(40, 240))
            for hit_no in range(rng.choice([1, 2, 3, 4, 6, 8])):
                if hit_no:
                    ts += timedelta(seconds=rng.randrange(5, 600))
                row = list(template)
                # The collector's rule: a gap longer than the visit timeout starts a new visit.
                if last_hit is None or ts - last_hit > timeout:
                    visit_id, visit_start = next(visit_ids), ts
                last_hit = ts
                row[index["visit_id"]], row[index["visit_start"]] = visit_id, visit_start
                kind = "pageview" if hit_no == 0 else rng.choices(
                    ["pageview", "ping", "event", "goal", "search", "outlink", "download"], [50, 25, 10, 5, 4, 3, 3])[0]
                path = rng.choice(PAGES)
                row[index["timestamp"]] = ts
                row[index["visitor_id"]] = visitor
                row[index["event_type"]] = kind
                row[index["pathname"]] = path
                row[index["url"]] = "https://example.com" + path
                row[index["title"]] = "Page " + path
                if hit_no == 0:
                    rtype, rname, rhost, rref = ref
                    row[index["referrer_type"]], row[index["referrer_name"]] = rtype, rname
                    row[index["referrer_host"]], row[index["referrer"]] = rhost, rref
                    if rtype == "campaign":
                        row[index["utm_source"]], row[index["utm_medium"]] = "newsletter", "email"
                        row[index["utm_campaign"]] = f"issue-{rng.randrange(20)}"
                else:
                    row[index["referrer_type"]] = "internal"
                if kind == "event":
                    row[index["event_category"]], row[index["event_action"]] = "CTA", rng.choice(["click", "hover"])
                    row[index["props"]] = {"variant": rng.choice(["a", "b"])}
                elif kind == "goal":
                    row[index["goal_id"]] = rng.choice([1, 2, 3])
                    row[index["revenue"]] = rng.choice([0.0, 19.0, 99.0])
                elif kind == "search":
                    row[index["search_keyword"]] = rng.choice(["pricing", "install", "privacy", "api"])
                elif kind in ("outlink", "download"):
                    row[index["link_url"]] = f"https://elsewhere.example/{rng.randrange(30)}"
                for name, value in zip(("browser", "browser_version", "os", "os_version", "device_type", "screen_size"), device):
                    row[index[name]] = value
                row[index["country_code"]] = country
                row[index["language"]] = "de-de" if country in ("DE", "AT", "CH") else "en-us"
                rows.append(row)
        if len(rows) >= batch:
            storage.insert("events", rows, COLUMNS)
            written += len(rows)
            rows = []
    if rows:
        storage.insert("events", rows, COLUMNS)
        written += len(rows)
    storage.insert(
        "dropped_hits",
        [[1, (end - timedelta(hours=h)).replace(second=0, microsecond=0), r, 7] for h in range(100) for r in ("bot", "opt-out")],
        ["site_id", "minute", "reason", "hits"],
    )
    return written


def dashboard_reports(storage: Storage, query: StatsQuery, before: StatsQuery, period: periods.Period, now: datetime):
    """Every report of a full dashboard, one query each."""
    return {
        "kpis + comparison": lambda: aggregate.compare(storage, query, before),
        "timeseries": lambda: timeseries.timeseries(storage, query, period),
        "entry pages": lambda: pages.entry_pages(storage, query),
        "exit pages": lambda: pages.exit_pages(storage, query),
        **{f"sources: {name}": (lambda name=name: sources.sources(storage, query, name))
           for name in SOURCE_REPORTS},
        **{f"audience: {name}": (lambda name=name: audience.audience(storage, query, name))
           for name in AUDIENCE_REPORTS},
        **event_reports(storage, query, period, now),
    }


SOURCE_REPORTS = ("sources", "search_engines", "social_networks", "utm_sources", "utm_mediums", "utm_campaigns",
                  "utm_terms", "utm_contents")
AUDIENCE_REPORTS = ("countries", "browsers", "operating_systems", "devices", "screen_sizes", "languages")


def shared_dashboard(storage: Storage, query: StatsQuery, before: StatsQuery, period: periods.Period, now: datetime):
    """The same reports, the visit-level ones (KPIs, chart, entry/exit pages, sources, audience) from one scan per period."""
    visit_reports = [
        Request((), metrics.KPI_METRICS),
        Request((f"time:{period.interval}",), metrics.KPI_METRICS, limit=None),
        Request(("visit:entry_page",), tuple(pages.ENTRY_METRICS), limit=10),
        Request(("visit:exit_page",), tuple(pages.EXIT_METRICS), limit=10),
        *(Request((sources.REPORTS[name],), tuple(sources.SOURCE_METRICS), limit=10) for name in SOURCE_REPORTS),
        *(Request((audience.REPORTS[name],), tuple(audience.AUDIENCE_METRICS), limit=10) for name in AUDIENCE_REPORTS),
    ]
    return {
        f"{len(visit_reports)} visit reports, shared": lambda: breakdowns(storage, query, visit_reports),
        "previous period, shared": lambda: breakdowns(storage, before, visit_reports[:2]),
        **event_reports(storage, query, period, now),
    }


def event_reports(storage: Storage, query: StatsQuery, period: periods.Period, now: datetime) -> dict:
    """The reports every load runs the same way: event-level ones, realtime and drops."""
    return {
        "top pages": lambda: pages.top_pages(storage, query),
        "page titles": lambda: pages.page_titles(storage, query),
        "custom events": lambda: actions.custom_events(storage, query),
        "goals": lambda: actions.goals(storage, query),
        "search terms": lambda: actions.search_terms(storage, query),
        "outlinks": lambda: actions.outlinks(storage, query),
        "downloads": lambda: actions.downloads(storage, query),
        "realtime": lambda: realtime.realtime(storage, 1, now=now),
        "dropped hits": lambda: drops.dropped_hits(storage, 1, period.start_utc, period.end_utc),
    }


def measure_baseline(storage: Storage, period: periods.Period, repeat: int) -> float:
    """The p50 of ``count() + uniqExact(visitor_id)`` over the period's events (printed with its p95)."""
    params = {"s": period.start_utc, "e": period.end_utc}
    sql = ("SELECT count(), uniqExact(visitor_id) FROM events WHERE site_id = 1 "
           "AND timestamp >= {s:DateTime64(3, 'UTC')} AND timestamp < {e:DateTime64(3, 'UTC')}")
    storage.query(sql, params)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        in_period = storage.query(sql, params)[0][0]
        times.append(time.perf_counter() - began)
    baseline = statistics.median(times)
    print(f"events in the 30-day view: {in_period:,}; baseline count()+uniqExact: p50 {baseline * 1000:.0f} ms, "
          f"p95 {percentile(times, 0.95) * 1000:.0f} ms\n")
    return baseline


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def time_load(reports: dict, repeat: int) -> tuple[dict[str, list[float]], list[float]]:
    """Every report's time in each of ``repeat`` full loads, and each load's total.

    A load plans its ranges once, as the dashboard page does (``archive.planning``).
    """
    times: dict[str, list[float]] = {name: [] for name in reports}
    totals = []
    for _ in range(repeat):
        total = 0.0
        with archive.planning():
            total += _load(reports, times)
        totals.append(total)
    return times, totals


def _load(reports: dict, times: dict[str, list[float]]) -> float:
    total = 0.0
    for name, report in reports.items():
        began = time.perf_counter()
        report()
        took = time.perf_counter() - began
        total += took
        times[name].append(took)
    return total


def concurrent_loads(reports: dict, users: int, repeat: int) -> list[float]:
    """``users`` threads each loading the whole dashboard ``repeat`` times at once: every load's time."""
    took: list[float] = []
    lock = threading.Lock()

    def user() -> None:
        for _ in range(repeat):
            began = time.perf_counter()
            with archive.planning():
                for report in reports.values():
                    report()
            with lock:
                took.append(time.perf_counter() - began)

    threads = [threading.Thread(target=user) for _ in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return took


def bytes_per_event(storage: Storage, table: str, events: int) -> float:
    rows = storage.query("SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND table = {t:String}", {"t": table})
    return int(rows[0][0] or 0) / max(1, events)


def line(name: str, values: list[float], baseline: float) -> str:
    p50, p95 = statistics.median(values), percentile(values, 0.95)
    return f"  {name:38s} p50 {p50 * 1000:8.0f} ms  p95 {p95 * 1000:8.0f} ms   {p50 / baseline:6.1f}x baseline"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="loads to time for p50/p95")
    parser.add_argument("--users", type=int, default=4, help="users loading the dashboard at once")
    parser.add_argument("--data-dir", help="keep the generated data here and reuse it on the next run (same day only)")
    parser.add_argument("--python", action="store_true", help="generate in Python, batch by batch (slow)")
    parser.add_argument("--skip-old", action="store_true", help="do not time the one-query-per-report load")
    parser.add_argument("--archives-only", action="store_true", help="time only the loads from the archives")
    parser.add_argument("--days", type=int, default=35, help="days the generated events span, up to today")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        storage = Storage(f"chdb://{args.data_dir or tmp + '/data'}")
        migrations.migrate(storage)
        today = datetime.now(timezone.utc)
        began = time.perf_counter()
        written = storage.query("SELECT count() FROM events")[0][0]
        if written:
            print(f"reusing {written:,} events in {args.data_dir}")
        else:
            if args.python:
                written = generate(storage, args.events, today)
            else:
                written = sql_generator.generate(storage, args.events, today, PAGES, days=args.days)
                generate_drops(storage, today)
            generated = time.perf_counter() - began
            storage.command("OPTIMIZE TABLE events FINAL")
            storage.command("OPTIMIZE TABLE visits FINAL")
            print(f"generated {written:,} events in {generated:.1f} s, merged in {time.perf_counter() - began - generated:.1f} s")
        began = time.perf_counter()
        done = archiver.refresh(storage, 1, TZ, timeout_minutes=VISIT_TIMEOUT_MINUTES)
        if any(done.built.values()):
            storage.command("OPTIMIZE TABLE archives FINAL")
        print(f"archives: built {done.built} in {time.perf_counter() - began:.1f} s")
        visits = storage.query("SELECT count() FROM visits")[0][0]
        archived = storage.query("SELECT count() FROM archives")[0][0]
        print(f"on disk: events {bytes_per_event(storage, 'events', written):.1f} bytes/event, "
              f"visits table {bytes_per_event(storage, 'visits', written):.1f} bytes/event ({visits:,} rows), "
              f"archives {bytes_per_event(storage, 'archives', written):.1f} bytes/event ({archived:,} rows)")

        period = periods.resolve("30d", TZ)
        previous = periods.previous(period)
        baseline = measure_baseline(storage, period, args.repeat)

        query = StatsQuery.for_period(1, period)
        before = StatsQuery.for_period(1, previous)
        exact, before_exact = replace(query, exact=True), replace(before, exact=True)
        from_events = replace(exact, stored_visits=False)
        before_events = replace(before_exact, stored_visits=False)
        loads = {
            "from the archives": shared_dashboard(storage, query, before, period, today),
            "one query per report, from the events": dashboard_reports(storage, from_events, before_events, period, today),
            "shared visit scan, from the events": shared_dashboard(storage, from_events, before_events, period, today),
            "shared visit scan, from the visits table": shared_dashboard(storage, exact, before_exact, period, today),
        }
        if args.skip_old:
            del loads["one query per report, from the events"]
        if args.archives_only:
            loads = {"from the archives": loads["from the archives"]}
        count = len(dashboard_reports(storage, query, before, period, today))
        for title, reports in loads.items():
            for report in reports.values():  # warm up
                report()
            times, totals = time_load(reports, args.repeat)
            print(f"{title}:")
            for name, took in times.items():
                print(line(name, took, baseline))
            print(line(f"FULL DASHBOARD ({count} reports)", totals, baseline) + "\n")

        api = {
            "API breakdown by event:page (archives)": lambda: breakdown(
                storage, query, ["event:page"], ["visitors", "pageviews"], limit=100),
            "API breakdown by visit:source (archives)": lambda: breakdown(
                storage, query, ["visit:source"], ["visitors", "visits", "bounce_rate"], limit=100),
            "API breakdown by event:page (events)": lambda: breakdown(
                storage, exact, ["event:page"], ["visitors", "pageviews"], limit=100),
            "API breakdown by visit:source (events)": lambda: breakdown(
                storage, from_events, ["visit:source"], ["visitors", "visits", "bounce_rate"], limit=100),
            "API breakdown by visit:source (visits table)": lambda: breakdown(
                storage, exact, ["visit:source"], ["visitors", "visits", "bounce_rate"], limit=100),
        }
        if args.archives_only:
            api = {name: run for name, run in api.items() if "archives" in name}
        times, _ = time_load(api, args.repeat)
        print("one /api/v2/query breakdown:")
        for name, took in times.items():
            print(line(name, took, baseline))
        if args.users > 1:
            page = loads["from the archives"]
            took = concurrent_loads(page, args.users, max(1, args.repeat // 2))
            print(f"\n{args.users} users loading the full dashboard at once (archives):")
            print(line("each user's full dashboard", took, baseline))
        kpis = aggregate.aggregate(storage, query)
        exact_kpis = aggregate.aggregate(storage, exact)
        print(f"\nKPIs from the archives: {kpis}\nKPIs from the events:   {exact_kpis}")
        storage.close()


def generate_drops(storage: Storage, end: datetime) -> None:
    storage.insert(
        "dropped_hits",
        [[1, (end - timedelta(hours=h)).replace(second=0, microsecond=0), r, 7] for h in range(100) for r in ("bot", "opt-out")],
        ["site_id", "minute", "reason", "hits"],
    )


if __name__ == "__main__":
    main()
