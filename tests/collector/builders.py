"""Pure, in-memory building blocks for stage tests: no disk, no network, no clock."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timezone
from typing import Any

from collector.context import PipelineContext
from collector.geoip import GeoLookup
from collector.hit import Hit
from collector.user_agent import UserAgentClassifier
from footfall import settings as settings_module
from footfall.metadata.sites import Site
from footfall.settings import Settings

NOW = datetime(2024, 5, 14, 12, 30, tzinfo=timezone.utc)
SALT = b"s" * 32
SECRET = b"server-secret-for-tests"
TOKEN = "0123456789abcdef0123456789abcdef"
CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)


def make_settings(**overrides: Any) -> Settings:
    return settings_module.load(config_file=None, environ={}, overrides={"geoip_path": "none", **overrides})


def make_site(site_id: int = 1, domains: tuple[str, ...] = ("example.com",), **fields: Any) -> Site:
    excluded = tuple(fields.pop("excluded_ips", ()))
    networks = tuple(ipaddress.ip_network(value, strict=False) for value in excluded)
    return Site(
        id=site_id,
        name=domains[0],
        domains=domains,
        token_auth=fields.pop("token_auth", TOKEN),
        excluded_ips=excluded,
        excluded_networks=networks,
        **fields,
    )


def make_context(
    *sites: Site,
    settings: Settings | None = None,
    now: datetime = NOW,
    salt: bytes = SALT,
    geo: GeoLookup | None = None,
) -> PipelineContext:
    by_id = {site.id: site for site in (sites or (make_site(),))}
    return PipelineContext(
        settings=settings or make_settings(),
        find_site=by_id.get,
        salt_for=lambda when: salt,
        secret=SECRET,
        user_agents=UserAgentClassifier(100),
        geo=geo,
        clock=lambda: now,
    )


def make_hit(context: PipelineContext | None = None, **fields: Any) -> Hit:
    """A plausible pageview hit for site 1; with a context, its site is already resolved."""
    values: dict[str, Any] = {
        "ip": "203.0.113.77",
        "user_agent": CHROME_UA,
        "site_id": 1,
        "timestamp": NOW,
        "url": "https://example.com/page",
    }
    values.update(fields)
    hit = Hit(**values)
    if context is not None and hit.site is None:
        hit.site = context.find_site(hit.site_id)
    return hit
