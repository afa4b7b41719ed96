"""The data directory holds secrets: only the service user may read it."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from footfall import permissions
from footfall.app.services import build
from tests.support import make_settings

NOBODY = 65534


@pytest.fixture
def open_parent() -> Iterator[Path]:
    """A parent directory anyone may enter, so only the data directory's own modes decide."""
    parent = Path(tempfile.mkdtemp(prefix="footfall-perms-"))
    os.chmod(parent, 0o755)
    try:
        yield parent
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_and_its_secrets_are_private(open_parent: Path) -> None:
    data_dir = open_parent / "data"
    services = build(make_settings(data_dir))
    try:
        metadata = services.settings.metadata_file
        assert mode(data_dir) == 0o700
        assert mode(metadata) == 0o600
        for suffix in ("-wal", "-shm"):
            side = metadata.with_name(metadata.name + suffix)
            assert side.exists() and mode(side) == 0o600, suffix
        assert mode(services.settings.spool_path) == 0o700
        services.writer.spool.append([[1]])
        segments = list(services.settings.spool_path.iterdir())
        assert segments and all(mode(segment) == 0o600 for segment in segments)
    finally:
        services.writer.spool.close()
        services.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_another_local_account_cannot_read_the_metadata_file(open_parent: Path) -> None:
    data_dir = open_parent / "data"
    services = build(make_settings(data_dir))
    services.close()
    reader = subprocess.run(
        ["head", "-c", "16", str(services.settings.metadata_file)],
        user=NOBODY, group=NOBODY, capture_output=True, text=True, timeout=30, cwd="/",
        env={"PATH": "/usr/bin:/bin"},
    )
    assert reader.returncode != 0
    assert "Permission denied" in reader.stderr


def test_wider_modes_are_reported_at_start(open_parent: Path, caplog: pytest.LogCaptureFixture) -> None:
    data_dir = open_parent / "data"
    build(make_settings(data_dir)).close()
    os.chmod(data_dir, 0o755)
    os.chmod(data_dir / "metadata.sqlite3", 0o644)
    caplog.set_level(logging.WARNING, logger="footfall")
    services = build(make_settings(data_dir))
    services.close()
    warnings = [record.getMessage() for record in caplog.records if "readable by other users" in record.getMessage()]
    assert any(f"chmod 700 {data_dir}" in message for message in warnings)
    assert any(f"chmod 600 {data_dir / 'metadata.sqlite3'}" in message for message in warnings)
    assert mode(data_dir) == 0o755  # reported, not changed behind the operator's back
    assert permissions.check(data_dir, data_dir / "metadata.sqlite3", data_dir / "spool")


def test_a_private_installation_has_nothing_to_report(open_parent: Path) -> None:
    data_dir = open_parent / "data"
    build(make_settings(data_dir)).close()
    assert permissions.check(data_dir, data_dir / "metadata.sqlite3", data_dir / "spool") == []
