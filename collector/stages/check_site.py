"""Drop hits for sites that do not exist, or sent from a page on another domain."""

from __future__ import annotations

from collector.context import PipelineContext
from collector.hit import DropReason, Hit
from footfall.urls import host_of


def check_site(hit: Hit, context: PipelineContext) -> DropReason | None:
    site = context.find_site(hit.site_id)
    if site is None:
        return DropReason.UNKNOWN_SITE
    hit.site = site
    # A browser tells us the page's origin; a page URL on another domain is not this site's.
    for source in (hit.origin, hit.url):
        host = host_of(source)
        if host and not site.allows_host(host):
            hit.refused_host = host  # ingest keeps a short list per site, for the owner to add
            return DropReason.DOMAIN_NOT_ALLOWED
    return None
