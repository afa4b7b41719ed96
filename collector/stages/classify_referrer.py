"""Referrer: keep host and path only, and classify it.

Types: ``campaign`` (the page URL carries campaign parameters; its source is
named like a referrer, see :func:`collector.referrers.source_name`), ``search``,
``social``, ``website``, ``internal`` (another page of the same site) and
``direct`` (no referrer).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from collector.context import PipelineContext
from collector.hit import DropReason, Hit
from collector.referrers import known_host, search_engine, social_network, source_name

MAX_REFERRER_LENGTH = 1000


def strip_referrer(url: str) -> tuple[str, str]:
    """Return (host + path, host); query and fragment are dropped."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "", ""
    if parts.scheme not in ("http", "https") and not parts.netloc:
        host = (parts.scheme + ":") if parts.scheme else ""
        return host[:MAX_REFERRER_LENGTH], host
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    return (host + parts.path)[:MAX_REFERRER_LENGTH], host[:255]


def classify_referrer(hit: Hit, context: PipelineContext) -> DropReason | None:
    hit.referrer, hit.referrer_host = strip_referrer(hit.referrer) if hit.referrer else ("", "")
    host = hit.referrer_host
    if hit.utm_source or hit.utm_medium or hit.utm_campaign:
        hit.referrer_type = "campaign"
        hit.referrer_name = source_name(hit.utm_source) if hit.utm_source else (known_host(host) or host or hit.utm_campaign)
    elif not host:
        hit.referrer_type, hit.referrer_name = "direct", ""
    elif hit.site is not None and hit.site.allows_host(host):
        hit.referrer_type, hit.referrer_name = "internal", ""
    elif name := search_engine(host):
        hit.referrer_type, hit.referrer_name = "search", name
    elif name := social_network(host):
        hit.referrer_type, hit.referrer_name = "social", name
    else:
        hit.referrer_type, hit.referrer_name = "website", host
    return None
