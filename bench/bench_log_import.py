"""``footfall import logs`` throughput and memory, as a ratio to reading and parsing the same file.

Writes a realistic combined-format access log (many visitors with repeated browsers,
pages with their static files, redirects, 404s and crawlers over several days), then
measures in one run:
- baseline: read the file and parse every line (``parse_line`` + ``skip_reason``), storing nothing;
- import: the whole ``footfall import logs`` work with the server stopped (parse, skip, the
  collector's pipeline, inserts into embedded chdb in a temp dir, the ledger), on one core.
RSS is sampled during the import, to show that memory stays bounded however long the file.

    python -m bench.bench_log_import [--lines 1000000] [--geoip none|bundled] [--keep]
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import print_table, repeated_mix, scratch_dir, unique_user_agents, write_results
from collector.access_log import parse_line, skip_reason
from footfall import settings as settings_module
from footfall.app.log_import import LogFile, Routing

PAGES = ("/", "/pricing", "/blog/", "/blog/privacy-first-analytics", "/docs/install", "/docs/api", "/about",
         "/contact", "/changelog", "/blog/server-logs")
ASSETS = ("/assets/site.css", "/assets/app.js?v=12", "/img/logo.svg", "/img/hero.webp", "/favicon.ico")
REFERRERS = ("-", "-", "-", "https://www.google.com/", "https://duckduckgo.com/", "https://news.ycombinator.com/",
             "https://t.co/abc")
BOTS = ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)")


def write_log(path: Path, lines: int, days: int = 14, seed: int = 3) -> dict[str, int]:
    """About 55% pageviews, 35% static files, 3% redirects and 404s, 7% crawlers."""
    rng = random.Random(seed)
    agents = unique_user_agents(2000, seed=seed) + repeated_mix(3000, seed=seed)
    visitors = [(f"{rng.randint(11, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                 rng.choice(agents)) for _ in range(max(lines // 40, 100))]
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=days + 1)
    step = days * 86400 / lines
    kinds = {"page": 0, "static": 0, "other": 0, "bot": 0}
    with path.open("w", encoding="utf-8") as out:
        written = 0
        while written < lines:
            when = start + timedelta(seconds=written * step)
            stamp = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
            roll = rng.random()
            if roll < 0.07:
                ip, ua, target, status, ref, kind = "66.249.66.1", rng.choice(BOTS), rng.choice(PAGES), 200, "-", "bot"
            else:
                ip, ua = rng.choice(visitors)
                if roll < 0.42:
                    target, status, ref, kind = rng.choice(ASSETS), 200, "https://example.com/", "static"
                elif roll < 0.45:
                    target, status, ref, kind = "/old", rng.choice((301, 404)), "-", "other"
                else:
                    target, status, ref, kind = rng.choice(PAGES), 200, rng.choice(REFERRERS), "page"
            out.write(f'{ip} - - [{stamp}] "GET {target} HTTP/1.1" {status} 5120 "{ref}" "{ua}"\n')
            kinds[kind] += 1
            written += 1
    return kinds


def baseline(path: Path) -> tuple[float, float, int]:
    started, cpu = time.perf_counter(), time.process_time()
    kept = 0
    log = LogFile(str(path))
    try:
        for line in log.lines():
            record = parse_line(line, "combined")
            if skip_reason(record) is None:
                kept += 1
    finally:
        log.close()
    return time.perf_counter() - started, time.process_time() - cpu, kept


class RssSampler:
    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss_mb() -> float:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * 4096 / 2**20

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.samples.append(self.rss_mb())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--geoip", choices=("none", "bundled"), default="bundled")
    parser.add_argument("--keep", action="store_true", help="Keep the temp directory.")
    args = parser.parse_args()

    from footfall.app.import_commands import import_directly
    from footfall.app.services import open_metadata
    from footfall.metadata.sites import SiteStore

    with scratch_dir("footfall-bench-logs-", keep=args.keep) as work:
        log = work / "access.log"
        kinds = write_log(log, args.lines)
        base_seconds, base_cpu, kept = baseline(log)
        settings = settings_module.load(config_file=None, environ={}, overrides={
            "data_dir": work / "data", "geoip_path": args.geoip, "log_format": "text", "admin_socket": False})
        db = open_metadata(settings)
        site = SiteStore(db).add("example.com", ["example.com"])
        db.close()
        rss_before = RssSampler.rss_mb()
        with RssSampler() as sampler:
            started, cpu = time.perf_counter(), time.process_time()
            tally = import_directly(settings, [str(log)], "combined", Routing(site.id))
            import_seconds, import_cpu = time.perf_counter() - started, time.process_time() - cpu
        samples = sampler.samples or [RssSampler.rss_mb()]
        tenth = samples[: max(len(samples) // 10, 1)]
        rows = [
            ("read + parse (baseline)", f"{args.lines / base_seconds:,.0f}", 1.0, f"{base_seconds:.1f} s",
             f"{args.lines / base_cpu:,.0f}", 1.0),
            ("footfall import logs", f"{args.lines / import_seconds:,.0f}", round(base_seconds / import_seconds, 3),
             f"{import_seconds:.1f} s", f"{args.lines / import_cpu:,.0f}", round(base_cpu / import_cpu, 3)),
        ]
        # CPU time counts every thread of the process (chdb's inserts and merges too): on a busy
        # machine it is the fairer measure of what one core does.
        print_table(f"Log import, {args.lines:,} lines, GeoIP {args.geoip}",
                    ("", "lines/s (wall)", "× baseline", "time", "lines per CPU-second", "× baseline"), rows)
        print(f"hits stored: {tally.stored:,} of {kept:,} kept lines; skipped: {dict(tally.skipped)}")
        print(f"RSS: {rss_before:.0f} MB before the import; during it max {max(samples):.0f} MB, "
              f"max over its first tenth {max(tenth):.0f} MB, at the end {samples[-1]:.0f} MB")
        path = write_results("log_import", {
            "lines": args.lines, "geoip": args.geoip, "kinds": kinds, "baseline_seconds": base_seconds,
            "import_seconds": import_seconds, "lines_per_second": args.lines / import_seconds,
            "baseline_cpu_seconds": base_cpu, "import_cpu_seconds": import_cpu,
            "lines_per_cpu_second": args.lines / import_cpu, "cpu_ratio": base_cpu / import_cpu,
            "baseline_lines_per_second": args.lines / base_seconds, "ratio": base_seconds / import_seconds,
            "stored": tally.stored, "skipped": dict(tally.skipped), "rss_before_mb": rss_before,
            "rss_max_mb": max(samples), "rss_first_tenth_max_mb": max(tenth), "rss_samples_mb": samples[::10],
        })
        print(f"results: {path}")


if __name__ == "__main__":
    main()
