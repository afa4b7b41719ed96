"""Fault tests: kill -9 after acknowledged hits, a replayed segment, ClickHouse down, a full spool."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from collector.spool import SUFFIX, Spool
from footfall.app.services import open_metadata, open_storage
from footfall.metadata.sites import Site, SiteStore
from tests.support import CHROME_UA, LiveServer, ServerProcess, free_port, make_settings

SLOW_FLUSH = {"FOOTFALL_FLUSH_INTERVAL_SECONDS": "3600"}
HEADERS = {"User-Agent": CHROME_UA}
DISTINCT_HITS = "SELECT count(), uniqExact(url) FROM events"


def add_site(data_dir: Path) -> Site:
    db = open_metadata(make_settings(data_dir))
    try:
        return SiteStore(db).add("example.com", ["example.com"])
    finally:
        db.close()


def query(site_id: int, n: int, tag: str) -> str:
    # Every hit a test sends has a page of its own: a lost hit lowers the count of distinct pages
    # stored, a doubled one raises the row count above it (events carry no ID of their own).
    return f"?idsite={site_id}&rec=1&url=https://example.com/{tag}/{n}&action_name={tag}-{n}&send_image=0"


def send_acknowledged(url: str, site_id: int, tag: str, singles: int, bulks: int, bulk_size: int) -> int:
    """Send hits; every one must be acknowledged. Returns how many."""
    sent = 0
    with httpx.Client(base_url=url, timeout=30, headers=HEADERS) as client:
        for n in range(singles):
            response = client.get("/matomo.php" + query(site_id, n, tag))
            assert response.status_code == 204, response.text
            sent += 1
        for b in range(bulks):
            requests = [query(site_id, 1000 * (b + 1) + i, tag) for i in range(bulk_size)]
            response = client.post("/matomo.php", json={"requests": requests})
            assert response.status_code == 200
            assert response.json()["tracked"] == bulk_size
            sent += bulk_size
    return sent


def stored(data_dir: Path) -> tuple[int, int]:
    """(rows, distinct pages) in the events table, read with the server stopped."""
    storage = open_storage(make_settings(data_dir))
    try:
        rows, distinct = storage.query(DISTINCT_HITS)[0]
        return int(rows), int(distinct)
    finally:
        storage.close()


def spooled_rows(spool_dir: Path) -> int:
    return sum(len(Spool.read(path)) for path in spool_dir.glob(f"*{SUFFIX}"))


def wait_for(predicate: Any, timeout: float = 30.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def stop_gracefully(server: ServerProcess) -> None:
    # uvicorn re-raises SIGTERM after its graceful shutdown, so -15 is a clean exit too.
    assert server.terminate() in (0, -15)
    assert b"Application shutdown complete" in server.logs()


def spool_is_empty(url: str) -> bool:
    return httpx.get(url + "/healthz", timeout=5).json()["spool_segments"] == 0


def test_acknowledged_hits_survive_kill_9_and_a_replayed_segment_is_not_stored_twice(data_dir: Path) -> None:
    site = add_site(data_dir)
    spool_dir = data_dir / "spool"
    server = ServerProcess(data_dir, extra_env=SLOW_FLUSH).start()
    sent = send_acknowledged(server.url, site.id, "crash", singles=25, bulks=3, bulk_size=25)
    server.kill()
    assert sent == 100
    # Nothing was flushed: the acknowledged hits are in the spool only.
    assert spooled_rows(spool_dir) == sent
    segments = {path.name: path.read_bytes() for path in spool_dir.glob(f"*{SUFFIX}")}

    # The restart replays the spool on start, without waiting for the (hour-long) flush interval.
    server = ServerProcess(data_dir, extra_env=SLOW_FLUSH).start()
    assert wait_for(lambda: spool_is_empty(server.url)), "the spool was not replayed on start"
    stop_gracefully(server)
    assert stored(data_dir) == (sent, sent)
    assert not list(spool_dir.glob(f"*{SUFFIX}"))

    # A crash after the insert but before the segment was deleted leaves the segment behind:
    # replaying it again must not store its hits twice (ClickHouse's insert deduplication token).
    for name, data in segments.items():
        (spool_dir / name).write_bytes(data)
    server = ServerProcess(data_dir, extra_env=SLOW_FLUSH).start()
    assert wait_for(lambda: spool_is_empty(server.url))
    stop_gracefully(server)
    assert stored(data_dir) == (sent, sent)


def test_graceful_shutdown_stores_everything(data_dir: Path) -> None:
    site = add_site(data_dir)
    server = ServerProcess(data_dir, extra_env=SLOW_FLUSH).start()
    sent = send_acknowledged(server.url, site.id, "term", singles=10, bulks=2, bulk_size=20)
    stop_gracefully(server)  # SIGTERM
    assert stored(data_dir) == (sent, sent)
    assert spooled_rows(data_dir / "spool") == 0
    assert b"Traceback" not in server.logs()


def metric(url: str, name: str) -> float:
    for line in httpx.get(url + "/metrics", timeout=5).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def test_hits_wait_in_the_spool_while_clickhouse_is_down(data_dir: Path) -> None:
    settings = make_settings(data_dir, port=free_port(), flush_interval_seconds=0.1, retry_max_seconds=0.5,
                             dashboard=False)
    server = LiveServer(settings).start()
    try:
        site = server.add_site("example.com")
        storage = server.services.storage
        storage.command("DETACH TABLE events")
        try:
            sent = send_acknowledged(server.url, site.id, "outage", singles=10, bulks=1, bulk_size=15)
            assert wait_for(lambda: metric(server.url, "footfall_flush_failures_total") >= 3, timeout=20)
            assert server.services.writer.spool.sealed()  # still waiting on disk
        finally:
            storage.command("ATTACH TABLE events")
        # The flusher's own retry stores them once ClickHouse is back.
        assert wait_for(lambda: not server.services.writer.spool.sealed()
                        and server.services.writer.spool.depth_bytes == 0, timeout=20)
        rows = storage.query(DISTINCT_HITS)[0]
        assert tuple(rows) == (sent, sent)
        assert metric(server.url, "footfall_hits_stored_total") == sent
    finally:
        server.stop()


def test_full_spool_answers_503_with_retry_after_and_keeps_what_it_acknowledged(data_dir: Path) -> None:
    settings = make_settings(data_dir, port=free_port(), flush_interval_seconds=3600, spool_max_bytes=65536,
                             dashboard=False)
    server = LiveServer(settings).start()
    acknowledged = 0
    refused = None
    try:
        site = server.add_site("example.com")
        with server.client() as client:
            for b in range(40):
                requests = [query(site.id, 100 * b + i, "full" + "x" * 200) for i in range(20)]
                response = client.post("/matomo.php", json={"requests": requests}, headers=HEADERS)
                if response.status_code == 503:
                    refused = response
                    break
                assert response.status_code == 200
                acknowledged += response.json()["tracked"]
            # Single hits still fit into what is left, until they do not.
            for n in range(500):
                single = client.get("/matomo.php" + query(site.id, n, "single" + "x" * 200), headers=HEADERS)
                if single.status_code != 204:
                    break
                acknowledged += 1
        assert refused is not None, "the spool limit was never reached"
        assert int(refused.headers["retry-after"]) > 0
        assert single.status_code == 503 and int(single.headers["retry-after"]) > 0
        assert acknowledged > 0
        assert server.services.writer.spool.depth_bytes <= 65536
        assert metric(server.url, "footfall_hits_rejected_total") >= 20
        # Once the spool drains, hits are accepted again and nothing acknowledged was lost.
        assert server.count() == acknowledged
        with server.client() as client:
            assert client.get("/matomo.php" + query(site.id, 1, "later"), headers=HEADERS).status_code == 204
        assert server.count() == acknowledged + 1
    finally:
        server.stop()

