"""How long a full 30-day dashboard load takes on 1M events in embedded chdb.

Generates ~1M events for one site straight into a temporary chdb data
directory (batched inserts in ``collector.rows.COLUMNS`` order, not over
HTTP), then runs every report the dashboard shows for a 30-day view and
prints the time of each, the total, and the ratio against a baseline (a plain
``count()`` over the same rows) measured in the same run; then the same load
with the visit-level reports (chart, entry/exit pages, sources, audience)
answered together by ``breakdown.breakdowns`` from one scan.

    python bench/bench_dashboard.py [--events 1000000] [--repeat 2] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from footfall.schema import COLUMNS  # noqa: E402
from dashboard.stats import actions, aggregate, audience, drops, metrics, pages, periods, realtime, sources, timeseries  # noqa: E402,E501
from dashboard.stats.breakdown import Request, breakdowns  # noqa: E402
from dashboard.stats.query import StatsQuery  # noqa: E402
from footfall.storage import migrations  # noqa: E402
from footfall.storage.clickhouse import Storage  # noqa: E402

TZ = "Europe/Berlin"
PAGES = [f"/{section}/{n}" for section in ("blog", "docs", "shop", "news") for n in range(60)] + ["/", "/pricing"]
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
                row[index["hit_id"]] = rng.getrandbits(63)
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


def dashboard_reports(storage: Storage, period: periods.Period, previous: periods.Period, now: datetime):
    query = StatsQuery.for_period(1, period)
    before = StatsQuery.for_period(1, previous)
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


def shared_dashboard(storage: Storage, period: periods.Period, previous: periods.Period, now: datetime):
    """The same reports, the visit-level ones (chart, entry/exit pages, sources, audience) from one scan."""
    query = StatsQuery.for_period(1, period)
    before = StatsQuery.for_period(1, previous)
    visit_reports = [
        Request((f"time:{period.interval}",), metrics.KPI_METRICS, limit=None),
        Request(("visit:entry_page",), tuple(pages.ENTRY_METRICS), limit=10),
        Request(("visit:exit_page",), ("visitors", "visits"), limit=10),
        *(Request((sources.REPORTS[name],), tuple(sources.SOURCE_METRICS), limit=10) for name in SOURCE_REPORTS),
        *(Request((audience.REPORTS[name],), tuple(audience.AUDIENCE_METRICS), limit=10) for name in AUDIENCE_REPORTS),
    ]
    return {
        "kpis + comparison": lambda: aggregate.compare(storage, query, before),
        f"{len(visit_reports)} visit reports, shared": lambda: breakdowns(storage, query, visit_reports),
        **event_reports(storage, query, period, now),
    }


def event_reports(storage: Storage, query: StatsQuery, period: periods.Period, now: datetime) -> dict:
    """The reports both loads run the same way: event-level ones, realtime and drops."""
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


def time_load(reports: dict, repeat: int) -> tuple[dict[str, float], list[float]]:
    """The best time of each report over ``repeat`` full loads, and each load's total."""
    best: dict[str, float] = {}
    totals = []
    for _ in range(repeat):
        total = 0.0
        for name, report in reports.items():
            began = time.perf_counter()
            report()
            took = time.perf_counter() - began
            total += took
            best[name] = min(best.get(name, took), took)
        totals.append(total)
    return best, totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="full dashboard loads to time (the best is reported)")
    parser.add_argument("--data-dir", help="keep the generated data here and reuse it on the next run (same day only)")
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
            written = generate(storage, args.events, today)
            storage.command("OPTIMIZE TABLE events FINAL")
            print(f"generated and inserted {written:,} events in {time.perf_counter() - began:.1f} s")

        period = periods.resolve("30d", TZ)
        previous = periods.previous(period)
        base_params = {"s": period.start_utc, "e": period.end_utc}
        baseline_sql = ("SELECT count(), uniqExact(visitor_id) FROM events WHERE site_id = 1 "
                        "AND timestamp >= {s:DateTime64(3, 'UTC')} AND timestamp < {e:DateTime64(3, 'UTC')}")
        storage.query(baseline_sql, base_params)
        began = time.perf_counter()
        in_period = storage.query(baseline_sql, base_params)[0][0]
        baseline = time.perf_counter() - began
        print(f"events in the 30-day view: {in_period:,}; baseline count()+uniqExact: {baseline * 1000:.0f} ms\n")

        for title, reports in (
            ("one query per report", dashboard_reports(storage, period, previous, today)),
            ("visit-level reports shared (breakdown.breakdowns)", shared_dashboard(storage, period, previous, today)),
        ):
            best, totals = time_load(reports, args.repeat)
            print(f"{title}:")
            for name, took in best.items():
                print(f"  {name:34s} {took * 1000:8.0f} ms   {took / baseline:6.1f}x baseline")
            print(f"full dashboard load ({len(dashboard_reports(storage, period, previous, today))} reports, sequential): "
                  f"best {min(totals):.2f} s, runs {', '.join(f'{t:.2f}' for t in totals)} s; "
                  f"{min(totals) / baseline:.0f}x baseline\n")
        kpis = aggregate.aggregate(storage, StatsQuery.for_period(1, period))
        print(f"KPIs: {kpis}")
        storage.close()


if __name__ == "__main__":
    main()
