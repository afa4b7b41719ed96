"""What every dashboard page shares: templates, security headers, sessions and access checks."""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any, Awaitable, Callable

import jinja2
import jinja2.meta
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from dashboard import session
from dashboard.accounts import Accounts, User
from dashboard.login_sessions import LoginSessions
from dashboard.state import services_of
from footfall.metadata.sites import Site
from footfall.paths import MissingFiles, require

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"

# No inline script or style: everything comes from /assets on this origin.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


class LoginRequired(Exception):
    pass


def format_number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{int(value):,}"


def format_compact(value: Any) -> str:
    if value is None:
        return "–"
    value = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return format_number(int(value) if value.is_integer() else round(value, 2))


def format_duration(seconds: Any) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "–"
    seconds = int(round(float(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def format_percent(value: Any) -> str:
    if value is None:
        return "–"
    return f"{float(value):.1f}".rstrip("0").rstrip(".") + "%"


def flag(country_code: Any) -> str:
    """The regional-indicator emoji for an ISO country code (plain text, no image)."""
    code = str(country_code or "").upper()
    if len(code) != 2 or not code.isalpha() or not code.isascii():
        return ""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code)


environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=True,  # every template, whatever its name
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(
    number=format_number, compact=format_compact, duration=format_duration, percent=format_percent, flag=flag
)


def check_files() -> None:
    """Fail at start when the templates or assets are not installed, or a template names one that is missing."""
    names = {path.name for path in require(TEMPLATES, "*.html", "the dashboard's templates")}
    require(STATIC, "*", "the dashboard's assets")
    for name in sorted(names):
        source = (TEMPLATES / name).read_text(encoding="utf-8")
        for used in jinja2.meta.find_referenced_templates(environment.parse(source)):
            if used is not None and used not in names:
                raise MissingFiles(f"the dashboard template {used} (used by {name}) is missing from {TEMPLATES}")


def accounts_of(request: Request) -> Accounts:
    return services_of(request).accounts


def sessions_of(request: Request) -> LoginSessions:
    return services_of(request).login_sessions


def limiter_of(request: Request) -> session.LoginLimiter:
    return services_of(request).login_limiter


def current_user(request: Request) -> User | None:
    if hasattr(request.state, "user"):
        return request.state.user
    current = session.load(request)
    uid = current.get("uid")
    accounts = accounts_of(request)
    user = accounts.get_user(uid) if isinstance(uid, int) else None
    if user is not None and current.get("stamp") != accounts.credential_stamp(user.id):
        user = None  # the password changed since this session began
    if user is not None and not sessions_of(request).is_live(current.get("sid"), user.id, session.max_age(request)):
        user = None  # logged out (here or everywhere) since the cookie was written
    request.state.user = user
    return user


def require_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise LoginRequired()
    return user


def require_admin(request: Request) -> User:
    user = require_user(request)
    if not user.is_admin:
        raise HttpError(403, "Only administrators can do this.")
    return user


def site_for(request: Request, *, manage: bool = False) -> Site:
    """The site named in the path, if the user may see (or manage) it; 403 otherwise."""
    user = require_user(request)
    try:
        site_id = int(request.path_params["site_id"])
    except (KeyError, ValueError):
        raise HttpError(404, "No such site.") from None
    accounts = accounts_of(request)
    allowed = accounts.can_manage(user, site_id) if manage else accounts.can_view(user, site_id)
    if not allowed:
        raise HttpError(403, "You do not have access to this site.")
    site = services_of(request).sites.get(site_id)
    if site is None:
        raise HttpError(404, "No such site.")
    return site


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("user", current_user(request))
    context["csrf_token"] = session.csrf_token(request)
    context["request_path"] = request.url.path
    html = environment.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status)


def secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


Handler = Callable[[Request], Awaitable[Response]]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def page(handler: Handler) -> Handler:
    """Wrap a dashboard handler: HEAD as GET, CSRF check on every unsafe method, errors as pages,
    security headers, session cookie."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        if request.method == "HEAD":
            # Answered as GET (the server sends no body); the handlers know only GET and POST.
            request = Request({**request.scope, "method": "GET"}, request.receive)
        try:
            if request.method not in SAFE_METHODS:
                form = await request.form()
                request.state.form = form
                if not session.csrf_valid(request, form.get(session.CSRF_FIELD)):
                    raise HttpError(403, "The form expired or did not come from this site. Reload the page and try again.")
            response = await handler(request)
        except LoginRequired:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            response = RedirectResponse("/login?next=" + _quote(target), status_code=303)
        except HttpError as error:
            response = render(request, "error.html", status=error.status, status_code=error.status, message=error.message)
        session.save(request, response)
        return secure(response)

    return wrapped


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="/")


def safe_next(value: object) -> str:
    """Only local paths are followed after login (no open redirect)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def form_of(request: Request) -> Any:
    return request.state.form
