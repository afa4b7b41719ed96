"""Ingest throughput of ``footfall serve`` with the derived tables' materialized views and without them, in one run.

What the derived tables cost at ingest.  Every insert into ``events`` also
feeds the tables that materialized views derive from it (``visits`` through
``visits_from_events`` since sql/0004, and whatever later migrations add).
Two data directories are prepared with the same migrations, so the events
table is the same (columns, codecs, ordering key, the collector's code):

- **views**: the schema as ``footfall serve`` creates it;
- **no views**: the same, then every materialized view dropped (found in
  ``system.tables``, not named here, so a view a later migration adds is
  dropped too).  The derived tables stay, empty: nothing writes to them.

That is the honest baseline for "ingest without the derived tables": the
schema of the first version (migrations 0001-0003 only) cannot run today's
collector, whose rows carry columns added since, and any change to the events
table itself would be mixed into the difference.

Part 1, through HTTP.  Both servers run at once on 127.0.0.1 (defaults incl.
bundled GeoIP and the fsync'd spool; proxy headers trusted so that hits come
from many addresses), next to a bare uvicorn ASGI app answering 204
(``bench/baseline_app.py``, same uvicorn options, measured once per kind) for
scale.  wrk drives one server at a time for ``--duration`` seconds,
interleaved A/B/A/B over ``--rounds`` rounds (the order flips every round)
because the machine is shared and noisy, and then once more with wrk driving
both servers at the same time (whatever else the machine does then, both live
through it; they share the two cores).  The ratio reported is the median of
the rounds' ratios, each from an A and a B run back to back, or at once:

- single: one Matomo pageview per ``GET /matomo.php?...&send_image=0``,
  realistic User-Agents, visitors of four hits each (X-Forwarded-For);
- bulk: ``POST /matomo.php`` with ``{"requests": [100 hits]}`` (``cip`` and the
  site's ``token_auth``, as the log importer sends them);
- plausible: ``POST /api/event`` with a JSON pageview (X-Forwarded-For).

After each run the bench waits until the server has stored its spool and both
servers are idle, so no run pays for another's inserts or merges.  For each
run: hits/s acknowledged, p50/p95/p99 request latency (wrk's; a bulk request
carries 100 hits), the seconds the spool took to drain after wrk stopped, and
the server's CPU time (its chdb threads included) per hit from the start of the
run until its spool was stored (less sensitive to the neighbours than the rate).

Part 2, the storage writer alone: the same rows (built once by the collector's
pipeline, spooled in 10,000-row segments) stored by ``collector.writer.Writer``
(read the segment, one insert with its deduplication token) into each data
directory, in a fresh process per measurement, interleaved the same way, and
then the same blocks inserted alone (read and converted beforehand): rows per
second and CPU-µs per row with and without the views, without HTTP.

Between the parts both servers are stopped gracefully and the stored rows
counted: every hit wrk saw acknowledged must be there (the bench exits non-zero
otherwise; a few more may be: requests in flight when wrk stopped).

Needs wrk (``apt-get install -y wrk``) for part 1; ``--writer-only`` runs part 2
alone without it.

    python -m bench.bench_ingest [--duration 4] [--rounds 6] [--connections 32] [--geoip bundled|none]
                                 [--writer-rows 100000] [--writer-only] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script or with -m

from bench.common import HUMAN_USER_AGENTS, free_port, print_table, repeated_mix, scratch_dir, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BULK_SIZE = 100
BULK_BODIES = 64  # distinct bulk bodies, 25 visitors each
HITS_PER_VISITOR = 4
SEGMENT_ROWS = 10_000
VARIANTS = ("no_views", "views")
LABELS = {"no_views": "views dropped", "views": "with the views", "bare": "bare uvicorn 204"}
KINDS = ("single", "bulk", "plausible")
PREFIXES = {"single": "s", "bulk": "b", "plausible": "p"}
SETTLE_SECONDS = 30.0
BOTH = "_at_once"  # runs where wrk drives both servers at the same time
TOGETHER = 50  # their scripts' round numbers start here: visitors of their own

DONE = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT {\\"requests\\": %d, \\"duration_us\\": %d, \\"connect\\": %d, \\"read\\": %d, \\"write\\": %d, \\"status\\": %d, \\"timeout\\": %d, \\"p50_us\\": %d, \\"p95_us\\": %d, \\"p99_us\\": %d}\\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""

# A visitor's address from a counter in Lua: public-looking IPv4 addresses, HITS_PER_VISITOR hits each.
def lua_address(offset: int) -> str:
    return f"""
