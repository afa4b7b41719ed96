"""Login, logout, and the account page with API tokens."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dashboard import session
from dashboard.web import (
    accounts_of,
    form_of,
    limiter_of,
    page,
    render,
    require_user,
    safe_next,
    services_of,
    sessions_of,
)
from footfall.forwarded import client_address

logger = logging.getLogger("footfall.dashboard")


def _client(request: Request) -> str:
    """The client address (behind a trusted proxy, the forwarded one), for the rate limit only."""
    return client_address(request, services_of(request).settings)


@page
async def login(request: Request) -> Response:
    accounts = accounts_of(request)
    no_users = accounts.count_users() == 0
    next_path = safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return render(request, "login.html", no_users=no_users, email="", error="", next_path=next_path)
    form = form_of(request)
    email = str(form.get("email", "")).strip()[:254]
    password = str(form.get("password", ""))
    next_path = safe_next(form.get("next"))
    limit = services_of(request).settings.login_attempts_per_minute
    limiter = limiter_of(request)
    # A browser that logged in to this account before is a client of its own (see LoginLimiter).
    device = session.known_device(request, email)
    client, known = (f"device:{device}", True) if device else (_client(request), False)
    wait = limiter.blocked(client, email, limit, known=known)
    if wait:
        logger.warning("login rate limit reached")  # no address, no e-mail
        response = render(
            request, "login.html", status=429, no_users=no_users, email=email, next_path=next_path,
            error=f"Too many failed attempts. Try again in {int(wait)} seconds.",
        )
        response.headers["Retry-After"] = str(int(wait))
        return response
    user = accounts.authenticate(email, password)
    if user is None:
        limiter.failed(client, email, known=known)
        return render(
            request, "login.html", status=401, no_users=no_users, email=email, next_path=next_path,
            error="Wrong e-mail or password.",
        )
    limiter.succeeded(client, email)
    previous = session.load(request).get("sid")
    sessions = sessions_of(request)
    sessions.end(previous)
    session_id = sessions.start(user.id, session.max_age(request))
    session.start_login(request, user.id, accounts.credential_stamp(user.id), session_id)
    request.state.user = user
    response = RedirectResponse(next_path, status_code=303)
    session.remember_device(request, response, user.email)
    return response


@page
async def logout(request: Request) -> Response:
    current = session.load(request)
    sessions_of(request).end(current.get("sid"))
    current.clear_all()
    return RedirectResponse("/login", status_code=303)


@page
async def logout_everywhere(request: Request) -> Response:
    """End every session of this user, on every device, this one included."""
    user = require_user(request)
    sessions_of(request).end_all(user.id)
    session.load(request).clear_all()
    return RedirectResponse("/login", status_code=303)


@page
async def home(request: Request) -> Response:
    require_user(request)
    return RedirectResponse("/sites", status_code=303)


@page
async def account(request: Request) -> Response:
    user = require_user(request)
    tokens = accounts_of(request).list_api_tokens(user.id)
    return render(request, "account.html", tokens=tokens, new_token="")


@page
async def create_token(request: Request) -> Response:
    user = require_user(request)
    accounts = accounts_of(request)
    name = str(form_of(request).get("name", "")).strip() or "API"
    token = accounts.create_api_token(user.id, name)
    return render(request, "account.html", tokens=accounts.list_api_tokens(user.id), new_token=token)


@page
async def revoke_token(request: Request) -> Response:
    user = require_user(request)
    token_id = int(request.path_params["token_id"])
    accounts_of(request).revoke_api_token(user.id, token_id)
    return RedirectResponse("/account", status_code=303)
