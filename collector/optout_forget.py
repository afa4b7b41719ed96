"""``POST /optout/forget``: a visitor deletes the data collected about them.

Only sites in cookie mode can offer this: there the stored visitor ID is the
Matomo ``_id`` cookie hashed with the server secret, so the browser that holds
the cookie names exactly one pseudonymous visitor.  (Cookieless sites hash a
salt that is destroyed every day; nothing can be tied to a browser.)

The body (form-encoded or JSON) carries ``idsite`` and ``visitor``, the 16 hex
characters of ``_id``.  Only the site itself can read its first-party cookie,
so the request must come from one of the site's own origins (the optout.js
widget on its privacy page), or from the collector's ``/optout`` page with its
double-submit token.  Deletions are mutations, so they are rate-limited per
client (a per-site limit would let anyone block every visitor's requests).
The ``_id`` is never logged: it leaves this module only as its hash.

The Origin check keeps other web pages out.  Outside a browser anyone can send
any Origin; there the 64-bit ``_id`` itself is what names the visitor, the
rate limit bounds what guessing could do, and the answer is the same whether
there was anything to delete or not, so it tells a guesser nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from collector import optout_page
from collector.cors import origin_host, preflight
from collector.endpoints import read_body
from collector.rate_limit import FORGETS_PER_WINDOW, WINDOW_SECONDS, ClientRateLimiter  # noqa: F401
from collector.state import services_of
from footfall import deletion
from footfall.forwarded import client_address
from footfall.metadata.sites import Site

logger = logging.getLogger("footfall.collector")

MAX_BODY_BYTES = 4096
DRAIN_SECONDS = 10.0
DONE = {"status": "done", "message": "Nothing collected about this browser is stored any more."}


def site_cors(origin: str, site: Site | None) -> dict[str, str]:
    """CORS headers for a browser on one of ``site``'s own origins, else none."""
    host = origin_host(origin)
    if site is None or not host or not site.allows_host(host):
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def parse_fields(body: bytes, content_type: str) -> dict[str, str] | None:
    """The body's fields (form-encoded or JSON), or None when it cannot be read."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return None
        if not isinstance(data, dict):
            return None
        return {str(key): str(value) for key, value in data.items() if isinstance(value, (str, int))}
    return dict(parse_qsl(text, keep_blank_values=True))


def _answer(body: dict[str, object], status: int, headers: dict[str, str]) -> JSONResponse:
    return JSONResponse(body, status, {**headers, "Cache-Control": "no-store"})


async def forget(request: Request) -> Response:
    services = services_of(request)
    if request.method == "OPTIONS":
        return preflight(request, services.sites)
    origin = request.headers.get("origin", "")
    body = await read_body(request, MAX_BODY_BYTES)
    if body is None:
        return _answer({"error": "the request is too large"}, 413, {})
    fields = parse_fields(body, request.headers.get("content-type", ""))
    if fields is None:
        return _answer({"error": "expected a form or a JSON object with idsite and visitor"}, 400, {})
    raw_site = fields.get("idsite", "").strip()
    site = services.sites.cached(int(raw_site)) if optout_page.SITE_ID.fullmatch(raw_site) else None
    cors = site_cors(origin, site)
    if site is None:
        return _answer({"error": "idsite must name an existing site"}, 400, cors)
    tracker_id = fields.get("visitor", "").strip().lower()
    if not deletion.TRACKER_ID.fullmatch(tracker_id):
        return _answer({"error": "visitor must be the 16 hexadecimal characters of the _id cookie"}, 400, cors)

    from_page = optout_page.token_matches(
        services, fields.get("csrf", ""), request.cookies.get(optout_page.CSRF_COOKIE, "")
    )
    if not cors and not from_page:
        return _answer({"error": "only the site's own pages may ask for this deletion"}, 403, {})
    if not site.cookie_mode:
        return _answer(
            {
                "error": (
                    f"site {site.id} is cookieless: its visitor IDs change daily and cannot be tied to a browser, "
                    "so there is nothing to delete by cookie"
                )
            },
            409,
            cors,
        )
    wait = services.forget_limiter.wait(client_address(request, services.settings))
    if wait:
        retry = str(max(1, round(wait)))
        busy = {"error": "too many deletion requests; try again shortly"}
        return _answer(busy, 429, {**cors, "Retry-After": retry})
    # Hits still in the spool were acknowledged: store them first, so the delete reaches them too.
    if not await services.writer.drain(DRAIN_SECONDS):
        return _answer({"error": "storage is behind; try again shortly"}, 503, {**cors, "Retry-After": "10"})
    visitor = deletion.Visitor(site_id=site.id, tracker_id=tracker_id)
    try:
        done = await asyncio.to_thread(deletion.forget, services.storage, services.secret.encode(), visitor)
    except Exception as exc:  # storage down between the drain and the delete
        logger.warning("a visitor's deletion on site %d failed: %s", site.id, type(exc).__name__)
        return _answer({"error": "storage is unavailable; try again shortly"}, 503, {**cors, "Retry-After": "10"})
    logger.info("a visitor of site %d deleted their data: %d events", site.id, done.deleted)
    # The same answer whether there was anything to delete: it must not tell whether an ID has data.
    return _answer(DONE, 200, cors)