local function address(counter)
  local v = math.floor(counter / {HITS_PER_VISITOR}) + {offset}
  return (11 + v % 200) .. "." .. (math.floor(v / 200) % 250) .. "." .. (math.floor(v / 50000) % 250) .. ".7"
end
"""


def lua_string(text: str) -> str:
    return json.dumps(text)  # ASCII without backslashes: a valid Lua string literal


def lua_agents() -> str:
    return "local agents = { " + ", ".join(lua_string(ua) for ua in HUMAN_USER_AGENTS) + " }\n"


def single_script(prefix: str, offset: int) -> str:
    return lua_agents() + lua_address(offset) + f"""
local counter = 0
request = function()
  counter = counter + 1
  local page = counter % 1000
  local path = "/matomo.php?idsite=1&rec=1&send_image=0&url=https%3A%2F%2Fexample.com%2F{prefix}%2Fpage-" .. page ..
    "%3Futm_source%3Dnewsletter&action_name=Page%20" .. page .. "&res=1920x1080&h=12&m=30&s=5" ..
    "&urlref=https%3A%2F%2Fwww.google.com%2F&pv_id=a1b2c3"
  local visitor = math.floor(counter / {HITS_PER_VISITOR})
  return wrk.format("GET", path, {{["User-Agent"] = agents[(visitor % #agents) + 1],
    ["Accept-Language"] = "de-DE,de;q=0.9,en;q=0.8", ["X-Forwarded-For"] = address(counter)}})
end
""" + DONE


def bulk_script(prefix: str, token: str, offset: int) -> str:
    bodies = []
    for variant in range(BULK_BODIES):
        hits = []
        for index in range(BULK_SIZE):
            visitor = (variant * BULK_SIZE + index) // HITS_PER_VISITOR + offset
            ua = HUMAN_USER_AGENTS[visitor % len(HUMAN_USER_AGENTS)]
            page = variant * BULK_SIZE + index
            hits.append(
                f"?idsite=1&rec=1&send_image=0&url={quote(f'https://example.com/{prefix}/page-{page}', safe='')}"
                f"&action_name=Page%20{page}&res=1920x1080&ua={quote(ua, safe='')}"
                f"&cip={11 + visitor % 200}.{visitor // 200 % 250}.{visitor // 50_000 % 250}.9"
            )
        bodies.append(lua_string(json.dumps({"requests": hits, "token_auth": token})))
    return f"""
local bodies = {{ {", ".join(bodies)} }}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/matomo.php", {{["Content-Type"] = "application/json",
    ["User-Agent"] = "matomo-php-client/3.0"}}, bodies[(counter % #bodies) + 1])
end
""" + DONE


def plausible_script(prefix: str, offset: int) -> str:
    return lua_agents() + lua_address(offset + 5_000_000) + f"""
local counter = 0
request = function()
  counter = counter + 1
  local page = counter % 1000
  local body = '{{"n":"pageview","d":"example.com","u":"https://example.com/{prefix}/page-' .. page ..
    '?utm_source=newsletter","r":"https://www.google.com/","w":1920}}'
  local visitor = math.floor(counter / {HITS_PER_VISITOR})
  return wrk.format("POST", "/api/event", {{["Content-Type"] = "application/json",
    ["User-Agent"] = agents[(visitor % #agents) + 1], ["X-Forwarded-For"] = address(counter)}}, body)
end
""" + DONE


def script_for(kind: str, prefix: str, token: str, offset: int) -> str:
    """The wrk script for one kind of hit; ``offset`` gives each round visitors of its own."""
    if kind == "single":
        return single_script(prefix, offset)
    if kind == "bulk":
        return bulk_script(prefix, token, 10_000_000 + offset)
    return plausible_script(prefix, offset)


class Ratio(float):
    """Printed with three significant digits, however small."""

    def __str__(self) -> str:
        return f"{float(self):.3g}"


# The servers
def get_json(url: str, timeout: float = 5) -> dict[str, Any]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            get_json(url, timeout=1)
            return
        except (OSError, ValueError):
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def spool_empty(url: str) -> bool:
    status = get_json(url + "/healthz")
    return status["pending_rows"] == 0 and status["spool_segments"] == 0


def settle(servers: dict[str, tuple[str, subprocess.Popen[bytes]]]) -> None:
    """Wait until every Footfall server has stored its spool and none uses more than ~10 % of a core."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        before = {name: cpu_seconds(process.pid) for name, (_, process) in servers.items()}
        time.sleep(0.5)
        busy = any(cpu_seconds(process.pid) - before[name] > 0.05 for name, (_, process) in servers.items())
        if not busy and all(spool_empty(url) for url, _ in servers.values()):
            return


def wrk_command(url: str, script: Path, duration: int, connections: int) -> list[str]:
    return ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", str(script), url]


def wrk_result(stdout: str, stderr: str) -> dict[str, Any]:
    line = next((line for line in stdout.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {stdout}{stderr}")
    result = json.loads(line[len("RESULT "):])
    result["ok"] = result["requests"] - result["status"]
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["ok_rps"] = result["ok"] / (result["duration_us"] / 1e6)
    return result


def run_wrk(url: str, script: Path, duration: int, connections: int) -> dict[str, Any]:
    done = subprocess.run(wrk_command(url, script, duration, connections), capture_output=True, text=True,
                          timeout=duration + 60)
    return wrk_result(done.stdout, done.stderr)


def measure_footfall(targets: list[tuple[str, subprocess.Popen[bytes], Path]], duration: int, connections: int,
                     hits_per_request: int) -> list[dict[str, Any]]:
    """wrk on each (url, server, script) at the same time, then the time until each server's spool is stored
    and the CPU each server spent on it all."""
    cpu_before = [cpu_seconds(process.pid) for _, process, _ in targets]
    running = [subprocess.Popen(wrk_command(url, script, duration, connections), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for url, _, script in targets]
    outputs = [wrk.communicate(timeout=duration + 60) for wrk in running]
    stopped = time.monotonic()
    results = []
    for (url, _, _), (stdout, stderr) in zip(targets, outputs):
        result = wrk_result(stdout, stderr)
        while not spool_empty(url) and time.monotonic() - stopped < 120:
            time.sleep(0.05)
        result["drain_s"] = time.monotonic() - stopped
        result["hits"] = result["ok"] * hits_per_request
        result["hits_per_s"] = result["ok_rps"] * hits_per_request
        results.append(result)
    for result, (_, process, _), cpu in zip(results, targets, cpu_before):
        result["cpu_us_per_hit"] = (cpu_seconds(process.pid) - cpu) / max(1, result["hits"]) * 1e6
    return results


# Worker processes (embedded ClickHouse serves one data directory per process)
def worker_settings(data_dir: Path, geoip: str = "none"):
    from footfall.settings import load

    return load(config_file=None, environ={}, overrides={"data_dir": data_dir, "geoip_path": geoip})


def worker_prepare(data_dir: Path, drop_views: bool) -> dict[str, Any]:
    from footfall.app.services import open_storage

    storage = open_storage(worker_settings(data_dir))
    try:
        views = [row[0] for row in storage.query(
            "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView' "
            "ORDER BY name"
        )]
        if drop_views:
            if not views:
                raise SystemExit("the schema has no materialized view to drop")
            for name in views:
                storage.command(f"DROP VIEW {name}")
        return {"views": views, "dropped": views if drop_views else []}
    finally:
        storage.close()


def worker_count(data_dir: Path) -> dict[str, Any]:
    from footfall.app.services import open_storage

    storage = open_storage(worker_settings(data_dir), migrate=False)  # the schema as prepared
    try:
        counts = {kind: int(storage.query(
            "SELECT count() FROM events WHERE startsWith(pathname, {prefix:String})", {"prefix": f"/{prefix}/"}
        )[0][0]) for kind, prefix in PREFIXES.items()}
        drops = storage.query("SELECT reason, sum(hits) FROM dropped_hits GROUP BY reason ORDER BY reason")
        visits = int(storage.query("SELECT count() FROM visits")[0][0])
        return {"stored": counts, "dropped": {reason: int(n) for reason, n in drops}, "visit_rows": visits}
    finally:
        storage.close()


def worker_write(data_dir: Path, segments: Path) -> dict[str, Any]:
    """Store the spooled rows in ``segments`` through the collector's Writer; time and CPU of the inserts."""
    from collector.metrics import CollectorMetrics
    from collector.rows import COLUMNS, for_insert
    from collector.spool import SUFFIX, Spool
    from collector.writer import Writer
    from footfall.app.services import open_storage

    settings = worker_settings(data_dir)
    storage = open_storage(settings, migrate=False)  # the schema as prepared
    try:
        templates = sorted(segments.glob(f"*{SUFFIX}"))
        spool_dir = settings.spool_path
        spool_dir.mkdir(parents=True, exist_ok=True)

        def copy(template: Path) -> None:
            # A fresh name each time: the name is the insert's deduplication token.
            shutil.copyfile(template, spool_dir / f"{time.time_ns():020d}-{secrets.token_hex(4)}{SUFFIX}")

        copy(templates[0])  # warm-up: the first insert of a process sets things up
        writer = Writer(settings, storage, CollectorMetrics())
        assert writer.flush_once()
        for template in templates:
            copy(template)
        writer = Writer(settings, storage, CollectorMetrics())
        cpu_before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        if not writer.flush_once():
            raise SystemExit("an insert failed")
        elapsed, cpu_after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
        rows = writer.stored_rows
        cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
        # The inserts alone: the same segments read and converted beforehand, untimed.
        blocks = [[for_insert(row) for row in Spool.read(template)] for template in templates]
        insert_cpu_before, insert_started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        for block in blocks:
            storage.insert("events", block, COLUMNS, dedup_token=f"bench:{secrets.token_hex(8)}")
        insert_elapsed, insert_cpu_after = time.perf_counter() - insert_started, resource.getrusage(resource.RUSAGE_SELF)
        insert_rows = sum(len(block) for block in blocks)
        insert_cpu = ((insert_cpu_after.ru_utime + insert_cpu_after.ru_stime)
                      - (insert_cpu_before.ru_utime + insert_cpu_before.ru_stime))
        return {"rows": rows, "seconds": elapsed, "rows_per_s": rows / elapsed, "cpu_us_per_row": cpu / rows * 1e6,
                "insert_rows_per_s": insert_rows / insert_elapsed,
                "insert_cpu_us_per_row": insert_cpu / insert_rows * 1e6}
    finally:
        storage.close()


def run_worker(mode: str, data_dir: Path, *extra: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_ingest", "--worker", mode, "--data-dir", str(data_dir), *extra],
        cwd=ROOT, capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"worker {mode} failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def spool_rows(directory: Path, count: int, geoip: str) -> int:
    """``count`` realistic rows through the collector's pipeline, as spool segments in ``directory``."""
    from bench.bench_pipeline import context
    from collector import parse_matomo
    from collector.hit import RequestMeta
    from collector.pipeline import run
    from collector.rows import to_row
    from collector.spool import Spool
    from footfall.settings import load

    geoip_database = load(config_file=None, environ={}, overrides={"geoip_path": geoip}).geoip_database
    ctx = context(geoip_database)
    rng = random.Random(7)
    agents = [ua for ua in repeated_mix(count // HITS_PER_VISITOR + 1, seed=7)
              if "bot" not in ua.lower() and "Headless" not in ua]
    spool = Spool(directory, max_bytes=1 << 40, fsync=False)
    now = datetime.now(timezone.utc)
    rows: list = []
    visitor = 0
    while len(rows) < count:
        visitor += 1
        ua = agents[visitor % len(agents)]
        ip = f"{rng.randint(11, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        when = now - timedelta(minutes=rng.randrange(600))
        for hit_no in range(rng.choice((1, 2, 3, 4, 6, 8))):
            when += timedelta(seconds=rng.randrange(5, 300))
            page = rng.randrange(300)
            query = {
                "idsite": "1", "rec": "1", "url": f"https://example.com/w/page-{page}?utm_source=newsletter",
                "action_name": f"Page {page}", "res": "1920x1080", "send_image": "0",
                "urlref": "https://www.google.com/" if hit_no == 0 else f"https://example.com/w/page-{page - 1}",
            }
            meta = RequestMeta(ip=ip, user_agent=ua, accept_language="de-DE,de;q=0.9,en;q=0.8")
            hit = parse_matomo.parse(query, meta, min(when, now))
            if run(hit, ctx) is None:
                rows.append(to_row(hit))
    for first in range(0, len(rows), SEGMENT_ROWS):
        spool.append(rows[first:first + SEGMENT_ROWS])
        spool.seal()
    spool.close()
    return len(rows)


# Reporting
def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def http_part(args: argparse.Namespace, work: Path, dirs: dict[str, Path], tokens: dict[str, str]) -> dict[str, Any]:
    def script(server: str, kind: str, round_no: int) -> Path:
        """A wrk script; bulk hits carry the server's site token, and every round has new visitors."""
        path = work / f"{server}-{kind}-{round_no}.lua"
        if not path.exists():
            prefix = PREFIXES[kind] if round_no >= 0 else "w"
            path.write_text(script_for(kind, prefix, tokens.get(server, "bare"), (round_no + 1) * 100_000))
        return path

    env = {key: value for key, value in os.environ.items() if not key.startswith("FOOTFALL_")}
    env.update({"FOOTFALL_GEOIP_PATH": args.geoip, "FOOTFALL_TRUST_PROXY_HEADERS": "true"})
    servers: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for variant in VARIANTS:
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, "-m", "footfall", "serve", "--data-dir", str(dirs[variant]), "--port", str(port),
                 "--log-level", "warning"],
                cwd=work, env=env, stdout=open(work / f"{variant}.log", "wb"), stderr=subprocess.STDOUT,
            )
            processes.append(process)
            servers[variant] = (f"http://127.0.0.1:{port}", process)
        bare_port = free_port()
        bare = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--port", str(bare_port),
             "--http", "httptools", "--loop", "uvloop", "--no-access-log", "--log-level", "warning",
             "--lifespan", "on"],
            cwd=ROOT, env=env, stdout=open(work / "bare.log", "wb"), stderr=subprocess.STDOUT,
        )
        processes.append(bare)
        bare_url = f"http://127.0.0.1:{bare_port}"
        for url, process in servers.values():
            wait_until_up(url + "/healthz", process)
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.build_opener(urllib.request.ProxyHandler({})).open(bare_url + "/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or bare.poll() is not None:
                    raise SystemExit("the bare uvicorn app did not come up") from None
                time.sleep(0.1)

        for kind in KINDS:  # warm-up: UA caches, first inserts, connection set-up
            run_wrk(bare_url, script("bare", kind, -1), args.warmup, args.connections)
            for variant, (url, _) in servers.items():
                run_wrk(url, script(variant, kind, -1), args.warmup, args.connections)
        settle(servers)

        runs: dict[str, dict[str, list[dict[str, Any]]]] = {
            kind: {"bare": [], **{v: [] for v in VARIANTS}, **{v + BOTH: [] for v in VARIANTS}} for kind in KINDS}
        for round_no in range(args.rounds):
            order = VARIANTS if round_no % 2 == 0 else tuple(reversed(VARIANTS))
            for kind in KINDS:
                per_request = BULK_SIZE if kind == "bulk" else 1
                if round_no == 0:  # for scale only: the bare app's rate hardly depends on the neighbours
                    bare_run = run_wrk(bare_url, script("bare", kind, round_no), args.duration, args.connections)
                    bare_run["hits_per_s"] = bare_run["ok_rps"] * per_request
                    runs[kind]["bare"].append(bare_run)
                for variant in order:
                    url, process = servers[variant]
                    runs[kind][variant] += measure_footfall(
                        [(url, process, script(variant, kind, round_no))], args.duration, args.connections, per_request)
                    settle(servers)
                # Then both at once: whatever else the machine does then, both servers live through it.
                both = measure_footfall(
                    [(*servers[variant], script(variant, kind, TOGETHER + round_no)) for variant in VARIANTS],
                    args.duration, args.connections, per_request)
                for variant, result in zip(VARIANTS, both):
                    runs[kind][f"{variant}{BOTH}"].append(result)
                settle(servers)
                print(f"  round {round_no + 1}/{args.rounds} {kind}: " + ", ".join(
                    f"{LABELS[v]} {runs[kind][v][-1]['hits_per_s']:,.0f} hits/s" for v in VARIANTS) + "; at once: "
                    + ", ".join(f"{runs[kind][v + BOTH][-1]['hits_per_s']:,.0f}" for v in VARIANTS), flush=True)
        rss = {variant: rss_mb(process.pid) for variant, (_, process) in servers.items()}
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
    return {"runs": runs, "rss_mb": rss}


def writer_part(args: argparse.Namespace, work: Path, dirs: dict[str, Path]) -> dict[str, list[dict[str, Any]]]:
    segments = work / "segments"
    rows = spool_rows(segments, args.writer_rows, args.geoip)
    print(f"  {rows:,} rows spooled for the storage writer", flush=True)
    out: dict[str, list[dict[str, Any]]] = {variant: [] for variant in VARIANTS}
    for round_no in range(args.rounds):
        order = VARIANTS if round_no % 2 == 0 else tuple(reversed(VARIANTS))
        for variant in order:
            out[variant].append(run_worker("write", dirs[variant], "--segments", str(segments)))
        print(f"  round {round_no + 1}/{args.rounds} writer: " + ", ".join(
            f"{LABELS[v]} {out[v][-1]['rows_per_s']:,.0f} rows/s" for v in VARIANTS), flush=True)
    return out


def report_http(args: argparse.Namespace, http: dict[str, Any], counts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rows, summary = [], {}
    for kind in KINDS:
        runs = http["runs"][kind]
        base = median_of(runs["no_views"], "hits_per_s")
        bare = median_of(runs["bare"], "hits_per_s")
        # A and B of a round ran one right after the other: their ratio is the least disturbed by the neighbours.
        per_round = [a["hits_per_s"] / b["hits_per_s"] for a, b in zip(runs["views"], runs["no_views"])]
        cpu_per_round = [a["cpu_us_per_hit"] / b["cpu_us_per_hit"] for a, b in zip(runs["views"], runs["no_views"])]
        cpu_ratio = median_of(runs["views"], "cpu_us_per_hit") / median_of(runs["no_views"], "cpu_us_per_hit")
        rows.append((f"{kind}: {LABELS['bare']}", bare, Ratio(bare / base), median_of(runs["bare"], "p50_us") / 1e3,
                     median_of(runs["bare"], "p95_us") / 1e3, median_of(runs["bare"], "p99_us") / 1e3, "", "", ""))
        for variant in VARIANTS:
            hits = median_of(runs[variant], "hits_per_s")
            paired = variant == "views"
            rows.append((
                f"{kind}: {LABELS[variant]}", hits, Ratio(statistics.median(per_round) if paired else 1.0),
                median_of(runs[variant], "p50_us") / 1e3, median_of(runs[variant], "p95_us") / 1e3,
                median_of(runs[variant], "p99_us") / 1e3, median_of(runs[variant], "cpu_us_per_hit"),
                Ratio(statistics.median(cpu_per_round) if paired else 1.0), median_of(runs[variant], "drain_s"),
            ))
        both = [a["hits_per_s"] / b["hits_per_s"] for a, b in zip(runs["views" + BOTH], runs["no_views" + BOTH])]
        both_cpu = [a["cpu_us_per_hit"] / b["cpu_us_per_hit"]
                    for a, b in zip(runs["views" + BOTH], runs["no_views" + BOTH])]
        for variant in VARIANTS:
            paired = variant == "views"
            key = variant + BOTH
            rows.append((
                f"{kind}: {LABELS[variant]}, both at once", median_of(runs[key], "hits_per_s"),
                Ratio(statistics.median(both) if paired else 1.0), median_of(runs[key], "p50_us") / 1e3,
                median_of(runs[key], "p95_us") / 1e3, median_of(runs[key], "p99_us") / 1e3,
                median_of(runs[key], "cpu_us_per_hit"), Ratio(statistics.median(both_cpu) if paired else 1.0),
                median_of(runs[key], "drain_s"),
            ))
        summary[kind] = {
            "at_once": {
                "hits_per_s": {v: median_of(runs[v + BOTH], "hits_per_s") for v in VARIANTS},
                "p50_ms": {v: median_of(runs[v + BOTH], "p50_us") / 1e3 for v in VARIANTS},
                "p95_ms": {v: median_of(runs[v + BOTH], "p95_us") / 1e3 for v in VARIANTS},
                "ratio": statistics.median(both), "ratio_per_round": both,
                "cpu_ratio": statistics.median(both_cpu), "cpu_ratio_per_round": both_cpu,
            },
            "hits_per_s": {v: median_of(runs[v], "hits_per_s") for v in (*VARIANTS, "bare")},
            "p50_ms": {v: median_of(runs[v], "p50_us") / 1e3 for v in (*VARIANTS, "bare")},
            "p95_ms": {v: median_of(runs[v], "p95_us") / 1e3 for v in (*VARIANTS, "bare")},
            "cpu_us_per_hit": {v: median_of(runs[v], "cpu_us_per_hit") for v in VARIANTS},
            "ratio": statistics.median(per_round), "ratio_per_round": per_round,
            "ratio_of_medians": median_of(runs["views"], "hits_per_s") / base,
            "cpu_ratio": statistics.median(cpu_per_round), "cpu_ratio_per_round": cpu_per_round,
            "cpu_ratio_of_medians": cpu_ratio,
        }
    print_table(
        f"Ingest through HTTP on 127.0.0.1 (wrk -t1 -c{args.connections} -d{args.duration:g}s, {args.rounds} rounds "
        f"interleaved; medians, × = median of the rounds' ratios; {os.cpu_count()} CPUs shared; GeoIP {args.geoip})",
        ("what", "hits/s", "× no views", "p50 ms", "p95 ms", "p99 ms", "CPU µs/hit", "× no views", "drain s"),
        rows,
    )
    print_table(
        "With the views ÷ views dropped, per round (A and B back to back, then both at once), and their median",
        ("kind", "hits/s per round", "median", "CPU per hit per round", "median"),
        [(f"{kind}{label}", " ".join(f"{r:.2f}" for r in numbers["ratio_per_round"]), Ratio(numbers["ratio"]),
          " ".join(f"{r:.2f}" for r in numbers["cpu_ratio_per_round"]), Ratio(numbers["cpu_ratio"]))
         for kind in KINDS for label, numbers in (("", summary[kind]), (", at once", summary[kind]["at_once"]))],
    )
    lost = {}
    durability = []
    for variant in VARIANTS:
        for kind in KINDS:
            per_request = BULK_SIZE if kind == "bulk" else 1
            measured = http["runs"][kind][variant] + http["runs"][kind][variant + BOTH]
            acked = sum(run["ok"] for run in measured) * per_request
            stored = counts[variant]["stored"][kind]
            non_2xx = sum(run["status"] for run in measured)
            lost[f"{variant}:{kind}"] = max(0, acked - stored)
            durability.append((f"{LABELS[variant]}: {kind}", acked, stored, max(0, acked - stored), non_2xx))
    print_table("Durability check after a graceful stop", ("server: kind", "acknowledged", "stored", "lost", "non-2xx"),
                durability)
    for variant in VARIANTS:
        print(f"  {LABELS[variant]}: {counts[variant]['visit_rows']:,} rows in visits, dropped hits "
              f"{counts[variant]['dropped'] or 'none'}, RSS after the runs {http['rss_mb'][variant]:.0f} MB")
    return {"summary": summary, "lost": lost}


def report_writer(writer: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    rows, summary = [], {}
    for what, prefix in (("Writer.flush_once (read segment + insert)", ""), ("the insert alone", "insert_")):
        rate, cpu = f"{prefix}rows_per_s", f"{prefix}cpu_us_per_row"
        pairs = list(zip(writer["views"], writer["no_views"]))
        rate_ratio = statistics.median(a[rate] / b[rate] for a, b in pairs)
        cpu_ratio = statistics.median(a[cpu] / b[cpu] for a, b in pairs)
        for v in VARIANTS:
            rows.append((f"{what}: {LABELS[v]}", median_of(writer[v], rate), Ratio(rate_ratio if v == "views" else 1.0),
                         median_of(writer[v], cpu), Ratio(cpu_ratio if v == "views" else 1.0)))
        summary[prefix.rstrip("_") or "writer"] = {
            "rows_per_s": {v: median_of(writer[v], rate) for v in VARIANTS},
            "cpu_us_per_row": {v: median_of(writer[v], cpu) for v in VARIANTS},
            "ratio": statistics.median(a[rate] / b[rate] for a, b in zip(writer["views"], writer["no_views"])),
            "ratio_per_round": [a[rate] / b[rate] for a, b in zip(writer["views"], writer["no_views"])],
            "cpu_ratio": statistics.median(a[cpu] / b[cpu] for a, b in zip(writer["views"], writer["no_views"])),
            "cpu_ratio_per_round": [a[cpu] / b[cpu] for a, b in zip(writer["views"], writer["no_views"])],
        }
    rounds = len(writer["views"])
    print_table(f"Storage writer alone ({SEGMENT_ROWS:,}-row segments, {rounds} rounds interleaved; medians, "
                "× = median of the rounds' ratios)",
                ("what: schema", "rows/s", "× no views", "CPU µs/row", "× no views"), rows)
    for name, numbers in summary.items():
        print(f"  with the views ÷ views dropped, {name}: rows/s per round "
              + " ".join(f"{r:.2f}" for r in numbers["ratio_per_round"]) + f" (median {numbers['ratio']:.3f}), "
              + "CPU per row " + " ".join(f"{r:.2f}" for r in numbers["cpu_ratio_per_round"])
              + f" (median {numbers['cpu_ratio']:.3f})")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run (whole seconds)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per server and kind")
    parser.add_argument("--rounds", type=int, default=6, help="A/B rounds (the order flips every round)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--geoip", default="bundled", help="GeoIP database for Footfall: bundled, none or a path")
    parser.add_argument("--writer-rows", type=int, default=100_000, help="rows per storage-writer measurement")
    parser.add_argument("--writer-only", action="store_true", help="only the storage writer (no wrk needed)")
    parser.add_argument("--keep", action="store_true", help="keep the temp data directories")
    parser.add_argument("--worker", choices=("prepare", "prepare-no-views", "count", "write"), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--segments", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        if args.worker == "write":
            result = worker_write(args.data_dir, args.segments)
        elif args.worker == "count":
            result = worker_count(args.data_dir)
        else:
            result = worker_prepare(args.data_dir, drop_views=args.worker == "prepare-no-views")
        print(json.dumps(result))
        return
    if not args.writer_only and not shutil.which("wrk"):
        raise SystemExit("wrk is needed for the HTTP part: apt-get install -y wrk (or run --writer-only)")
    if args.rounds < 1 or not 1 <= args.duration <= 120 or not 1 <= args.warmup <= 60:
        raise SystemExit("--rounds must be at least 1, --duration 1 to 120 seconds, --warmup 1 to 60")

    from footfall.app.services import open_metadata
    from footfall.metadata.sites import SiteStore

    with scratch_dir("footfall-bench-ingest-", keep=args.keep) as work:
        dirs = {variant: work / variant for variant in VARIANTS}
        tokens = {}
        for variant, data_dir in dirs.items():
            db = open_metadata(worker_settings(data_dir))
            tokens[variant] = SiteStore(db).add("example.com", ["example.com"]).token_auth
            db.close()
        schema = {variant: run_worker("prepare-no-views" if variant == "no_views" else "prepare", data_dir)
                  for variant, data_dir in dirs.items()}
        print(f"  materialized views: {', '.join(schema['views']['views'])}; dropped in the baseline: "
              f"{', '.join(schema['no_views']['dropped'])}", flush=True)
        results: dict[str, Any] = {"views": schema["views"]["views"], "rounds": args.rounds}
        if not args.writer_only:
            http = http_part(args, work, dirs, tokens)
            counts = {variant: run_worker("count", data_dir) for variant, data_dir in dirs.items()}
            reported = report_http(args, http, counts)
            results.update({"duration_s": args.duration, "connections": args.connections, "geoip": args.geoip,
                            "http": reported["summary"], "lost": reported["lost"], "wrk": http["runs"],
                            "counts": counts, "rss_mb": http["rss_mb"]})
        writer = writer_part(args, work, dirs)
        results["writer"] = report_writer(writer)
        results["writer_runs"] = writer
        path = write_results("ingest", results)
        print(f"\n  results: {path}")
    if any(results.get("lost", {}).values()):
        raise SystemExit("acknowledged hits are missing from ClickHouse")


if __name__ == "__main__":
    main()
