"""k-anonymity on public share links: rows under k visitors become "(other)", and the totals stay the same."""

from __future__ import annotations

import csv
import io
import re

from dashboard.k_anonymity import merge_rows, merge_small_groups
from dashboard.stats.breakdown import Result
from tests.dashboard.web_client import add_user, csrf_of, kpi, login, track
from tests.support import CHROME_UA, LiveServer


def test_small_rows_are_merged_and_sums_kept() -> None:
    rows = [
        {"value": "/a", "visitors": 9, "visits": 10, "bounce_rate": 50, "visit_duration": 30},
        {"value": "/b", "visitors": 2, "visits": 3, "bounce_rate": 100, "visit_duration": 0},
        {"value": "/c", "visitors": 1, "visits": 1, "bounce_rate": 0, "visit_duration": 40},
    ]
    metrics = ["visitors", "visits", "bounce_rate", "visit_duration"]
    merged = merge_small_groups(Result(rows=rows, total_rows=3, dimensions=["event:page"], metrics=metrics), 5)
    assert [row["value"] for row in merged.rows] == ["/a", "(other)"]
    other = merged.rows[1]
    assert (other["visitors"], other["visits"], other["merged"]) == (3, 4, 2)
    assert other["bounce_rate"] == 75  # weighted by visits: (3 * 100 + 1 * 0) / 4
    assert other["visit_duration"] == 10
    assert merged.total_rows == 2
    assert merge_small_groups(Result(rows=rows[:1], total_rows=1, metrics=metrics), 5).rows == rows[:1]
    assert merge_small_groups(Result(rows=rows, total_rows=3, metrics=metrics), 1).rows == rows
    assert merge_rows(rows[1:], ["visitors"])["visitors"] == 3


def share_link(live_server: LiveServer, site_id: int) -> str:
    add_user(live_server, "admin@example.com", admin=True)
    admin = login(live_server, "admin@example.com")
    created = admin.post(f"/sites/{site_id}/share", data={"csrf_token": csrf_of(admin.get(f"/sites/{site_id}/settings").text),
                                                          "name": "public"})
    return re.search(r"/share/([A-Za-z0-9_-]+)</code>", created.text).group(1)


def test_a_share_link_hides_rows_below_k_while_the_totals_stay(live_server: LiveServer) -> None:
    site = live_server.add_site("a.example")
    visitor = 0
    for path, visitors in (("/popular", 6), ("/rare", 2), ("/secret-page", 1)):
        for _ in range(visitors):
            visitor += 1
            track(live_server, site.id, site.token_auth, ip=f"81.{visitor}.0.1", ua=CHROME_UA,
                  url=f"https://a.example{path}")
    live_server.flush()
    link = share_link(live_server, site.id)
    admin = login(live_server, "admin@example.com")
    own = admin.get(f"/sites/{site.id}?period=today").text
    assert "/secret-page" in own and "/rare" in own

    with live_server.client() as anonymous:
        page = anonymous.get(f"/share/{link}?period=today").text
        report = anonymous.get(f"/share/{link}/reports/top_pages?period=today").text
        exported = anonymous.get(f"/share/{link}/export/top_pages.csv?period=today").text
        countries = anonymous.get(f"/share/{link}/export/countries.csv?period=today").text
        narrowed = anonymous.get(f"/share/{link}?period=today&f=event:page,is,/secret-page")
        wide = anonymous.get(f"/share/{link}?period=today&f=event:page,is,/popular")
    for html in (page, report):
        assert "/popular" in html and "(other)" in html
        assert "/secret-page" not in html and "/rare" not in html
    assert kpi(page, "Visitors") == kpi(own, "Visitors") == "9"
    assert kpi(page, "Pageviews") == kpi(own, "Pageviews")
    rows = list(csv.reader(io.StringIO(exported)))
    header, body = rows[0], rows[1:]
    assert [row[0] for row in body] == ["/popular", "(other)"]
    visitors_column = header.index("visitors")
    assert [int(row[visitors_column]) for row in body] == [6, 3]
    assert "/secret-page" not in exported
    # Every visitor came from the same (empty) country: one row of 9, nothing to hide.
    assert len(list(csv.reader(io.StringIO(countries)))) == 2
    # A filter that narrows the public view to fewer than k visitors is refused; a wide one is fine.
    assert narrowed.status_code == 403 and "fewer than 5 visitors" in narrowed.text
    assert wide.status_code == 200

    # The site's own k: with k = 1 the share link shows every row.
    live_server.services.sites.update(site.id, k_anonymity=1)
    with live_server.client() as anonymous:
        assert "/secret-page" in anonymous.get(f"/share/{link}?period=today").text
