"""Sampling for very large ranges: estimates within 5 % of the exact numbers, and said to be estimates.

The data set is generated inside ClickHouse (``INSERT … SELECT … FROM
numbers()``), about 250,000 events, and the threshold is set low
(``sample_above_events``) so that it is a "very large range": reports read a
quarter of the visitors.  The pages and the API are checked with filters, the
raw path that always reads the events.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from starlette.testclient import TestClient

from dashboard.accounts import Accounts
from dashboard.k_anonymity import sampled_k
from dashboard.stats import archiver, sampling
from footfall.app.asgi import create_app
from footfall.app.services import build
from footfall.settings import SettingsError
from footfall.storage import migrations
from tests.dashboard.web_client import csrf_of, kpi
from tests.support import make_settings

THRESHOLD = 60_000
VISITS = 100_000
LAST_DAY = date.today() - timedelta(days=1)
FIRST_DAY = LAST_DAY - timedelta(days=19)
RANGE = {"period": "custom", "from": FIRST_DAY.isoformat(), "to": LAST_DAY.isoformat()}
DE = ["is", "visit:country", ["DE"]]

# Visits of 1 to 4 hits (a pageview, then pageviews and some events), a quarter of the visitors back once; the
# visitor IDs are spread over all 64-bit values, as the collector's keyed hashes are.
GENERATE = """
INSERT INTO events (site_id, timestamp, visitor_id, visit_id, visit_start, event_type, hostname, pathname,
    url, referrer, referrer_host, referrer_type, referrer_name, event_category, event_action, country_code,
    browser, os, device_type)
SELECT
    {site:UInt32}, visit_start + toIntervalSecond(40 * hit_no), visitor_id, visit_id, visit_start,
    kind, 'example.com', path, concat('https://example.com', path),
    if(hit_no = 0, ref.4, ''), if(hit_no = 0, ref.3, ''), if(hit_no = 0, ref.1, 'internal'), if(hit_no = 0, ref.2, ''),
    if(kind = 'event', 'CTA', ''), if(kind = 'event', 'click', ''), country, 'Firefox', 'Linux', 'desktop'
