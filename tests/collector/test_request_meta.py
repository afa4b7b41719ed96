"""What the HTTP layer reads from a tracking request's headers."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from collector.request_meta import has_opt_out_cookie, request_meta
from footfall.settings import Settings


def request(headers: dict[str, str], client: tuple[str, int] | None = ("192.0.2.5", 50000)) -> Request:
    scope = {
        "type": "http", "method": "GET", "path": "/matomo.php", "query_string": b"",
        "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()],
        "client": client,
    }
    return Request(scope)


@pytest.mark.parametrize(
    ("cookie", "opted_out"),
    [
        ("footfall_optout=1", True),
        ("a=b; footfall_optout=1; c=d", True),
        ("piwik_ignore=1", True),
        ("mtm_consent_removed=1", True),
        ("footfall_optout=0", False),
        ("footfall_optout=", False),
        ("other=footfall_optout", False),
        ("", False),
        ('footfall_optout=1; broken="', True),
    ],
)
def test_opt_out_cookies(cookie: str, opted_out: bool) -> None:
    assert has_opt_out_cookie(cookie) is opted_out


@pytest.mark.parametrize(
    ("headers", "prefetch"),
    [
        ({"Sec-Purpose": "prefetch"}, True),
        ({"Sec-Purpose": "prefetch;prerender"}, True),
        ({"Purpose": "prefetch"}, True),
        ({"X-Purpose": "preview"}, True),
        ({"X-Moz": "prefetch"}, True),
        ({}, False),
    ],
)
def test_prefetch_headers(headers: dict[str, str], prefetch: bool) -> None:
    assert request_meta(request(headers), Settings()).prefetch is prefetch


def test_privacy_signals_and_request_values() -> None:
    meta = request_meta(request({
        "DNT": "1", "Sec-GPC": "1", "User-Agent": "UA " + "x" * 3000, "Accept-Language": "de-DE",
        "Origin": "https://example.com", "Referer": "https://example.com/page", "Cookie": "footfall_optout=1",
    }), Settings())
    assert (meta.dnt, meta.gpc, meta.opt_out_cookie) == (True, True, True)
    assert len(meta.user_agent) == 2000
    assert (meta.accept_language, meta.origin, meta.referer_header) == ("de-DE", "https://example.com",
                                                                        "https://example.com/page")
    quiet = request_meta(request({"DNT": "0", "Sec-GPC": "0"}), Settings())
    assert (quiet.dnt, quiet.gpc, quiet.opt_out_cookie, quiet.prefetch) == (False, False, False, False)
