"""Forgetting a visitor and exporting raw events, on real chdb, directly and through a running server."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from footfall import deletion, export
from footfall.app.services import open_metadata
from footfall.metadata.sites import SiteStore
from footfall.storage.clickhouse import Storage
from tests.support import CHROME_UA, FIREFOX_UA, IPHONE_UA, LiveServer, ServerProcess, make_settings

COLUMNS = ("site_id", "timestamp", "visitor_id", "pathname", "event_type", "title", "search_count")
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def insert(storage: Storage, *rows: tuple) -> None:
    storage.insert("events", [list(row) for row in rows], COLUMNS)


def event(site_id: int, visitor_id: int, page: int, title: str = "", when: datetime = NOW) -> tuple:
    """One pageview; ``page`` names the hit in the assertions (its path is ``/page``)."""
    return (site_id, when, visitor_id, f"/{page}", "pageview", title, -1)


def footfall(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"FOOTFALL_GEOIP_PATH": "none", "PATH": "/usr/bin:/bin", "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-m", "footfall", *args, "--data-dir", str(data_dir)],
        capture_output=True, text=True, env=env, timeout=120, cwd=data_dir.parent,
    )


def test_forget_deletes_exactly_one_visitors_rows(storage: Storage) -> None:
    insert(
        storage,
        event(1, 111, 1), event(1, 111, 2), event(1, 111, 3),
        event(1, 222, 4),
        event(2, 111, 5),  # the same number in another site is someone else
    )
    done = deletion.forget(storage, b"secret", deletion.Visitor(site_id=1, visitor_id=111))
    assert done.deleted == 3
    assert storage.query("SELECT site_id, visitor_id, pathname FROM events ORDER BY pathname") == [
        (1, 222, "/4"), (2, 111, "/5")]
    again = deletion.forget(storage, b"secret", deletion.Visitor(site_id=1, visitor_id=111))
    assert again.deleted == 0


def test_a_visitor_must_be_named_once() -> None:
    with pytest.raises(deletion.ForgetError):
        deletion.Visitor(site_id=1).check()
    with pytest.raises(deletion.ForgetError):
        deletion.Visitor(site_id=1, visitor_id=5, user_id="alice").check()
    with pytest.raises(deletion.ForgetError):
        deletion.Visitor(site_id=1, tracker_id="not-hex").check()
    with pytest.raises(deletion.ForgetError):
        deletion.Visitor(site_id=0, visitor_id=5).check()


def test_forget_by_tracker_id_and_user_id_hashes_like_the_collector(live_server: LiveServer) -> None:
    site = live_server.add_site("example.com", cookie_mode=True)
    with live_server.client() as client:
        def hit(ua: str, **params: str) -> None:
            query = {"idsite": str(site.id), "rec": "1", "url": "https://example.com/", "send_image": "0", **params}
            assert client.get("/matomo.php", params=query, headers={"User-Agent": ua}).status_code == 204

        hit(CHROME_UA, _id="0123456789abcdef")
        hit(CHROME_UA, _id="0123456789ABCDEF")  # the tracker's hex, in either case
        hit(FIREFOX_UA, _id="fedcba9876543210")
        hit(IPHONE_UA, uid="alice@example.com")
        hit(IPHONE_UA, uid="alice@example.com")
        hit(FIREFOX_UA, uid="bob@example.com")  # another device: another visitor
    assert live_server.count() == 6
    services = live_server.services
    secret = services.secret.encode()

    done = deletion.forget(services.storage, secret, deletion.Visitor(site.id, tracker_id="0123456789ABCDEF"))
    assert done.deleted == 2
    done = deletion.forget(services.storage, secret, deletion.Visitor(site.id, user_id="alice@example.com"))
    assert done.deleted == 2
    rows = live_server.rows("SELECT user_id_hash FROM events")
    assert len(rows) == 2
    assert sum(1 for row in rows if row["user_id_hash"]) == 1  # bob is still there


def test_export_pages_through_days_and_escapes_formulas(storage: Storage) -> None:
    day = datetime(2024, 3, 10, 12, tzinfo=timezone.utc)
    insert(
        storage,
        event(1, 1, 10, "=HYPERLINK(\"http://evil\")", day),
        event(1, 1, 11, "+1", day + timedelta(minutes=1)),
        event(1, 2, 12, "-2", day + timedelta(days=1)),
        event(1, 2, 13, "@SUM(A1)", day + timedelta(days=2)),
        event(1, 3, 14, "plain, with \"quotes\"\nand a newline", day + timedelta(days=2, minutes=1)),
        event(2, 9, 15, "other site", day),
    )
    everything = list(export.rows(storage, 1, export.Window(), page_rows=2))
    assert [r["pathname"] for r in everything] == ["/10", "/11", "/12", "/13", "/14"]
    assert everything[0]["timestamp"] == "2024-03-10T12:00:00.000Z"

    span = export.window("UTC", date(2024, 3, 11), date(2024, 3, 11))
    assert export.count(storage, 1, span) == 1
    assert [r["pathname"] for r in export.rows(storage, 1, span)] == ["/12"]
    # Days are the site's: in Tokyo (UTC+9) 2024-03-10 ends at 15:00 UTC.
    tokyo = export.window("Asia/Tokyo", date(2024, 3, 11), date(2024, 3, 11))
    assert [r["pathname"] for r in export.rows(storage, 1, tokyo)] == ["/12"]

    text = "".join(export.lines(everything, "csv"))
    table = list(csv.DictReader(io.StringIO(text)))
    assert [row["title"] for row in table] == [
        "'=HYPERLINK(\"http://evil\")", "'+1", "'-2", "'@SUM(A1)", "plain, with \"quotes\"\nand a newline",
    ]
    assert {row["search_count"] for row in table} == {"-1"}  # numbers are not text, nothing to escape
    jsonl = [json.loads(line) for line in export.lines(everything, "jsonl")]
    assert jsonl[0]["title"] == "=HYPERLINK(\"http://evil\")"  # JSON is not a spreadsheet


def test_export_pages_keep_hits_of_the_same_visitor_and_millisecond_together(storage: Storage) -> None:
    # Events have no ID of their own: hits that tie on (timestamp, visitor_id) across a page
    # boundary must all be exported, once each.
    moment = datetime(2024, 3, 10, 12, tzinfo=timezone.utc)
    insert(
        storage,
        event(1, 1, 1, when=moment - timedelta(seconds=1)),
        *(event(1, 5, n, when=moment) for n in range(2, 7)),
        event(1, 4, 7, when=moment),
        event(1, 6, 8, when=moment),
        event(1, 5, 9, when=moment + timedelta(milliseconds=1)),
    )
    for page_rows in (1, 2, 3, 100):
        exported = [r["pathname"] for r in export.rows(storage, 1, export.Window(), page_rows=page_rows)]
        assert sorted(exported) == sorted(f"/{n}" for n in range(1, 10)), page_rows
        assert exported[:2] == ["/1", "/7"] and exported[-2:] == ["/8", "/9"]  # by time, then visitor


def test_forget_and_export_through_the_running_server(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    db = open_metadata(make_settings(data_dir))
    site = SiteStore(db).add("example.com", ["example.com"])
    db.close()
    server = ServerProcess(data_dir).start()
    try:
        assert (data_dir / "admin.token").stat().st_mode & 0o777 == 0o600
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for ua, title in [(CHROME_UA, "=cmd|' /C calc'!A0"), (CHROME_UA, "two"), (FIREFOX_UA, "three")]:
                response = client.get(
                    "/matomo.php",
                    params={"idsite": site.id, "rec": "1", "url": "https://example.com/", "action_name": title,
                            "uid": "carol" if ua == CHROME_UA else "", "send_image": "0"},
                    headers={"User-Agent": ua},
                )
                assert response.status_code == 204
        # The server owns the data directory: these go through its admin endpoint.
        exported = footfall(data_dir, "export", "--site", str(site.id), "--format", "csv")
        assert exported.returncode == 0, exported.stderr
        titles = [row["title"] for row in csv.DictReader(io.StringIO(exported.stdout))]
        assert titles == ["'=cmd|' /C calc'!A0", "two", "three"]

        forgotten = footfall(data_dir, "forget", "--site", str(site.id), "--user-id", "carol")
        assert forgotten.returncode == 0, forgotten.stderr
        assert "Deleted 2 event(s)" in forgotten.stdout

        output = tmp_path / "events.jsonl"
        exported = footfall(data_dir, "export", "--site", str(site.id), "--format", "jsonl", "-o", str(output))
        assert exported.returncode == 0, exported.stderr
        assert [json.loads(line)["title"] for line in output.read_text().splitlines()] == ["three"]
    finally:
        # uvicorn re-raises SIGTERM after its graceful shutdown, so the code is -15 (or 0).
        assert server.terminate() in (0, -15)
    assert not (data_dir / "admin.token").exists()

    # Stopped: the same commands open the data directly.
    visitor_id = json.loads(output.read_text().splitlines()[0])["visitor_id"]
    forgotten = footfall(data_dir, "forget", "--site", str(site.id), "--visitor-id", visitor_id)
    assert forgotten.returncode == 0, forgotten.stderr
    assert "Deleted 1 event(s)" in forgotten.stdout
    exported = footfall(data_dir, "export", "--site", str(site.id))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.count("\n") == 1  # the header only
