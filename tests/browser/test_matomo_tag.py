"""A page tagged for Matomo (the standard _paq snippet) switches to Footfall by changing only the base URL."""

from __future__ import annotations

from typing import Any

from footfall.snippets import matomo_snippet
from tests.browser.conftest import SitePages, wait_for
from tests.browser.test_tracker import REFERRER, count, rows
from tests.support import LiveServer


def matomo_page(live_server: LiveServer, site_id: int, title: str, before: str = "", body: str = "") -> str:
    # Commands a Matomo user puts in front of the standard snippet.
    snippet = matomo_snippet(live_server.url, site_id).replace("<script>\n", f"<script>\n{before}\n", 1)
    return f"<!doctype html><html><head><title>{title}</title>{snippet}</head><body>{body}</body></html>"


def test_standard_matomo_snippet_records_the_same_rows(
    live_server: LiveServer, site_pages: SitePages, context: Any
) -> None:
    site = live_server.add_site("127.0.0.1", extra_domains=["localhost"])
    before = "var _paq = window._paq = window._paq || []; _paq.push(['setDocumentTitle', 'Shop / Start']);"
    body = f'<a id="out" href="{live_server.url}/healthz?via=matomo">Status</a>'
    site_pages.add("/shop", matomo_page(live_server, site.id, "ignored title", before, body))
    page = context.new_page()
    page.goto(site_pages.url("/shop?ref=mail"), referer=REFERRER)
    assert page.evaluate("document.querySelector('script[src$=\"matomo.js\"]').src") == f"{live_server.url}/matomo.js"

    assert wait_for(lambda: count(live_server, site.id), 1) == 1
    [pageview] = rows(live_server, site.id)
    assert pageview["event_type"] == "pageview"
    assert pageview["url"] == site_pages.url("/shop?ref=mail")
    assert pageview["title"] == "Shop / Start"
    assert pageview["referrer"] == "news.example.org/story/42"
    assert pageview["screen_size"] == "1280x800"

    # An SPA the Matomo way: new URL and title, then trackPageView.
    page.evaluate(
        """
        history.pushState({}, '', '/shop/cart');
        _paq.push(['setCustomUrl', '/shop/cart?step=1']);
        _paq.push(['setDocumentTitle', 'Cart']);
        _paq.push(['trackPageView']);
        _paq.push(['trackEvent', 'Cart', 'Add', 'Blue shoes', 59.9]);
        _paq.push(['trackSiteSearch', 'red shoes', 'Shoes', 12]);
        _paq.push(['trackGoal', 3, 59.9]);
        _paq.push(['trackLink', location.origin + '/files/terms.pdf', 'download']);
        """
    )
    assert wait_for(lambda: count(live_server, site.id), 6) == 6
    cart = rows(live_server, site.id, "event_type = 'pageview' AND pathname = '/shop/cart'")
    assert [(row["url"], row["title"]) for row in cart] == [(site_pages.url("/shop/cart?step=1"), "Cart")]
    [event] = rows(live_server, site.id, "event_type = 'event'")
    assert (event["event_category"], event["event_action"], event["event_name"], event["event_value"]) == (
        "Cart",
        "Add",
        "Blue shoes",
        59.9,
    )
    assert event["pageview_id"] == cart[0]["pageview_id"]
    [search] = rows(live_server, site.id, "event_type = 'search'")
    assert (search["search_keyword"], search["search_category"], search["search_count"]) == ("red shoes", "Shoes", 12)
    [goal] = rows(live_server, site.id, "event_type = 'goal'")
    assert (goal["goal_id"], goal["revenue"]) == (3, 59.9)
    [download] = rows(live_server, site.id, "event_type = 'download'")
    assert download["link_url"] == site_pages.url("/files/terms.pdf")

    # enableLinkTracking from the snippet: an outbound click is an outlink.
    page.click("#out")
    page.wait_for_url(f"{live_server.url}/healthz?via=matomo")
    assert wait_for(lambda: count(live_server, site.id, "event_type = 'outlink'"), 1) == 1
    [outlink] = rows(live_server, site.id, "event_type = 'outlink'")
    assert outlink["link_url"] == f"{live_server.url}/healthz?via=matomo"
    assert count(live_server, site.id) == 7


def test_matomo_opt_out_commands(live_server: LiveServer, site_pages: SitePages, context: Any) -> None:
    site = live_server.add_site("localhost")
    site_pages.add("/", matomo_page(live_server, site.id, "Home"))
    page = context.new_page()
    page.goto(site_pages.url("/"))
    assert wait_for(lambda: count(live_server, site.id), 1) == 1

    # Callable commands run with the tracker as `this`, as in Matomo.
    opted_out = page.evaluate(
        """() => new Promise(done => _paq.push([function () {
             this.optUserOut();
             done(this.isUserOptedOut());
           }]))"""
    )
    assert opted_out is True
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    assert cookies["footfall_optout"]["value"] == "1"
    assert cookies["footfall_optout"]["sameSite"] == "Lax"
    page.evaluate("_paq.push(['trackEvent', 'Ignored', 'While opted out'])")
    page.reload()
    page.wait_for_function("typeof window.footfall == 'function'")

    page.evaluate("_paq.push(['forgetUserOptOut']); _paq.push(['setCustomUrl', '/back']); _paq.push(['trackPageView'])")
    assert page.evaluate("new Promise(done => _paq.push([function () { done(this.isUserOptedOut()) }]))") is False
    assert wait_for(lambda: count(live_server, site.id), 2) == 2
    assert [row["pathname"] for row in rows(live_server, site.id)] == ["/", "/back"]
    assert "footfall_optout" not in {cookie["name"] for cookie in context.cookies()}


def test_matomo_consent_removed_cookie_is_honoured(
    live_server: LiveServer, site_pages: SitePages, context: Any
) -> None:
    site = live_server.add_site("localhost")
    site_pages.add("/", matomo_page(live_server, site.id, "Home"))
    site_pages.add("/other", matomo_page(live_server, site.id, "Other"))
    context.add_cookies([{"name": "mtm_consent_removed", "value": "1700000000000", "url": site_pages.url("/")}])
    page = context.new_page()
    page.goto(site_pages.url("/"))
    page.wait_for_function("typeof window.footfall == 'function'")
    context.clear_cookies()
    page.goto(site_pages.url("/other"))
    assert wait_for(lambda: count(live_server, site.id), 1) == 1
    assert [row["pathname"] for row in rows(live_server, site.id)] == ["/other"]
