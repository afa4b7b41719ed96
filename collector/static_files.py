"""The tracker and the opt-out script, self-hosted from ``static/``.

``/footfall.js`` is also served as ``/matomo.js`` and ``/piwik.js`` so the
standard Matomo snippet works when only its base URL changes.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from footfall.paths import STATIC_DIR, require_file

SCRIPTS = {
    "/footfall.js": "footfall.js",
    "/matomo.js": "footfall.js",
    "/piwik.js": "footfall.js",
    "/optout.js": "optout.js",
}
CACHE = "public, max-age=3600"


class ScriptFile:
    """One script, read once, served plain or gzipped with an ETag."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._loaded_mtime = -1.0
        self.body = b""
        self.gzipped = b""
        self.etag = ""

    def load(self) -> None:
        mtime = self.path.stat().st_mtime if self.path.exists() else 0.0
        if mtime == self._loaded_mtime:
            return
        self.body = self.path.read_bytes() if self.path.exists() else b""
        self.gzipped = gzip.compress(self.body, 9)
        self.etag = f'"{hash(self.body) & 0xFFFFFFFF:08x}"'
        self._loaded_mtime = mtime

    async def __call__(self, request: Request) -> Response:
        self.load()
        if not self.body:
            return Response("not found\n", 404, media_type="text/plain")
        headers = {
            "Cache-Control": CACHE,
            "ETag": self.etag,
            "Vary": "Accept-Encoding",
            "Access-Control-Allow-Origin": "*",
            "Cross-Origin-Resource-Policy": "cross-origin",
        }
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(self.gzipped, headers=headers, media_type="application/javascript")
        return Response(self.body, headers=headers, media_type="application/javascript")


def static_routes() -> list[Route]:
    files: dict[str, ScriptFile] = {}
    routes = []
    for url, name in SCRIPTS.items():
        handler = files.setdefault(name, ScriptFile(require_file(STATIC_DIR / name, f"the script {name}")))
        # A bound method, so Starlette calls it with a Request (an instance would be taken for an ASGI app).
        routes.append(Route(url, handler.__call__, methods=["GET", "HEAD"]))
    return routes
