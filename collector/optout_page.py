"""``/optout``: the opt-out page that sites embed in an iframe, the Matomo way.

It shows whether this browser is counted and toggles the collector-domain
cookie ``footfall_optout`` (which the collector's opt-out stage honours)
with a form post.  The post is protected by a double-submit token: a random
nonce in an HttpOnly cookie, and the same nonce signed with the server
secret in the form.

The style parameters are validated as Matomo validates them; anything else
is ignored, and everything is rendered with Jinja2 autoescaping.
"""

from __future__ import annotations

import re
import secrets
import time
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from collector.state import CollectorState, services_of
from footfall.forwarded import is_https
from footfall.paths import require_file

OPT_OUT_COOKIE = "footfall_optout"
CSRF_COOKIE = "footfall_optout_csrf"
CSRF_SALT = "footfall-optout"
CSRF_MAX_AGE = 2 * 3600
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (Chromium caps at 400 days)
LANGUAGES = ("en", "de")

SITE_ID = re.compile(r"[0-9]{1,9}")
COLOR = re.compile(r"^[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$")
FONT_SIZE = re.compile(r"^\d{1,3}(?:\.\d{1,3})?(?:px|pt|em|rem|%)$")
FONT_FAMILY = re.compile(r"^[A-Za-z ,\-]{1,100}$")
STYLE_PARAMS = {
    "fontColor": COLOR,
    "backgroundColor": COLOR,
    "fontSize": FONT_SIZE,
    "fontFamily": FONT_FAMILY,
}

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "optout.html"
environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)



def check_files() -> None:
    """Fail at start, not on the first visitor, when the page's template is not installed."""
    require_file(TEMPLATES / TEMPLATE, "the opt-out page template")


TEXTS = {
    "en": {
        "title": "Opt out of visitor statistics",
        "what": (
            "This website counts visits with Footfall. It records the pages you view, where you came from, "
            "your browser, operating system, screen size and approximate country. Your IP address is shortened "
            "and never stored. Visits are analysed under a pseudonymous ID that is never merged with personal data."
        ),
        "counted": "Your visits are currently counted.",
        "opted_out": "You have opted out: your visits are not counted.",
        "signal": "Your browser sends Do Not Track or Global Privacy Control, so nothing is recorded anyway.",
        "opt_out": "Do not count my visits",
        "opt_in": "Count my visits again",
        "cookie": (
            "Opting out stores the cookie “footfall_optout” for this statistics service in your browser. "
            "Deleting your cookies deletes it too, and your visits are counted again."
        ),
        "blocked": (
            "Your browser did not keep the opt-out cookie, perhaps because it blocks cookies in embedded pages. "
            "Use the website's own opt-out, or switch on Do Not Track or Global Privacy Control in your browser."
        ),
        "delete_title": "Delete the data collected about me",
        "delete_cookieless": (
            "There is nothing here that could be deleted for you: Footfall keeps no identifier in your browser, "
            "so the statistics cannot be traced back to this browser. The pseudonymous ID is made with a key "
            "that changes every day and is then destroyed."
        ),
        "delete_cookie_mode": (
            "This website recognises returning visitors by a cookie of its own, so the data collected about you "
            "can be deleted. This embedded page cannot read that cookie: use the button “Delete the data collected "
            "about me” in the opt-out section of the website's privacy page, or ask the website's owner. Opting out "
            "here stops all further collection."
        ),
        "refused": "The form had expired. Please try again.",
    },
    "de": {
        "title": "Widerspruch gegen die Besuchsstatistik",
        "what": (
            "Diese Website zählt Besuche mit Footfall. Erfasst werden die aufgerufenen Seiten, woher Sie kamen, "
            "Browser, Betriebssystem, Bildschirmgröße und ungefähres Land. Ihre IP-Adresse wird gekürzt und nie "
            "gespeichert. Besuche werden unter einer pseudonymen Kennung ausgewertet, die nie mit "
            "personenbezogenen Daten zusammengeführt wird."
        ),
        "counted": "Ihre Besuche werden derzeit gezählt.",
        "opted_out": "Sie haben widersprochen: Ihre Besuche werden nicht gezählt.",
        "signal": "Ihr Browser sendet „Do Not Track“ oder „Global Privacy Control“: es wird ohnehin nichts erfasst.",
        "opt_out": "Meine Besuche nicht zählen",
        "opt_in": "Meine Besuche wieder zählen",
        "cookie": (
            "Der Widerspruch speichert das Cookie „footfall_optout“ dieses Statistikdienstes in Ihrem Browser. "
            "Wenn Sie Ihre Cookies löschen, wird auch dieses Cookie gelöscht und Ihre Besuche werden wieder gezählt."
        ),
        "blocked": (
            "Ihr Browser hat das Widerspruchs-Cookie nicht behalten, vielleicht weil er Cookies in eingebetteten "
            "Seiten sperrt. Nutzen Sie den Widerspruch der Website selbst, oder schalten Sie „Do Not Track“ oder "
            "„Global Privacy Control“ in Ihrem Browser ein."
        ),
        "delete_title": "Die über mich erfassten Daten löschen",
        "delete_cookieless": (
            "Hier gibt es nichts, was für Sie gelöscht werden könnte: Footfall speichert keine Kennung in Ihrem "
            "Browser, daher lässt sich die Statistik nicht auf diesen Browser zurückführen. Die pseudonyme "
            "Kennung entsteht mit einem Schlüssel, der täglich wechselt und danach vernichtet wird."
        ),
        "delete_cookie_mode": (
            "Diese Website erkennt wiederkehrende Besucher an einem eigenen Cookie, daher lassen sich die über Sie "
            "erfassten Daten löschen. Diese eingebettete Seite kann das Cookie nicht lesen: Nutzen Sie die "
            "Schaltfläche „Meine erfassten Daten löschen“ im Widerspruchsbereich der Datenschutzseite der Website, "
            "oder wenden Sie sich an ihren Betreiber. Ein Widerspruch hier beendet jede weitere Erfassung."
        ),
        "refused": "Das Formular war abgelaufen. Bitte versuchen Sie es noch einmal.",
    },
}


