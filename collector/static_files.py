"""The tracker and the opt-out script, self-hosted from ``static/``.

- ``/footfall.js`` is the small tracker the printed snippet loads.
- ``/matomo.js`` and ``/piwik.js`` are the Matomo-compatible one (the ``_paq``
  queue), so the standard Matomo snippet works when only its base URL changes.

Each script is read once (again when the file changes) and kept plain, gzipped
and brotli-compressed, with an ETag over its content.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import brotli
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from footfall.paths import STATIC_DIR, require_file

SCRIPTS = {
    "/footfall.js": "footfall.js",
    "/matomo.js": "matomo.js",
    "/piwik.js": "matomo.js",
    "/optout.js": "optout.js",
}
CACHE = "public, max-age=3600"


def accepts(request: Request, coding: str) -> bool:
    """True when the client lists ``coding`` in Accept-Encoding without ``q=0``."""
    for part in request.headers.get("accept-encoding", "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() == coding:
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


class ScriptFile:
    """One script, served plain, gzipped or brotli-compressed, with an ETag."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._loaded_mtime = -1.0
        self.body = b""
        self.gzipped = b""
        self.brotli = b""
        self.etag = ""

    def load(self) -> None:
        """Read the file when it changed. A missing script is an error, never an empty answer."""
        mtime = self.path.stat().st_mtime
        if mtime == self._loaded_mtime:
            return
        self.body = self.path.read_bytes()
        self.gzipped = gzip.compress(self.body, 9, mtime=0)
        self.brotli = brotli.compress(self.body, mode=brotli.MODE_TEXT, quality=11)
        self.etag = f'"{hashlib.blake2b(self.body, digest_size=8).hexdigest()}"'
        self._loaded_mtime = mtime

    async def __call__(self, request: Request) -> Response:
        self.load()
        headers = {
            "Cache-Control": CACHE,
            "ETag": self.etag,
            "Vary": "Accept-Encoding",
            "Access-Control-Allow-Origin": "*",
            "Cross-Origin-Resource-Policy": "cross-origin",
        }
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers=headers)
        body = self.body
        if accepts(request, "br"):
            headers["Content-Encoding"] = "br"
            body = self.brotli
        elif accepts(request, "gzip"):
            headers["Content-Encoding"] = "gzip"
            body = self.gzipped
        return Response(body, headers=headers, media_type="application/javascript")


def static_routes() -> list[Route]:
    """Routes for every script; each file must exist (a missing asset stops start-up)."""
    files: dict[str, ScriptFile] = {}
    routes = []
    for url, name in SCRIPTS.items():
        handler = files.get(name)
        if handler is None:
            handler = files[name] = ScriptFile(require_file(STATIC_DIR / name, f"the script {name}"))
            handler.load()
        # A bound method, so Starlette calls it with a Request (an instance would be taken for an ASGI app).
        routes.append(Route(url, handler.__call__, methods=["GET", "HEAD"]))
    return routes
