"""The short list of page hosts a site refused: bounded, throttled, and gone with the site."""

from __future__ import annotations

from footfall.metadata.db import Database
from footfall.metadata.hosts_seen import MAX_HOSTS_PER_SITE, HostsSeen
from footfall.metadata.sites import SiteStore


def test_only_the_latest_few_hosts_are_kept_and_repeats_are_counted_without_a_write_each() -> None:
    db = Database(":memory:")
    site = SiteStore(db).add("Shop", ["example.org"])
    now = [0.0]
    seen = HostsSeen(db, clock=lambda: now[0])
    for number in range(MAX_HOSTS_PER_SITE + 3):
        now[0] += 1
        seen.note(site.id, f"host{number}.example.net")
    hosts = [item.host for item in seen.list(site.id)]
    assert len(hosts) == MAX_HOSTS_PER_SITE and "host0.example.net" not in hosts
    latest = f"host{MAX_HOSTS_PER_SITE + 2}.example.net"
    for _ in range(10):
        seen.note(site.id, latest.upper())  # within the minute: counted, not written
    assert next(item.hits for item in seen.list(site.id) if item.host == latest) == 1
    now[0] += 61
    seen.note(site.id, latest)
    assert next(item.hits for item in seen.list(site.id) if item.host == latest) == 12
    seen.note(999, "x.example.net")  # no such site: nothing kept
    seen.note(site.id, "")
    assert len(seen.list(site.id)) == MAX_HOSTS_PER_SITE
    SiteStore(db).delete(site.id)
    assert seen.list(site.id) == []
