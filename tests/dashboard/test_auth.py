from __future__ import annotations

import logging
import subprocess
import sys

from dashboard.session import COOKIE
from tests.dashboard.web_client import accounts, add_user, csrf_of, login, post_form
from tests.support import LiveServer


def test_login_page_says_how_to_create_the_first_admin(live_server: LiveServer) -> None:
    with live_server.client() as client:
        page = client.get("/login")
    assert page.status_code == 200
    assert "footfall user add --email you@example.com --admin" in page.text


def test_pages_need_a_login(live_server: LiveServer) -> None:
    site = live_server.add_site("example.com")
    with live_server.client() as client:
        for path in ("/sites", f"/sites/{site.id}", f"/sites/{site.id}/settings", "/account"):
            response = client.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next=")


def test_login_sets_a_signed_http_only_cookie_and_logout_ends_it(live_server: LiveServer) -> None:
    add_user(live_server, "admin@example.com", admin=True)
    with live_server.client() as client:
        form = client.get("/login")
        assert "footfall user add" not in form.text  # there is a user now
        response = client.post(
            "/login",
            data={"email": "admin@example.com", "password": "correct horse", "csrf_token": csrf_of(form.text),
                  "next": "/account"},
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/account"
        cookie = response.headers["set-cookie"]
        assert COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert f"Max-Age={14 * 86400}" in cookie
        assert client.get("/sites").status_code == 200
        # A tampered cookie is no session.
        value = client.cookies[COOKIE]
        payload, signature = value.rsplit(".", 1)
        forged = payload.replace(payload[2], "x" if payload[2] != "x" else "y", 1) + "." + signature
        for cookie in (forged, value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")):
            with live_server.client() as other:
                assert other.get("/sites", headers={"Cookie": f"{COOKIE}={cookie}"}).status_code == 303
        token = csrf_of(client.get("/sites").text)
        assert client.post("/logout", data={"csrf_token": token}).status_code == 303
        assert client.get("/sites").status_code == 303


def test_wrong_password_and_open_redirect_are_refused(live_server: LiveServer) -> None:
    add_user(live_server, "admin@example.com", admin=True)
    with live_server.client() as client:
        token = csrf_of(client.get("/login").text)
        wrong = client.post("/login", data={"email": "admin@example.com", "password": "nope nope", "csrf_token": token})
        assert wrong.status_code == 401
        assert "Wrong e-mail or password" in wrong.text
        right = client.post(
            "/login",
            data={"email": "admin@example.com", "password": "correct horse", "csrf_token": token,
                  "next": "//evil.example/"},
        )
        assert right.headers["location"] == "/"


def test_login_rate_limit_per_address_and_email(live_server: LiveServer, caplog) -> None:
    add_user(live_server, "admin@example.com", admin=True)
    limit = live_server.settings.login_attempts_per_minute
    caplog.set_level(logging.INFO)
    with live_server.client() as client:
        token = csrf_of(client.get("/login").text)
        for _ in range(limit):
            bad = client.post("/login", data={"email": "admin@example.com", "password": "guess1234", "csrf_token": token})
            assert bad.status_code == 401
        blocked = client.post(
            "/login", data={"email": "admin@example.com", "password": "correct horse", "csrf_token": token}
        )
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
        assert client.get("/sites").status_code == 303  # the right password did not log in
        # Another e-mail from the same address is not blocked.
        add_user(live_server, "other@example.com")
        other = client.post("/login", data={"email": "other@example.com", "password": "correct horse", "csrf_token": token})
        assert other.status_code == 303
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("footfall")]
    assert "login rate limit reached" in ours
    assert not any("127.0.0.1" in m or "admin@example.com" in m for m in ours)


def test_posts_without_a_valid_csrf_token_are_refused(live_server: LiveServer) -> None:
    add_user(live_server, "admin@example.com", admin=True)
    site = live_server.add_site("example.com")
    with live_server.client() as anonymous:
        anonymous.get("/login")
        assert anonymous.post("/login", data={"email": "admin@example.com", "password": "correct horse"}).status_code == 403
        assert anonymous.post(
            "/login", data={"email": "admin@example.com", "password": "correct horse", "csrf_token": "forged"}
        ).status_code == 403
    client = login(live_server, "admin@example.com")
    if True:
        posts = {
            "/sites/new": {"name": "x", "domains": "x.example"},
            f"/sites/{site.id}/settings": {"name": "Renamed", "domains": "example.com", "timezone": "UTC"},
            f"/sites/{site.id}/share": {"name": "board"},
            f"/sites/{site.id}/token": {},
            "/account/tokens": {"name": "t"},
            "/logout": {},
        }
        for path, data in posts.items():
            response = client.post(path, data=data)
            assert response.status_code == 403, path
        assert live_server.services.sites.get(site.id).name == "example.com"
        assert len(live_server.services.sites.list()) == 1
        assert accounts(live_server).list_share_links(site.id) == []
        assert client.get("/sites").status_code == 200  # still logged in: the logout was refused too


def test_api_tokens_are_created_once_and_revoked_in_the_ui(live_server: LiveServer) -> None:
    user = add_user(live_server, "admin@example.com", admin=True)
    client = login(live_server, "admin@example.com")
    if True:
        created = post_form(client, "/account", "/account/tokens", {"name": "reporting"})
        assert created.status_code == 200
        token = created.text.split('id="new-token">', 1)[1].split("<", 1)[0]
        assert token.startswith("ff_")
        assert accounts(live_server).resolve_api_token(token).id == user.id
        listed = client.get("/account")
        assert token not in listed.text and "reporting" in listed.text
        token_id = accounts(live_server).list_api_tokens(user.id)[0]["id"]
        revoked = post_form(client, "/account", f"/account/tokens/{token_id}/revoke", {})
        assert revoked.status_code == 303
        assert accounts(live_server).resolve_api_token(token) is None


def test_cli_adds_users_and_prints_a_token(tmp_path) -> None:
    data_dir = tmp_path / "data"
    env_args = ["--data-dir", str(data_dir)]
    added = subprocess.run(
        [sys.executable, "-m", "footfall", "user", "add", "--email", "boss@example.com", "--admin", *env_args],
        input="s3cret-pass\ns3cret-pass\n", capture_output=True, text=True, timeout=60,
    )
    assert added.returncode == 0, added.stderr
    assert "boss@example.com added (administrator)" in added.stdout
    short = subprocess.run(
        [sys.executable, "-m", "footfall", "user", "add", "--email", "b@example.com", "--password", "short",
         *env_args], capture_output=True, text=True, timeout=60,
    )
    assert short.returncode != 0 and "password: at least 8 characters" in short.stderr
    made = subprocess.run(
        [sys.executable, "-m", "footfall", "token", "create", "--email", "boss@example.com", *env_args],
        capture_output=True, text=True, timeout=60,
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    from dashboard.accounts import Accounts
    from footfall.metadata.db import Database

    db = Database(data_dir / "metadata.sqlite3")
    try:
        assert Accounts(db).resolve_api_token(token).email == "boss@example.com"
    finally:
        db.close()


def test_serve_on_an_empty_database_says_how_to_create_the_admin(tmp_path) -> None:
    from tests.support import ServerProcess

    server = ServerProcess(tmp_path / "data").start()
    try:
        import httpx

        assert "footfall user add" in httpx.get(server.url + "/login").text
    finally:
        server.terminate()
    logs = server.logs().decode()
    assert "footfall user add --email you@example.com --admin --data-dir" in logs
    assert "no dashboard users yet" in logs  # the log line, besides the console message
    viewer = subprocess.run(
        [sys.executable, "-m", "footfall", "user", "add", "--email", "v@example.com", "--password", "longenough",
         "--site", "7", "--data-dir", str(tmp_path / "data")], capture_output=True, text=True, timeout=60,
    )
    assert viewer.returncode != 0 and "no site 7" in viewer.stderr
