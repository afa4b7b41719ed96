"""Every report's numbers, with and without filters, against an independent model of a known dataset.

The dataset (tests/dashboard/model.py) is ingested through the collector's
real HTTP endpoint (bulk Matomo requests, backdated with ``cdt`` and the
site's ``token_auth``), then read back through ``POST /api/v2/query``.
"""

from __future__ import annotations

from datetime import date, timezone
from typing import Iterator

import pytest

from dashboard.stats import archiver
from dashboard.stats.metrics import EVENT_METRICS, SESSION_METRICS
from tests.dashboard.dataset import DAYS, SITES, Dataset, expected_rows, ingested, ranges

METRICS = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration", "events",
           "total_revenue"]
VISIT_DIMENSIONS = [
    "visit:source", "visit:referrer", "visit:entry_page", "visit:exit_page", "visit:country", "visit:browser",
    "visit:os", "visit:device", "visit:language", "visit:screen", "visit:utm_source", "visit:utm_medium",
    "visit:utm_campaign", "visit:utm_term",
]
EVENT_DIMENSIONS = ["event:page", "event:name", "event:goal", "event:props:dimension1", "event:search_term",
                    "event:outlink", "event:download"]
FILTERS = [
    [["is", "visit:country", ["DE"]]],
    [["is", "event:page", ["/pricing"]]],
    [["is_not", "visit:device", ["Desktop"]], ["contains", "visit:source", ["OOG"], {"case_sensitive": False}]],
    [["or", [["matches", "event:page", ["^/blog/"]], ["is", "visit:utm_medium", ["email"]]]]],
    [["not", ["is", "visit:browser", ["Chrome"]]]],
    [["is", "event:goal", ["Goal 1"]]],
]


@pytest.fixture(scope="module", params=["events", "archives"])
def dataset(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dataset]:
    """The dataset read from the events, and read from the report archives (every closed day archived)."""
    with ingested(tmp_path_factory.mktemp("correctness") / "data") as data:
        if request.param == "archives":
            services = data.server.services
            rounds = archiver.refresh_sites(services.storage, services.sites.list())
            assert all(done.built["day"] >= DAYS for done in rounds.values()), rounds
        yield data


def check_rows(api: dict, expected: dict, dims: list[str], metrics: list[str], where: str) -> None:
    got = {tuple(row["dimensions"]): dict(zip(metrics, row["metrics"])) for row in api["results"]}
    if not dims:
        assert len(got) == 1
        only = got[()]
        if not expected:
            assert only["visits"] == 0, where
            return
        got = {(): only}
    assert set(got) == set(expected), f"{where}: groups differ: {sorted(set(got) ^ set(expected))[:10]}"
    for key, raw in expected.items():
        row = got[key]
        label = f"{where} {key}"
        visits = raw["visits"]
        want = {
            "visitors": raw["visitors"], "visits": visits, "pageviews": raw["pageviews"], "events": raw["events"],
            "bounce_rate": pytest.approx(100 * raw["bounces"] / visits, abs=0.51),
            "visit_duration": pytest.approx(raw["duration"] / visits, abs=0.51),
            "views_per_visit": pytest.approx(raw["pageviews"] / visits, abs=0.0051),
            "total_revenue": {"value": pytest.approx(raw["revenue"], abs=0.011)},
        }
        for metric in metrics:
            value = row[metric]
            if isinstance(value, dict):
                value = {"value": value["value"]}
            assert value == want[metric], f"{label} {metric}"


def metrics_for(dims: list[str]) -> list[str]:
    """The metrics Plausible allows with ``dims``: no visit metrics by event dimensions (but event:page),
    no event metrics by the visit-only entry and exit pages."""
    metrics = METRICS
    if [d for d in dims if d.startswith("event:")] not in ([], ["event:page"]):
        metrics = [m for m in metrics if m not in SESSION_METRICS]
    if any(d in ("visit:entry_page", "visit:exit_page") for d in dims):
        metrics = [m for m in metrics if m not in EVENT_METRICS]
    return metrics


@pytest.mark.parametrize("domain", list(SITES))
def test_aggregates_and_breakdowns_match_the_model(dataset: Dataset, domain: str) -> None:
    full, day, three = ranges(dataset, domain)
    stored_total = 0
    for start, end in (full, day, three):
        for filters in [[], *FILTERS]:
            expected = expected_rows(dataset, domain, start, end, [], filters)
            api = dataset.query(site_id=domain, metrics=METRICS, date_range=[start.isoformat(), end.isoformat()],
                                filters=filters)
            check_rows(api, expected, [], METRICS, f"{domain} {start}..{end} {filters}")
            if not filters and (start, end) == full:
                stored_total = api["results"][0]["metrics"][1]
    # The whole dataset: every generated visit is there (visits may only split at UTC midnight).
    assert stored_total >= len([h for h in dataset.hits if h.site == domain and h.first])

    for dims in [[d] for d in VISIT_DIMENSIONS + EVENT_DIMENSIONS] + [["visit:country", "event:page"], ["time:day"]]:
        for filters in ([], FILTERS[0], FILTERS[1], FILTERS[3]):
            expected = expected_rows(dataset, domain, *full, dims, filters)
            metrics = metrics_for(dims)
            api = dataset.query(site_id=domain, metrics=metrics, date_range=[full[0].isoformat(), full[1].isoformat()],
                                dimensions=dims, filters=filters)
            check_rows(api, expected, dims, metrics, f"{domain} {dims} {filters}")


