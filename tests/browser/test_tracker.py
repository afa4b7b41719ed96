"""footfall.js in headless Chromium: the site and the collector on different origins, rows read back from chdb."""

from __future__ import annotations

from typing import Any

from footfall.snippets import tracking_snippet
from tests.browser.conftest import SitePages, wait_for
from tests.support import LiveServer

REFERRER = "https://news.example.org/story/42?utm=no&id=7"


def page_html(live_server: LiveServer, site_id: int, title: str, body: str = "", script_attrs: str = "") -> str:
    snippet = tracking_snippet(live_server.url, site_id)
    if script_attrs:
        snippet = snippet.replace("></script>", f" {script_attrs}></script>")
    return f"<!doctype html><html><head><title>{title}</title>{snippet}</head><body>{body}</body></html>"


def rows(live_server: LiveServer, site_id: int, where: str = "1") -> list[dict[str, Any]]:
    return live_server.rows(
        f"SELECT * FROM events WHERE site_id = {{site:UInt32}} AND {where} ORDER BY timestamp, event_type",
        site=site_id,
    )


def count(live_server: LiveServer, site_id: int, where: str = "1") -> int:
    return live_server.count(f"site_id = {{site:UInt32}} AND {where}", site=site_id)


def test_snippet_records_pageviews_spa_navigation_links_and_events(
    live_server: LiveServer, site_pages: SitePages, context: Any
) -> None:
    site = live_server.add_site("127.0.0.1", extra_domains=["localhost"])
    body = f"""
      <a id="out" href="{live_server.url}/healthz?from=site">Collector status</a>
      <a id="pdf" href="/files/report.pdf">Report</a>
      <script>
        document.getElementById('pdf').addEventListener('click', e => e.preventDefault());
        addEventListener('popstate', () => {{
          document.title = location.pathname == '/article' ? 'The Article' : 'Comments';
        }});
      </script>
    """
    site_pages.add("/article", page_html(live_server, site.id, "The Article", body))
    page = context.new_page()
    page.goto(site_pages.url("/article?section=2"), referer=REFERRER)

    assert wait_for(lambda: count(live_server, site.id), 1) == 1
    [pageview] = rows(live_server, site.id)
    assert pageview["event_type"] == "pageview"
    assert pageview["url"] == site_pages.url("/article?section=2")
    assert pageview["hostname"] == "localhost"
    assert pageview["pathname"] == "/article"
    assert pageview["title"] == "The Article"
    assert pageview["referrer"] == "news.example.org/story/42"
    assert pageview["referrer_type"] == "website"
    assert pageview["screen_size"] == "1280x800"
    assert pageview["browser"] == "Chrome"
    assert len(pageview["pageview_id"]) == 6

    # SPA navigation: pushState, then the back button (popstate); a hash change is no new page.
    page.evaluate("history.pushState({}, '', '/article/comments'); document.title = 'Comments'")
    assert wait_for(lambda: count(live_server, site.id, "event_type = 'pageview'"), 2) == 2
    page.evaluate("location.hash = 'top'")
    page.go_back()
    page.go_back()
    assert wait_for(lambda: count(live_server, site.id, "event_type = 'pageview'"), 3) == 3
    pageviews = rows(live_server, site.id, "event_type = 'pageview'")
    assert [(row["pathname"], row["title"]) for row in pageviews] == [
        ("/article", "The Article"),
        ("/article/comments", "Comments"),
        ("/article", "The Article"),
    ]
    assert len({row["pageview_id"] for row in pageviews}) == 3

    # A custom event with properties, by name.
    page.evaluate("footfall('event', 'Signup', {plan: 'pro', seats: 3})")
    assert wait_for(lambda: count(live_server, site.id, "event_type = 'event'"), 1) == 1
    [event] = rows(live_server, site.id, "event_type = 'event'")
    assert (event["event_category"], event["event_action"], event["event_name"]) == ("event", "Signup", "Signup")
    assert event["props"] == {"plan": "pro", "seats": "3"}
    assert event["pathname"] == "/article"
    assert event["pageview_id"] == pageviews[-1]["pageview_id"]

    # A download, then an outbound link that takes the browser away from the site.
    page.click("#pdf")
    assert wait_for(lambda: count(live_server, site.id, "event_type = 'download'"), 1) == 1
    page.click("#out")
    page.wait_for_url(f"{live_server.url}/healthz?from=site")
    assert wait_for(lambda: count(live_server, site.id, "event_type = 'outlink'"), 1) == 1
    [download] = rows(live_server, site.id, "event_type = 'download'")
    [outlink] = rows(live_server, site.id, "event_type = 'outlink'")
    assert download["link_url"] == site_pages.url("/files/report.pdf")
    assert outlink["link_url"] == f"{live_server.url}/healthz?from=site"
    assert outlink["pathname"] == "/article"
    assert count(live_server, site.id) == 6


