"""Matomo's Reporting API subset, spoken to as Matomo's log importer speaks, through real HTTP.

``import_logs.py`` POSTs a form (``module=API&format=json&method=…&token_auth=…``) to the
base URL, reads ``main_url`` from ``SitesManager.getSiteFromId``, resolves hosts with
``getSitesIdFromSiteUrl`` / ``addSite`` (``urls[0]=…``), then POSTs bulk JSON with the
token in the body to ``/piwik.php`` and reads ``tracked`` and ``invalid``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import httpx

from dashboard.accounts import Accounts
from tests.support import CHROME_UA, LiveServer

IMPORTER_HEADERS = {"User-Agent": "Matomo/LogImport", "Content-Type": "application/x-www-form-urlencoded"}
BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def call_api(client: httpx.Client, method: str, token: str, path: str = "/", **args: object) -> object:
    form: list[tuple[str, object]] = [("module", "API"), ("format", "json"), ("method", method), ("token_auth", token)]
    for key, value in args.items():
        if isinstance(value, list):
            form.extend((f"{key}[{index}]", item) for index, item in enumerate(value))
        else:
            form.append((key, value))
    response = client.post(path, content=urlencode(form), headers=IMPORTER_HEADERS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def hit_query(site_id: int, url: str, when: datetime, ip: str, ua: str, **extra: str) -> str:
    args = {
        "rec": "1", "apiv": "1", "url": url, "urlref": extra.pop("urlref", ""), "cip": ip,
        "cdt": when.strftime("%Y-%m-%d %H:%M:%S"), "idsite": str(site_id), "dp": "1", "ua": ua,
        "queuedtracking": "0", "bw_bytes": "5120", **extra,
    }
    return "?" + urlencode(args)


def users(live_server: LiveServer) -> tuple[str, str, str]:
    """Tokens of an administrator, a viewer of site 1 and the administrator of site 1."""
    accounts = Accounts(live_server.services.db)
    admin = accounts.create_user("admin@example.com", "correct horse battery", is_admin=True)
    viewer = accounts.create_user("viewer@example.com", "correct horse battery")
    manager = accounts.create_user("manager@example.com", "correct horse battery")
    accounts.grant(viewer.id, 1, "viewer")
    accounts.grant(manager.id, 1, "admin")
    return accounts.create_api_token(admin.id), accounts.create_api_token(viewer.id), accounts.create_api_token(manager.id)


def test_site_lookup_as_the_importer_does_it(live_server: LiveServer) -> None:
    site = live_server.add_site("example.com")
    other = live_server.add_site("other.org")
    admin, viewer, _ = users(live_server)
    with live_server.client() as client:
        found = call_api(client, "SitesManager.getSiteFromId", site.token_auth, idSite=site.id)
        assert found["idsite"] == site.id and found["main_url"] == "https://example.com"
        assert found["timezone"] == "UTC"
        # index.php, by GET, as other Reporting API clients call it
        response = client.get("/index.php", params={"module": "API", "method": "SitesManager.getSiteFromId",
                                                    "idSite": site.id, "format": "json", "token_auth": viewer})
        assert response.json()["name"] == "example.com"

        # A site's token sees its own site only; a viewer what they may view.
        for token, site_id in ((site.token_auth, other.id), (viewer, other.id)):
            refused = call_api(client, "SitesManager.getSiteFromId", token, idSite=site_id)
            assert refused["result"] == "error"
            assert f"website id = {site_id}" in refused["message"]
        assert call_api(client, "SitesManager.getSiteFromId", "nope", idSite=site.id)["result"] == "error"
        assert call_api(client, "SitesManager.getSiteFromId", "", idSite=site.id)["result"] == "error"
        unknown = call_api(client, "SitesManager.deleteSite", admin, idSite=site.id)
        assert unknown["result"] == "error" and "SitesManager.deleteSite" in unknown["message"]

        # The dynamic resolver: find the host, else add a site for it (an administrator only).
        assert call_api(client, "SitesManager.getSitesIdFromSiteUrl", admin, url="www.example.com") == [
            {"idsite": site.id}
        ]
        assert call_api(client, "SitesManager.getSitesIdFromSiteUrl", site.token_auth, url="other.org") == []
        assert call_api(client, "SitesManager.getSitesIdFromSiteUrl", admin, url="blog.example.net") == []
        assert call_api(client, "SitesManager.addSite", viewer, siteName="blog.example.net",
                        urls=["http://blog.example.net"])["result"] == "error"
        created = call_api(client, "SitesManager.addSite", admin, siteName="blog.example.net",
                           urls=["http://blog.example.net"])
        assert isinstance(created["value"], int)
        assert call_api(client, "SitesManager.getSitesIdFromSiteUrl", admin, url="blog.example.net") == [
            {"idsite": created["value"]}
        ]
        every = call_api(client, "SitesManager.getAllSites", admin)
        assert sorted(every) == sorted(str(i) for i in (site.id, other.id, created["value"]))
        assert every[str(created["value"])]["main_url"] == "https://blog.example.net"
        assert call_api(client, "SitesManager.getAllSites", viewer)["result"] == "error"
        # An HTML page for anything that is not module=API, as Matomo's index.php is its UI.
        assert client.get("/index.php", follow_redirects=False).status_code == 303


def test_bulk_import_with_overrides_as_the_importer_sends_it(live_server: LiveServer) -> None:
    site = live_server.add_site("example.com")
    _, viewer, manager = users(live_server)
    two_days_ago = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=2)
    with live_server.client() as client:
        main_url = call_api(client, "SitesManager.getSiteFromId", site.token_auth, idSite=site.id)["main_url"]
        requests = [
            hit_query(site.id, main_url + "/", two_days_ago, "203.0.113.7", CHROME_UA),
            hit_query(site.id, main_url + "/pricing", two_days_ago + timedelta(minutes=2), "203.0.113.7", CHROME_UA,
                      urlref="https://www.google.com/"),
            hit_query(site.id, main_url + "/", two_days_ago, "198.51.100.9", BOT_UA),
            hit_query(site.id, main_url + "/", two_days_ago, "198.51.100.10", BOT_UA, bots="1"),
            "?rec=1&idsite=1&_id=not-hex",
        ]
        response = client.post("/piwik.php?queuedtracking=0", json={"token_auth": site.token_auth,
                                                                   "requests": requests})
        answer = response.json()
        assert response.status_code == 200 and answer["status"] == "success"
        assert (answer["tracked"], answer["invalid"]) == (3, 1)
        assert answer["invalid_indices"] == [4]

        # A manager's API token authorizes the overrides too; a viewer's does not, and an old cdt
        # without a valid token is refused, never backdated.
        later = two_days_ago + timedelta(hours=1)
        as_manager = client.post("/piwik.php", json={"token_auth": manager, "requests": [
            hit_query(site.id, main_url + "/about", later, "192.0.2.55", CHROME_UA)]}).json()
        assert as_manager["tracked"] == 1
        as_viewer = client.post("/piwik.php", json={"token_auth": viewer, "requests": [
            hit_query(site.id, main_url + "/about", later, "192.0.2.56", CHROME_UA)]}).json()
        assert as_viewer["tracked"] == 0 and as_viewer["dropped"] == {"invalid-token": 1}
        anonymous = client.post("/piwik.php", json={"requests": [
            hit_query(site.id, main_url + "/about", later, "192.0.2.57", CHROME_UA, bots="1")]}).json()
        assert anonymous["tracked"] == 0

    rows = live_server.rows()
    assert [row["pathname"] for row in rows] == ["/", "/", "/pricing", "/about"]
    assert {row["timestamp"].replace(tzinfo=timezone.utc).date() for row in rows} == {two_days_ago.date()}
    humans = [row for row in rows if row["browser"] == "Chrome" and row["pathname"] != "/about"]
    assert len({row["visitor_id"] for row in humans}) == 1  # cip + ua made the visitor, not the importer's IP
    assert len({row["visit_id"] for row in humans}) == 1
    assert rows[2]["referrer_host"] == "google.com"
    assert sum(1 for row in rows if row["device_type"] == "bot" or row["browser"] == "Googlebot") == 1
    assert all(row["ip_truncated"] == "" for row in rows)
