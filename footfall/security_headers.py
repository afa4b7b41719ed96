"""Security headers on every response, whatever route, error or static file produced it.

Pages that need a policy of their own (the dashboard, the embeddable
``/optout`` page) set it; everything else gets :data:`DEFAULT_CSP`, which lets
the response do nothing as a document.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from footfall import forwarded
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

    def __getattr__(self, name: str) -> object:  # behaves like the app it wraps (state, routes, ...)
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
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
