"""Sampling for very large ranges: a filtered 30-day dashboard and filtered Stats API breakdowns, exact and sampled.

Generates about ``--events`` events inside ClickHouse (``bench/generate.py``,
with visitor IDs spread over all 64-bit values as the collector's keyed hashes
are: sampling by visitor ID needs that), or reuses ``--data-dir``.  Then
times, ``--repeat`` times each, with the filter ``visit:country is DE``:

- the baseline ``count() + uniqExact(visitor_id)`` over the 30-day rows (as
  ``bench_dashboard.py``);
- the full dashboard as ``bench_dashboard.py`` loads it (shared visit scan
  over the visits table, the event reports one query each), exact
  (``StatsQuery.exact``) and sampled at each ``--thresholds`` value
  (``sample_above_events``);
- one ``/api/v2/query`` breakdown by ``visit:source`` and one by
  ``event:page``, the same ways.

For every sampled run it prints the sample, the ratio to the exact run and
to the baseline, and how far the estimates are from the exact numbers (the
KPIs, and the top 5 rows of each breakdown).

    python bench/bench_sampling.py [--events 10000000] [--repeat 3] [--thresholds 1000000,2000000,5000000]
                                   [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate as sql_generator  # noqa: E402
from bench.bench_dashboard import (  # noqa: E402
    PAGES,
    TZ,
    generate_drops,
    line,
    measure_baseline,
    shared_dashboard,
    time_load,
)
from dashboard.stats import aggregate, periods, sampling  # noqa: E402
from dashboard.stats.breakdown import breakdown  # noqa: E402
from dashboard.stats.filters import Filter  # noqa: E402
from dashboard.stats.metrics import KPI_METRICS  # noqa: E402
from dashboard.stats.query import StatsQuery  # noqa: E402
from footfall.settings import SAMPLE_ABOVE_EVENTS  # noqa: E402
from footfall.storage import migrations  # noqa: E402
from footfall.storage.clickhouse import Storage  # noqa: E402

FILTER = Filter("visit:country", "is", ("DE",))
BREAKDOWNS = {
    "API breakdown by visit:source": (["visit:source"], ["visitors", "visits", "bounce_rate"]),
    "API breakdown by event:page": (["event:page"], ["visitors", "pageviews"]),
}


def api_calls(storage: Storage, query: StatsQuery) -> dict:
    return {name: (lambda dims=dims, mets=mets: breakdown(storage, query, dims, mets, limit=100))
            for name, (dims, mets) in BREAKDOWNS.items()}


def answers(storage: Storage, query: StatsQuery) -> dict[str, dict[str, float]]:
    """The KPIs and every row of each breakdown, by name, to compare estimates with."""
    found = {"KPIs": {m: float(v) for m, v in aggregate.aggregate(storage, query).items()}}
    for name, (dims, mets) in BREAKDOWNS.items():
        for row in breakdown(storage, query, dims, mets, limit=None).rows:
            found.setdefault(name, {}).update({f"{row['value']} {m}": float(row[m]) for m in mets})
    return found


def worst_error(estimate: dict, exact: dict, top: int = 5) -> str:
    """The largest relative error of the KPIs and of the top rows of each breakdown (by exact visitors)."""
    parts = []
    for name, values in exact.items():
        keys = list(values)
        if name != "KPIs":
            rows = [key.rsplit(" ", 1)[0] for key in keys if key.endswith(" visitors")][:top]
            keys = [key for key in keys if key.rsplit(" ", 1)[0] in rows]
        errors = [abs(estimate[name].get(key, 0) - values[key]) / values[key] for key in keys if values[key]]
        parts.append(f"{name}: {100 * max(errors):.1f} %")
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--thresholds", default=f"1000000,{SAMPLE_ABOVE_EVENTS},5000000",
                        help="sample_above_events values to compare with the exact run")
    parser.add_argument("--data-dir", help="keep the generated data here and reuse it on the next run (same day only)")
    parser.add_argument("--accuracy-only", action="store_true", help="compare the estimates, time nothing")
    args = parser.parse_args()
    thresholds = [int(value) for value in args.thresholds.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        storage = Storage(f"chdb://{args.data_dir or tmp + '/data'}")
        migrations.migrate(storage)
        today = datetime.now(timezone.utc)
        written = storage.query("SELECT count() FROM events")[0][0]
        if written:
            print(f"reusing {written:,} events in {args.data_dir}")
        else:
            began = time.perf_counter()
            written = sql_generator.generate(storage, args.events, today, PAGES, hashed_visitors=True)
            generate_drops(storage, today)
            storage.command("OPTIMIZE TABLE events FINAL")
            storage.command("OPTIMIZE TABLE visits FINAL")
            print(f"generated and merged {written:,} events in {time.perf_counter() - began:.1f} s")

        period = periods.resolve("30d", TZ)
        baseline = measure_baseline(storage, period, args.repeat)

        query = StatsQuery.for_period(1, period, (FILTER,))
        before = StatsQuery.for_period(1, periods.previous(period), (FILTER,))
        exact_query, exact_before = replace(query, exact=True), replace(before, exact=True)
        storage.sample_above_events = 0
        exact_answers = answers(storage, exact_query)
        runs = {"exact": (exact_query, exact_before, 0)}
        runs.update({f"sampled above {t:,}": (query, before, t) for t in thresholds})
        exact_p50: dict[str, float] = {}
        for title, (now_query, before_query, threshold) in runs.items():
            storage.sample_above_events = threshold
            sample = sampling.sample_for(storage, now_query)
            if args.accuracy_only:
                if threshold:
                    print(f"{title} (a {sample.percent if sample else 100} % sample): worst error of the estimates: "
                          f"{worst_error(answers(storage, now_query), exact_answers)}")
                continue
            page = shared_dashboard(storage, now_query, before_query, period, today)
            loads = {**page, **api_calls(storage, now_query)}
            for report in loads.values():  # warm up
                report()
            times, _ = time_load(loads, args.repeat)
            totals = [sum(times[name][i] for name in page) for i in range(args.repeat)]
            print(f"{title} ({f'a {sample.percent} % sample' if sample else 'every event'}), visit:country is DE:")
            for name, took in [("FULL DASHBOARD, filtered", totals), *((n, times[n]) for n in BREAKDOWNS)]:
                p50 = statistics.median(took)
                if title == "exact":
                    exact_p50[name] = p50
                    print(line(name, took, baseline))
                else:
                    print(line(name, took, baseline) + f"   {p50 / exact_p50[name]:.2f}x exact")
            if threshold:
                print(f"  worst error of the estimates: {worst_error(answers(storage, now_query), exact_answers)}")
            print()
        storage.sample_above_events = 0
        print(f"KPIs, exact: {aggregate.aggregate(storage, exact_query, list(KPI_METRICS))}")
        storage.close()


if __name__ == "__main__":
    main()