FROM (
    SELECT visit_id, visitor_id, visit_start, ref, country, hit_no,
        cityHash64(visit_id, hit_no, 1) AS h2,
        if(hit_no > 0 AND h2 % 4 = 0, 'event', 'pageview') AS kind,
        ['/', '/pricing', '/blog/a', '/blog/b', '/docs'][1 + h2 % 5] AS path
    FROM (
        SELECT number + 1 AS visit_id,
            cityHash64(intDiv(number * 3, 4)) AS visitor_id,
            cityHash64(number, 2) AS h,
            {start:DateTime64(3, 'UTC')} + toIntervalSecond(h % {span:UInt32}) AS visit_start,
            1 + bitShiftRight(h, 8) % 4 AS hits,
            [('direct', '', '', ''), ('search', 'Google', 'google.com', 'google.com/search'),
             ('social', 'Facebook', 'facebook.com', 'facebook.com/'),
             ('website', 'news.example.org', 'news.example.org', 'news.example.org/a')][
                arrayFirstIndex(x -> x > bitShiftRight(h, 16) % 100, [40, 75, 90, 100])] AS ref,
            ['DE', 'DE', 'DE', 'AT', 'US', 'US', 'FR', 'GB'][1 + bitShiftRight(h, 32) % 8] AS country
        FROM numbers({visits:UInt64})
    )
    ARRAY JOIN range(hits) AS hit_no
)
"""


class Dashboard:
    def __init__(self, client: TestClient, token: str, big: Any, small: Any) -> None:
        self.client, self.token, self.big, self.small = client, token, big, small

    def api(self, site: Any, **body: Any) -> dict[str, Any]:
        query = {"site_id": site.primary_domain, "date_range": [FIRST_DAY.isoformat(), LAST_DAY.isoformat()], **body}
        response = self.client.post("/api/v2/query", json=query, headers={"Authorization": f"Bearer {self.token}"})
        assert response.status_code == 200, response.text
        return response.json()

    def page(self, path: str = "", **params: str) -> str:
        response = self.client.get(f"/sites/{self.big.id}{path}", params={**RANGE, **params})
        assert response.status_code == 200, response.text
        return response.text


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    data_dir: Path = tmp_path_factory.mktemp("sampling") / "data"
    settings = make_settings(data_dir, sample_above_events=THRESHOLD)
    services = build(settings)
    try:
        big = services.sites.add("big.example", ["big.example"])
        small = services.sites.add("small.example", ["small.example"])
        start = datetime.combine(FIRST_DAY, time(), timezone.utc)
        span = 19 * 86400
        storage = services.storage
        storage.command(GENERATE, {"site": big.id, "start": start, "span": span, "visits": VISITS})
        storage.command(GENERATE, {"site": small.id, "start": start, "span": span, "visits": 2000})
        storage.command("OPTIMIZE TABLE events FINAL")
        accounts = Accounts(services.db)
        admin = accounts.create_user("admin@example.com", "correct horse", is_admin=True)
        token = accounts.create_api_token(admin.id)
        app = create_app(settings, services=services)
        with TestClient(app) as client:
            login = client.get("/login")
            response = client.post("/login", data={"email": "admin@example.com", "password": "correct horse",
                                                   "csrf_token": csrf_of(login.text)}, follow_redirects=False)
            assert response.status_code == 303
            yield Dashboard(client, token, big, small)
    finally:
        services.close()  # one embedded ClickHouse per process: the next test opens its own


def close(estimate: float, exact: float, tolerance: float = 0.05) -> bool:
    return abs(estimate - exact) <= tolerance * abs(exact)


KPIS = ["visitors", "visits", "pageviews", "bounce_rate", "views_per_visit"]


def test_a_very_large_range_is_estimated_within_five_percent(dashboard: Dashboard) -> None:
    for filters in ([DE], [["contains", "event:page", ["/blog"]]]):
        sampled = dashboard.api(dashboard.big, metrics=KPIS, filters=filters)
        exact = dashboard.api(dashboard.big, metrics=KPIS, filters=filters, include={"sampling": False})
        # About the threshold of the range's events: a quarter of the visitors.
        assert 15 <= sampled["meta"]["sample_percent"] <= 35
        assert "sample_percent" not in exact["meta"]
        estimate, truth = sampled["results"][0]["metrics"], exact["results"][0]["metrics"]
        assert estimate != truth  # really a sample
        for name, value, true_value in zip(KPIS, estimate, truth):
            assert close(value, true_value), (filters, name, value, true_value)
        assert exact["query"]["include"] == {"sampling": False}


def test_a_breakdowns_top_rows_are_estimated_within_five_percent(dashboard: Dashboard) -> None:
    body = {"metrics": ["visitors", "visits", "bounce_rate"], "dimensions": ["visit:source"], "filters": [DE],
            "include": {"total_rows": True}}
    sampled = dashboard.api(dashboard.big, **body)
    exact = dashboard.api(dashboard.big, **{**body, "include": {"total_rows": True, "sampling": False}})
    estimates = {row["dimensions"][0]: row["metrics"] for row in sampled["results"]}
    assert [row["dimensions"][0] for row in exact["results"]] == list(estimates)  # the same order
    for row in exact["results"]:
        for value, true_value in zip(estimates[row["dimensions"][0]], row["metrics"]):
            assert close(value, true_value), (row, estimates)
    # total_rows is the number of groups to page through: the sample's own, not scaled.
    assert sampled["meta"]["total_rows"] == exact["meta"]["total_rows"] == 4
    assert sampled["meta"]["sample_percent"] >= 15


def test_a_range_below_the_threshold_is_exact(dashboard: Dashboard) -> None:
    answer = dashboard.api(dashboard.small, metrics=["visitors", "pageviews"], filters=[DE])
    exact = dashboard.api(dashboard.small, metrics=["visitors", "pageviews"], filters=[DE],
                          include={"sampling": False})
    assert answer["meta"] == exact["meta"] == {}
    assert answer["results"] == exact["results"] and exact["results"][0]["metrics"][0] > 100


def _number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def test_the_page_says_estimated_and_links_to_exact_numbers(dashboard: Dashboard) -> None:
    html = dashboard.page(f="visit:country,is,DE")
    note = re.search(r'<p class="[^"]*sample-note[^"]*"[^>]*>([^<]*)<a href="([^"]+)">([^<]+)</a>', html)
    assert note, "no sampling note on the page"
    assert re.fullmatch(r"≈ Estimated from an? \d\d % sample of the visitors\. ", note.group(1))
    assert note.group(3) == "Show exact numbers"
    assert "exact=1" in note.group(2).replace("&amp;", "&")

    exact_html = dashboard.page(f="visit:country,is,DE", exact="1")
    assert "Estimated" not in exact_html
    assert "Exact numbers, from every visitor." in exact_html
    exact_numbers = dashboard.api(dashboard.big, metrics=["visitors", "visits", "pageviews"], filters=[DE],
                                  include={"sampling": False})["results"][0]["metrics"]
    for label, true_value in zip(("Visitors", "Visits", "Pageviews"), exact_numbers):
        assert _number(kpi(exact_html, label)) == true_value
        estimate = _number(kpi(html, label))
        assert estimate != true_value and close(estimate, true_value), (label, estimate, true_value)
    # Links from the exact page stay exact.
    assert "exact=1" in re.search(r'<a class="kpi[^"]*" href="([^"]+)"', exact_html).group(1)


def test_full_reports_say_so_and_csv_downloads_are_exact(dashboard: Dashboard) -> None:
    report = dashboard.page("/reports/sources", f="visit:country,is,DE")
    assert "≈ Estimated from a" in report and "Show exact numbers" in report
    assert "Estimated" not in dashboard.page("/reports/sources", f="visit:country,is,DE", exact="1")

    response = dashboard.client.get(f"/sites/{dashboard.big.id}/export/sources.csv",
                                    params={**RANGE, "f": "visit:country,is,DE"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    exact = dashboard.api(dashboard.big, metrics=["visitors"], dimensions=["visit:source"], filters=[DE],
                          include={"sampling": False})
    assert {row[0]: int(row[1]) for row in rows[1:]} == {r["dimensions"][0]: r["metrics"][0] for r in exact["results"]}


def test_a_small_site_page_has_no_note(dashboard: Dashboard) -> None:
    response = dashboard.client.get(f"/sites/{dashboard.small.id}", params={**RANGE, "f": "visit:country,is,DE"})
    assert response.status_code == 200
    assert "sample-note" not in response.text
    response = dashboard.client.get(f"/sites/{dashboard.small.id}", params={**RANGE, "exact": "1"})
    assert "sample-note" not in response.text  # nothing would be sampled: no "exact" note either


def test_sample_size_and_scaling_rules() -> None:
    assert sampling.percent_for(1_000_000, 0) is None  # 0: never sample
    assert sampling.percent_for(2_000_000, 2_000_000) is None  # at the threshold: exact
    assert sampling.percent_for(8_500_000, 2_000_000) == 24
    assert sampling.percent_for(2_000_001, 2_000_000) is None  # a 100 % sample is no sample
    assert sampling.percent_for(10**12, 2_000_000) == 1  # never less than 1 %
    assert sampling.scale({"visitors": 3, "total_revenue": 1.5, "total_rows": 7, "d0": 3}, 4.0) == {
        "visitors": 12, "total_revenue": 6.0, "total_rows": 7, "d0": 3}
    assert sampling.Sample(10).clause == "SAMPLE 10/100"
    # A public view's k: an estimated row stands for k visitors only when the sample has k of them.
    assert sampled_k(5, None) == 5
    assert sampled_k(5, 10) == 50


def test_the_threshold_setting_is_checked() -> None:
    assert make_settings(Path("/tmp/x")).sample_above_events == 2_000_000
    assert make_settings(Path("/tmp/x"), sample_above_events=0).sample_above_events == 0
    with pytest.raises(SettingsError, match="sample_above_events"):
        make_settings(Path("/tmp/x"), sample_above_events=500)


def test_both_tables_are_sampled_by_visitor(dashboard: Dashboard) -> None:
    keys = dict(dashboard.client.app.state.dashboard.storage.query(
        "SELECT name, sampling_key FROM system.tables WHERE database = currentDatabase() AND name IN ('events', 'visits')"))
    assert keys == {"events": "visitor_id", "visits": "visitor_id"}
    rendered = [s for m in migrations.discover() if m.version == 50 for s in migrations.render(m, "prod")]
    assert [s.splitlines()[-1] for s in rendered] == ["ALTER TABLE events_local ON CLUSTER prod MODIFY SAMPLE BY visitor_id"]


def test_archived_answers_are_not_sampled_and_filtered_ones_still_are(dashboard: Dashboard) -> None:
    services = dashboard.client.app.state.dashboard
    archiver.refresh(services.storage, dashboard.big.id, dashboard.big.timezone)
    archived = dashboard.api(dashboard.big, metrics=["visitors", "pageviews"])
    exact = dashboard.api(dashboard.big, metrics=["visitors", "pageviews"], include={"sampling": False})
    assert "sample_percent" not in archived["meta"]  # the archives answered, not a sample
    assert archived["results"][0]["metrics"][1] == exact["results"][0]["metrics"][1]  # not scaled
    assert close(archived["results"][0]["metrics"][0], exact["results"][0]["metrics"][0], 0.02)  # visitor sketches
    assert "sample-note" not in dashboard.page()
    assert dashboard.api(dashboard.big, metrics=["visitors"], filters=[DE])["meta"]["sample_percent"] >= 15