def style_params(query: dict[str, str]) -> dict[str, str]:
    """The style parameters that pass Matomo's checks; the rest are dropped."""
    return {
        name: query[name]
        for name, pattern in STYLE_PARAMS.items()
        if isinstance(query.get(name), str) and pattern.fullmatch(query[name])
    }


def language(requested: str, accept_language: str) -> str:
    for candidate in [requested, *(part.split(";", 1)[0] for part in accept_language.split(","))]:
        code = candidate.strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def set_cookie(response: Response, request: Request, services: CollectorState, key: str, value: str, max_age: int) -> None:
    """On https the cookie must work inside a cross-site iframe: SameSite=None, Secure, Partitioned.

    Written by hand because Python's cookie module knows ``Partitioned`` only from 3.14 on.
    """
    parts = [f"{key}={value}", "Path=/", f"Max-Age={max_age}", f"Expires={formatdate(time.time() + max_age, usegmt=True)}"]
    parts.append("HttpOnly")
    if is_https(request, services.settings):
        parts += ["Secure", "SameSite=None", "Partitioned"]
    else:
        parts.append("SameSite=Lax")
    response.headers.append("set-cookie", "; ".join(parts))


def _serializer(services: CollectorState) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services.secret, salt=CSRF_SALT)


def token_matches(services: CollectorState, token: str, nonce: str) -> bool:
    if not token or not nonce:
        return False
    try:
        signed = _serializer(services).loads(token, max_age=CSRF_MAX_AGE)
    except BadSignature:
        return False
    return isinstance(signed, str) and secrets.compare_digest(signed, nonce)


def _headers() -> dict[str, str]:
    return {
        "Cache-Control": "no-store",
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors *"
        ),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


def _site_uses_cookies(services: CollectorState, raw_site_id: str) -> bool:
    if not SITE_ID.fullmatch(raw_site_id):
        return False
    site = services.sites.cached(int(raw_site_id))
    return bool(site and site.cookie_mode)


def _render(
    request: Request, services: CollectorState, query: dict[str, str], status: int = 200, refused: bool = False
) -> Response:
    lang = language(query.get("lang", ""), request.headers.get("accept-language", ""))
    opted_out = request.cookies.get(OPT_OUT_COOKIE, "") not in ("", "0")
    done = query.get("done", "")
    nonce = request.cookies.get(CSRF_COOKIE, "")
    fresh_nonce = not nonce or len(nonce) > 64
    if fresh_nonce:
        nonce = secrets.token_urlsafe(24)
    keep = {**style_params(query), "lang": lang}
    site_id = query.get("idsite", "")
    if SITE_ID.fullmatch(site_id):
        keep["idsite"] = site_id
    html = environment.get_template(TEMPLATE).render(
        t=TEXTS[lang],
        lang=lang,
        style=style_params(query),
        opted_out=opted_out,
        privacy_signal=request.headers.get("dnt") == "1" or request.headers.get("sec-gpc") == "1",
        blocked=(done == "out" and not opted_out) or (done == "in" and opted_out),
        cookie_mode=_site_uses_cookies(services, site_id),
        token=_serializer(services).dumps(nonce),
        keep=keep,
        refused=refused,
    )
    response = HTMLResponse(html, status, headers=_headers())
    if fresh_nonce:
        set_cookie(response, request, services, CSRF_COOKIE, nonce, CSRF_MAX_AGE)
    return response


async def optout(request: Request) -> Response:
    services = services_of(request)
    if request.method != "POST":
        return _render(request, services, dict(request.query_params))
    form = await request.form(max_files=0, max_fields=20)
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    if not token_matches(services, fields.get("csrf", ""), request.cookies.get(CSRF_COOKIE, "")):
        return _render(request, services, fields, status=403, refused=True)
    action = fields.get("action", "")
    if action not in ("out", "in"):
        return _render(request, services, fields, status=400, refused=True)
    keep = {**style_params(fields), "lang": language(fields.get("lang", ""), "")}
    if SITE_ID.fullmatch(fields.get("idsite", "")):
        keep["idsite"] = fields["idsite"]
    keep["done"] = action
    response = RedirectResponse("optout?" + urlencode(keep), status_code=303, headers=_headers())
    if action == "out":
        set_cookie(response, request, services, OPT_OUT_COOKIE, "1", COOKIE_MAX_AGE)
    else:
        set_cookie(response, request, services, OPT_OUT_COOKIE, "", 0)
    return response
