"""How long ``footfall backup`` and ``footfall restore`` take on a million events.

The events are generated inside ClickHouse (``INSERT … SELECT … FROM numbers(N)``). Then, each as the CLI runs
it: ``footfall backup`` with the server stopped (it opens the data directly), ``footfall backup`` while
``footfall serve`` runs (through its admin endpoint), and ``footfall restore`` into an empty data directory.
Baseline, side by side: a plain recursive copy of the stopped data directory (``shutil.copytree``), which is
neither consistent while serving nor checked.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import print_table, scratch_dir, write_results

ROOT = Path(__file__).resolve().parent.parent
GENERATE = """
INSERT INTO events (site_id, timestamp, visitor_id, visit_id, visit_start, event_type, hostname, pathname,
                    url, title, referrer_host, browser, os, device_type, country_code, screen_size, language)
SELECT 1,
       now64(3) - toIntervalSecond(number * 2),
       cityHash64(number % 40000),
       cityHash64(number % 40000, intDiv(number, 100000)),
       now64(3) - toIntervalSecond(number * 2 + 60),
       if(number % 10 = 0, 'event', 'pageview'),
       'example.com',
       concat('/page/', toString(number % 700)),
       concat('https://example.com/page/', toString(number % 700)),
       concat('Page ', toString(number % 700)),
       ['', 'google.com', 'news.ycombinator.com', 'duckduckgo.com'][number % 4 + 1],
       ['Chrome', 'Firefox', 'Safari', 'Edge'][number % 4 + 1],
       ['Windows', 'macOS', 'Linux', 'iOS', 'Android'][number % 5 + 1],
       ['desktop', 'mobile', 'tablet'][number % 3 + 1],
       ['DE', 'US', 'FR', 'GB', 'NL', 'SE'][number % 6 + 1],
       '1920x1080', 'en'
FROM numbers({events:UInt64})
"""


def footfall(*args: str, cwd: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FOOTFALL_GEOIP_PATH": "none"}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "footfall", *args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=1800)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"footfall {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    print(result.stdout.strip(), flush=True)
    return elapsed


def generate(data_dir: Path, events: int) -> None:
    sys.path.insert(0, str(ROOT))
    code = (
        "import sys\n"
        "from footfall import settings\n"
        "from footfall.app.services import open_storage, open_metadata\n"
        "from footfall.metadata.sites import SiteStore\n"
        "s = settings.load(config_file=None, environ={}, overrides={'data_dir': sys.argv[1]})\n"
        "storage = open_storage(s)\n"
        f"storage.command({GENERATE!r}, {{'events': int(sys.argv[2])}})\n"
        "SiteStore(open_metadata(s)).add('Example', ['example.com'])\n"
        "print(storage.query('SELECT count() FROM events')[0][0])\n"
        "storage.close()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code, str(data_dir), str(events)], env=env, capture_output=True,
                            text=True, timeout=1800)
    if result.returncode != 0 or int(result.stdout.split()[-1]) != events:
        raise SystemExit(f"generating the events failed:\n{result.stdout}{result.stderr}")


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="Keep the temporary directory.")
    args = parser.parse_args()
    with scratch_dir("footfall-bench-backup-", keep=args.keep) as work:
        data = work / "data"
        started = time.perf_counter()
        generate(data, args.events)
        print(f"generated {args.events:,} events in {time.perf_counter() - started:.1f} s", flush=True)

        started = time.perf_counter()
        shutil.copytree(data, work / "copy")
        baseline = time.perf_counter() - started

        stopped = footfall("backup", str(work / "backup-stopped"), "--data-dir", str(data), cwd=work)

        port = "18431"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "FOOTFALL_GEOIP_PATH": "none"}
        server = subprocess.Popen([sys.executable, "-m", "footfall", "serve", "--port", port, "--data-dir", str(data)],
                                  cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not (data / "admin.url").exists():
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("footfall serve did not start")
                time.sleep(0.2)
            serving = footfall("backup", str(work / "backup-serving"), "--data-dir", str(data), cwd=work)
        finally:
            server.terminate()
            server.wait(60)

        restored = footfall("restore", str(work / "backup-serving"), "--data-dir", str(work / "restored"), cwd=work)
        rows = [
            ("copytree of the stopped data dir (baseline)", baseline, 1.0, size(work / "copy")),
            ("footfall backup, server stopped", stopped, stopped / baseline, size(work / "backup-stopped")),
            ("footfall backup, while serving", serving, serving / baseline, size(work / "backup-serving")),
            ("footfall restore into an empty dir", restored, restored / baseline, size(work / "restored")),
        ]
        print_table(f"Backup and restore, {args.events:,} events (CLI wall time, process start included)",
                    ["", "seconds", "x baseline", "bytes"], [(n, round(s, 2), round(r, 2), b) for n, s, r, b in rows])
        write_results("backup", {"events": args.events, "rows": [
            {"name": n, "seconds": s, "ratio": r, "bytes": b} for n, s, r, b in rows]})


if __name__ == "__main__":
    main()
