"""Size limits on a request's head, enforced by the HTTP server before the app sees it.

uvicorn's h11 parser bounds the request line and headers together with
``h11_max_incomplete_event_size``; its httptools parser has no such option, so
:class:`LimitedHttpToolsProtocol` counts the bytes of the head itself and
answers 431 when they exceed the limit.  The limit leaves room for the longest
tracking hit and then some: a hit over ``max_hit_bytes`` still reaches the
collector, which drops it with its reason (``too-large``) and counts it.
"""

from __future__ import annotations

from typing import Any

from footfall.settings import Settings

HEADER_BYTES = 32 * 1024  # every header together (nginx's default is four 8 KB buffers)
URL_SLACK = 2048  # path, parameter names and the rest of the request line around a hit's query string


def max_url_bytes(settings: Settings) -> int:
    """Room for the request target: a tracking hit may carry ``max_hit_bytes`` of query string."""
    return max(8192, settings.max_hit_bytes + URL_SLACK)


def max_head_bytes(settings: Settings) -> int:
    """The request line and every header together."""
    return max_url_bytes(settings) + HEADER_BYTES


REFUSED = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 29\r\n"
    b"connection: close\r\n"
    b"x-content-type-options: nosniff\r\n"
    b"\r\n"
    b"request headers are too large"
)

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is optional for uvicorn
    HttpToolsProtocol = None  # type: ignore[assignment,misc]


def httptools_protocol(settings: Settings) -> type | None:
    """An httptools protocol class with the head limits of ``settings``, or None without httptools."""
    if HttpToolsProtocol is None:
        return None
    head_limit = max_head_bytes(settings)

    class LimitedHttpToolsProtocol(HttpToolsProtocol):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._head_bytes = 0
            self._in_head = True

        def data_received(self, data: bytes) -> None:
            if self._in_head:
                self._head_bytes += len(data)
                if self._head_bytes > head_limit:
                    self._in_head = False
                    self.transport.write(REFUSED)
                    self.transport.close()
                    return
            super().data_received(data)

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._in_head = True
            self._head_bytes = 0

    return LimitedHttpToolsProtocol


def server_options(settings: Settings, http: str = "auto") -> dict[str, Any]:
    """The uvicorn.Config options that apply the limits, for the h11 or httptools implementation."""
    options: dict[str, Any] = {"h11_max_incomplete_event_size": max_head_bytes(settings)}
    limited = httptools_protocol(settings) if http in ("auto", "httptools") else None
    options["http"] = limited if limited is not None else "h11"
    return options
