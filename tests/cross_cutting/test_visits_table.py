"""The visits table (one row per visit, sql/0004_visits_table.sql) against the independent model.

Hits go in through the running server; the server is killed with -9 while
they are only in the spool, replays them on restart, replays an already
stored segment once more, and one visitor is forgotten.  Every visit the
model makes must then be in the table exactly once, with the right counts,
times, entry and exit pages and first-hit attributes, and the forgotten
visitor must have no row left.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from collector.spool import SUFFIX
from footfall.app.services import open_storage
from footfall.deletion import Visitor, forget
from tests.dashboard import model
from tests.support import ServerProcess, make_settings
from tests.cross_cutting.test_durability import SLOW_FLUSH, add_site, spool_is_empty, stop_gracefully, wait_for

DOMAIN = "example.com"


def send(url: str, site_id: int, token: str, hits: list[model.Hit]) -> None:
    requests = [model.to_matomo(hit, site_id) for hit in sorted(hits, key=lambda h: h.ts)]
    with httpx.Client(base_url=url, timeout=30) as client:
        for i in range(0, len(requests), 200):
            response = client.post("/matomo.php", json={"requests": requests[i : i + 200], "token_auth": token})
            assert response.status_code == 200, response.text
            assert response.json()["tracked"] == len(requests[i : i + 200])


def stored_visits(storage) -> list[tuple]:
    rows = storage.query(
        "SELECT toUnixTimestamp(min(visit_first)), toUnixTimestamp(max(visit_end)), sum(visit_hits), "
        "sum(visit_pageviews), argMin(entry_page.page, entry_page.ts), argMax(exit_page.page, exit_page.ts), "
        "argMin(first_hit.country_code, first_hit.ts), argMin(first_hit.browser, first_hit.ts), "
        "argMin(first_hit.screen_size, first_hit.ts) "
        "FROM visits GROUP BY visit_id HAVING sum(visit_hits) > 0"
    )
    return sorted(tuple(row) for row in rows)


def model_visits(hits: list[model.Hit]) -> list[tuple]:
    everything = model.Model(hits).visits(DOMAIN, datetime(2000, 1, 1, tzinfo=timezone.utc),
                                          datetime(2100, 1, 1, tzinfo=timezone.utc))
    return sorted(
        (
            int(visit.hits[0].ts.timestamp()), int(visit.hits[-1].ts.timestamp()), len(visit.counted),
            sum(hit.type == "pageview" for hit in visit.hits), visit.attr("visit:entry_page"),
            visit.attr("visit:exit_page"), visit.first.country, model.UAS[visit.first.ua][1], visit.first.screen,
        )
        for visit in everything
    )


def test_visits_match_the_model_after_kill_9_replays_and_a_forget(data_dir: Path) -> None:
    site = add_site(data_dir)
    spool_dir = data_dir / "spool"
    first_day = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
    hits = model.generate({DOMAIN: "UTC"}, first_day, days=2, visitors_per_day=12, seed=3)
    # Visitor IDs change at UTC midnight and generated visits stay within their day: two halves, no shared visit.
    day_one = [hit for hit in hits if hit.ts < first_day + timedelta(days=1)]
    day_two = [hit for hit in hits if hit.ts >= first_day + timedelta(days=1)]

    server = ServerProcess(data_dir, extra_env=SLOW_FLUSH).start()
    send(server.url, site.id, site.token_auth, day_one)
    server.kill()  # acknowledged, spooled, not yet stored
    segments = {path.name: path.read_bytes() for path in spool_dir.glob(f"*{SUFFIX}")}
    assert segments

    server = ServerProcess(data_dir).start()  # replays the spool on start
    assert wait_for(lambda: spool_is_empty(server.url))
    send(server.url, site.id, site.token_auth, day_two)
    assert wait_for(lambda: spool_is_empty(server.url))
    stop_gracefully(server)

    for name, data in segments.items():  # a crash after the insert, before the segment was deleted
        (spool_dir / name).write_bytes(data)
    server = ServerProcess(data_dir).start()
    assert wait_for(lambda: spool_is_empty(server.url))
    stop_gracefully(server)

    storage = open_storage(make_settings(data_dir))
    try:
        assert stored_visits(storage) == model_visits(hits)

        gone = day_two[0]
        found = storage.query(
            "SELECT DISTINCT visitor_id FROM events WHERE timestamp = {ts:DateTime64(3, 'UTC')}", {"ts": gone.ts}
        )
        assert len(found) == 1
        visitor_id = int(found[0][0])
        assert forget(storage, b"", Visitor(site_id=site.id, visitor_id=visitor_id)).deleted > 0
        assert storage.query("SELECT count() FROM visits WHERE visitor_id = {v:UInt64}", {"v": visitor_id}) == [(0,)]
        assert stored_visits(storage) == model_visits([hit for hit in hits if hit.visitor != gone.visitor])
    finally:
        storage.close()
