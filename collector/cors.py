"""CORS for the tracking endpoints: a site's own domains may POST hits cross-origin."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from footfall.urls import host_of
from footfall.metadata.sites import SiteStore

PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "86400",
}


def cors_headers(origin: str, sites: SiteStore) -> dict[str, str]:
    if not origin:
        return {}
    host = host_of(origin)
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
