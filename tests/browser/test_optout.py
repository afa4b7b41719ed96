"""Opting out in headless Chromium: the optout.js widget (first-party cookie) and the /optout iframe."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from footfall.snippets import opt_out_iframe_snippet, opt_out_snippet, tracking_snippet
from tests.browser.conftest import DESKTOP_UA, SitePages, wait_for
from tests.browser.test_tracker import count, rows
from tests.support import LiveServer

YEAR = 365 * 24 * 3600


def widget_page(live_server: LiveServer, site_id: int, lang: str = "en", title: str = "Privacy") -> str:
    return (
        f"<!doctype html><html><head><title>{title}</title>{tracking_snippet(live_server.url, site_id)}</head>"
        f"<body><h1>{title}</h1>{opt_out_snippet(live_server.url, lang)}</body></html>"
    )


def drops(live_server: LiveServer, reason: str) -> int:
    """Hits the collector answered but dropped, from its Prometheus counter."""
    import re

    with live_server.client() as client:
        metrics = client.get("/metrics").text
    found = re.search(rf'^footfall_hits_dropped_total{{reason="{reason}"}} (\S+)$', metrics, re.M)
    return int(float(found.group(1))) if found else 0


def test_widget_toggle_stops_and_resumes_tracking(
    live_server: LiveServer, site_pages: SitePages, context: Any
) -> None:
    site = live_server.add_site("localhost")
    site_pages.add("/privacy", widget_page(live_server, site.id))
    site_pages.add("/blog", widget_page(live_server, site.id, title="Blog"))
    page = context.new_page()
    page.goto(site_pages.url("/privacy"))
    assert wait_for(lambda: count(live_server, site.id), 1) == 1

    switch = page.get_by_role("switch", name="Count my visits in this website's statistics")
    assert switch.is_checked()
    assert switch.get_attribute("aria-checked") == "true"
    switch.click()
    assert not switch.is_checked()
    assert switch.get_attribute("aria-checked") == "false"
    expect(page.get_by_text("You have opted out: your visits are not counted.")).to_be_visible()

    [cookie] = [c for c in context.cookies() if c["name"] == "footfall_optout"]
    assert cookie["value"] == "1"
    assert cookie["domain"] == "localhost"  # first party: the site's own host
    assert cookie["path"] == "/"
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # plain http here; optout.js adds Secure on https
    assert cookie["httpOnly"] is False
    assert cookie["expires"] - time.time() >= YEAR
    # Matomo's own first-party opt-out cookie too, so a real matomo.js on the page stops as well.
    [matomo] = [c for c in context.cookies() if c["name"] == "mtm_consent_removed"]
    assert (matomo["value"], matomo["sameSite"]) == ("1", "Lax")

    # Reloading, navigating, SPA navigation, events, outbound clicks: nothing is sent.
    page.reload()
    page.goto(site_pages.url("/blog"))
    page.evaluate("history.pushState({}, '', '/blog/post'); footfall('event', 'Read')")
    page.goto(site_pages.url("/privacy"))
    switch = page.get_by_role("switch")
    assert not switch.is_checked()

    # Back on, with the keyboard this time.
    switch.focus()
    page.keyboard.press("Space")
    assert switch.is_checked()
    expect(page.get_by_text("Your visits are currently counted.")).to_be_visible()
    assert not {"footfall_optout", "mtm_consent_removed"} & {c["name"] for c in context.cookies()}
    page.goto(site_pages.url("/blog"))
    assert wait_for(lambda: count(live_server, site.id), 2) == 2
    assert [row["pathname"] for row in rows(live_server, site.id)] == ["/privacy", "/blog"]
    assert drops(live_server, "opt-out") == 0  # the tracker itself stayed silent


@pytest.mark.parametrize(
    ("lang", "locale", "expected"),
    [
        (
            "de",
            "en-US",
            [
                "Besuchsstatistik",
                "Meine Besuche in der Statistik dieser Website zählen",
                "pseudonymen Kennung ausgewertet, die nie mit personenbezogenen Daten zusammengeführt wird",
                "Wenn Sie Ihre Cookies löschen, wird auch dieses Cookie gelöscht",
                "Ihre Besuche werden derzeit gezählt.",
            ],
        ),
        (
            "en",
            "de-DE",
            [
                "Visitor statistics",
                "Count my visits in this website's statistics",
                "pseudonymous ID that is never merged with personal data",
                "Deleting your cookies deletes this cookie too",
                "Your visits are currently counted.",
            ],
        ),
        ("", "de-DE", ["Meine Besuche in der Statistik dieser Website zählen"]),
    ],
)
def test_widget_text_and_screenshot(
    live_server: LiveServer,
    site_pages: SitePages,
    browser: Any,
    artifacts: Path,
    lang: str,
    locale: str,
    expected: list[str],
) -> None:
    site = live_server.add_site("localhost")
    style = (
        "<style>#footfall-optout{--footfall-optout-color:#1f2937;--footfall-optout-bg:#f8fafc;"
        "--footfall-optout-font:15px/1.5 sans-serif;--footfall-optout-padding:1em;max-width:38em}</style>"
    )
    site_pages.add("/privacy", widget_page(live_server, site.id, lang).replace("</head>", style + "</head>"))
    ctx = browser.new_context(user_agent=DESKTOP_UA, locale=locale, viewport={"width": 800, "height": 600})
    try:
        page = ctx.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(site_pages.url("/privacy"))
        widget = page.locator("#footfall-optout")
        widget.get_by_role("switch").wait_for()
        text = widget.inner_text()
        for sentence in expected:
            assert sentence in text
        assert page.locator(".footfall-optout").evaluate("e => getComputedStyle(e).backgroundColor") == (
            "rgb(248, 250, 252)"
        )
        if lang:
            widget.screenshot(path=str(artifacts / f"optout-widget-{lang}.png"))
            assert (artifacts / f"optout-widget-{lang}.png").stat().st_size > 1000
        # The widget itself fetches nothing: only the page, the two scripts and the tracker's pageview.
        assert {url.split("?")[0].rsplit("/", 1)[1] for url in requests} <= {"privacy", "footfall.js", "optout.js", "matomo.php"}
    finally:
        ctx.close()


def test_iframe_opt_out_makes_the_collector_drop_hits(
    live_server: LiveServer, site_pages: SitePages, context: Any
) -> None:
    site = live_server.add_site("127.0.0.1")
    iframe = opt_out_iframe_snippet(live_server.url, "en")
    html = widget_page(live_server, site.id, title="Privacy").replace(opt_out_snippet(live_server.url, "en"), iframe)
    site_pages.add("/privacy", html)
    host = "127.0.0.1"  # same site as the collector: on plain http its cookie is SameSite=Lax
    page = context.new_page()
    page.goto(site_pages.url("/privacy", host))
    assert wait_for(lambda: count(live_server, site.id), 1) == 1

    frame = page.frame_locator("iframe")
    expect(frame.get_by_text("Your visits are currently counted.")).to_be_visible()
    frame.get_by_role("button", name="Do not count my visits").click()
    expect(frame.get_by_text("You have opted out: your visits are not counted.")).to_be_visible()
    [cookie] = [c for c in context.cookies() if c["name"] == "footfall_optout"]
    assert cookie["domain"] == "127.0.0.1"
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    assert cookie["expires"] - time.time() >= YEAR

    # The tracker cannot see the collector's cookie and still sends; the collector drops every hit.
    page.reload()
    page.evaluate("history.pushState({}, '', '/privacy/more')")
    assert wait_for(lambda: drops(live_server, "opt-out"), 2) == 2
    assert count(live_server, site.id) == 1

    frame.get_by_role("button", name="Count my visits again").click()
    expect(frame.get_by_text("Your visits are currently counted.")).to_be_visible()
    assert "footfall_optout" not in {c["name"] for c in context.cookies()}
    page.goto(site_pages.url("/privacy", host))
    assert wait_for(lambda: count(live_server, site.id), 2) == 2
    assert drops(live_server, "opt-out") == 2


VISITOR = "a1b2c3d4e5f60718"


def cookie_tracked_page(
    live_server: LiveServer, site_id: int, title: str, lang: str = "en", widget: bool = True
) -> str:
    """A page tagged the way matomo.js tags it in cookie mode: a first-party _pk_id cookie, its id sent as _id."""
    tracker = f"""<script>
      var id = (document.cookie.match(/_pk_id\\.{site_id}\\.x=([0-9a-f]{{16}})/) || [])[1] || "{VISITOR}";
      if (!/footfall_optout=1/.test(document.cookie)) {{
        document.cookie = "_pk_id.{site_id}.x=" + id + "." + Math.floor(Date.now() / 1000) + "; path=/; SameSite=Lax";
        navigator.sendBeacon("{live_server.url}/matomo.php", new URLSearchParams(
          {{idsite: "{site_id}", rec: "1", url: location.href, action_name: document.title, _id: id,
            send_image: "0"}}));
      }}
    </script>"""
    optout = opt_out_snippet(live_server.url, lang) if widget else ""
    head = f"<title>{title}</title>{tracker}"
    return f"<!doctype html><html><head>{head}</head><body><h1>{title}</h1>{optout}</body></html>"


def test_widget_deletes_the_data_tied_to_the_tracker_cookie(
    live_server: LiveServer, site_pages: SitePages, context: Any
) -> None:
    from footfall.hashing import keyed_hash
    from tests.support import CHROME_UA

    site = live_server.add_site("localhost", cookie_mode=True)
    mine = keyed_hash(live_server.services.secret.encode(), "cookie", site.id, VISITOR)
    site_pages.add("/shop", cookie_tracked_page(live_server, site.id, "Shop", widget=False))
    site_pages.add("/privacy", cookie_tracked_page(live_server, site.id, "Privacy"))
    with live_server.client() as client:  # another visitor, whose rows must stay
        client.get(
            "/matomo.php",
            params={"idsite": site.id, "rec": 1, "url": "http://localhost/", "_id": "0f1e2d3c4b5a6978"},
            headers={"User-Agent": CHROME_UA},
        )
    page = context.new_page()
    page.goto(site_pages.url("/shop"))
    page.goto(site_pages.url("/privacy"))
    assert wait_for(lambda: count(live_server, site.id, f"visitor_id = {mine}"), 2) == 2
    assert count(live_server, site.id) == 3

    requests: list[tuple[str, str]] = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    button = page.get_by_role("button", name="Delete the data collected about me")
    button.click()
    expect(page.get_by_text("The data collected about you is deleted.")).to_be_visible()
    expect(page.get_by_text("You have opted out: your visits are not counted.")).to_be_visible()
    assert requests == [("POST", f"{live_server.url}/optout/forget")]
    assert count(live_server, site.id, f"visitor_id = {mine}") == 0
    assert count(live_server, site.id) == 1
    assert not page.get_by_role("switch").is_checked()
    assert button.count() == 0
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    assert cookies.get("footfall_optout") == "1"
    assert f"_pk_id.{site.id}.x" not in cookies  # the old ID is gone from the browser too

    # Opted out and without the cookie: the pages send nothing, and there is nothing left to delete.
    page.reload()
    page.goto(site_pages.url("/shop"))
    page.goto(site_pages.url("/privacy"))
    page.get_by_role("switch").wait_for()
    assert page.get_by_role("button").count() == 0
    assert count(live_server, site.id) == 1


def test_widget_on_a_cookieless_site_explains_there_is_nothing_to_delete(
    live_server: LiveServer, site_pages: SitePages, context: Any
) -> None:
    site = live_server.add_site("localhost")
    site_pages.add("/datenschutz", widget_page(live_server, site.id, "de", title="Datenschutz"))
    site_pages.add("/matomo", cookie_tracked_page(live_server, site.id, "Datenschutz", lang="de"))
    page = context.new_page()
    page.goto(site_pages.url("/datenschutz"))
    page.get_by_role("switch").wait_for()
    assert page.get_by_role("button").count() == 0  # no tracker cookie, no button

    page.goto(site_pages.url("/matomo"))
    assert wait_for(lambda: count(live_server, site.id), 2) == 2
    page.get_by_role("button", name="Meine erfassten Daten löschen").click()
    expect(page.get_by_text("Hier ist nichts an Ihren Browser gebunden.")).to_be_visible()
    expect(page.get_by_text("Sie haben widersprochen")).to_be_visible()
    assert count(live_server, site.id) == 2  # the daily pseudonyms cannot be tied to this browser
