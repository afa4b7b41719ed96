"""Tracking-hit latency while dashboards load, as a ratio to the latency at rest, in one run.

A data directory gets one site, an admin's API token, a share link and
``--events`` generated events (``bench/generate.py``, inside ClickHouse)
before ``footfall serve`` starts on 127.0.0.1.  Then, against that server:

- at rest: ``--hits`` single ``GET /matomo.php`` hits, one at a time, a few
  milliseconds apart, each timed from request to answer (the answer means
  "durable in the spool", so this includes the fsync);
- under load: the same while ``--users`` clients load, over and over, the
  30-day dashboard page (through the share link, every card) and an
  ``/api/v2/query`` breakdown by page, half of them each.

The report archiver is off unless ``--archive`` is given: with it, closed days
are read pre-aggregated once archived, and the archiver's own rounds run in the
background from the start (during "at rest" too).

A hit never waits for ClickHouse (it is acknowledged once it is in the spool),
so a dashboard query must not hold it up: what the hit shares with the
queries is the CPU, the event loop and the GIL.  Printed: p50, p95 and max
hit latency at rest and under load, their ratio, and how long the loads took.
``tests/cross_cutting/test_tracking_latency.py`` runs the same measurement
with bounds.

    python -m bench.bench_tracking_latency [--events 2000000] [--hits 300] [--users 4] [--archive]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script or with -m

from bench.common import free_port, print_table, scratch_dir, write_results  # noqa: E402

HIT_GAP_SECONDS = 0.005
CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
DOMAIN = "example.com"
BREAKDOWN = {
    "site_id": DOMAIN, "metrics": ["visitors", "pageviews", "bounce_rate"], "date_range": "30d",
    "dimensions": ["event:page"],
}


@dataclass(frozen=True)
class Prepared:
    data_dir: Path
    site_id: int
    api_token: str
    share_token: str
    events: int


def prepare(data_dir: Path, events: int) -> Prepared:
    """One site with ``events`` generated events, an admin API token and a share link; no server running."""
    from dashboard.accounts import Accounts
    from footfall.app.services import open_metadata
    from footfall.metadata.sites import SiteStore
    from footfall.settings import load

    db = open_metadata(load(config_file=None, environ={}, overrides={"data_dir": data_dir, "geoip_path": "none"}))
    try:
        site = SiteStore(db).add(DOMAIN, [DOMAIN])
        accounts = Accounts(db)
        admin = accounts.create_user("admin@example.com", "correct horse battery", is_admin=True)
        api_token, share_token = accounts.create_api_token(admin.id), accounts.create_share_link(site.id)
    finally:
        db.close()
    # In its own process: embedded ClickHouse keeps the directory for the life of the process that opened it.
    done = subprocess.run(
        [sys.executable, "-m", "bench.generate", "--data-dir", str(data_dir), "--events", str(events)],
        capture_output=True, text=True, check=True, env=_env(),
    )
    return Prepared(data_dir, site.id, api_token, share_token, int(done.stdout.split()[-1]))


def _env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parent.parent)
    env = {key: value for key, value in os.environ.items() if not key.startswith("FOOTFALL_")}
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def serve(data_dir: Path, port: int, log: Path, *, archive: bool = False) -> subprocess.Popen[bytes]:
    """``footfall serve`` on 127.0.0.1:``port``, answering /healthz; stop it with ``stop``.

    Without ``archive`` the background archiver is off, so the dashboards read the raw events (the heaviest
    queries) and "at rest" is at rest.
    """
    env = {**_env(), "FOOTFALL_GEOIP_PATH": "none"}
    if not archive:
        env["FOOTFALL_ARCHIVE_INTERVAL_SECONDS"] = "0"
    process = subprocess.Popen(
        [sys.executable, "-m", "footfall", "serve", "--data-dir", str(data_dir), "--port", str(port),
         "--log-level", "warning"],
        stdout=open(log, "ab"), stderr=subprocess.STDOUT, env=env,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"footfall serve exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("footfall serve did not come up")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def hit_latencies(url: str, site_id: int, count: int, tag: str) -> list[float]:
    """Seconds from request to answer of ``count`` single pageviews sent one after another."""
    out = []
    with httpx.Client(base_url=url, timeout=30, headers={"User-Agent": CHROME_UA}) as client:
        for n in range(count):
            path = f"/matomo.php?idsite={site_id}&rec=1&send_image=0&url=https://{DOMAIN}/{tag}/{n}&action_name=p{n}"
            started = time.perf_counter()
            response = client.get(path)
            out.append(time.perf_counter() - started)
            if response.status_code != 204:
                raise AssertionError(f"hit {n} answered {response.status_code}: {response.text[:200]}")
            time.sleep(HIT_GAP_SECONDS)
    return out


@dataclass
class Loads:
    """Clients that load the dashboard page and the Stats API again and again until stopped."""

    url: str
    prepared: Prepared
    users: int
    durations: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _started: threading.Barrier | None = None
    _threads: list[threading.Thread] = field(default_factory=list)

    def one(self, client: httpx.Client, user: int) -> httpx.Response:
        if user % 2 == 0:
            return client.get(f"/share/{self.prepared.share_token}")
        return client.post("/api/v2/query", json=BREAKDOWN,
                           headers={"Authorization": f"Bearer {self.prepared.api_token}"})

    def _run(self, user: int) -> None:
        with httpx.Client(base_url=self.url, timeout=120) as client:
            assert self._started is not None
            self._started.wait()
            while not self._stop.is_set():
                started = time.perf_counter()
                response = self.one(client, user)
                if response.status_code != 200:
                    self.errors.append(f"{response.request.url.path}: {response.status_code}")
                self.durations.append(time.perf_counter() - started)

    def __enter__(self) -> Loads:
        self._started = threading.Barrier(self.users + 1)
        self._threads = [threading.Thread(target=self._run, args=(user,), daemon=True) for user in range(self.users)]
        for thread in self._threads:
            thread.start()
        self._started.wait()
        time.sleep(0.2)  # every client has a request in flight
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


@dataclass(frozen=True)
class Measurement:
    rest: list[float]
    busy: list[float]
    loads: list[float]
    load_alone: dict[str, float]

    def summary(self) -> dict[str, float]:
        rest_p95, busy_p95 = percentile(self.rest, 95), percentile(self.busy, 95)
        return {
            "rest_p50_ms": statistics.median(self.rest) * 1e3, "rest_p95_ms": rest_p95 * 1e3,
            "rest_max_ms": max(self.rest) * 1e3,
            "busy_p50_ms": statistics.median(self.busy) * 1e3, "busy_p95_ms": busy_p95 * 1e3,
            "busy_max_ms": max(self.busy) * 1e3,
            "p50_ratio": statistics.median(self.busy) / statistics.median(self.rest), "p95_ratio": busy_p95 / rest_p95,
            "loads": len(self.loads), "load_p50_ms": statistics.median(self.loads) * 1e3 if self.loads else 0.0,
            **{f"{name}_alone_ms": seconds * 1e3 for name, seconds in self.load_alone.items()},
        }


def measure(url: str, prepared: Prepared, hits: int, users: int) -> Measurement:
    """Hit latency at rest, then while ``users`` clients load dashboards; each kind of load timed alone first."""
    alone: dict[str, float] = {}
    probe = Loads(url, prepared, 2)
    with httpx.Client(base_url=url, timeout=120) as client:
        for user, name in ((0, "dashboard"), (1, "breakdown")):  # the first load after start, caches cold
            started = time.perf_counter()
            if probe.one(client, user).status_code != 200:
                raise AssertionError(f"the {name} load failed")
            alone[name] = time.perf_counter() - started
    hit_latencies(url, prepared.site_id, 20, "warm")
    rest = hit_latencies(url, prepared.site_id, hits, "rest")
    with Loads(url, prepared, users) as loads:
        busy = hit_latencies(url, prepared.site_id, hits, "busy")
    if loads.errors:
        raise AssertionError(f"dashboard loads failed: {loads.errors[:5]}")
    return Measurement(rest, busy, list(loads.durations), alone)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--hits", type=int, default=300, help="hits timed at rest and again under load")
    parser.add_argument("--users", type=int, default=4, help="clients loading dashboards at once")
    parser.add_argument("--archive", action="store_true", help="leave the background report archiver on")
    parser.add_argument("--keep", action="store_true", help="keep the temp data directory")
    args = parser.parse_args()
    with scratch_dir("footfall-latency-", keep=args.keep) as work:
        started = time.perf_counter()
        prepared = prepare(work / "data", args.events)
        print(f"generated {prepared.events:,} events in {time.perf_counter() - started:.1f} s")
        process = serve(prepared.data_dir, port := free_port(), work / "serve.log", archive=args.archive)
        try:
            result = measure(f"http://127.0.0.1:{port}", prepared, args.hits, args.users)
        finally:
            stop(process)
    numbers = result.summary()
    print_table(
        f"Tracking hits (GET /matomo.php, one at a time) on 127.0.0.1, {prepared.events:,} events, "
        f"{os.cpu_count()} CPUs shared",
        ("when", "p50 ms", "p95 ms", "max ms", "× at rest (p50)", "× at rest (p95)"),
        [
            ("at rest", numbers["rest_p50_ms"], numbers["rest_p95_ms"], numbers["rest_max_ms"], 1.0, 1.0),
            (f"{args.users} users loading dashboards", numbers["busy_p50_ms"], numbers["busy_p95_ms"],
             numbers["busy_max_ms"], numbers["p50_ratio"], numbers["p95_ratio"]),
        ],
    )
    print(f"\n  one load alone: dashboard page {numbers['dashboard_alone_ms']:.0f} ms, "
          f"/api/v2/query breakdown by page {numbers['breakdown_alone_ms']:.0f} ms; "
          f"{numbers['loads']} loads during the hits, p50 {numbers['load_p50_ms']:.0f} ms")
    path = write_results("tracking-latency", {"events": prepared.events, "hits": args.hits, "users": args.users,
                                               "archive": args.archive, **numbers})
    print(f"  results: {path}")


if __name__ == "__main__":
    main()
