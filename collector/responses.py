"""The tracker's answers: a 1×1 GIF, 204, or 400, with the drop reason in a header."""

from __future__ import annotations

import base64

from starlette.responses import Response

from collector.hit import DropReason

GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
DROPPED_HEADER = "X-Footfall-Dropped"
NO_STORE = {"Cache-Control": "no-store, max-age=0"}
# Reasons that mean the request itself was wrong; the client hears 400.
CLIENT_ERRORS = frozenset(
    {DropReason.MALFORMED, DropReason.TOO_LARGE, DropReason.UNKNOWN_SITE, DropReason.INVALID_TOKEN}
)


def tracking_response(
    send_image: bool, reason: DropReason | None = None, headers: dict[str, str] | None = None
) -> Response:
    all_headers = dict(NO_STORE)
    if headers:
        all_headers.update(headers)
    if reason is not None:
        all_headers[DROPPED_HEADER] = reason.value
        if reason in CLIENT_ERRORS:
            return Response(f"hit not recorded: {reason.value}\n", 400, all_headers, media_type="text/plain")
    if send_image:
        return Response(GIF, 200, all_headers, media_type="image/gif")
    return Response(status_code=204, headers=all_headers)


def spool_full_response(headers: dict[str, str] | None = None) -> Response:
    all_headers = {"Retry-After": "30", **NO_STORE, **(headers or {})}
    return Response("the collector is busy; retry later\n", 503, all_headers, media_type="text/plain")
