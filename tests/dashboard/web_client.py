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
