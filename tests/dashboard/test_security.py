"""Access control on every dashboard route, share links, security headers and escaping."""

from __future__ import annotations

import re

from starlette.routing import Route

from dashboard.routes import routes
from dashboard.web import CSP
from tests.dashboard.web_client import accounts, add_user, csrf_of, login, track
from tests.support import CHROME_UA, LiveServer

SAMPLE_PARAMS = {"report": "top_pages", "link_id": "1", "token_id": "1", "user_id": "1", "goal_id": "1", "import_id": "1"}


def site_routes() -> list[tuple[str, str]]:
    """Every (method, path template) of the dashboard that names a site in its path."""
    found = []
    for route in routes():
        if isinstance(route, Route) and "{site_id" in route.path:
            for method in sorted(route.methods or {"GET"}):
                if method != "HEAD":
                    found.append((method, route.path))
    return found


def fill(path: str, site_id: int) -> str:
    path = re.sub(r"\{site_id(:\w+)?\}", str(site_id), path)
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE_PARAMS[m.group(1)], path)


def test_a_viewer_of_one_site_gets_403_on_every_route_of_another(live_server: LiveServer) -> None:
    site_a = live_server.add_site("a.example")
    site_b = live_server.add_site("b.example")
    track(live_server, site_b.id, site_b.token_auth, ip="81.1.0.1", ua=CHROME_UA, url="https://b.example/secret-page")
    viewer = add_user(live_server, "viewer@example.com", sites=(site_a.id,))
    token = accounts(live_server).create_api_token(viewer.id)
    client = login(live_server, "viewer@example.com")
    csrf = csrf_of(client.get("/sites").text)
    templates = site_routes()
    assert len(templates) >= 11  # dashboard, reports, realtime, json, csv, settings (GET+POST), privacy, share, token
    checked = 0
    for method, template in templates:
        path = fill(template, site_b.id)
        if method == "GET":
            response = client.get(path, params={"period": "today", "key": "x"})
        else:
            response = client.post(path, data={"csrf_token": csrf, "name": "x", "domains": "b.example"})
        assert response.status_code == 403, (method, path, response.status_code)
        assert "secret-page" not in response.text
        checked += 1
    # The same routes of site A: readable ones work; managing needs the admin role.
    assert client.get(f"/sites/{site_a.id}?period=today").status_code == 200
    assert client.get(f"/sites/{site_a.id}/export/top_pages.csv").status_code == 200
    assert client.get(f"/sites/{site_a.id}/settings").status_code == 403
    # The site list does not name site B.
    assert "b.example" not in client.get("/sites").text
    # The stats API: the viewer's token reads A, not B.
    api = live_server.client()
    body = {"metrics": ["visitors"], "date_range": "day"}
    ok = api.post("/api/v2/query", json={**body, "site_id": "a.example"}, headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    denied = api.post("/api/v2/query", json={**body, "site_id": "b.example"}, headers={"Authorization": f"Bearer {token}"})
    assert denied.status_code == 403
    assert api.post("/api/v2/query", json={**body, "site_id": "b.example"}).status_code == 401
    assert checked == len(templates)
    # Nothing changed on site B.
    assert live_server.services.sites.get(site_b.id).name == "b.example"
    assert accounts(live_server).list_share_links(site_b.id) == []


def test_anonymous_requests_never_see_site_data(live_server: LiveServer) -> None:
    site = live_server.add_site("a.example")
    with live_server.client() as client:
        for method, template in site_routes():
            path = fill(template, site.id)
            response = client.get(path) if method == "GET" else client.post(path, data={})
            if template.endswith(".json") and method == "GET":  # JSON endpoints answer 401, pages redirect
                assert response.status_code == 401, path
            else:
                assert response.status_code in (303, 403), (method, path, response.status_code)


def test_share_links_give_read_only_access_until_revoked(live_server: LiveServer) -> None:
    site = live_server.add_site("a.example", k_anonymity=1)  # one visitor: shown only without k-anonymity
    other = live_server.add_site("b.example")
    track(live_server, site.id, site.token_auth, ip="81.1.0.1", ua=CHROME_UA, url="https://a.example/shared-page")
    add_user(live_server, "admin@example.com", admin=True)
    admin = login(live_server, "admin@example.com")
    created = admin.post(f"/sites/{site.id}/share", data={"csrf_token": csrf_of(admin.get(f"/sites/{site.id}/settings").text),
                                                          "name": "board"})
    link = re.search(r"/share/([A-Za-z0-9_-]+)</code>", created.text).group(1)
    with live_server.client() as anonymous:
        page = anonymous.get(f"/share/{link}?period=today")
        assert page.status_code == 200
        assert "/shared-page" in page.text and "read-only view" in page.text
        assert f"/sites/{site.id}/settings" not in page.text
        assert anonymous.get(f"/share/{link}/export/top_pages.csv?period=today").status_code == 200
        assert anonymous.get(f"/share/{link}/realtime.json").json()["visitors"] == 1
        assert anonymous.get(f"/share/{link}/reports/countries").status_code == 200
        # The link reads its own site only; the settings stay closed.
        assert anonymous.get(f"/sites/{other.id}").status_code == 303
        assert anonymous.get(f"/sites/{site.id}/settings").status_code == 303
        assert anonymous.get("/share/not-a-token").status_code == 404
        link_id = accounts(live_server).list_share_links(site.id)[0]["id"]
        revoked = admin.post(f"/sites/{site.id}/share/{link_id}/revoke",
                             data={"csrf_token": csrf_of(admin.get(f"/sites/{site.id}/settings").text)})
        assert revoked.status_code == 303
        assert anonymous.get(f"/share/{link}").status_code == 404


def test_security_headers_and_escaping(live_server: LiveServer) -> None:
    site = live_server.add_site("a.example")
    payload = "<script>alert(1)</script>"
    track(live_server, site.id, site.token_auth, ip="81.1.0.1", ua=CHROME_UA,
          url="https://a.example/p?q=%3Cscript%3E", action_name=payload + '"><img src=x onerror=alert(1)>')
    add_user(live_server, "admin@example.com", admin=True)
    client = login(live_server, "admin@example.com")
    for path in (f"/sites/{site.id}?period=today&pages=page_titles", f"/sites/{site.id}/reports/page_titles?period=today",
                 "/login", "/sites", f"/sites/{site.id}/settings"):
        response = client.get(path)
        assert response.headers["content-security-policy"] == CSP, path
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
        assert response.headers["x-frame-options"] == "DENY"
        assert "<script>alert" not in response.text and "<img src=x" not in response.text
        assert not re.search(r"<script(?![^>]*src=\"/assets/dashboard\.js\")", response.text), path
    titles = client.get(f"/sites/{site.id}/reports/page_titles?period=today").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in titles
    # A filter value from the URL is escaped too.
    evil = client.get(f"/sites/{site.id}", params={"period": "today", "f": "event:page,is," + payload}).text
    assert "<script>alert" not in evil and "&lt;script&gt;" in evil
