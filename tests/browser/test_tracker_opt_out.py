"""The tracker stops at once: after an opt-out no request leaves the page, and a page opened opted out stays silent."""

from __future__ import annotations

from typing import Any

from footfall.snippets import opt_out_snippet, tracking_snippet
from tests.browser.conftest import SitePages, wait_for
from tests.browser.test_tracker import count, rows
from tests.support import LiveServer

HEARTBEAT = 1  # seconds
SCRIPTS = ("/footfall.js", "/matomo.js", "/piwik.js", "/optout.js")


def page_html(live_server: LiveServer, site_id: int, title: str, widget: bool = True) -> str:
    snippet = tracking_snippet(live_server.url, site_id).replace("></script>", f' data-heartbeat="{HEARTBEAT}"></script>')
    optout = opt_out_snippet(live_server.url, "en") if widget else ""
    return f"<!doctype html><html><head><title>{title}</title>{snippet}</head><body><h1>{title}</h1>{optout}</body></html>"


class CollectorRequests:
    """Every request the browser context sends to the collector, other than loading a script."""

    def __init__(self, context: Any, live_server: LiveServer) -> None:
        self.sent: list[str] = []
        origin = live_server.url

        def seen(request: Any) -> None:
            if request.url.startswith(origin) and not request.url[len(origin):].split("?")[0] in SCRIPTS:
                self.sent.append(f"{request.method} {request.url}")

        context.on("request", seen)


def test_after_opting_out_no_request_leaves_this_page_or_later_ones(
    live_server: LiveServer, site_pages: SitePages, context: Any
) -> None:
    site = live_server.add_site("localhost")
    site_pages.add("/privacy", page_html(live_server, site.id, "Privacy"))
    site_pages.add("/blog", page_html(live_server, site.id, "Blog", widget=False))
    requests = CollectorRequests(context, live_server)
    page = context.new_page()
    page.goto(site_pages.url("/privacy"))
    assert wait_for(lambda: count(live_server, site.id, "event_type = 'ping'") >= 1, True) is True

    page.get_by_role("switch").click()
    page.wait_for_timeout(300)  # a ping already on its way may still land
    requests.sent.clear()
    page.evaluate("footfall('event', 'Clicked'); history.pushState({}, '', '/privacy/more')")
    page.wait_for_timeout(HEARTBEAT * 2500)
    later = context.new_page()
    later.goto(site_pages.url("/blog"))
    later.evaluate("footfall('event', 'Read'); history.pushState({}, '', '/blog/post')")
    later.wait_for_timeout(HEARTBEAT * 2500)
    assert requests.sent == []
    assert count(live_server, site.id, "event_type != 'ping'") == 1


def test_a_page_opened_while_opted_out_stays_silent_after_an_opt_in_elsewhere(
    live_server: LiveServer, site_pages: SitePages, context: Any
) -> None:
    site = live_server.add_site("localhost")
    site_pages.add("/privacy", page_html(live_server, site.id, "Privacy"))
    for path in ("/article", "/article/2"):
        site_pages.add(path, page_html(live_server, site.id, "Article", widget=False))
    context.add_cookies([{"name": "footfall_optout", "value": "1", "url": site_pages.url("/")}])
    requests = CollectorRequests(context, live_server)
    article = context.new_page()
    article.goto(site_pages.url("/article"))
    article.wait_for_function("typeof window.footfall == 'function'")

    # Opted back in in another tab: the cookie is gone for the whole site.
    privacy = context.new_page()
    privacy.goto(site_pages.url("/privacy"))
    switch = privacy.get_by_role("switch")
    assert not switch.is_checked()
    switch.click()
    assert "footfall_optout" not in {c["name"] for c in context.cookies()}
    privacy.close()

    article.evaluate("footfall('event', 'Late'); history.pushState({}, '', '/article/2')")
    article.click("h1")
    article.wait_for_timeout(HEARTBEAT * 3000)
    assert requests.sent == []
    assert count(live_server, site.id) == 0

    article.reload()
    assert wait_for(lambda: count(live_server, site.id, "event_type = 'pageview'"), 1) == 1
    assert wait_for(lambda: count(live_server, site.id, "event_type = 'ping'") >= 1, True) is True
    [pageview] = rows(live_server, site.id, "event_type = 'pageview'")
    assert pageview["pathname"] == "/article/2"


def test_matomo_js_opened_while_opted_out_sends_no_heartbeat_after_an_opt_in_elsewhere(
    live_server: LiveServer, site_pages: SitePages, context: Any
) -> None:
    from tests.browser.test_matomo_tag import matomo_page

    site = live_server.add_site("localhost")
    site_pages.add("/", matomo_page(live_server, site.id, "Home", f"var _paq = window._paq = window._paq || []; "
                                    f"_paq.push(['enableHeartBeatTimer', {HEARTBEAT}]);"))
    context.add_cookies([{"name": "mtm_consent_removed", "value": "1", "url": site_pages.url("/")}])
    requests = CollectorRequests(context, live_server)
    page = context.new_page()
    page.goto(site_pages.url("/"))
    page.wait_for_function("typeof window.footfall == 'function'")
    context.clear_cookies()  # opted back in, in another tab
    page.evaluate("_paq.push(['trackEvent', 'Late', 'Click'])")
    page.wait_for_timeout(HEARTBEAT * 3000)
    assert requests.sent == []
    # Opting in on this very page (Matomo's forgetUserOptOut) resumes it.
    page.evaluate("_paq.push(['forgetUserOptOut']); _paq.push(['trackPageView'])")
    assert wait_for(lambda: count(live_server, site.id, "event_type = 'pageview'"), 1) == 1
    assert wait_for(lambda: count(live_server, site.id, "event_type = 'ping'") >= 1, True) is True
