"""A page on a host the site does not list: the dashboard names the host and the fix, and its button fixes it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import SitePages, wait_for
from tests.browser.test_tracker import count, page_html
from tests.dashboard.web_client import add_user
from tests.support import LiveServer


def test_a_refused_host_is_named_on_the_dashboard_and_one_click_makes_the_next_hit_count(
    live_server: LiveServer, site_pages: SitePages, context: Any, artifacts: Path
) -> None:
    site = live_server.add_site("shop.example.org", name="Shop")
    add_user(live_server, "owner@example.org", admin=True)
    site_pages.add("/", page_html(live_server, site.id, "Home"))
    shop = context.new_page()
    dashboard = context.new_page()

    # The owner opens the new site's dashboard: the snippet, and a live check for the first pageview.
    dashboard.goto(live_server.url + "/login")
    dashboard.fill("input[name=email]", "owner@example.org")
    dashboard.fill("input[name=password]", "correct horse")
    dashboard.click("button[type=submit]")
    dashboard.wait_for_url(re.compile(r".*/sites$"))
    dashboard.goto(f"{live_server.url}/sites/{site.id}")
    status = dashboard.locator("[data-first-hit-status]")
    assert status.inner_text() == "Waiting for the first pageview…"
    assert f'data-site="{site.id}"' in dashboard.locator("#onboarding pre").inner_text()

    # The snippet is on a page served from localhost, which is not one of the site's domains.
    shop.goto(site_pages.url("/", host="localhost"))
    live_server.flush()
    # The live check says why while it waits, and the dashboard names the host, the fix and a button.
    dashboard.wait_for_selector("text=Hosts seen: localhost", timeout=15000)
    assert status.inner_text() == "Waiting for the first pageview…"
    dashboard.reload()
    refused = dashboard.locator("#not-recorded [data-reason=domain-not-allowed]")
    assert "came from pages on a host that is not one of this site's domains (shop.example.org)" in refused.inner_text()
    assert "add their host to the site's domains" in refused.inner_text()
    assert refused.locator(".hosts code").all_inner_texts() == ["localhost"]
    dashboard.screenshot(path=str(artifacts / "onboarding-refused-host.png"), full_page=True)
    assert count(live_server, site.id) == 0

    dashboard.click("button:has-text('Add localhost to the domains')")
    dashboard.wait_for_selector("text=localhost is now one of the site's domains")
    assert live_server.services.sites.get(site.id).domains == ("shop.example.org", "localhost")

    # The next hit counts, and the waiting dashboard notices by itself.
    live_server.services.sites.invalidate()
    shop.reload()
    assert wait_for(lambda: count(live_server, site.id), 1) == 1
    dashboard.wait_for_selector("text=The first pageview arrived.", timeout=15000)
