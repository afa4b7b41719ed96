"""CORS for the tracking endpoints: a site's own domains may POST hits cross-origin."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from footfall.metadata.sites import SiteStore

PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "86400",
}


# RFC 6454 serialized origin: scheme "://" host [":" port], nothing else (no user, path, query or spaces).
ORIGIN = re.compile(
    r"(?P<scheme>https?)://(?P<host>[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*"
    r"|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?",
    re.IGNORECASE,
)


def origin_host(origin: str) -> str:
    """The host of a well-formed ``Origin`` header, lower-cased; "" for ``null`` or anything malformed."""
    match = ORIGIN.fullmatch(origin)
    if match is None or len(origin) > 300:
        return ""
    port = match.group("port")
    if port is not None and not 0 < int(port) <= 65535:
        return ""
    return match.group("host").lower()


def cors_headers(origin: str, sites: SiteStore) -> dict[str, str]:
    if not origin:
        return {}
    host = origin_host(origin)
    if not host or not sites.origin_allowed(host):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Vary": "Origin",
    }


def preflight(request: Request, sites: SiteStore) -> Response:
    headers = cors_headers(request.headers.get("origin", ""), sites)
    if headers:
        headers.update(PREFLIGHT_HEADERS)
        return Response(status_code=204, headers=headers)
    return Response(status_code=204, headers={"Vary": "Origin"})
