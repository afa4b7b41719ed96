"""`footfall demo`: realistic data, a login every run, nothing left behind when it fails, and through the server."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from footfall.app import demo
from footfall.app.services import build
from tests.dashboard.web_client import csrf_of, kpi
from tests.support import ServerProcess, make_settings

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


def run_demo(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "footfall", "demo", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=180)


def login(server: ServerProcess, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=60)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert answer.status_code == 303, answer.text
    return client


def metadata_rows(data_dir: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(data_dir / "metadata.sqlite3") as connection:
        return connection.execute(sql).fetchall()


def test_generated_visits_look_like_real_traffic() -> None:
    hits = list(demo.generate(1, "t" * 32, days=28, visits=2000, now=NOW))
    visits = [h for h in hits if "action_name" in h and h["pv_id"].endswith("00")]
    visitors = Counter(h["_id"] for h in visits)
    # Returning visitors: fewer visitors than visits, some came back several times.
    assert len(visitors) < 0.8 * len(visits) and max(visitors.values()) >= 4
    assert len({(h["region"], h["city"]) for h in visits}) >= 15 and all(h["city"] for h in visits)
    # A weekly rhythm with noise: weekends lower, and no two weekdays alike.
    per_day = Counter(datetime.fromtimestamp(float(h["cdt"]), timezone.utc).date() for h in visits)
    weekday = [n for day, n in per_day.items() if day.weekday() < 5]
    weekend = [n for day, n in per_day.items() if day.weekday() >= 5]
    assert sum(weekend) / len(weekend) < 0.8 * sum(weekday) / len(weekday)
    assert len(set(weekday)) > len(weekday) // 2
    per_hour = Counter(datetime.fromtimestamp(float(h["cdt"]), timezone.utc).hour for h in visits)
    assert per_hour[2] * 5 < per_hour[13]  # night vs afternoon (UTC is one hour behind Berlin)
    # Named properties (no "dimension1") and revenue on the purchase goal.
    assert any('"form"' in h.get("props", "") for h in hits) and not any(k.startswith("dimension") for h in hits for k in h)
    assert any(h.get("idgoal") == "1" and float(h["revenue"]) > 0 for h in hits)


def test_a_demo_that_fails_halfway_leaves_no_site_user_or_events(tmp_path) -> None:
    settings = make_settings(tmp_path / "data")
    services = build(settings)
    stored: list[str] = []

    def interrupted(text: str) -> None:  # Ctrl-C once the events are stored, before the login is made
        stored.append(text)
        raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            demo.load(services, days=3, visits=100, progress=interrupted, now=NOW)
        assert stored and stored[0].startswith("stored ")
        assert services.sites.list() == []
        assert services.db.fetchall("SELECT * FROM users") == []
        assert services.db.fetchall("SELECT * FROM goals") == []
        assert services.storage.query("SELECT count() FROM events")[0][0] == 0
        # Then a run that works: a random password, the site in cookie mode with a currency.
        result = demo.load(services, days=3, visits=100, now=NOW)
        assert result.created_user and len(result.password) >= 16 and result.password != "demo-password"
        site = services.sites.get(result.site_id)
        assert site is not None and site.cookie_mode and site.currency == "EUR"
        assert result.visitors < result.visits
    finally:
        services.close()


def test_demo_with_the_data_dir_locked_and_no_server_to_talk_to_creates_nothing(tmp_path) -> None:
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir, extra_env={"FOOTFALL_ADMIN_SOCKET": "false"}).start()
    try:
        locked = run_demo(data_dir, "--visits", "50", "--days", "2")
    finally:
        server.terminate()
    assert locked.returncode == 1
    assert "is in use by another process" in locked.stderr and "Traceback" not in locked.stderr
    assert metadata_rows(data_dir, "SELECT * FROM users") == []
    assert metadata_rows(data_dir, "SELECT * FROM sites") == []


def test_demo_goes_through_the_running_server_and_prints_a_login_every_time(tmp_path) -> None:
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir).start()
    try:
        first = run_demo(data_dir, "--visits", "300", "--days", "14")
        assert first.returncode == 0, first.stderr
        assert f"through the server at {server.url}" in first.stdout
        match = re.search(rf"Log in at {re.escape(server.url)}/login as demo@example.com with the password (\S+) ",
                          first.stdout)
        assert match, first.stdout
        client = login(server, "demo@example.com", match.group(1))
        try:
            html = client.get("/sites/1?period=7d").text
            visitors, visits = (int(kpi(html, label).replace(",", "")) for label in ("Visitors", "Visits"))
            assert 50 < visitors < visits
            assert "Purchase" in html and "Berlin" in html
        finally:
            client.close()
        # Again: the demo site's data is replaced, and the login is printed (the password stays).
        again = run_demo(data_dir, "--visits", "100", "--days", "3")
        assert again.returncode == 0, again.stderr
        assert "its data was replaced" in again.stdout
        assert f"Log in at {server.url}/login as demo@example.com with its password" in again.stdout
        chosen = run_demo(data_dir, "--visits", "50", "--days", "2", "--password", "my own secret")
        assert "with the password my own secret" in chosen.stdout
        login(server, "demo@example.com", "my own secret").close()
        # An instance with a site of its own gets the demo only when told to.
        subprocess.run([sys.executable, "-m", "footfall", "site", "add", "--data-dir", str(data_dir),
                        "--domain", "example.org"], check=True, capture_output=True)
        refused = run_demo(data_dir, "--visits", "50", "--days", "2")
        assert refused.returncode == 1 and "--force" in refused.stderr and "example.org" in refused.stderr
        forced = run_demo(data_dir, "--visits", "50", "--days", "2", "--force")
        assert forced.returncode == 0, forced.stderr
    finally:
        server.terminate()
