"""Only web pages are hits: a page (or link) URL that is not http or https is malformed.

``javascript:alert(1)``, ``data:…``, ``file:///…`` or a URL with no host would
otherwise be stored as a pageview of the site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from collector.context import PipelineContext
from collector.hit import DropReason, Hit

PAGE_SCHEMES = frozenset({"http", "https"})


def is_page_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() in PAGE_SCHEMES and bool(parts.hostname)
    except ValueError:
        return False


def drop_non_page_url(hit: Hit, context: PipelineContext) -> DropReason | None:
    if not is_page_url(hit.url):
        return DropReason.MALFORMED
    if hit.link_url and not is_page_url(hit.link_url):
        return DropReason.MALFORMED
    return None