def test_calls_queued_before_the_script_loads_are_sent(
    live_server: LiveServer, site_pages: SitePages, context: Any
) -> None:
    site = live_server.add_site("localhost")
    queue = (
        "<script>window.footfall = window.footfall || function () {"
        " (footfall.q = footfall.q || []).push(arguments) };"
        " footfall('event', 'Early', {source: 'queue'});</script>"
    )
    site_pages.add("/", page_html(live_server, site.id, "Home", queue))
    context.new_page().goto(site_pages.url("/"))
    assert wait_for(lambda: count(live_server, site.id), 2) == 2
    [event] = rows(live_server, site.id, "event_type = 'event'")
    assert event["event_name"] == "Early" and event["props"] == {"source": "queue"}


def test_heartbeats_share_the_pageview_id_and_stop_while_hidden(
    live_server: LiveServer, site_pages: SitePages, context: Any
) -> None:
    site = live_server.add_site("localhost")
    site_pages.add("/", page_html(live_server, site.id, "Reading", script_attrs='data-heartbeat="1"'))
    page = context.new_page()
    page.goto(site_pages.url("/"))
    assert wait_for(lambda: count(live_server, site.id, "event_type = 'ping'") >= 2, True) is True
    [pageview] = rows(live_server, site.id, "event_type = 'pageview'")
    pings = rows(live_server, site.id, "event_type = 'ping'")
    assert {ping["pageview_id"] for ping in pings} == {pageview["pageview_id"]}

    page.evaluate("Object.defineProperty(document, 'hidden', {get: () => true})")
    page.wait_for_timeout(1200)  # let a ping already on its way arrive
    hidden_at = count(live_server, site.id, "event_type = 'ping'")
    page.wait_for_timeout(2500)
    assert count(live_server, site.id, "event_type = 'ping'") == hidden_at


def test_do_not_track_and_global_privacy_control_send_nothing(
    live_server: LiveServer, site_pages: SitePages, browser: Any
) -> None:
    from tests.browser.conftest import DESKTOP_UA

    site = live_server.add_site("localhost")
    site_pages.add("/", page_html(live_server, site.id, "Home"))
    signals = {
        "dnt": ({"DNT": "1"}, "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'})"),
        "gpc": (
            {"Sec-GPC": "1"},
            "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})",
        ),
    }
    for name, (headers, script) in signals.items():
        ctx = browser.new_context(user_agent=DESKTOP_UA, extra_http_headers=headers)
        ctx.add_init_script(script)
        page = ctx.new_page()
        page.goto(site_pages.url(f"/?signal={name}"))
        page.wait_for_function("typeof window.footfall == 'function'")
        page.evaluate("footfall('event', 'Clicked'); history.pushState({}, '', '/elsewhere')")
        ctx.close()
    # A browser without the signals, afterwards: its hit arrives, the others never came.
    ctx = browser.new_context(user_agent=DESKTOP_UA)
    ctx.new_page().goto(site_pages.url("/?signal=none"))
    assert wait_for(lambda: count(live_server, site.id), 1) == 1
    ctx.close()
    [row] = rows(live_server, site.id)
    assert row["url"].endswith("/?signal=none")
    dropped = live_server.rows("SELECT count() AS n FROM dropped_hits WHERE site_id = {site:UInt32}", site=site.id)
    assert dropped[0]["n"] == 0  # nothing was even sent
