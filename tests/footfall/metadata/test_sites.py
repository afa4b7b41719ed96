"""The site store's domain lookups, which the collector runs on every hit."""

from __future__ import annotations

import re

import pytest

from footfall.metadata.db import Database
from footfall.metadata.sites import SiteError, SiteStore

HOSTS = [
    "example.com", "www.example.com", "shop.example.com", "a.b.example.com", "EXAMPLE.COM.", "example.org",
    "notexample.com", "example.com.evil.org", "blog.example.org", "127.0.0.1", "127.0.0.2", "localhost", "",
]


@pytest.fixture
def store() -> SiteStore:
    sites = SiteStore(Database(":memory:"))
    sites.add("Example", ["example.com"])
    sites.add("Blog", ["blog.example.org", "127.0.0.1"])
    return sites


def test_an_origin_is_allowed_exactly_when_some_site_allows_its_host(store: SiteStore) -> None:
    for host in HOSTS:
        expected = any(site.allows_host(host) for site in store.list())
        assert store.origin_allowed(host) is expected, host
    assert store.origin_allowed("shop.example.com") and not store.origin_allowed("example.com.evil.org")


def test_a_wildcard_site_allows_every_origin(store: SiteStore) -> None:
    store.add("Anything", ["*"])
    assert all(store.origin_allowed(host) for host in HOSTS)


def test_domains_are_found_without_www_and_case(store: SiteStore) -> None:
    assert store.cached_by_domain("WWW.Example.com").name == "Example"
    assert store.cached_by_domain("blog.example.org").name == "Blog"
    assert store.cached_by_domain("example.org") is None


def test_ensure_column_adds_a_column_once() -> None:
    from footfall.metadata.db import Database

    db = Database(":memory:")
    db.ensure_column("salts", "note", "TEXT NOT NULL DEFAULT ''")
    db.ensure_column("salts", "note", "TEXT NOT NULL DEFAULT ''")
    names = [row["name"] for row in db.fetchall("PRAGMA table_info(salts)")]
    assert names.count("note") == 1


@pytest.mark.parametrize("given, stored", [
    ("http://example.org/path", "example.org"), ("HTTPS://WWW.Example.org:8443/?q#x", "example.org"),
    ("user@example.org", "example.org"), ("bücher.de", "xn--bcher-kva.de"), ("localhost", "localhost"),
    ("10.0.0.1", "10.0.0.1"), ("*", "*"),
])
def test_a_domain_is_normalised_to_its_host(given: str, stored: str) -> None:
    sites = SiteStore(Database(":memory:"))
    site = sites.add("", [given])
    assert site.domains == (stored,) and site.name == stored  # the name defaults to the domain as stored


@pytest.mark.parametrize("given, message", [
    ("-", "domains: '-' is not a domain name"), ("a..b", "domains: 'a..b' is not a domain name"),
    ("-example.org", "is not a domain name"), ("*.example.org", "is not a domain name"),
    ("ex ample.org", "is not a domain name"), ("", "domains: a domain is empty"), ("   ", "domains: a domain is empty"),
])
def test_what_is_not_a_host_name_is_refused_naming_the_domain(given: str, message: str) -> None:
    sites = SiteStore(Database(":memory:"))
    with pytest.raises(SiteError, match=re.escape(message)):
        sites.add("", [given])
    assert sites.list() == []
