"""The footfall command: site add prints id, snippet and token_auth; site list shows them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from footfall.app.cli import main
from footfall.app.services import open_metadata
from footfall.metadata.sites import SiteStore
from tests.support import make_settings


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_site_add_prints_id_token_and_snippets(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    result = run("site", "add", "--domain", "https://www.Example.com/", "--domain", "shop.example.com",
                 "--name", "Example", "--data-dir", data, "--collector-url", "https://stats.example.com")
    assert result.exit_code == 0, result.output
    site_id = int(re.search(r"Site (\d+) added: Example \(example\.com, shop\.example\.com\)", result.output).group(1))
    token = re.search(r"token_auth[^:]*: ([0-9a-f]{32})", result.output).group(1)
    assert f'src="https://stats.example.com/footfall.js" data-site="{site_id}"' in result.output
    assert 'src="https://stats.example.com/optout.js"' in result.output
    assert '<div id="footfall-optout"></div>' in result.output

    db = open_metadata(make_settings(tmp_path / "data"))
    try:
        site = SiteStore(db).get(site_id)
    finally:
        db.close()
    assert site is not None
    assert site.token_auth == token
    assert site.domains == ("example.com", "shop.example.com")


def test_default_snippet_points_at_the_configured_host_and_port(tmp_path: Path) -> None:
    result = run("site", "add", "--domain", "example.org", "--data-dir", str(tmp_path))
    assert result.exit_code == 0
    assert 'src="http://127.0.0.1:8000/footfall.js" data-site="1"' in result.output


def test_each_site_gets_its_own_token(tmp_path: Path) -> None:
    tokens = set()
    for domain in ("a.test", "b.test", "c.test"):
        output = run("site", "add", "--domain", domain, "--data-dir", str(tmp_path)).output
        tokens.add(re.search(r"token_auth[^:]*: ([0-9a-f]{32})", output).group(1))
    assert len(tokens) == 3


def test_invalid_domain_and_timezone_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["site", "add", "--domain", "not a domain!", "--data-dir", str(tmp_path)])
    assert result.exit_code != 0 and "domains" in result.output
    result = CliRunner().invoke(main, ["site", "add", "--domain", "ok.test", "--timezone", "Mars/Base",
                                       "--data-dir", str(tmp_path)])
    assert result.exit_code != 0 and "timezone" in result.output
    assert "No sites yet" in run("site", "list", "--data-dir", str(tmp_path)).output


def test_site_list(tmp_path: Path) -> None:
    data = str(tmp_path)
    assert "No sites yet" in run("site", "list", "--data-dir", data).output
    run("site", "add", "--domain", "example.com", "--data-dir", data)
    run("site", "add", "--domain", "blog.example.net", "--name", "Blog", "--timezone", "Europe/Berlin", "--data-dir", data)
    lines = run("site", "list", "--data-dir", data).output.splitlines()
    assert re.match(r"\s*1\s+example\.com\s+example\.com\s+UTC", lines[0])
    assert re.match(r"\s*2\s+Blog\s+blog\.example\.net\s+Europe/Berlin", lines[1])
    listed = json.loads(run("site", "list", "--json", "--data-dir", data).output)
    assert listed == [
        {"id": 1, "name": "example.com", "domains": ["example.com"], "timezone": "UTC"},
        {"id": 2, "name": "Blog", "domains": ["blog.example.net"], "timezone": "Europe/Berlin"},
    ]
    assert "token" not in json.dumps(listed)  # the list never shows secrets


def test_help_shows_the_commands() -> None:
    output = run("--help").output
    for command in ("serve", "migrate", "site"):
        assert command in output
    serve_help = run("serve", "--help").output
    assert "--collector-only" in serve_help and "--dashboard-only" in serve_help and "--port" in serve_help


def test_serve_refuses_both_only_flags(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--collector-only", "--dashboard-only", "--data-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "exclude each other" in result.output


def test_site_add_blames_the_domain_for_a_bad_or_empty_one(tmp_path: Path) -> None:
    for given, message in (("-", "domains: '-' is not a domain name"), ("", "domains: a domain is empty")):
        result = CliRunner().invoke(main, ["site", "add", "--domain", given, "--data-dir", str(tmp_path)])
        assert result.exit_code == 1 and f"Error: {message}" in result.output and "name:" not in result.output
    added = run("site", "add", "--domain", "http://example.org/path", "--data-dir", str(tmp_path))
    assert "Site 1 added: example.org (example.org)" in added.output


def test_site_delete_asks_first_and_deletes_the_site(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    run("site", "add", "--domain", "example.org", "--data-dir", data)
    kept = CliRunner().invoke(main, ["site", "delete", "1", "--data-dir", data], input="n\n")
    assert kept.exit_code == 1 and "Delete site 1 (example.org, example.org) and all its events?" in kept.output
    assert "example.org" in run("site", "list", "--data-dir", data).output
    deleted = run("site", "delete", "1", "--yes", "--data-dir", data)
    assert deleted.exit_code == 0 and "Deleted site 1 (example.org) and its 0 event(s)." in deleted.output
    assert "No sites yet" in run("site", "list", "--data-dir", data).output
    missing = CliRunner().invoke(main, ["site", "delete", "1", "--yes", "--data-dir", data])
    assert missing.exit_code == 1 and "site 1 does not exist" in missing.output


def test_archive_builds_the_closed_days_of_every_site(tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from footfall.app.services import open_storage

    data = str(tmp_path / "data")
    assert run("site", "add", "--domain", "example.com", "--timezone", "UTC", "--data-dir", data).exit_code == 0
    storage = open_storage(make_settings(tmp_path / "data"))
    try:
        # Three days ago: at least two closed days whatever the time (yesterday closes half an hour after midnight).
        three_days_ago = datetime.now(timezone.utc) - timedelta(days=3)
        storage.command(
            "INSERT INTO events (site_id, timestamp, visitor_id, visit_id, visit_start, event_type, pathname) "
            "VALUES (1, {t:DateTime64(3, 'UTC')}, 7, 70, {t:DateTime64(3, 'UTC')}, 'pageview', '/')", {"t": three_days_ago})
    finally:
        storage.close()
    result = run("archive", "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert re.search(r"site 1: built [2-9] days, [01] months?, \d+ ranges?, \d+ hours? in", result.output), result.output
    again = run("archive", "--data-dir", data)
    assert "built 0 days, 0 months, 0 ranges, 0 hours" in again.output
