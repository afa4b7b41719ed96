"""Drop hits whose referrer is a known spam domain, or one the site lists."""

from __future__ import annotations

from collector.context import PipelineContext
from collector.hit import DropReason, Hit
from collector.referrers import SPAM_DOMAINS
from footfall.urls import host_of


def _listed(host: str, domains: frozenset[str] | tuple[str, ...]) -> bool:
    parts = host.split(".")
    return any(".".join(parts[i:]) in domains for i in range(len(parts) - 1))


def drop_referrer_spam(hit: Hit, context: PipelineContext) -> DropReason | None:
    if not hit.referrer:
        return None
    host = host_of(hit.referrer)
    if not host:
        return None
    if _listed(host, SPAM_DOMAINS):
        return DropReason.REFERRER_SPAM
    if hit.site is not None and hit.site.referrer_spam and _listed(host, hit.site.referrer_spam):
        return DropReason.REFERRER_SPAM
    return None
