"""The logged-in dashboard page and one Stats API query, as a browser and an API client get them, on a benchmark data set.

Opens the ClickHouse directory of ``bench_dashboard.py --data-dir DIR`` with the
real application (``footfall.app``: services, routes, templates, the
archiver off so nothing runs in the background), adds the site and an admin
if they are missing, logs in through ``/login``, and times, ``--repeat``
times each, with Starlette's TestClient (no network):

- the baseline ``count() + uniqExact(visitor_id)`` over the 30-day rows;
- ``GET /sites/1?period=30d`` (every number of the page is in the HTML);
- the same page with ``exact=1`` (read from the events, no archives or
  sampling), unless ``--no-exact``;
- the 12-month page (``period=12mo``);
- ``POST /api/v2/query``: visitors, visits and bounce rate by source;
- ``--users`` clients loading the 30-day page at once.

Every figure is printed with its ratio to the baseline of the same run.

    python bench/bench_page.py --data-dir DIR [--repeat 5] [--users 4] [--no-exact]
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette.testclient import TestClient  # noqa: E402

from bench.bench_dashboard import TZ, line, measure_baseline  # noqa: E402
from dashboard.accounts import Accounts  # noqa: E402
from dashboard.stats import periods  # noqa: E402
from footfall import settings as settings_module  # noqa: E402
from footfall.app import services as services_module  # noqa: E402
from footfall.app.asgi import create_app  # noqa: E402

EMAIL, PASSWORD = "bench@example.com", "a long benchmark password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    run()  # warm up
    took = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        took.append(time.perf_counter() - began)
    return took


def logged_in(app: object) -> TestClient:
    client = TestClient(app, base_url="https://localhost")  # type: ignore[arg-type]
    page = client.get("/login")
    match = CSRF.search(page.text)
    assert match, page.text[:500]
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": match.group(1)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--no-exact", action="store_true", help="do not time the page read from the events")
    args = parser.parse_args()
    # The events are the benchmark's ClickHouse directory; the application's own files go next to it.
    app_dir = Path(args.data_dir).resolve().with_name(Path(args.data_dir).name + "-app")
    app_dir.mkdir(mode=0o700, exist_ok=True)
    settings = settings_module.load(config_file=None, environ={}, overrides={
        "data_dir": app_dir, "dsn": f"chdb://{Path(args.data_dir).resolve()}", "geoip_path": "none", "archive_interval_seconds": 0, "log_format": "text",
        "allowed_hosts": ("localhost",)})
    services = services_module.build(settings)
    if not services.sites.list():
        services.sites.add("example.com", ["example.com"], timezone=TZ)
    accounts = Accounts(services.db)
    user = accounts.find_user(EMAIL) or accounts.create_user(EMAIL, PASSWORD, is_admin=True)
    token = accounts.create_api_token(user.id, "benchmark")
    app = create_app(settings, services=services)
    storage = services.storage
    baseline = measure_baseline(storage, periods.resolve("30d", TZ), args.repeat)
    with TestClient(app, base_url="https://localhost"):
        client = logged_in(app)

        def page(query: str) -> Callable[[], object]:
            def get() -> object:
                response = client.get(f"/sites/1?{query}")
                assert response.status_code == 200, response.text[:300]
                return response
            return get

        loads = {
            "30-day dashboard page": page("period=30d"),
            "12-month dashboard page": page("period=12mo"),
            "/api/v2/query visitors by visit:source": lambda: client.post("/api/v2/query", json={
                "site_id": "example.com", "date_range": "30d", "dimensions": ["visit:source"],
                "metrics": ["visitors", "visits", "bounce_rate"]}, headers={"Authorization": f"Bearer {token}"}),
        }
        if not args.no_exact:
            loads["30-day dashboard page, exact=1"] = page("period=30d&exact=1")
        for name, run in loads.items():
            print(line(name, timed(run, args.repeat), baseline))
        if args.users > 1:
            took: list[float] = []
            lock = threading.Lock()
            clients = [logged_in(app) for _ in range(args.users)]

            def user(own: TestClient) -> None:
                for _ in range(max(1, args.repeat // 2)):
                    began = time.perf_counter()
                    assert own.get("/sites/1?period=30d").status_code == 200
                    with lock:
                        took.append(time.perf_counter() - began)

            threads = [threading.Thread(target=user, args=(own,)) for own in clients]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            print(line(f"{args.users} users loading the 30-day page at once", took, baseline))
    services.close()


if __name__ == "__main__":
    main()
