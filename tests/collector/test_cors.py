"""CORS for the tracking endpoints: the Origin is parsed strictly before it is compared."""

from __future__ import annotations

import pytest

from collector.cors import cors_headers, origin_host
from footfall.metadata.db import Database
from footfall.metadata.sites import SiteStore


@pytest.mark.parametrize("origin, host", [
    ("https://shop.example", "shop.example"),
    ("http://www.shop.example:8080", "www.shop.example"),
    ("HTTPS://Shop.Example", "shop.example"),
    ("http://[2001:db8::1]:443", "[2001:db8::1]"),
])
def test_well_formed_origins(origin: str, host: str) -> None:
    assert origin_host(origin) == host


@pytest.mark.parametrize("origin", [
    "null", "", "shop.example", "https://", "https://shop.example/", "https://shop.example/path",
    "https://evil.example@shop.example", "https://shop.example?x", "https://shop.example#x",
    "javascript://shop.example", "file://shop.example", "https://shop.example:99999", "https://shop.example:",
    "https://shop .example", "https://shop.example\r\nX: y", "https://-shop.example", "https://shop..example",
])
def test_malformed_origins_have_no_host(origin: str) -> None:
    assert origin_host(origin) == ""


def test_only_a_strict_origin_of_a_site_gets_cors_headers(tmp_path) -> None:
    sites = SiteStore(Database(tmp_path / "m.sqlite3"))
    sites.add("shop", ["shop.example"])
    assert cors_headers("https://www.shop.example", sites)["Access-Control-Allow-Origin"] == "https://www.shop.example"
    for origin in ("https://evil.example@shop.example", "https://shop.example/x", "https://shop.example.evil.example"):
        assert cors_headers(origin, sites) == {}, origin
