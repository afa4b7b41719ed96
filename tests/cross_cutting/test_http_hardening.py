"""What every response and route gets, whoever wrote the handler: HEAD, CSRF, IDs, headers, redirects."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from dashboard import web
from dashboard.accounts import Accounts
from dashboard.goals import GoalStore
from dashboard.login_sessions import LoginSessions
from dashboard.session import LoginLimiter
from dashboard.state import DashboardState
from footfall.metadata.db import Database
from footfall.metadata.sites import SiteStore
from tests.dashboard.web_client import accounts, add_user, csrf_of, login
from tests.support import LiveServer, free_port, make_settings

PAGES = ("/login", "/users/new", "/users/1", "/sites/new", "/sites/1/settings", "/sites/1", "/account", "/users")


def test_head_answers_like_get(live_server: LiveServer) -> None:
    live_server.add_site("a.example")
    add_user(live_server, "admin@example.com", admin=True)
    client = login(live_server, "admin@example.com")
    for path in PAGES:
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code == 200, (path, head.status_code)
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
    with live_server.client() as anonymous:
        assert anonymous.head("/login").status_code == 200
        assert anonymous.head("/sites/1/settings").status_code == 303
    client.close()


def test_every_unsafe_method_needs_the_csrf_token() -> None:
    seen: list[str] = []

    @web.page
    async def handler(request: Request) -> Response:
        seen.append(request.method)
        return PlainTextResponse("done")

    app = Starlette(routes=[Route("/x", handler, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])])

    db = Database(":memory:")  # the dashboard's state over a real metadata database; no events are read
    accounts = Accounts(db)
    app.state.dashboard = DashboardState(
        make_settings(Path("/nonexistent")), db, None, SiteStore(db), "s" * 32, accounts, GoalStore(db),  # type: ignore[arg-type]
        LoginLimiter(), LoginSessions(db),
    )
    with TestClient(app) as client:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            assert client.request(method, "/x", data={"a": "b"}).status_code == 403, method
    assert seen == []


HUGE = "9" * 30


@pytest.mark.parametrize("path", [
    f"/sites/{HUGE}", f"/sites/{HUGE}/settings", f"/sites/{HUGE}/reports/top_pages", f"/users/{HUGE}",
    f"/sites/{HUGE}/export/top_pages.csv", "/sites/99999999999999999999", "/sites/9223372036854775808",
])
def test_huge_ids_are_not_found(live_server: LiveServer, path: str) -> None:
    add_user(live_server, "admin@example.com", admin=True)
    client = login(live_server, "admin@example.com")
    assert client.get(path).status_code == 404
    client.close()


def test_huge_ids_in_forms_are_not_found(live_server: LiveServer) -> None:
    site = live_server.add_site("a.example")
    add_user(live_server, "admin@example.com", admin=True)
    client = login(live_server, "admin@example.com")
    token = csrf_of(client.get("/account").text)
    for path in (f"/account/tokens/{HUGE}/revoke", f"/sites/{site.id}/share/{HUGE}/revoke",
                 f"/sites/{HUGE}/token", f"/users/{HUGE}/delete", f"/sites/{site.id}/goals/{HUGE}/delete"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    client.close()


def assert_secured(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff", response.url
    assert "content-security-policy" in response.headers, response.url
    assert response.headers["referrer-policy"], response.url


def test_every_response_gets_the_security_headers(live_server: LiveServer) -> None:
    with live_server.client() as client:
        css = re.search(r'href="(/assets/[^"]+\.css)"', client.get("/login").text)
        assert css
        for response in (client.get("/no-such-page"), client.get(css.group(1)), client.get("/metrics"),
                         client.get("/healthz"), client.get("/assets/missing.js"), client.get("/footfall.js"),
                         client.get("/matomo.php", params={"idsite": "1", "rec": "1", "send_image": "0"})):
            assert_secured(response)
        assert client.get("/no-such-page").headers["x-frame-options"] == "DENY"
        # The opt-out page is made to be framed: its own policy wins.
        optout = client.get("/optout")
        assert "frame-ancestors *" in optout.headers["content-security-policy"]
        assert "x-frame-options" not in optout.headers


def test_metrics_can_require_a_token(data_dir: Path) -> None:
    server = LiveServer(make_settings(data_dir, port=free_port(), metrics_token="m3trics-t0ken")).start()
    try:
        with server.client() as client:
            assert client.get("/metrics").status_code == 401
            assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
            ok = client.get("/metrics", headers={"Authorization": "Bearer m3trics-t0ken"})
            assert ok.status_code == 200 and "footfall" in ok.text
            assert client.get("/healthz").status_code == 200
    finally:
        server.stop()


def test_links_and_redirects_never_use_a_forged_host(data_dir: Path) -> None:
    # http: over https the session cookie would be Secure, and the plain-http test client would not send it back.
    server = LiveServer(make_settings(data_dir, port=free_port(), public_url="http://stats.example.com")).start()
    try:
        site = server.add_site("a.example")
        add_user(server, "admin@example.com", admin=True)
        client = login(server, "admin@example.com")
        evil = {"Host": "evil.example"}
        page = client.get(f"/sites/{site.id}/settings", headers=evil).text
        assert "evil.example" not in page
        assert "http://stats.example.com/footfall.js" in page
        token = csrf_of(page)
        shared = client.post(f"/sites/{site.id}/share", data={"csrf_token": token, "name": "x"}, headers=evil).text
        assert "http://stats.example.com/share/" in shared and "evil.example" not in shared
        redirect = client.get("/sites/", headers=evil)
        assert redirect.status_code == 307
        assert redirect.headers["location"] == "http://stats.example.com/sites"
        client.close()
    finally:
        server.stop()


def test_without_a_public_url_only_allowed_hosts_reach_links(live_server: LiveServer) -> None:
    site = live_server.add_site("a.example")
    add_user(live_server, "admin@example.com", admin=True)
    client = login(live_server, "admin@example.com")
    page = client.get(f"/sites/{site.id}/settings", headers={"Host": "evil.example"}).text
    assert "evil.example" not in page
    assert f"http://127.0.0.1:{live_server.port}/footfall.js" in page
    assert client.get("/sites/", headers={"Host": "evil.example"}).headers["location"] == (
        f"http://127.0.0.1:{live_server.port}/sites"
    )
    assert accounts(live_server).list_share_links(site.id) == []
    client.close()
