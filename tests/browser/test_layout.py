"""Every page fits a phone: at 360 px nothing scrolls sideways, and the same pages at 1280 px (screenshots saved)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from footfall.app import demo
from tests.dashboard.web_client import accounts
from tests.support import LiveServer

WIDTHS = (360, 1280)


def pages(site_id: int, user_id: int, share: str) -> list[tuple[str, str]]:
    base = f"/sites/{site_id}"
    return [
        ("sites", "/sites"),
        ("dashboard", f"{base}?period=30d"),
        ("dashboard-today", f"{base}?period=day"),
        ("report-pages", f"{base}/reports/top_pages?period=30d"),
        ("report-sources", f"{base}/reports/sources?period=30d"),
        ("report-countries", f"{base}/reports/countries?period=30d"),
        ("report-goals", f"{base}/reports/goals?period=30d"),
        ("report-props", f"{base}/reports/props?period=30d&key=form"),
        ("realtime", f"{base}/realtime"),
        ("settings", f"{base}/settings"),
        ("privacy", f"{base}/privacy"),
        ("delete", f"{base}/delete"),
        ("new-site", "/sites/new"),
        ("users", "/users"),
        ("new-user", "/users/new"),
        ("user", f"/users/{user_id}"),
        ("account", "/account"),
        ("share", f"/share/{share}?period=30d"),
    ]


def test_every_page_fits_a_phone_and_a_desktop(live_server: LiveServer, context: Any, artifacts: Path) -> None:
    result = demo.load(live_server.services, days=14, visits=400, password="correct horse battery")
    store = accounts(live_server)
    viewer = store.create_user("viewer.with.a.rather.long.address@example.org", "correct horse", is_admin=False)
    store.grant(viewer.id, result.site_id)
    share = store.create_share_link(result.site_id, "board")
    store.create_api_token(store.find_user(demo.DEMO_EMAIL).id, "laptop")
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.fill("input[name=email]", demo.DEMO_EMAIL)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/sites$"))
    too_wide = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for name, path in pages(result.site_id, viewer.id, share):
            answer = page.goto(live_server.url + path)
            assert answer is not None and answer.status == 200, (path, answer and answer.status)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                too_wide.append((name, width, scroll))
            page.screenshot(path=str(artifacts / f"layout-{name}-{width}.png"), full_page=True)
    # A new API token is shown whole, with a copy button, inside its card.
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_server.url + "/account")
    page.fill("input[name=name]", "phone")
    page.click("form[action='/account/tokens'] button[type=submit]")
    page.wait_for_selector("pre.copy")
    assert page.locator("pre.copy + button", has_text="Copy").count() >= 1
    if (scroll := page.evaluate("document.documentElement.scrollWidth")) > 360:
        too_wide.append(("new-token", 360, scroll))
    page.screenshot(path=str(artifacts / "layout-new-token-360.png"), full_page=True)
    assert not too_wide, too_wide
