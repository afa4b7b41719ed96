"""Adding and editing sites in the dashboard: validation next to the field, snippets, privacy text."""

from __future__ import annotations

import html as html_module
import re

from markupsafe import escape

from footfall import snippets
from tests.dashboard.web_client import add_user, csrf_of, login, post_form
from tests.support import LiveServer

VALID = {"name": "Shop", "domains": "shop.example\nwww.shop.example", "timezone": "Europe/Berlin",
         "excluded_ips": "10.0.0.0/8", "retention_days": "400", "url_denylist": "ref", "referrer_spam": "spam.example",
         "honor_dnt": "on"}


def field_error(page: str, name: str) -> str | None:
    match = re.search(r'<small class="error" id="e-' + name + r'" role="alert">([^<]*)</small>', page)
    return html_module.unescape(match.group(1)) if match else None


def test_invalid_values_are_shown_next_to_their_fields(live_server: LiveServer) -> None:
    add_user(live_server, "admin@example.com", admin=True)
    client = login(live_server, "admin@example.com")
    bad = {**VALID, "name": "", "domains": "not a domain!", "timezone": "Mars/Olympus", "excluded_ips": "10.0.0.300",
           "retention_days": "-3"}
    response = post_form(client, "/sites/new", "/sites/new", bad)
    assert response.status_code == 422
    page = response.text
    assert field_error(page, "name") == "must be 1 to 200 characters"
    assert "is not a domain name" in field_error(page, "domains")
    assert "is not a known time zone" in field_error(page, "timezone")
    assert "is not an IP address or CIDR range" in field_error(page, "excluded_ips")
    assert field_error(page, "retention_days") == "must not be negative"
    assert field_error(page, "url_denylist") is None
    assert "not a domain!" in html_module.unescape(page)  # the typed values stay in the form
    assert live_server.services.sites.list() == []


def test_create_and_edit_a_site(live_server: LiveServer) -> None:
    add_user(live_server, "admin@example.com", admin=True)
    client = login(live_server, "admin@example.com")
    created = post_form(client, "/sites/new", "/sites/new", VALID)
    assert created.status_code == 303
    site = live_server.services.sites.list()[0]
    assert created.headers["location"] == f"/sites/{site.id}/settings?created=1"
    assert site.domains == ("shop.example",) and site.timezone == "Europe/Berlin"
    assert site.excluded_ips == ("10.0.0.0/8",) and site.retention_days == 400 and site.honor_dnt
    assert not site.cookie_mode and site.url_denylist == ("ref",) and site.referrer_spam == ("spam.example",)

    page = client.get(f"/sites/{site.id}/settings").text
    base = live_server.url + "/"
    for snippet in (snippets.tracking_snippet(base, site.id), snippets.matomo_snippet(base, site.id),
                    snippets.opt_out_snippet(base, "de")):
        assert str(escape(snippet)) in page  # shown as text to copy, never as markup
    assert site.token_auth in page  # admins see the token for server-side trackers

    edited = post_form(client, f"/sites/{site.id}/settings", f"/sites/{site.id}/settings",
                       {**VALID, "name": "Shop DE", "cookie_mode": "on", "honor_dnt": "", "timezone": "America/New_York"})
    assert edited.status_code == 200 and "Saved." in edited.text
    site = live_server.services.sites.get(site.id)
    assert site.name == "Shop DE" and site.cookie_mode and not site.honor_dnt and site.timezone == "America/New_York"
    longer = post_form(client, f"/sites/{site.id}/settings", f"/sites/{site.id}/settings",
                       {**VALID, "retention_days": "900"})
    assert longer.status_code == 422
    assert field_error(longer.text, "retention_days") == "can only be shorter than the server's 758 days"
    wrong = post_form(client, f"/sites/{site.id}/settings", f"/sites/{site.id}/settings", {**VALID, "timezone": "Nowhere"})
    assert wrong.status_code == 422 and field_error(wrong.text, "timezone")
    assert live_server.services.sites.get(site.id).timezone == "America/New_York"


def test_privacy_text_follows_the_settings(live_server: LiveServer) -> None:
    add_user(live_server, "admin@example.com", admin=True)
    site = live_server.add_site("shop.example", retention_days=180)
    client = login(live_server, "admin@example.com")
    text = html_module.unescape(client.get(f"/sites/{site.id}/privacy").text)
    assert "sets no cookies" in text and "setzt keine Cookies" in text
    assert "Do Not Track" in text and "deleted automatically after 180 days" in text and "nach 180 Tagen" in text
    assert "The IP address is not stored at all" in text
    assert "deleting all cookies" in text or "delete all cookies" in text
    assert "Opt-out-Cookie gelöscht" in text
    live_server.services.sites.update(site.id, cookie_mode=True, honor_dnt=False, store_truncated_ip=True, retention_days=0)
    text = html_module.unescape(client.get(f"/sites/{site.id}/privacy").text)
    assert "sets a first-party cookie" in text and "setzt ein eigenes (First-Party-)Cookie" in text
    assert "Do Not Track" not in text
    assert "192.168.0.0" in text  # 2 of 4 bytes masked by default
    assert "Einwilligung" in text
    # No retention of its own: the server's default of 25 months applies, and the manifest is linked.
    assert "deleted automatically after 758 days" in text
    assert f"{live_server.url}/privacy.json?site={site.id}" in text


