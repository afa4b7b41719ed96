"""Headless Chromium logs in, opens the dashboard, filters by a row, changes the period."""

from __future__ import annotations

import re
from pathlib import Path

from tests.dashboard.web_client import add_user, track
from tests.support import CHROME_UA, FIREFOX_UA, IPHONE_UA, LiveServer


def test_log_in_filter_and_change_the_period(live_server: LiveServer, context, artifacts: Path) -> None:
    site = live_server.add_site("example.com", name="Example shop")
    t = site.token_auth
    for ip, ua, country, path in (("81.1.0.1", CHROME_UA, "de", "/"), ("81.1.0.2", IPHONE_UA, "de", "/pricing"),
                                  ("23.1.0.3", FIREFOX_UA, "us", "/"), ("81.1.0.4", CHROME_UA, "fr", "/blog")):
        track(live_server, site.id, t, ip=ip, ua=ua, country=country, url="https://example.com" + path, action_name=path)
    live_server.flush()
    add_user(live_server, "admin@example.com", admin=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(live_server.url + "/sites")
    assert "/login" in page.url
    page.fill("input[name=email]", "admin@example.com")
    page.fill("input[name=password]", "correct horse")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/sites$"))
    page.click("text=Example shop")
    page.wait_for_selector("svg.chart")
    # The default "30 days" ends yesterday, as in Plausible; the hits are today's.
    page.click(".periods a:has-text('Today')")
    page.wait_for_url(re.compile(r".*period=today.*"))
    page.wait_for_selector("svg.chart")
    assert page.locator(".kpi .value").first.inner_text() == "4"
    assert page.locator("svg.chart title").first.text_content().startswith("Visitors")

    # Click the Germany row of the countries card: every report is filtered.
    page.click("#card-locations a:has-text('Germany')")
    page.wait_for_url(re.compile(r".*f=visit%3Acountry%2Cis%2CDE"))
    assert page.locator(".chip").inner_text().startswith("Country is Germany")
    assert page.locator(".kpi .value").first.inner_text() == "2"
    assert page.locator("#card-locations").inner_text().count("United States") == 0

    # Change the period: the filter stays.
    page.click(".periods a:has-text('This month')")
    page.wait_for_url(re.compile(r".*period=month.*"))
    assert "f=visit%3Acountry%2Cis%2CDE" in page.url
    assert page.locator(".periods a.active").inner_text() == "This month"
    assert page.locator(".kpi .value").first.inner_text() == "2"
    page.screenshot(path=str(artifacts / "dashboard-filtered.png"), full_page=True)

    # Remove the filter again.
    page.click(".chip a")
    page.wait_for_url(re.compile(r"^(?!.*f=).*period=month"))
    assert page.locator(".kpi .value").first.inner_text() == "4"

    # The realtime count is fetched by the page's own script (same origin, allowed by the CSP).
    with page.expect_response(re.compile(r".*/realtime\.json$"), timeout=15000) as answer:
        pass
    assert answer.value.json()["visitors"] == 4

    # Readable on a phone: nothing wider than the screen.
    phone = context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(page.url)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    phone.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=True)
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
