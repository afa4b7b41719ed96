"""The known dataset of the correctness tests, ingested through the collector's HTTP endpoint.

Both ``test_correctness.py`` (the Stats API) and ``test_correctness_pages.py``
(the dashboard pages and CSV exports) check their numbers against the same
hits and the same independent model (``tests/dashboard/model.py``).  Each
test module opens its own server with :func:`ingested` in a module-scoped
fixture: embedded chdb allows one data path per process at a time, and the
function-scoped ``live_server`` of other modules must be able to open theirs.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import httpx

from dashboard import goals
from dashboard.accounts import Accounts
from dashboard.stats.periods import local_midnight
from tests.dashboard import model
from tests.support import LiveServer, free_port, make_settings

SITES = {"shop.example": "Europe/Berlin", "news.example": "America/New_York", "app.example": "Asia/Tokyo"}
DAYS = 10
VISITORS_PER_DAY = 55
GOAL_IDS = (1, 2)
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse"


class Dataset:
    def __init__(self, server: LiveServer, hits: list[model.Hit], token: str, first_day: datetime,
                 site_ids: dict[str, int]) -> None:
        self.server = server
        self.hits = hits
        self.model = model.Model(hits)
        self.token = token
        self.first_day = first_day
        self.site_ids = site_ids
        self.client = httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {token}"})

    def query(self, **body: Any) -> dict[str, Any]:
        response = self.client.post("/api/v2/query", json=body)
        assert response.status_code == 200, response.text
        return response.json()


@contextmanager
def ingested(data_dir: Path) -> Iterator[Dataset]:
    """A live server whose storage holds the generated hits of every site, and an admin with an API token."""
    settings = make_settings(data_dir, port=free_port())
    server = LiveServer(settings).start()
    try:
        site_ids, tokens = {}, {}
        for domain, tz in SITES.items():
            site = server.add_site(domain, timezone=tz)
            site_ids[domain], tokens[domain] = site.id, site.token_auth
        today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        first_day = today - timedelta(days=DAYS + 3)
        hits = model.generate(SITES, first_day, DAYS, VISITORS_PER_DAY)
        with server.client() as client:
            for domain in SITES:
                # In time order, as live traffic and Matomo's log importer send hits: visits are assigned at ingest.
                in_order = sorted((h for h in hits if h.site == domain), key=lambda h: h.ts)
                requests = [model.to_matomo(h, site_ids[domain]) for h in in_order]
                for i in range(0, len(requests), 1000):
                    response = client.post(
                        "/matomo.php", json={"requests": requests[i : i + 1000], "token_auth": tokens[domain]}
                    )
                    assert response.status_code == 200, response.text
                    body = response.json()
                    assert body["tracked"] == len(requests[i : i + 1000]), body
        assert server.count() == len(hits)
        goal_store = goals.GoalStore(server.services.db)
        for site_id in site_ids.values():
            for goal_id in GOAL_IDS:  # the Matomo goals the generated hits convert (Plausible refuses unconfigured ones)
                goal_store.add(site_id, f"Goal {goal_id}", "manual", goal_id=goal_id)
        accounts = Accounts(server.services.db)
        admin = accounts.create_user(ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
        data = Dataset(server, hits, accounts.create_api_token(admin.id), first_day, site_ids)
        try:
            yield data
        finally:
            data.client.close()
    finally:
        server.stop()


def expected_rows(data: Dataset, domain: str, start: date, end: date, dims: list[str], filters: list) -> dict:
    """The model's raw numbers per group for the local days ``start``..``end`` of the site's time zone."""
    tz = SITES[domain]
    lo, hi = local_midnight(start, tz), local_midnight(end + timedelta(days=1), tz)
    return data.model.breakdown(domain, lo, hi, dims, filters, tz)


def ranges(data: Dataset, domain: str) -> list[tuple[date, date]]:
    zone_first = data.first_day.date()
    return [
        (zone_first - timedelta(days=1), zone_first + timedelta(days=DAYS)),  # everything
        (zone_first + timedelta(days=3), zone_first + timedelta(days=3)),  # one local day: visits cross both ends
        (zone_first + timedelta(days=5), zone_first + timedelta(days=7)),
    ]
