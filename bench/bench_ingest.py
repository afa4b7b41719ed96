"""Ingest throughput of ``footfall serve``, against a bare uvicorn app measured in the same run.

Both servers run on 127.0.0.1 under the same uvicorn options (httptools and
uvloop, one worker, no access log); wrk drives each for a bounded time with
the same connections:
- single: one Matomo pageview per GET ``/matomo.php?...&send_image=0``, with
  realistic User-Agent headers and a varying ``url``;
- bulk: POST ``{"requests": [100 hits]}`` (hits/s = requests/s × 100).

Footfall runs as configured out of the box (embedded chdb in a temp data
directory, bundled GeoIP, fsync'd spool).  Afterwards it is stopped gracefully
and the rows in ClickHouse are counted: every hit wrk saw acknowledged must be
there.  (A few more may be: requests in flight when wrk stopped were still
answered and stored.)

    python -m bench.bench_ingest [--duration 10] [--connections 32] [--geoip bundled|none]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.common import HUMAN_USER_AGENTS, print_table, write_results

ROOT = Path(__file__).resolve().parent.parent
BULK_SIZE = 100

DONE = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT {\\"requests\\": %d, \\"duration_us\\": %d, \\"connect\\": %d, \\"read\\": %d, \\"write\\": %d, \\"status\\": %d, \\"timeout\\": %d, \\"p50_us\\": %d, \\"p99_us\\": %d}\\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def lua_string(text: str) -> str:
    return json.dumps(text)  # ASCII without backslashes: a valid Lua string literal


def single_script(prefix: str) -> str:
    agents = ", ".join(lua_string(ua) for ua in HUMAN_USER_AGENTS)
    return f"""
