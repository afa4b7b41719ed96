"""Start-up and CLI failures a user can cause end in a sentence that names the problem, never a traceback."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import CHROME_UA, ServerProcess, free_port


def footfall(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "footfall", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "FOOTFALL_GEOIP_PATH": "none", **(env or {})})


def assert_sentence(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "Code: 76" not in result.stderr, result.stderr
    for part in parts:
        assert part in result.stderr, result.stderr


def test_a_second_serve_on_the_same_data_dir_says_it_is_in_use(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir).start()
    try:
        second = footfall("serve", "--data-dir", str(data_dir), "--port", str(free_port()))
    finally:
        server.terminate()
    assert_sentence(second, f"the data directory {data_dir} is in use by another Footfall process", "--data-dir")


def test_unreachable_storage_names_the_dsn_without_its_password(tmp_path: Path) -> None:
    dsn = f"http://footfall:hunter2-secret@127.0.0.1:{free_port()}/analytics"
    for command in (["serve", "--port", str(free_port())], ["migrate"]):
        result = footfall(*command, "--data-dir", str(tmp_path / "data"), "--dsn", dsn)
        assert_sentence(result, "cannot reach ClickHouse at http://footfall:***@127.0.0.1:", "setting 'dsn'")
        assert "hunter2" not in result.stderr + result.stdout


def test_a_bad_value_names_the_setting_and_what_was_expected(tmp_path: Path) -> None:
    expected = "invalid setting 'port': expected a whole number, got 'abc'"
    assert_sentence(footfall("serve", "--data-dir", str(tmp_path), "--port", "abc"), expected)
    assert_sentence(footfall("serve", "--data-dir", str(tmp_path), env={"FOOTFALL_PORT": "abc"}), expected)
    assert_sentence(footfall("site", "list", "--data-dir", str(tmp_path), env={"FOOTFALL_FLUSH_INTERVAL_SECONDS": "soon"}),
                    "invalid setting 'flush_interval_seconds': expected a number, got 'soon'")


def test_a_port_in_use_is_named(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = footfall("serve", "--data-dir", str(tmp_path / "data"), "--port", str(port))
    assert_sentence(result, f"port {port} on 127.0.0.1 is in use by another program", "--port")
    assert not (tmp_path / "data").exists()  # refused before any data was opened


def test_stopping_says_how_many_hits_were_flushed(tmp_path: Path) -> None:
    for stop in (signal.SIGTERM, signal.SIGINT):
        data_dir = tmp_path / stop.name
        server = ServerProcess(data_dir).start()
        subprocess.run([sys.executable, "-m", "footfall", "site", "add", "--data-dir", str(data_dir),
                        "--domain", "example.org"], check=True, capture_output=True)
        for number in range(3):
            answer = httpx.get(f"{server.url}/matomo.php", params={"idsite": 1, "rec": 1, "send_image": 0,
                                                                    "url": f"https://example.org/{number}"},
                               headers={"User-Agent": CHROME_UA})
            assert answer.status_code == 204 and "x-footfall-dropped" not in answer.headers
        assert server.process is not None
        server.process.send_signal(stop)
        assert server.process.wait(timeout=60) == 0
        server.log.close()
        logs = server.logs().decode()
        assert "Aborted!" not in logs and "Traceback" not in logs
        match = re.search(rf"Footfall stopped on {stop.name}: (\d+) hit\(s\) flushed to ClickHouse on the way out "
                          r"\((\d+) stored since start\); nothing is left in the spool\.", logs)
        assert match, logs
        assert int(match.group(2)) == 3 and int(match.group(1)) <= 3


def test_the_cli_points_at_the_port_the_server_runs_on_or_the_public_url(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir).start()  # a random port, not 8000, and no --port for the commands below
    try:
        added = footfall("site", "add", "--data-dir", str(data_dir), "--domain", "example.org")
        assert f'src="{server.url}/footfall.js"' in added.stdout and ":8000" not in added.stdout
        user = footfall("user", "add", "--data-dir", str(data_dir), "--email", "a@example.org", "--password", "x" * 12)
        assert f"Log in at {server.url}/login" in user.stdout
        public = {"FOOTFALL_PUBLIC_URL": "https://stats.example.org/"}
        added = footfall("site", "add", "--data-dir", str(data_dir), "--domain", "example.net", env=public)
        assert 'src="https://stats.example.org/footfall.js"' in added.stdout
        user = footfall("user", "add", "--data-dir", str(data_dir), "--email", "b@example.org", "--password", "x" * 12,
                        env=public)
        assert "Log in at https://stats.example.org/login" in user.stdout
    finally:
        server.terminate()
    stopped = footfall("site", "add", "--data-dir", str(data_dir), "--domain", "example.com", env={"FOOTFALL_PORT": "8123"})
    assert 'src="http://127.0.0.1:8123/footfall.js"' in stopped.stdout  # no server: the configured port
    assert_sentence(footfall("site", "list", "--data-dir", str(data_dir), env={"FOOTFALL_PUBLIC_URL": "stats.example.org"}),
                    "invalid setting 'public_url': must be an http:// or https:// URL with a host")


def test_site_check_explains_refused_hits_and_site_domains_adds_the_host(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir).start()
    try:
        footfall("site", "add", "--data-dir", str(data_dir), "--domain", "example.org")
        fresh = footfall("site", "check", "1", "--data-dir", str(data_dir))
        assert fresh.returncode == 0, fresh.stderr
        assert "No hits recorded yet: put the tracking snippet on your pages" in fresh.stdout
        for agent in (CHROME_UA, "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/124.0.0.0 Safari/537.36"):
            answer = httpx.get(f"{server.url}/matomo.php", headers={"User-Agent": agent},
                               params={"idsite": 1, "rec": 1, "send_image": 0, "url": "https://staging.example.net/"})
            assert answer.headers["x-footfall-dropped"] == "domain-not-allowed"
        httpx.get(f"{server.url}/matomo.php", headers={"User-Agent": "Mozilla/5.0 HeadlessChrome/124.0"},
                  params={"idsite": 1, "rec": 1, "send_image": 0, "url": "https://example.org/"})
        checked = footfall("site", "check", "1", "--data-dir", str(data_dir))
        assert checked.returncode == 0, checked.stderr
        assert "- 2 hits came from pages on a host that is not one of this site's domains (example.org)." in checked.stdout
        assert "Hosts seen: staging.example.net" in checked.stdout
        assert "footfall site domains 1 --add staging.example.net" in checked.stdout
        assert "- 1 hit came from bots, crawlers or headless browsers" in checked.stdout
        added = footfall("site", "domains", "1", "--add", "staging.example.net", "--data-dir", str(data_dir))
        assert "Site 1 (example.org) domains: example.org, staging.example.net" in added.stdout
        deadline = time.monotonic() + 10  # the server's site cache refreshes every few seconds
        while True:
            answer = httpx.get(f"{server.url}/matomo.php", headers={"User-Agent": CHROME_UA},
                               params={"idsite": 1, "rec": 1, "send_image": 0, "url": "https://staging.example.net/"})
            if "x-footfall-dropped" not in answer.headers or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert "x-footfall-dropped" not in answer.headers
    finally:
        server.terminate()
