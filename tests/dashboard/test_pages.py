"""The report pages show numbers that come from hits sent through the collector, for any period and filter."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from tests.dashboard.web_client import add_user, kpi, login, track
from tests.support import CHROME_UA, FIREFOX_UA, IPHONE_UA, LiveServer


@pytest.fixture
def traffic(live_server: LiveServer):
    site = live_server.add_site("example.com")
    t = site.token_auth
    url = "https://example.com"
    # Visitor A (Germany, Chrome): two pageviews.
    track(live_server, site.id, t, ip="81.10.0.1", ua=CHROME_UA, country="de", url=url + "/", action_name="Home")
    track(live_server, site.id, t, ip="81.10.0.1", ua=CHROME_UA, country="de", url=url + "/pricing", action_name="Pricing")
    # Visitor B (United States, Firefox): one pageview, a bounce.
    track(live_server, site.id, t, ip="23.1.0.2", ua=FIREFOX_UA, country="us", url=url + "/", action_name="Home")
    # Visitor C (Germany, iPhone): from a Google search, one pageview and one event, signs up (goal 1, 19.90).
    common = {"ip": "81.20.0.3", "ua": IPHONE_UA, "country": "de"}
    track(live_server, site.id, t, **common, url=url + "/blog/launch?utm_campaign=spring&utm_source=newsletter",
          action_name="Launch", urlref="https://www.google.com/")
    track(live_server, site.id, t, **common, url=url + "/blog/launch", e_c="Video", e_a="Play", e_n="Intro")
    track(live_server, site.id, t, **common, url=url + "/blog/launch", idgoal="1", revenue="19.90")
    # One hit dropped by Do Not Track.
    track(live_server, site.id, t, ip="81.30.0.4", ua=CHROME_UA, url=url + "/", headers={"DNT": "1"})
    assert live_server.count("event_type = 'pageview'") == 4
    add_user(live_server, "admin@example.com", admin=True)
    return site


def test_dashboard_shows_kpis_reports_and_drops_from_real_hits(live_server: LiveServer, traffic) -> None:
    client = login(live_server, "admin@example.com")
    page = client.get(f"/sites/{traffic.id}?period=today")
    assert page.status_code == 200
    html = page.text
    assert kpi(html, "Visitors") == "3"
    assert kpi(html, "Visits") == "3"
    assert kpi(html, "Pageviews") == "4"
    assert kpi(html, "Views per visit") == "1.33"
    assert kpi(html, "Bounce rate") == "33%"  # B bounced; C had an interaction
    assert "1 hit not recorded: do-not-track 1" in html
    assert "<svg class=\"chart wide\"" in html and "<title id=\"chart-title\">" in html
    assert "<svg class=\"chart compact\"" in html and "<title id=\"chart-title-compact\">" in html  # for phones
    assert "IP geolocation by DB-IP" in html
    # Report cards: top pages, sources, countries, goals with revenue.
    assert re.search(r">/pricing</a>", html)
    assert "Germany" in html and "United States" in html
    assert ">newsletter</a>" in html  # the campaign source wins over the Google referrer
    goals = client.get(f"/sites/{traffic.id}?period=today&goals=goals").text
    assert re.search(r">Goal 1</a></td>\s*<td>1</td><td class=\"extra\">1</td><td class=\"extra\">33.3%</td>"
                     r"<td class=\"extra\">19.90</td>", goals)
    campaigns = client.get(f"/sites/{traffic.id}?period=today&campaigns=utm_campaigns").text
    assert ">spring</a>" in campaigns
    # Realtime: all three visitors were here a moment ago.
    assert client.get(f"/sites/{traffic.id}/realtime.json").json()["visitors"] == 3
    live = client.get(f"/sites/{traffic.id}/realtime").text
    assert ">3</span>&nbsp;visitors in the last 30 minutes" in live
    assert "-0 min" not in live and ">now</text>" in live
    ticks = re.findall(r'<text class="axis" x="\d+\.?\d*" y="[\d.]+" text-anchor="end">([^<]+)</text>', live)
    ticks = [tick for tick in ticks if tick != "now"]  # the last x label is right-aligned too
    assert ticks and all(tick.isdigit() for tick in ticks), ticks  # whole pageviews on the axis


def test_a_filter_in_the_url_applies_to_every_report(live_server: LiveServer, traffic) -> None:
    client = login(live_server, "admin@example.com")
    html = client.get(f"/sites/{traffic.id}?period=today").text
    # The country row links to the same page with the filter added.
    link = re.search(r'href="([^"]*f=visit%3Acountry%2Cis%2CDE[^"]*)"', html)
    assert link, "the Germany row does not add a filter"
    filtered = client.get(link.group(1).replace("&amp;", "&")).text
    assert kpi(filtered, "Visitors") == "2"
    assert kpi(filtered, "Pageviews") == "3"
    assert "Country is Germany" in filtered
    assert "United States" not in filtered  # the countries card is filtered too
    assert "Firefox" not in filtered  # and the browsers card
    remove = re.search(r'<a href="([^"]*)" title="Remove filter"', filtered).group(1).replace("&amp;", "&")
    assert "f=" not in remove
    assert kpi(client.get(remove).text, "Visitors") == "3"
    # Event filters, two filters at once, and other operators.
    both = client.get(f"/sites/{traffic.id}", params=[("period", "today"), ("f", "visit:country,is,DE"),
                                                      ("f", "event:page,is,/pricing")]).text
    assert kpi(both, "Visitors") == "1"
    assert kpi(both, "Pageviews") == "1"
    contains = client.get(f"/sites/{traffic.id}", params={"period": "today", "f": "event:page,contains,blog"}).text
    assert kpi(contains, "Visitors") == "1"
    bad = client.get(f"/sites/{traffic.id}", params={"period": "today", "f": "visit:nope,is,x"})
    assert bad.status_code == 200 and "unknown dimension" in bad.text
    assert kpi(bad.text, "Visitors") == "3"


def test_periods_and_comparison(live_server: LiveServer, traffic) -> None:
    client = login(live_server, "admin@example.com")
    assert kpi(client.get(f"/sites/{traffic.id}?period=yesterday").text, "Visitors") == "0"
    for period in ("today", "month", "year"):
        assert kpi(client.get(f"/sites/{traffic.id}?period={period}").text, "Visitors") == "3", period
    day = client.get(f"/sites/{traffic.id}?period=day").text  # the stats API's name for today
    assert kpi(day, "Visitors") == "3" and "Unknown period" not in day
    assert re.search(r'class="active"[^>]*>Today<|<a [^>]*class="active"[^>]*>Today', day) or "Today</a>" in day
    # As in Plausible, "7d", "30d" and "12mo" are whole days or months before today; the page says which.
    from datetime import date, timedelta

    today = date.today().isoformat()
    for period in ("7d", "30d", "12mo"):
        page = client.get(f"/sites/{traffic.id}?period={period}").text
        assert kpi(page, "Visitors") == "0", period
    week = client.get(f"/sites/{traffic.id}?period=7d").text
    span = f"{(date.today() - timedelta(days=7)).isoformat()} – {(date.today() - timedelta(days=1)).isoformat()}"
    assert f'class="period-span small muted" title="The days this period covers">{span}</span>' in week
    custom = client.get(f"/sites/{traffic.id}", params={"period": "custom", "from": today, "to": today}).text
    assert kpi(custom, "Visitors") == "3"
    wrong = client.get(f"/sites/{traffic.id}", params={"period": "custom", "from": "2024-05-02", "to": "2024-05-01"})
    assert wrong.status_code == 200 and "the end is before the start" in wrong.text
    # Nothing happened in the previous period: no invented change.
    assert "new <span class=\"muted\">vs. previous</span>" in client.get(f"/sites/{traffic.id}?period=today").text


def test_full_reports_and_pagination(live_server: LiveServer, traffic) -> None:
    client = login(live_server, "admin@example.com")
    for name in ("top_pages", "entry_pages", "exit_pages", "page_titles", "sources", "referrers", "search_engines",
                 "utm_campaigns", "countries", "browsers", "operating_systems", "devices", "languages",
                 "custom_events", "goals", "search_terms", "outlinks", "downloads"):
        response = client.get(f"/sites/{traffic.id}/reports/{name}?period=today")
        assert response.status_code == 200, name
    countries = client.get(f"/sites/{traffic.id}/reports/countries?period=today").text
    assert re.search(r"Germany</a></td>\s*<td>2</td>", countries)
    titles = client.get(f"/sites/{traffic.id}/reports/page_titles?period=today").text
    assert ">Pricing</a>" in titles
    assert client.get(f"/sites/{traffic.id}/reports/nope").status_code == 404
    events = client.get(f"/sites/{traffic.id}/reports/custom_events?period=today").text
    assert ">Intro</a>" in events
    # Clicking a row in a full report filters the whole dashboard.
    href = re.search(r'href="([^"]+)" rel="nofollow">Intro', events).group(1)
    assert unquote(href.replace("&amp;", "&")).startswith(f"/sites/{traffic.id}?")