@pytest.mark.parametrize("domain", list(SITES))
def test_event_breakdowns_without_visit_metrics_match_the_model(dataset: Dataset, domain: str) -> None:
    """Without bounce rate or duration, event breakdowns count the matching hits directly; same numbers."""
    full, day, _ = ranges(dataset, domain)
    metrics = ["visitors", "visits", "pageviews", "events", "total_revenue"]
    for start, end in (full, day):
        for dims in [[d] for d in EVENT_DIMENSIONS]:
            for filters in ([], FILTERS[1], FILTERS[5]):
                expected = expected_rows(dataset, domain, start, end, dims, filters)
                api = dataset.query(site_id=domain, metrics=metrics, date_range=[start.isoformat(), end.isoformat()],
                                    dimensions=dims, filters=filters)
                got = {tuple(row["dimensions"]): row["metrics"] for row in api["results"]}
                got = {key: values[:4] + [values[4]["value"]] for key, values in got.items()}
                want = {key: [raw["visitors"], raw["visits"], raw["pageviews"], raw["events"],
                              pytest.approx(raw["revenue"], abs=0.011)] for key, raw in expected.items()}
                assert got == want, f"{domain} {start}..{end} {dims} {filters}"


@pytest.mark.parametrize("domain", list(SITES))
def test_hourly_timeseries_of_one_day_in_the_site_time_zone(dataset: Dataset, domain: str) -> None:
    day = ranges(dataset, domain)[1][0]
    expected = expected_rows(dataset, domain, day, day, ["time:hour"], [])
    api = dataset.query(site_id=domain, metrics=METRICS, date_range=[day.isoformat(), day.isoformat()],
                        dimensions=["time:hour"], include={"time_labels": True})
    check_rows(api, expected, ["time:hour"], METRICS, f"{domain} hourly")
    labels = api["meta"]["time_labels"]
    assert labels[0] == f"{day.isoformat()} 00:00:00" and len(labels) in (23, 24, 25)
    assert all(row["dimensions"][0] in labels for row in api["results"])


@pytest.mark.parametrize("domain", list(SITES))
def test_percentage_and_conversion_rate_match_the_model(dataset: Dataset, domain: str) -> None:
    full, _, _ = ranges(dataset, domain)
    date_range = [full[0].isoformat(), full[1].isoformat()]
    total = expected_rows(dataset, domain, *full, [], [])[()]

    api = dataset.query(site_id=domain, metrics=["visitors", "percentage"], date_range=date_range,
                        dimensions=["visit:country"])
    for row in api["results"]:
        share = expected_rows(dataset, domain, *full, ["visit:country"], [])[tuple(row["dimensions"])]["visitors"]
        assert row["metrics"][1] == pytest.approx(100 * share / total["visitors"], abs=0.051)

    goals = expected_rows(dataset, domain, *full, ["event:goal"], [])
    api = dataset.query(site_id=domain, metrics=["visitors", "conversion_rate", "total_revenue"], date_range=date_range,
                        dimensions=["event:goal"])
    assert {tuple(r["dimensions"]) for r in api["results"]} == set(goals) == {("Goal 1",), ("Goal 2",)}
    for row in api["results"]:
        raw = goals[tuple(row["dimensions"])]
        assert row["metrics"][0] == raw["visitors"]
        assert row["metrics"][1] == pytest.approx(100 * raw["visitors"] / total["visitors"], abs=0.0051)
        assert row["metrics"][2]["value"] == pytest.approx(raw["revenue"], abs=0.011)
    assert goals[("Goal 1",)]["revenue"] > 0

    filtered = dataset.query(site_id=domain, metrics=["visitors", "conversion_rate"], date_range=date_range,
                             filters=[["is", "event:goal", ["Goal 1"]]])
    assert filtered["results"][0]["metrics"] == [
        goals[("Goal 1",)]["visitors"],
        pytest.approx(100 * goals[("Goal 1",)]["visitors"] / total["visitors"], abs=0.0051),
    ]


def test_visits_assigned_at_ingest_match_the_model(dataset: Dataset) -> None:
    """Every stored hit carries the visit the model puts it in, and the visit's first hit time."""
    for domain in SITES:
        visits = [
            visit
            for (site, visitor), series in dataset.model.by_visitor.items()
            if site == domain
            for visit in dataset.model.split(site, visitor, series)
        ]
        stored = dataset.server.rows(
            "SELECT visit_id, min(timestamp) AS first, min(visit_start) AS start, max(visit_start) AS start_max, "
            "count() AS hits FROM events WHERE hostname = {d:String} GROUP BY visit_id",
            d=domain,
        )
        assert len(stored) == len(visits) > 100
        assert all(row["visit_id"] != 0 for row in stored)
        assert all(row["start"] == row["start_max"] == row["first"] for row in stored)
        got = sorted((row["first"].replace(tzinfo=timezone.utc), row["hits"]) for row in stored)
        assert got == sorted((v.start, len(v.hits)) for v in visits), domain


def test_ordering_and_pagination_follow_the_model(dataset: Dataset) -> None:
    domain = "shop.example"
    full, _, _ = ranges(dataset, domain)
    expected = expected_rows(dataset, domain, *full, ["event:page"], [])
    order = sorted(expected, key=lambda key: (-expected[key]["pageviews"], key))
    pages = []
    for offset in (0, 3, 6):
        api = dataset.query(site_id=domain, metrics=["pageviews"], date_range=list(map(date.isoformat, full)),
                            dimensions=["event:page"], order_by=[["pageviews", "desc"]],
                            pagination={"limit": 3, "offset": offset}, include={"total_rows": True})
        assert api["meta"]["total_rows"] == len(expected)
        pages += [tuple(row["dimensions"]) for row in api["results"]]
    assert pages == order[:9]