local agents = {{ {agents} }}
local counter = 0
request = function()
  counter = counter + 1
  local page = counter % 1000
  local path = "/matomo.php?idsite=1&rec=1&send_image=0&url=https%3A%2F%2Fexample.com%2F{prefix}%2Fpage-" .. page ..
    "%3Futm_source%3Dnewsletter&action_name=Page%20" .. page .. "&res=1920x1080&h=12&m=30&s=5" ..
    "&urlref=https%3A%2F%2Fwww.google.com%2F&pv_id=a1b2c3"
  return wrk.format("GET", path, {{["User-Agent"] = agents[(counter % #agents) + 1],
    ["Accept-Language"] = "de-DE,de;q=0.9,en;q=0.8"}})
end
""" + DONE


def bulk_script(prefix: str) -> str:
    bodies = []
    for variant in range(8):
        hits = []
        for index in range(BULK_SIZE):
            ua = HUMAN_USER_AGENTS[(variant * BULK_SIZE + index) % len(HUMAN_USER_AGENTS)]
            page = variant * BULK_SIZE + index
            hits.append(
                f"?idsite=1&rec=1&send_image=0&url={quote(f'https://example.com/{prefix}/page-{page}', safe='')}"
                f"&action_name=Page%20{page}&res=1920x1080&ua={quote(ua, safe='')}"
            )
        bodies.append(lua_string(json.dumps({"requests": hits})))
    return f"""
local bodies = {{ {", ".join(bodies)} }}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/matomo.php", {{["Content-Type"] = "application/json",
    ["User-Agent"] = "matomo-php-client/3.0"}}, bodies[(counter % #bodies) + 1])
end
""" + DONE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            opener.open(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


class Ratio(float):
    """Printed with three significant digits, however small."""

    def __str__(self) -> str:
        return f"{float(self):.3g}"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_wrk(url: str, script: Path, duration: float, connections: int) -> dict[str, Any]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--timeout", "5s", "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    line = next((line for line in done.stdout.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {done.stdout}{done.stderr}")
    result = json.loads(line[len("RESULT "):])
    result["ok"] = result["requests"] - result["status"]
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["ok_rps"] = result["ok"] / (result["duration_us"] / 1e6)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per server")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--geoip", default="bundled", help="GeoIP database for Footfall: bundled, none or a path")
    parser.add_argument("--keep", action="store_true", help="keep the temp data directory")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")

    work = Path(tempfile.mkdtemp(prefix="footfall-bench-"))
    data_dir = work / "data"
    scripts = {}
    for name, text in {
        "single": single_script("s"), "bulk": bulk_script("b"),
        "warm_single": single_script("w"), "warm_bulk": bulk_script("w"),
    }.items():
        scripts[name] = work / f"{name}.lua"
        scripts[name].write_text(text)

    from footfall.app.services import open_metadata
    from footfall.metadata.sites import SiteStore
    from footfall.settings import load

    settings = load(config_file=None, environ={}, overrides={"data_dir": data_dir, "geoip_path": args.geoip})
    db = open_metadata(settings)
    SiteStore(db).add("example.com", ["example.com"])
    db.close()

    env = {key: value for key, value in os.environ.items() if not key.startswith("FOOTFALL_")}
    env["FOOTFALL_GEOIP_PATH"] = args.geoip
    footfall_port, baseline_port = free_port(), free_port()
    footfall = subprocess.Popen(
        [sys.executable, "-m", "footfall", "serve", "--data-dir", str(data_dir), "--port", str(footfall_port),
         "--log-level", "warning"],
        cwd=work, env=env, stdout=open(work / "footfall.log", "wb"), stderr=subprocess.STDOUT,
    )
    baseline = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--port", str(baseline_port),
         "--http", "httptools", "--loop", "uvloop", "--no-access-log", "--log-level", "warning", "--lifespan", "on"],
        cwd=ROOT, env=env, stdout=open(work / "baseline.log", "wb"), stderr=subprocess.STDOUT,
    )
    results: dict[str, dict[str, Any]] = {}
    try:
        footfall_url, baseline_url = f"http://127.0.0.1:{footfall_port}", f"http://127.0.0.1:{baseline_port}"
        wait_until_up(footfall_url + "/healthz", footfall)
        wait_until_up(baseline_url + "/", baseline)
        for kind in ("single", "bulk"):
            run_wrk(baseline_url, scripts[f"warm_{kind}"], args.warmup, args.connections)
            run_wrk(footfall_url, scripts[f"warm_{kind}"], args.warmup, args.connections)
            results[f"baseline_{kind}"] = run_wrk(baseline_url, scripts[kind], args.duration, args.connections)
            results[f"footfall_{kind}"] = run_wrk(footfall_url, scripts[kind], args.duration, args.connections)
        footfall_rss = rss_mb(footfall.pid)
    finally:
        baseline.send_signal(signal.SIGTERM)
        footfall.send_signal(signal.SIGTERM)
        baseline.wait(timeout=60)
        footfall.wait(timeout=120)

    # Every acknowledged hit must be in ClickHouse after a graceful stop.
    from footfall.app.services import open_storage

    storage = open_storage(settings)
    stored_single = storage.query("SELECT count() FROM events WHERE startsWith(pathname, '/s/')")[0][0]
    stored_bulk = storage.query("SELECT count() FROM events WHERE startsWith(pathname, '/b/')")[0][0]
    drops = storage.query("SELECT reason, sum(hits) FROM dropped_hits GROUP BY reason ORDER BY reason")
    storage.close()

    single, bulk = results["footfall_single"], results["footfall_bulk"]
    base_single, base_bulk = results["baseline_single"], results["baseline_bulk"]
    acked_single, acked_bulk = single["ok"], bulk["ok"] * BULK_SIZE
    rows = [
        ("single GET: bare uvicorn 204", base_single["ok_rps"], base_single["ok_rps"], 1.0,
         base_single["p50_us"] / 1000, base_single["p99_us"] / 1000),
        ("single GET: footfall serve", single["ok_rps"], single["ok_rps"], Ratio(single["ok_rps"] / base_single["ok_rps"]),
         single["p50_us"] / 1000, single["p99_us"] / 1000),
        (f"bulk POST x{BULK_SIZE}: bare uvicorn 204", base_bulk["ok_rps"], base_bulk["ok_rps"] * BULK_SIZE, 1.0,
         base_bulk["p50_us"] / 1000, base_bulk["p99_us"] / 1000),
        (f"bulk POST x{BULK_SIZE}: footfall serve", bulk["ok_rps"], bulk["ok_rps"] * BULK_SIZE,
         Ratio(bulk["ok_rps"] / base_bulk["ok_rps"]), bulk["p50_us"] / 1000, bulk["p99_us"] / 1000),
    ]
    print_table(
        f"Ingest on 127.0.0.1 (wrk -t1 -c{args.connections} -d{args.duration:g}s; {os.cpu_count()} CPUs shared; "
        f"GeoIP {args.geoip})",
        ("what", "req/s", "hits/s", "× baseline", "p50 ms", "p99 ms"),
        rows,
    )
    lost_single, lost_bulk = max(0, acked_single - stored_single), max(0, acked_bulk - stored_bulk)
    print_table(
        "Durability check after a graceful stop",
        ("kind", "acknowledged", "stored", "lost", "non-2xx"),
        [("single", acked_single, stored_single, lost_single, single["status"]),
         ("bulk", acked_bulk, stored_bulk, lost_bulk, bulk["status"])],
    )
    if drops:
        print("  dropped hits by reason:", dict(drops))
    print(f"  footfall RSS after the runs: {footfall_rss:.0f} MB")
    path = write_results(
        "ingest",
        {
            "duration_s": args.duration, "connections": args.connections, "geoip": args.geoip,
            "wrk": results,
            "single_hits_per_s": single["ok_rps"], "single_ratio": single["ok_rps"] / base_single["ok_rps"],
            "bulk_hits_per_s": bulk["ok_rps"] * BULK_SIZE, "bulk_ratio": bulk["ok_rps"] / base_bulk["ok_rps"],
            "baseline_single_rps": base_single["ok_rps"], "baseline_bulk_rps": base_bulk["ok_rps"],
            "acknowledged": {"single": acked_single, "bulk": acked_bulk},
            "stored": {"single": stored_single, "bulk": stored_bulk},
            "lost": {"single": lost_single, "bulk": lost_bulk},
            "dropped": {reason: int(count) for reason, count in drops},
            "footfall_rss_mb": footfall_rss,
        },
    )
    print(f"\n  results: {path}")
    if args.keep:
        print(f"  data: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    if lost_single or lost_bulk:
        raise SystemExit("acknowledged hits are missing from ClickHouse")


if __name__ == "__main__":
    main()
