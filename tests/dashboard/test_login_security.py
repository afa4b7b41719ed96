"""Logins behind proxies: the rate limits, sessions that end on logout, Secure cookies."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import httpx
import pytest

from dashboard import session
from tests.dashboard.web_client import add_user, csrf_of, login
from tests.support import LiveServer, free_port, make_settings


@pytest.fixture
def proxied(data_dir: Path) -> Iterator[LiveServer]:
    """Footfall behind a same-host proxy: every connection comes from 127.0.0.1, a trusted proxy."""
    settings = make_settings(data_dir, port=free_port(), trust_proxy_headers=True, login_attempts_per_minute=3)
    server = LiveServer(settings).start()
    try:
        yield server
    finally:
        server.stop()


def try_login(client: httpx.Client, email: str, password: str, headers: dict[str, str] | None = None) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       headers=headers or {})


def test_rotating_x_forwarded_for_does_not_escape_the_login_limit(proxied: LiveServer) -> None:
    add_user(proxied, "owner@example.com", admin=True)
    limit = proxied.settings.login_attempts_per_minute
    with proxied.client() as attacker:
        statuses = []
        for n in range(limit + 1):
            # The attacker writes the first entries; the proxy appends the address it saw.
            forged = {"X-Forwarded-For": f"10.{n}.{n}.1, 192.0.2.{n % 250}, 203.0.113.66"}
            statuses.append(try_login(attacker, "owner@example.com", f"guess-{n}", forged).status_code)
    assert statuses[:limit] == [401] * limit
    assert statuses[limit] == 429


@pytest.fixture
def strict(data_dir: Path) -> Iterator[LiveServer]:
    """Three failed logins a minute (each one costs an argon2 hash)."""
    server = LiveServer(make_settings(data_dir, port=free_port(), login_attempts_per_minute=3)).start()
    try:
        yield server
    finally:
        server.stop()


def test_others_behind_the_same_proxy_cannot_lock_the_owner_out(strict: LiveServer) -> None:
    live_server = strict
    add_user(live_server, "owner@example.com", admin=True)
    owner = login(live_server, "owner@example.com")  # this browser is now a known client of the account
    owner.post("/logout", data={"csrf_token": csrf_of(owner.get("/account").text)})
    limit = live_server.settings.login_attempts_per_minute
    with live_server.client() as attacker:  # the same address, as every client behind a same-host proxy
        for n in range(limit):
            assert try_login(attacker, "owner@example.com", f"guess-{n}").status_code == 401
        assert try_login(attacker, "owner@example.com", "correct horse").status_code == 429
    assert try_login(owner, "owner@example.com", "correct horse").status_code == 303
    assert owner.get("/sites").status_code == 200
    owner.close()


def test_a_guess_spread_over_many_addresses_meets_the_per_account_limit(data_dir: Path) -> None:
    settings = make_settings(data_dir, port=free_port(), trust_proxy_headers=True, login_attempts_per_minute=1)
    proxied = LiveServer(settings).start()
    try:
        _spread_guess(proxied)
    finally:
        proxied.stop()


def _spread_guess(proxied: LiveServer) -> None:
    add_user(proxied, "owner@example.com", admin=True)
    owner = login(proxied, "owner@example.com")
    account_limit = proxied.settings.login_attempts_per_minute * session.ACCOUNT_LIMIT_FACTOR
    with proxied.client() as attacker:
        statuses = [
            try_login(attacker, "owner@example.com", "guess", {"X-Forwarded-For": f"203.0.{n // 250}.{n % 250}"})
            .status_code
            for n in range(account_limit + 1)
        ]
        assert statuses[:account_limit] == [401] * account_limit
        assert statuses[account_limit] == 429
        fresh = {"X-Forwarded-For": "198.51.100.200"}
        assert try_login(attacker, "owner@example.com", "correct horse", fresh).status_code == 429
        # Another account is not affected.
        add_user(proxied, "other@example.com")
        assert try_login(attacker, "other@example.com", "correct horse", fresh).status_code == 303
    # The owner's browser is known: the right password still works.
    assert try_login(owner, "owner@example.com", "correct horse").status_code == 303
    owner.close()


def test_a_cookie_replayed_after_logout_gets_the_login_page(live_server: LiveServer) -> None:
    add_user(live_server, "owner@example.com", admin=True)
    client = login(live_server, "owner@example.com")
    copied = client.cookies.get(session.COOKIE)
    assert copied
    assert client.get("/users").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/account").text)})
    with httpx.Client(base_url=live_server.url, cookies={session.COOKIE: copied}) as replay:
        response = replay.get("/users")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    client.close()


def test_log_out_everywhere_ends_every_session_of_the_user(live_server: LiveServer) -> None:
    add_user(live_server, "owner@example.com", admin=True)
    add_user(live_server, "other@example.com")
    laptop, phone = login(live_server, "owner@example.com"), login(live_server, "owner@example.com")
    bystander = login(live_server, "other@example.com")
    response = phone.post("/logout/everywhere", data={"csrf_token": csrf_of(phone.get("/account").text)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    for client in (laptop, phone):
        assert client.get("/account").status_code == 303
    assert bystander.get("/account").status_code == 200
    assert "Log out everywhere" in bystander.get("/account").text
    for client in (laptop, phone, bystander):
        client.close()


def test_a_new_password_ends_the_other_sessions(live_server: LiveServer) -> None:
    add_user(live_server, "owner@example.com")
    here, elsewhere = login(live_server, "owner@example.com"), login(live_server, "owner@example.com")
    token = csrf_of(here.get("/account").text)
    response = here.post("/account/password", data={
        "csrf_token": token, "current_password": "correct horse", "new_password": "battery staple",
        "new_password_confirm": "battery staple",
    })
    assert response.status_code == 200
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 303
    here.close()
    elsewhere.close()


def test_the_session_cookie_is_secure_behind_a_tls_proxy(proxied: LiveServer) -> None:
    tls = {"X-Forwarded-Proto": "https"}
    with proxied.client() as client:
        response = client.get("/login", headers=tls)
        optout = client.post("/optout", headers=tls, data={"choice": "out"})
    session_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(session.COOKIE + "="))
    assert "secure" in session_cookie.lower()
    assert response.headers["strict-transport-security"].startswith("max-age=")
    # The same rule as the /optout cookies, on the same kind of request.
    assert optout.headers.get_list("set-cookie")
    assert all("Secure" in cookie for cookie in optout.headers.get_list("set-cookie"))


def test_plain_http_without_a_trusted_proxy_gets_no_secure_cookie(live_server: LiveServer) -> None:
    add_user(live_server, "owner@example.com")
    with live_server.client() as client:
        token = csrf_of(client.get("/login").text)
        response = client.post("/login", headers={"X-Forwarded-Proto": "https"}, data={
            "email": "owner@example.com", "password": "correct horse", "csrf_token": token,
        })
    session_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(session.COOKIE + "="))
    assert "secure" not in session_cookie.lower()
