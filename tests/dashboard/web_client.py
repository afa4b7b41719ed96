"""A logged-in HTTP client for dashboard tests: real cookies, real CSRF tokens from the pages."""

from __future__ import annotations

import re

import httpx

from dashboard.accounts import Accounts, User
from tests.support import LiveServer

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def accounts(server: LiveServer) -> Accounts:
    return Accounts(server.services.db)


def add_user(server: LiveServer, email: str, password: str = "correct horse", *, admin: bool = False,
             sites: tuple[int, ...] = ()) -> User:
    store = accounts(server)
    user = store.create_user(email, password, is_admin=admin)
    for site_id in sites:
        store.grant(user.id, site_id)
    return user


def login(server: LiveServer, email: str, password: str = "correct horse") -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30)
    page = client.get("/login")
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303, response.text
    return client


def post_form(client: httpx.Client, page_path: str, action: str, data: dict[str, str]) -> httpx.Response:
    """Load a page for its CSRF token, then submit a form to ``action``."""
    token = csrf_of(client.get(page_path).text)
    return client.post(action, data={**data, "csrf_token": token})


def track(server: LiveServer, site_id: int, token: str, *, ip: str, ua: str, headers: dict[str, str] | None = None,
          **params: str) -> httpx.Response:
    """One Matomo tracking request through the collector's HTTP endpoint (cip needs the site's token_auth)."""
    query = {"idsite": str(site_id), "rec": "1", "send_image": "0", "token_auth": token, "cip": ip, "ua": ua, **params}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        response = client.get("/matomo.php", params=query, headers=headers or {})
    assert response.status_code == 204 or "x-footfall-dropped" in response.headers, response.text
    return response


def kpi(html: str, label: str) -> str:
    """The value shown in the KPI tile called ``label``."""
    match = re.search(r'<div class="label">' + re.escape(label) + r'</div>\s*<div class="value">([^<]*)</div>', html)
    assert match, f"no KPI tile {label!r}"
    return match.group(1)