def test_settings_page_shows_the_consent_self_check_and_the_privacy_log(live_server: LiveServer) -> None:
    import re

    add_user(live_server, "admin@example.com", admin=True)
    site = live_server.add_site("shop.example")
    live_server.services.salts.current()  # a salt made: the log has an entry
    client = login(live_server, "admin@example.com")

    def statuses() -> dict[str, str]:
        page = client.get(f"/sites/{site.id}/settings").text
        return dict(re.findall(r'data-criterion="([a-z_]+)" data-status="([a-z ]+)"', page))

    assert statuses()["retention"] == "met" and statuses()["no_cross_site_tracking"] == "met"
    page = html_module.unescape(client.get(f"/sites/{site.id}/settings").text)
    assert "Privacy log" in page and "salt-created" in page
    assert f"/privacy.json?site={site.id}" in page
    live_server.services.sites.update(site.id, retention_days=800, domains="*")
    found = statuses()
    # A site's own longer retention cannot extend the server's 758 days.
    assert found["retention"] == "met" and found["no_cross_site_tracking"] == "not met"

    viewer_site_admin = add_user(live_server, "manager@example.com")
    from dashboard.accounts import Accounts

    Accounts(live_server.services.db).grant(viewer_site_admin.id, site.id, "admin")
    other = login(live_server, "manager@example.com")
    page = other.get(f"/sites/{site.id}/settings").text
    assert "consent-check" in page and "Privacy log" not in page


def test_only_admins_add_sites_and_see_token_auth(live_server: LiveServer) -> None:
    site = live_server.add_site("shop.example")
    user = add_user(live_server, "manager@example.com")
    from dashboard.accounts import Accounts

    Accounts(live_server.services.db).grant(user.id, site.id, "admin")  # manages this one site
    client = login(live_server, "manager@example.com")
    assert client.get("/sites/new").status_code == 403
    page = client.get(f"/sites/{site.id}/settings")
    assert page.status_code == 200 and site.token_auth not in page.text
    assert client.post(f"/sites/{site.id}/token", data={"csrf_token": csrf_of(page.text)}).status_code == 403


def test_deleting_a_site_asks_for_its_name_and_takes_its_events(live_server: LiveServer) -> None:
    from tests.dashboard.web_client import track
    from tests.support import CHROME_UA

    keep = live_server.add_site("keep.example")
    gone = live_server.add_site("gone.example", name="Gone shop")
    for site, url in ((keep, "https://keep.example/"), (gone, "https://gone.example/")):
        track(live_server, site.id, site.token_auth, ip="81.1.0.1", ua=CHROME_UA, url=url)
    live_server.flush()
    add_user(live_server, "admin@example.com", admin=True)
    client = login(live_server, "admin@example.com")
    settings_page = client.get(f"/sites/{gone.id}/settings").text
    assert f'href="/sites/{gone.id}/delete"' in settings_page
    confirm = client.get(f"/sites/{gone.id}/delete").text
    assert "Delete Gone shop?" in confirm and "its 1 recorded event," in confirm
    wrong = post_form(client, f"/sites/{gone.id}/delete", f"/sites/{gone.id}/delete", {"confirm": "gone"})
    assert wrong.status_code == 422 and live_server.services.sites.get(gone.id) is not None
    done = post_form(client, f"/sites/{gone.id}/delete", f"/sites/{gone.id}/delete", {"confirm": "Gone shop"})
    assert done.status_code == 303 and done.headers["location"] == "/sites?deleted=1"
    assert live_server.services.sites.get(gone.id) is None
    assert live_server.count("site_id = {s:UInt32}", s=gone.id) == 0
    assert live_server.count("site_id = {s:UInt32}", s=keep.id) == 1
    assert client.get(f"/sites/{gone.id}").status_code == 404


def test_a_viewer_cannot_delete_a_site(live_server: LiveServer) -> None:
    site = live_server.add_site("a.example")
    add_user(live_server, "viewer@example.com", sites=(site.id,))
    client = login(live_server, "viewer@example.com")
    assert client.get(f"/sites/{site.id}/delete").status_code == 403


def test_the_sites_list_shows_visitors_and_a_sparkline_per_site(live_server: LiveServer) -> None:
    from tests.dashboard.web_client import track
    from tests.support import CHROME_UA, FIREFOX_UA

    busy = live_server.add_site("busy.example", name="Busy")
    live_server.add_site("quiet.example", name="Quiet")
    for ip, ua in (("81.1.0.1", CHROME_UA), ("81.1.0.2", FIREFOX_UA), ("81.1.0.1", CHROME_UA)):
        track(live_server, busy.id, busy.token_auth, ip=ip, ua=ua, url="https://busy.example/")
    live_server.flush()
    add_user(live_server, "admin@example.com", admin=True)
    page = login(live_server, "admin@example.com").get("/sites").text
    rows = {name: html for name, html in re.findall(r'class="site-name" href="/sites/\d+">([^<]+)</a>(.*?)</li>', page, re.S)}
    assert re.search(r"<strong>2</strong> <span class=\"muted small\">visitors, 30 days", rows["Busy"])
    assert re.search(r"<strong>0</strong>", rows["Quiet"])
    spark = re.search(r'<polyline points="([^"]+)"', rows["Busy"]).group(1).split()
    assert len(spark) == 30 and float(spark[-1].split(",")[1]) < float(spark[0].split(",")[1])  # today is the peak
