from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from footfall.storage.clickhouse import Storage
from tests.support import LiveServer, free_port, make_settings

# `python -m footfall …` subprocesses run this checkout's code, whatever is installed.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(Path(__file__).resolve().parent.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def live_server(data_dir: Path) -> Iterator[LiveServer]:
    server = LiveServer(make_settings(data_dir, port=free_port())).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def storage(data_dir: Path) -> Iterator[Storage]:
    """Real embedded ClickHouse in a temp dir, migrated."""
    from footfall.app.services import open_storage

    opened = open_storage(make_settings(data_dir))
    try:
        yield opened
    finally:
        opened.close()


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
