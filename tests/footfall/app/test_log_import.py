"""``footfall import logs`` end to end: a log made from a known model, imported, counted by the stats API.

The first test imports through a running server (its admin endpoint), the second with
the server stopped; both import twice and the second run must change nothing.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

from dashboard.accounts import Accounts
from footfall.app.services import open_storage
from tests import log_model
from tests.support import LiveServer, free_port, make_settings

REPO = Path(__file__).resolve().parents[3]


def footfall(data_dir: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "footfall", *args, "--data-dir", str(data_dir)],
        input=stdin, capture_output=True, env=env, timeout=240, check=False,
    )


def write_logs(model: log_model.Model, directory: Path) -> list[Path]:
    """The first day gzip-compressed as a rotated log, the other days plain: named newest first."""
    lines = model.sorted_lines()
    first_day = model.days[0].strftime("%d/%b/%Y")
    old = [line for line in lines if first_day in line]
    new = [line for line in lines if first_day not in line]
    rotated, current = directory / "access.log.1.gz", directory / "access.log"
    rotated.write_bytes(gzip.compress(("\n".join(old) + "\n").encode()))
    current.write_text("\n".join(new) + "\n", encoding="utf-8")
    return [current, rotated]


def query(client, token: str, **body: object) -> list:
    response = client.post("/api/v2/query", headers={"Authorization": f"Bearer {token}"},
                           json={"site_id": "example.com", "date_range": "all", **body})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def check_numbers(server: LiveServer, model: log_model.Model) -> None:
    accounts = Accounts(server.services.db)
    admin = accounts.find_user("admin@example.com") or accounts.create_user(
        "admin@example.com", "correct horse battery", is_admin=True)
    token = accounts.create_api_token(admin.id)
    with server.client() as client:
        [total] = query(client, token, metrics=["visitors", "visits", "pageviews"])
        assert total["metrics"] == [len(model.visitor_days), model.visits, sum(model.pageviews.values())]
        pages = query(client, token, metrics=["pageviews"], dimensions=["event:page"])
        assert {row["dimensions"][0]: row["metrics"][0] for row in pages} == dict(model.pageviews)
        sources = query(client, token, metrics=["visits"], dimensions=["visit:source"])
        assert {row["dimensions"][0]: row["metrics"][0] for row in sources} == dict(model.visits_by_source)
        days = query(client, token, metrics=["visits"], dimensions=["time:day"])
        assert {row["dimensions"][0][:10] for row in days} == {day.isoformat() for day in model.days}
        downloads = query(client, token, metrics=["events"], dimensions=["event:download"])
        assert [row["metrics"][0] for row in downloads] == [model.downloads]


def assert_nothing_raw(data_dir: Path, server: LiveServer, model: log_model.Model) -> None:
    tables = [name for (name,) in server.services.storage.query("SHOW TABLES")]
    stored = repr([server.services.storage.query(f"SELECT * FROM `{name}`") for name in tables]).encode()
    files = [path.read_bytes() for path in data_dir.rglob("*") if path.is_file()]
    for needle in [*model.ips, *model.user_agents]:
        raw = needle.encode()
        assert raw not in stored
        assert not any(raw in data for data in files), needle


def test_import_through_the_running_server_matches_the_model(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    model = log_model.build()
    files = write_logs(model, tmp_path)
    server = LiveServer(make_settings(data_dir, port=free_port())).start()
    try:
        site = server.add_site("example.com")
        first = footfall(data_dir, "import", "logs", "--site", str(site.id), *map(str, files))
        assert first.returncode == 0, first.stderr.decode()
        out = first.stdout.decode()
        assert f"{len(model.lines):,} lines read in" in out and "lines/s)" in out
        assert "static files" in out and "redirects" in out and "HTTP errors" in out and "dropped: bot" in out
        rows = server.count()
        assert rows == sum(model.pageviews.values()) + model.downloads
        check_numbers(server, model)

        again = footfall(data_dir, "import", "logs", "--site", str(site.id), *map(str, reversed(files)))
        assert again.returncode == 0, again.stderr.decode()
        assert "0 hits stored" in again.stdout.decode()
        assert f"{len(model.lines):,} lines were imported before" in again.stdout.decode()
        assert server.count() == rows
        check_numbers(server, model)
        assert_nothing_raw(data_dir, server, model)
    finally:
        server.stop()


def test_import_without_a_server_from_stdin_by_host_and_a_grown_log(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = make_settings(data_dir)
    server = LiveServer(make_settings(data_dir, port=free_port(), admin_socket=False))
    site = server.services.sites.add("example.com", ["example.com"])
    server.services.close()
    lines = [
        f'example.com:443 203.0.113.{n} - - [01/Nov/2026:10:{n:02d}:00 +0000] "GET /p{n} HTTP/1.1" 200 5 "-" '
        f'"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"'
        for n in range(12)
    ]
    unknown = 'other.org:80 198.51.100.1 - - [01/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "Mozilla/5.0 Firefox/125.0"'
    log = tmp_path / "vhost.log"
    log.write_text("\n".join([*lines[:10], unknown]) + "\n")
    first = footfall(data_dir, "import", "logs", str(log))
    assert first.returncode == 0, first.stderr.decode()
    assert "10 hits stored" in first.stdout.decode() and "hosts of no site" in first.stdout.decode()
    # The log grew: only the new lines are imported; from stdin the same lines again add nothing.
    log.write_text("\n".join([*lines[:10], unknown, *lines[10:]]) + "\n")
    grown = footfall(data_dir, "import", "logs", str(log))
    assert "2 hits stored" in grown.stdout.decode(), grown.stdout.decode() + grown.stderr.decode()
    piped = footfall(data_dir, "import", "logs", "-", stdin=log.read_bytes())
    assert "0 hits stored" in piped.stdout.decode(), piped.stdout.decode() + piped.stderr.decode()
    bad = footfall(data_dir, "import", "logs", "--site", "99", str(log))
    assert bad.returncode != 0 and b"site 99 does not exist" in bad.stderr
    storage = open_storage(settings)
    try:
        assert storage.query("SELECT count(), uniqExact(pathname) FROM events WHERE site_id = {s:UInt32}",
                             {"s": site.id})[0] == (12, 12)
    finally:
        storage.close()
