"""Visitor-controlled strings with script payloads are rendered on every page in Chromium: nothing runs."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import quote

from dashboard.report_catalog import CARDS, REPORTS
from tests.dashboard.web_client import accounts, add_user, track
from tests.support import CHROME_UA, IPHONE_UA, LiveServer

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("https://evil.example","x")'
PAYLOADS = (SCRIPT, IMG, FORMULA, "+1-1", "@SUM(1)")


def _ingest(server: LiveServer, site) -> None:
    t = site.token_auth
    for number, payload in enumerate(PAYLOADS):
        common = {"ip": f"81.1.0.{number + 1}", "ua": CHROME_UA if number % 2 else IPHONE_UA, "country": "de"}
        url = "https://example.com/" + quote(payload, safe="") + "?utm_campaign=" + quote(payload, safe="") + \
              "&utm_source=" + quote(payload, safe="")
        track(server, site.id, t, **common, url=url, action_name=payload,
              urlref="https://ref.example/" + quote(payload, safe=""), lang=payload, res="1x1")
        track(server, site.id, t, **common, url=url, e_c=payload, e_a=payload, e_n=payload, dimension1=payload)
        track(server, site.id, t, **common, url=url, search=payload, search_cat=payload)
        track(server, site.id, t, **common, url=url, link="https://out.example/" + quote(payload, safe=""))
        track(server, site.id, t, **common, url=url, download="https://example.com/f/" + quote(payload, safe=""))
    assert server.count() == 5 * len(PAYLOADS)


def _pages(base: str, *, every_tab: bool = True) -> list[str]:
    pages = [f"{base}?period=today"]
    if not every_tab:  # a share link renders the same templates; check its own pages
        return pages + [f"{base}/reports/page_titles?period=today", f"{base}/realtime",
                        f"{base}?period=today&f=" + quote(f"event:name,is,{SCRIPT}", safe="")]
    for card_id, _, tabs in CARDS:
        pages += [f"{base}?period=today&{card_id}={name}" for name, _ in tabs]
    pages += [f"{base}/reports/{name}?period=today" for name in REPORTS]
    pages += [f"{base}/reports/props?period=today&key=dimension1", f"{base}/realtime"]
    pages += [f"{base}?period=today&f=" + quote(f"event:page,is,/{payload}", safe="") for payload in (SCRIPT, IMG)]
    pages += [f"{base}?period=today&f=" + quote(f"event:name,is,{payload}", safe="") for payload in (SCRIPT, IMG)]
    pages += [f"{base}?period=today&f=" + quote(f"visit:utm_campaign,contains,{SCRIPT}", safe="")]
    return pages


def test_no_payload_runs_on_any_page(live_server: LiveServer, context, artifacts: Path) -> None:
    # Share links show every row here (k = 1): a payload hidden in "(other)" would escape no test.
    site = live_server.add_site("example.com", name='Shop <script>alert(1)</script>', k_anonymity=1)
    _ingest(live_server, site)
    add_user(live_server, "admin@example.com", admin=True)
    share = accounts(live_server).create_share_link(site.id, SCRIPT)
    dialogs: list[str] = []
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(live_server.url + "/login")
    page.fill("input[name=email]", "admin@example.com")
    page.fill("input[name=password]", "correct horse")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/sites$"))

    urls = ["/sites", f"/sites/{site.id}/settings", f"/sites/{site.id}/privacy", "/account"]
    urls += _pages(f"/sites/{site.id}") + _pages(f"/share/{share}", every_tab=False)
    shown = 0
    for url in urls:
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        injected = page.evaluate(
            """() => ({
                images: document.querySelectorAll('img').length,
                handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
                scripts: [...document.scripts].filter(s => !s.src.endsWith('/assets/dashboard.js')).length,
            })"""
        )
        assert injected == {"images": 0, "handlers": 0, "scripts": 0}, (url, injected)
        if SCRIPT in page.inner_text("body"):
            shown += 1
    page.goto(live_server.url + f"/sites/{site.id}/reports/page_titles?period=today")
    page.screenshot(path=str(artifacts / "xss-page-titles.png"), full_page=True)
    assert dialogs == []
    assert shown > 15  # the payloads are on the pages, as harmless text

    # The CSV: every payload is there, and none can run as a formula.
    for report in ("page_titles", "custom_events", "utm_campaigns", "search_terms", "languages", "props"):
        response = context.request.get(live_server.url + f"/sites/{site.id}/export/{report}.csv?period=today&key=dimension1")
        assert response.status == 200
        rows = list(csv.reader(io.StringIO(response.body().decode("utf-8-sig"))))
        cells = [row[0] for row in rows[1:]]
        assert cells, report
        for cell in cells:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (report, cell)
    titles = context.request.get(live_server.url + f"/sites/{site.id}/export/page_titles.csv?period=today").body()
    assert ("'" + FORMULA.replace('"', '""')).encode() in titles
