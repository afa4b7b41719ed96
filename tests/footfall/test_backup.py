"""``footfall backup`` while the server runs, and ``footfall restore`` into an empty data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from dashboard.accounts import Accounts
from dashboard.goals import GoalStore
from footfall import backup
from footfall.app.services import open_metadata
from footfall.metadata.secrets_store import server_secret
from footfall.metadata.sites import SiteStore
from footfall.storage.clickhouse import Storage
from tests.support import FIREFOX_UA, ServerProcess, make_settings


def footfall(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")}, "FOOTFALL_GEOIP_PATH": "none"}
    return subprocess.run([sys.executable, "-m", "footfall", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=180)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def track(url: str, site_id: int, paths: list[str]) -> None:
    requests = [f"?idsite={site_id}&rec=1&url=https%3A%2F%2F{'example.com' if site_id == 1 else 'shop.example'}"
                f"{path}&action_name=x&_id={index:016x}" for index, path in enumerate(paths)]
    answer = httpx.post(url + "/matomo.php", json={"requests": requests}, headers={"User-Agent": FIREFOX_UA},
                        timeout=30).json()
    assert answer["tracked"] == len(paths), answer


def pathnames(data_dir: Path) -> dict[int, list[str]]:
    storage = Storage(make_settings(data_dir).clickhouse_dsn)
    try:
        rows = storage.query("SELECT site_id, pathname FROM events ORDER BY site_id, pathname")
    finally:
        storage.close()
    found: dict[int, list[str]] = {}
    for site_id, pathname in rows:
        found.setdefault(site_id, []).append(pathname)
    return found


def metadata(data_dir: Path) -> dict[str, object]:
    db = open_metadata(make_settings(data_dir))
    try:
        return {
            "sites": SiteStore(db).list(),
            "users": [(u.email, u.is_admin) for u in Accounts(db).list_users()],
            "passwords": [tuple(row) for row in db.fetchall("SELECT * FROM users ORDER BY id")],
            "goals": [GoalStore(db).list(site_id) for site_id in (1, 2)],
            "secret": server_secret(db),
            "salts": [tuple(row) for row in db.fetchall("SELECT day, salt FROM salts ORDER BY day")],
        }
    finally:
        db.close()


def test_backup_while_serving_then_restore_finds_every_row_site_user_and_goal(tmp_path: Path) -> None:
    data, dest, restored = tmp_path / "data", tmp_path / "backup", tmp_path / "restored"
    ok(footfall("site", "add", "--domain", "example.com", "--data-dir", str(data), cwd=tmp_path))
    ok(footfall("site", "add", "--domain", "shop.example", "--data-dir", str(data), cwd=tmp_path))
    ok(footfall("user", "add", "--email", "boss@example.com", "--password", "long enough", "--admin",
                "--data-dir", str(data), cwd=tmp_path))
    db = open_metadata(make_settings(data))
    GoalStore(db).add(1, "Signed up", "page", "/welcome")
    GoalStore(db).add(2, "Bought", "event", "purchase")
    db.close()

    server = ServerProcess(data).start()
    try:
        track(server.url, 1, [f"/before/{i}" for i in range(20)])
        track(server.url, 2, [f"/before/{i}" for i in range(7)])
        # The hits are acknowledged, perhaps still in the spool: the backup must hold them all.
        out = ok(footfall("backup", str(dest), "--data-dir", str(data), cwd=tmp_path))
        assert "Backed up 27 event(s)" in out
        track(server.url, 1, ["/after/1", "/after/2"])  # not in the backup
        refused = footfall("backup", str(dest), "--data-dir", str(data), cwd=tmp_path)
        assert refused.returncode != 0 and "not an empty directory" in refused.stderr
    finally:
        server.terminate()

    manifest = backup.read_manifest(dest)
    assert manifest.events == 27 and manifest.migrations
    assert "Restored 27 event(s)" in ok(footfall("restore", str(dest), "--data-dir", str(restored), cwd=tmp_path))
    before = {1: sorted(f"/before/{i}" for i in range(20)), 2: sorted(f"/before/{i}" for i in range(7))}
    assert pathnames(restored) == before
    assert pathnames(data) == {1: sorted(before[1] + ["/after/1", "/after/2"]), 2: before[2]}
    original = metadata(data)
    assert original["goals"] and original["salts"] and original["users"] == [("boss@example.com", True)]
    assert metadata(restored) == original

    again = footfall("restore", str(dest), "--data-dir", str(restored), cwd=tmp_path)
    assert again.returncode != 0 and "is not empty" in again.stderr


def test_a_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    (tmp_path / "junk").mkdir()
    result = footfall("restore", str(tmp_path / "junk"), "--data-dir", str(tmp_path / "d"), cwd=tmp_path)
    assert result.returncode != 0 and "is not a Footfall backup" in result.stderr
    assert not (tmp_path / "d").exists()


def test_a_manifest_that_footfall_did_not_write_is_refused(tmp_path: Path) -> None:
    for name in (backup.CLICKHOUSE_DIR, backup.METADATA_FILE):
        (tmp_path / name).mkdir()
    (tmp_path / backup.MANIFEST).write_text('{"format": 1}')
    with pytest.raises(backup.BackupError, match="not one Footfall wrote"):
        backup.read_manifest(tmp_path)
    (tmp_path / backup.MANIFEST).write_text(
        '{"format": 99, "version": "9", "created_at": "x", "migrations": [], "tables": {}}')
    with pytest.raises(backup.BackupError, match="format 99"):
        backup.read_manifest(tmp_path)


@pytest.mark.parametrize(("dest", "message"), [
    ("relative/dir", "absolute path"),
    ("/tmp/bad\nname", "control characters"),
])
def test_a_backup_destination_is_checked(dest: str, message: str) -> None:
    with pytest.raises(backup.BackupError, match=message):
        backup.check_destination(Path(dest))
