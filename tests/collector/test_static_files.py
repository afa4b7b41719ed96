"""The tracker and the opt-out script, served by a real uvicorn: gzip, ETag, names, size budgets."""

from __future__ import annotations

import gzip
import os

import brotli
from pathlib import Path
from typing import Iterator

import pytest

from collector.static_files import ScriptFile
from footfall.paths import STATIC_DIR
from tests.support import LiveServer, free_port, make_settings

# Size budgets as served gzipped: the printed snippet's tracker at most 1 KB, the opt-out script 2 KB.
BUDGETS = {"/footfall.js": 1024, "/optout.js": 2048}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir: Path = tmp_path_factory.mktemp("static") / "data"
    live = LiveServer(make_settings(data_dir, port=free_port())).start()
    try:
        yield live
    finally:
        live.stop()


@pytest.mark.parametrize(
    ("path", "name"),
    [("/footfall.js", "footfall.js"), ("/matomo.js", "matomo.js"), ("/piwik.js", "matomo.js"), ("/optout.js", "optout.js")],
)
def test_scripts_are_served_gzipped_with_an_etag(server: LiveServer, path: str, name: str) -> None:
    source = (STATIC_DIR / name).read_bytes()
    with server.client() as client:
        zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
        squeezed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        again = client.get(path, headers={"If-None-Match": zipped.headers["etag"]})
    assert zipped.status_code == 200
    assert zipped.headers["content-type"].startswith("application/javascript")
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == source  # httpx decodes the body
    assert int(zipped.headers["content-length"]) == len(gzip.compress(source, 9, mtime=0))
    assert squeezed.headers["content-encoding"] == "br"
    assert squeezed.content == source
    assert int(squeezed.headers["content-length"]) < int(zipped.headers["content-length"])
    assert squeezed.headers["etag"] == zipped.headers["etag"]
    assert "content-encoding" not in plain.headers
    assert plain.content == source
    assert plain.headers["etag"] == zipped.headers["etag"]
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.headers["access-control-allow-origin"] == "*"
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("path", sorted(BUDGETS))
def test_scripts_stay_within_their_size_budgets_as_served(server: LiveServer, path: str) -> None:
    with server.client() as client:
        # httpx would decode the body: read the bytes on the wire.
        with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as zipped:
            gzip_bytes = b"".join(zipped.iter_raw())
        with client.stream("GET", path, headers={"Accept-Encoding": "br"}) as squeezed:
            brotli_bytes = b"".join(squeezed.iter_raw())
    assert gzip.decompress(gzip_bytes) == brotli.decompress(brotli_bytes)
    assert len(gzip_bytes) <= BUDGETS[path], f"{path} is {len(gzip_bytes)} bytes gzipped"
    assert len(brotli_bytes) <= BUDGETS[path], f"{path} is {len(brotli_bytes)} bytes with brotli"


def test_the_small_tracker_leaves_the_matomo_queue_to_matomo_js() -> None:
    small = (STATIC_DIR / "footfall.js").read_text()
    full = (STATIC_DIR / "matomo.js").read_text()
    assert "_paq" not in small
    for command in ("trackPageView", "trackEvent", "trackGoal", "setCustomUrl", "setDocumentTitle",
                    "optUserOut", "forgetUserOptOut", "isUserOptedOut"):
        assert command in full, command


def test_scripts_contact_no_one_but_the_collector() -> None:
    for name in ("footfall.js", "matomo.js", "optout.js"):
        text = (STATIC_DIR / name).read_text()
        assert "http://" not in text and "https://" not in text, name
        assert "localStorage" not in text and "sessionStorage" not in text, name
    # The trackers keep no cookie of their own: only matomo.js writes the opt-out cookie, when asked to.
    assert "d.cookie=" not in (STATIC_DIR / "footfall.js").read_text()
    matomo = (STATIC_DIR / "matomo.js").read_text()
    assert matomo.count("d.cookie=") == 1 and "footfall_optout" in matomo


def test_a_changed_file_gets_a_new_etag(tmp_path: Path) -> None:

    path = tmp_path / "script.js"
    path.write_text("var a = 1;")
    script = ScriptFile(path)
    script.load()
    first = script.etag
    path.write_text("var a = 22;")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    script.load()
    assert script.etag != first
    assert gzip.decompress(script.gzipped) == b"var a = 22;"
    assert brotli.decompress(script.brotli) == b"var a = 22;"


def test_a_missing_script_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ScriptFile(tmp_path / "absent.js").load()
