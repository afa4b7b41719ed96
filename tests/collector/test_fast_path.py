"""Tracking hits go straight to their endpoint; everything else through the app as before."""

from __future__ import annotations

import logging

import pytest

from collector import endpoints
from tests.support import FIREFOX_UA, LiveServer


def test_hits_take_the_fast_path_and_are_stored(live_server: LiveServer) -> None:
    site = live_server.add_site("example.com")
    with live_server.client() as client:
        for path in ("/matomo.php", "/piwik.php"):
            response = client.get(f"{path}?idsite={site.id}&rec=1&url=https://example.com{path}&send_image=0",
                                  headers={"User-Agent": FIREFOX_UA})
            assert response.status_code == 204
        preflight = client.options("/matomo.php", headers={"Origin": "https://example.com"})
        assert preflight.headers["access-control-allow-origin"] == "https://example.com"
        assert client.get("/healthz").status_code == 200  # the rest of the app is unchanged
        assert client.put("/matomo.php").status_code == 405
        assert client.head("/matomo.php").status_code == 200
    assert sorted(row["pathname"] for row in live_server.rows()) == ["/matomo.php", "/piwik.php"]


def test_an_unexpected_error_is_a_plain_500_that_logs_nothing_of_the_request(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(request: object, trust: bool) -> None:
        raise ValueError("the visitor's user agent would be here")

    monkeypatch.setattr(endpoints, "request_meta", broken)
    with caplog.at_level(logging.ERROR, logger="footfall"), live_server.client() as client:
        response = client.get("/matomo.php?idsite=1&rec=1", headers={"User-Agent": FIREFOX_UA})
    assert response.status_code == 500
    assert response.text == "internal error\n"
    assert "unhandled error on /matomo.php: ValueError" in caplog.text
    assert "user agent would be here" not in caplog.text and FIREFOX_UA not in caplog.text
