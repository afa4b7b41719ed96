"""What a tracking request's headers say: client address, UA, privacy signals, cookies."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from starlette.requests import Request

from collector.hit import RequestMeta
from footfall.forwarded import client_address
from footfall.settings import Settings

# The collector-domain cookie set by /optout, the first-party one set by optout.js
# (reaching the collector when it runs on the site's own domain), and Matomo's names.
OPT_OUT_COOKIES = ("footfall_optout", "piwik_ignore", "mtm_consent_removed")


def has_opt_out_cookie(cookie_header: str) -> bool:
    if not cookie_header or not any(name in cookie_header for name in OPT_OUT_COOKIES):
        return False
    cookies = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except CookieError:
        return any(f"{name}=" in cookie_header for name in OPT_OUT_COOKIES)
    return any(name in cookies and cookies[name].value not in ("", "0") for name in OPT_OUT_COOKIES)


def is_prefetch(request: Request) -> bool:
    headers = request.headers
    purpose = (headers.get("sec-purpose", "") + headers.get("purpose", "")).lower()
    return "prefetch" in purpose or "prerender" in purpose or headers.get("x-purpose", "").lower() in (
        "preview",
        "prefetch",
    ) or headers.get("x-moz", "").lower() == "prefetch"


def request_meta(request: Request, settings: Settings) -> RequestMeta:
    headers = request.headers
    return RequestMeta(
        ip=client_address(request, settings),
        user_agent=headers.get("user-agent", "")[:2000],
        accept_language=headers.get("accept-language", "")[:200],
        origin=headers.get("origin", "")[:500],
        referer_header=headers.get("referer", "")[:8192],
        dnt=headers.get("dnt", "") == "1",
        gpc=headers.get("sec-gpc", "") == "1",
        prefetch=is_prefetch(request),
        opt_out_cookie=has_opt_out_cookie(headers.get("cookie", "")),
    )
