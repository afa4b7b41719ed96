"""Security headers on every response, whatever route, error or static file produced it.

Pages that need a policy of their own (the dashboard, the embeddable
``/optout`` page) set it; everything else gets :data:`DEFAULT_CSP`, which lets
the response do nothing as a document.  A request target longer than the
server's limit is refused here with 414, before routing.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from footfall import forwarded, http_limits
from footfall.settings import Settings

DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HSTS = "max-age=31536000"

_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.max_url = http_limits.max_url_bytes(settings)

    def __getattr__(self, name: str) -> object:  # behaves like the app it wraps (state, routes, ...)
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") > self.max_url:
            await _refuse_long_url(scope, receive, send)
            return
        https = forwarded.is_https(HTTPConnection(scope), self.settings)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = [item for item in _ALWAYS if item[0] not in names]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", DEFAULT_CSP.encode()))
                    if b"x-frame-options" not in names:
                        extra.append((b"x-frame-options", b"DENY"))
                if https and b"strict-transport-security" not in names:
                    extra.append((b"strict-transport-security", HSTS.encode()))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refuse_long_url(scope: Scope, receive: Receive, send: Send) -> None:
    body = b"request target too long\n"
    await send({
        "type": "http.response.start",
        "status": 414,
        "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            (b"x-content-type-options", b"nosniff"),
            (b"content-security-policy", DEFAULT_CSP.encode()),
        ],
    })
    await send({"type": "http.response.body", "body": body})
