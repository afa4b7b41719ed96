"""Compatibility with Plausible's Stats API v2, on the model dataset of the correctness tests.

The queries come from Plausible's public query schema and Stats API
documentation: valid ones with the answers they must give (computed by the
independent model in ``tests/dashboard/model.py``), and invalid ones with the
class of message Plausible answers them with.  ``COUNTS`` adds up what ran;
the last test checks and prints it.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

import pytest

from dashboard.countries import NAMES as COUNTRY_NAMES
from dashboard.stats.periods import local_midnight
from tests.dashboard.dataset import SITES, Dataset, expected_rows, ingested, ranges

DOMAIN = "shop.example"
TZ = SITES[DOMAIN]
COUNTS: Counter = Counter()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dataset]:
    with ingested(tmp_path_factory.mktemp("compat") / "data") as data:
        yield data


def post(data: Dataset, **body: Any):
    return data.client.post("/api/v2/query", json={"site_id": DOMAIN, **body})


def full(data: Dataset) -> tuple[date, date]:
    return ranges(data, DOMAIN)[0]


def pair(data: Dataset) -> list[str]:
    first, last = full(data)
    return [first.isoformat(), last.isoformat()]


def rows(answer: dict) -> dict[tuple, list]:
    return {tuple(row["dimensions"]): row["metrics"] for row in answer["results"]}


def same(got: Any, want: Any) -> None:
    """One number checked against the model."""
    COUNTS["numbers checked"] += 1
    assert got == want


def model(data: Dataset, dims: list[str], filters: list, days: tuple[date, date] | None = None) -> dict:
    first, last = days or full(data)
    return expected_rows(data, DOMAIN, first, last, dims, filters)


def check_counts(data: Dataset, answer: dict, dims: list[str], filters: list, metrics: list[str],
                 days: tuple[date, date] | None = None) -> None:
    """Visitors, visits, pageviews and events of every group, as the model has them."""
    want = model(data, dims, filters, days)
    got = rows(answer)
    if not dims:
        want = want or {(): {"visitors": 0, "visits": 0, "pageviews": 0, "events": 0}}
    assert set(got) == set(want)
    for key, raw in want.items():
        for i, metric in enumerate(metrics):
            if metric in ("visitors", "visits", "pageviews", "events"):
                same(got[key][i], raw[metric])


# Valid queries --------------------------------------------------------------------------------------

def v_aggregate(data: Dataset) -> None:
    metrics = ["visitors", "visits", "pageviews", "events", "bounce_rate", "visit_duration", "views_per_visit"]
    answer = post(data, metrics=metrics, date_range=pair(data)).json()
    check_counts(data, answer, [], [], metrics)
    raw = model(data, [], [])[()]
    same(answer["results"][0]["metrics"][4], round(100 * raw["bounces"] / raw["visits"]))


def v_datetime_range_of_whole_days_equals_the_date_range(data: Dataset) -> None:
    first, last = full(data)
    zone = ZoneInfo(TZ)
    start = datetime.combine(first, datetime.min.time(), zone).isoformat()
    end = (datetime.combine(last + timedelta(days=1), datetime.min.time(), zone) - timedelta(seconds=1)).isoformat()
    answer = post(data, metrics=["visitors", "visits"], date_range=[start, end]).json()
    check_counts(data, answer, [], [], ["visitors", "visits"])


def v_datetime_range_within_a_day_is_kept_to_the_second(data: Dataset) -> None:
    day = ranges(data, DOMAIN)[1][0]
    lo = local_midnight(day, TZ) + timedelta(hours=9, minutes=30)
    hi = lo + timedelta(hours=3)  # [lo, hi): the pair names hi minus one second, included
    body = [lo.astimezone(ZoneInfo(TZ)).isoformat(), (hi - timedelta(seconds=1)).astimezone(ZoneInfo("UTC")).isoformat()]
    answer = post(data, metrics=["visitors", "visits", "pageviews"], date_range=body).json()
    want = data.model.breakdown(DOMAIN, lo, hi, [], [], TZ).get((), {"visitors": 0, "visits": 0, "pageviews": 0})
    got = answer["results"][0]["metrics"]
    for i, metric in enumerate(["visitors", "visits", "pageviews"]):
        same(got[i], want[metric])
    assert answer["query"]["date_range"][0] == body[0]


def _relative(data: Dataset, name: str, days: int) -> None:
    last = full(data)[1] - timedelta(days=2)
    answer = post(data, metrics=["visitors", "visits"], date_range=name, date=(last + timedelta(days=1)).isoformat()).json()
    check_counts(data, answer, [], [], ["visitors", "visits"], (last - timedelta(days=days - 1), last))
    assert answer["query"]["date_range"][1].startswith(last.isoformat() + "T23:59:59")


def v_seven_days_end_yesterday(data: Dataset) -> None:
    _relative(data, "7d", 7)


def v_any_number_of_days(data: Dataset) -> None:
    _relative(data, "3d", 3)


def v_months_are_whole_months_before_the_current_one(data: Dataset) -> None:
    answer = post(data, metrics=["visitors"], date_range="6mo", date="2026-12-01").json()
    assert answer["query"]["date_range"][0].startswith("2026-06-01T00:00:00")
    assert answer["query"]["date_range"][1].startswith("2026-11-30T23:59:59")
    answer = post(data, metrics=["visitors"], date_range="12mo", date="2026-12-15").json()
    assert answer["query"]["date_range"][0].startswith("2025-12-01T00:00:00")


def v_day_with_a_date(data: Dataset) -> None:
    day = ranges(data, DOMAIN)[1][0]
    answer = post(data, metrics=["visitors", "visits"], date_range="day", date=day.isoformat()).json()
    check_counts(data, answer, [], [], ["visitors", "visits"], (day, day))


def v_all_time(data: Dataset) -> None:
    answer = post(data, metrics=["visitors", "visits"], date_range="all").json()
    first = min(h.ts for h in data.hits if h.site == DOMAIN).astimezone(ZoneInfo(TZ)).date()
    check_counts(data, answer, [], [], ["visitors", "visits"], (first, date.today() + timedelta(days=1)))


def v_24h(data: Dataset) -> None:
    answer = post(data, metrics=["visitors"], date_range="24h").json()
    same(answer["results"][0]["metrics"], [0])  # the dataset ends days ago


def v_breakdown_by_country_with_percentage(data: Dataset) -> None:
    answer = post(data, metrics=["visitors", "percentage"], date_range=pair(data), dimensions=["visit:country"]).json()
    check_counts(data, answer, ["visit:country"], [], ["visitors"])
    total = model(data, [], [])[()]["visitors"]
    for key, metrics in rows(answer).items():
        same(metrics[1], round(100 * metrics[0] / total, 1))


def v_country_names(data: Dataset) -> None:
    answer = post(data, metrics=["visitors"], date_range=pair(data), dimensions=["visit:country_name"]).json()
    want = {(COUNTRY_NAMES[key[0]],): raw["visitors"] for key, raw in model(data, ["visit:country"], []).items()}
    for key, value in want.items():
        same(rows(answer)[key], [value])


def v_utm_breakdown_has_the_not_set_row_and_sums_to_the_total(data: Dataset) -> None:
    answer = post(data, metrics=["visits"], date_range=pair(data), dimensions=["visit:utm_source"]).json()
    check_counts(data, answer, ["visit:utm_source"], [], ["visits"])
    assert ("(not set)",) in rows(answer)
    same(sum(m[0] for m in rows(answer).values()), model(data, [], [])[()]["visits"])


def v_entry_and_exit_pages_cover_every_visit(data: Dataset) -> None:
    total = model(data, [], [])[()]["visits"]
    for dim in ("visit:entry_page", "visit:exit_page"):
        answer = post(data, metrics=["visitors", "visits", "bounce_rate"], date_range=pair(data), dimensions=[dim]).json()
        check_counts(data, answer, [dim], [], ["visitors", "visits"])
        same(sum(m[1] for m in rows(answer).values()), total)


def v_exit_page_hostname(data: Dataset) -> None:
    answer = post(data, metrics=["visits"], date_range=pair(data), dimensions=["visit:exit_page_hostname"]).json()
    same(rows(answer), {(DOMAIN,): [model(data, [], [])[()]["visits"]]})


def v_session_metrics_by_event_page(data: Dataset) -> None:
    answer = post(data, metrics=["visitors", "pageviews", "bounce_rate"], date_range=pair(data),
                  dimensions=["event:page"]).json()
    check_counts(data, answer, ["event:page"], [], ["visitors", "pageviews"])


def v_goals_with_conversion_rates(data: Dataset) -> None:
    metrics = ["visitors", "events", "conversion_rate", "group_conversion_rate"]
    answer = post(data, metrics=metrics, date_range=pair(data), dimensions=["event:goal"]).json()
    check_counts(data, answer, ["event:goal"], [], ["visitors", "events"])
    total = model(data, [], [])[()]["visitors"]
    for metrics_row in rows(answer).values():
        same(metrics_row[2], round(100 * metrics_row[0] / total, 2))
        same(metrics_row[3], metrics_row[2])


def v_goal_filter_by_source_conversion_rates(data: Dataset) -> None:
    goal = [["is", "event:goal", ["Goal 1"]]]
    answer = post(data, metrics=["visitors", "conversion_rate", "group_conversion_rate"], date_range=pair(data),
                  dimensions=["visit:source"], filters=goal).json()
    converted = model(data, ["visit:source"], goal)
    per_source = model(data, ["visit:source"], [])
    total = model(data, [], [])[()]["visitors"]
    for key, metrics in rows(answer).items():
        same(metrics[0], converted[key]["visitors"])
        same(metrics[1], round(100 * converted[key]["visitors"] / total, 2))
        same(metrics[2], round(100 * converted[key]["visitors"] / per_source[key]["visitors"], 2))


def v_revenue_shape_and_average(data: Dataset) -> None:
    answer = post(data, metrics=["total_revenue", "average_revenue"], date_range=pair(data),
                  dimensions=["event:goal"], filters=[["is", "event:goal", ["Goal 1"]]]).json()
    first, last = full(data)
    lo, hi = local_midnight(first, TZ), local_midnight(last + timedelta(days=1), TZ)
    paid = [h.revenue for v in data.model.visits(DOMAIN, lo, hi) for h in v.hits if h.type == "goal" and h.revenue > 0]
    total, average = rows(answer)[("Goal 1",)]
    assert set(total) == {"value", "currency", "short", "long"}
    same(total["value"], round(sum(paid), 2))
    same(average["value"], round(sum(paid) / len(paid), 2))


def v_revenue_by_country_without_filters(data: Dataset) -> None:
    answer = post(data, metrics=["visits", "total_revenue", "average_revenue"], date_range=pair(data),
                  dimensions=["visit:country"]).json()
    want = model(data, ["visit:country"], [])
    for key, metrics in rows(answer).items():
        same(metrics[0], want[key]["visits"])
        same(metrics[1]["value"], round(want[key]["revenue"], 2))
        assert metrics[2]["value"] >= 0


def v_has_done_and_has_not_done(data: Dataset) -> None:
    for operator in ("has_done", "has_not_done"):
        filters = [[operator, ["is", "event:name", ["Site Search"]]]]
        answer = post(data, metrics=["visitors", "visits", "pageviews"], date_range=pair(data), filters=filters).json()
        check_counts(data, answer, [], filters, ["visitors", "visits", "pageviews"])


def v_contains_is_case_sensitive_unless_told(data: Dataset) -> None:
    for filters in ([["contains", "visit:source", ["OOG"]]],
                    [["contains", "visit:source", ["OOG"], {"case_sensitive": False}]],
                    [["is", "visit:browser", ["chrome"], {"case_sensitive": False}]],
                    [["matches", "event:page", ["^/BLOG"], {"case_sensitive": False}]]):
        answer = post(data, metrics=["visitors", "visits"], date_range=pair(data), filters=filters).json()
        check_counts(data, answer, [], filters, ["visitors", "visits"])
        assert answer["query"]["filters"] == filters  # the modifier is echoed


def v_property_filters_do_not_match_the_none_placeholder(data: Dataset) -> None:
    for filters in ([["contains", "event:props:dimension1", ["non"]]], [["is", "event:props:dimension1", ["(none)"]]],
                    [["is", "event:props:dimension1", ["red"]]]):
        answer = post(data, metrics=["visitors", "events"], date_range=pair(data), filters=filters).json()
        check_counts(data, answer, [], filters, ["visitors", "events"])


def v_logical_filters(data: Dataset) -> None:
    filters = [["or", [["is", "visit:country", ["DE"]], ["not", ["is", "visit:device", ["Desktop"]]]]],
               ["is_not", "visit:source", ["Facebook"]]]
    answer = post(data, metrics=["visitors", "visits"], date_range=pair(data), filters=filters,
                  dimensions=["visit:browser"]).json()
    check_counts(data, answer, ["visit:browser"], filters, ["visitors", "visits"])


def v_hostname_filter_at_the_top_level(data: Dataset) -> None:
    filters = [["is", "event:hostname", [DOMAIN]]]
    answer = post(data, metrics=["visitors"], date_range=pair(data), filters=filters).json()
    same(answer["results"][0]["metrics"][0], model(data, [], [])[()]["visitors"])


def v_week_labels_start_within_the_range(data: Dataset) -> None:
    first, last = full(data)
    start = first + timedelta(days=(2 - first.weekday()) % 7)  # a Wednesday
    answer = post(data, metrics=["visitors"], date_range=[start.isoformat(), last.isoformat()],
                  dimensions=["time:week"], include={"time_labels": True}).json()
    labels = answer["meta"]["time_labels"]
    assert labels[0] == start.isoformat()
    assert all(row["dimensions"][0] in labels for row in answer["results"])
    assert answer["results"][0]["dimensions"][0] >= start.isoformat()


def v_daily_time_labels(data: Dataset) -> None:
    answer = post(data, metrics=["visitors"], date_range=pair(data), dimensions=["time:day"],
                  include={"time_labels": True}).json()
    first, last = full(data)
    same(len(answer["meta"]["time_labels"]), (last - first).days + 1)
    check_counts(data, answer, ["time:day"], [], ["visitors"])


def v_total_rows_past_the_end(data: Dataset) -> None:
    answer = post(data, metrics=["visitors"], date_range=pair(data), dimensions=["event:page"],
                  pagination={"limit": 5, "offset": 1000}, include={"total_rows": True}).json()
    assert answer["results"] == []
    same(answer["meta"]["total_rows"], len(model(data, ["event:page"], [])))


def v_the_echo_can_be_posted_back(data: Dataset) -> None:
    first = post(data, metrics=["visitors", "pageviews"], date_range=pair(data), dimensions=["event:page"],
                 filters=[["contains", "event:page", ["blog"], {"case_sensitive": False}]],
                 include={"total_rows": True}).json()
    assert first["query"]["order_by"] == [["visitors", "desc"]]
    again = data.client.post("/api/v2/query", json=first["query"])
    assert again.status_code == 200, again.text
    same(again.json()["results"], first["results"])


def v_imports_skip_reason(data: Dataset) -> None:
    answer = post(data, metrics=["visitors"], date_range=pair(data), include={"imports": True}).json()
    assert answer["meta"] == {"imports_included": False, "imports_skip_reason": "no_imported_data"}


def v_time_dimension_is_ordered_by_time(data: Dataset) -> None:
    answer = post(data, metrics=["visitors"], date_range=pair(data), dimensions=["time"]).json()
    assert answer["query"]["order_by"] == [["time", "asc"]]
    labels = [row["dimensions"][0] for row in answer["results"]]
    assert labels == sorted(labels)


def v_28_and_91_days(data: Dataset) -> None:
    _relative(data, "28d", 28)
    _relative(data, "91d", 91)


def v_sources_and_channels(data: Dataset) -> None:
    for dim in ("visit:source", "visit:channel", "visit:referrer", "visit:device"):
        answer = post(data, metrics=["visitors", "visits", "bounce_rate"], date_range=pair(data), dimensions=[dim]).json()
        check_counts(data, answer, [dim], [], ["visitors", "visits"])
        want = model(data, [dim], [])
        for key, metrics in rows(answer).items():
            same(metrics[2], round(100 * want[key]["bounces"] / want[key]["visits"]))


def v_event_names_with_event_metrics(data: Dataset) -> None:
    answer = post(data, metrics=["visitors", "events"], date_range=pair(data), dimensions=["event:name"]).json()
    check_counts(data, answer, ["event:name"], [], ["visitors", "events"])


def v_property_breakdown_and_negated_property_filters(data: Dataset) -> None:
    answer = post(data, metrics=["visitors", "events"], date_range=pair(data),
                  dimensions=["event:props:dimension1"]).json()
    check_counts(data, answer, ["event:props:dimension1"], [], ["visitors", "events"])
    for filters in ([["contains_not", "event:props:dimension1", ["re"]]],
                    [["is_not", "event:props:dimension1", ["(none)"]]],
                    [["matches_not", "event:page", ["^/docs"]]]):
        answer = post(data, metrics=["visitors", "events"], date_range=pair(data), filters=filters).json()
        check_counts(data, answer, [], filters, ["visitors", "events"])


def v_two_dimensions(data: Dataset) -> None:
    dims = ["visit:country", "visit:device"]
    answer = post(data, metrics=["visitors", "visits", "pageviews"], date_range=pair(data), dimensions=dims).json()
    check_counts(data, answer, dims, [], ["visitors", "visits", "pageviews"])


def v_hours_of_one_day(data: Dataset) -> None:
    day = ranges(data, DOMAIN)[1][0]
    answer = post(data, metrics=["visitors", "pageviews"], date_range="day", date=day.isoformat(),
                  dimensions=["time:hour"]).json()
    check_counts(data, answer, ["time:hour"], [], ["visitors", "pageviews"], (day, day))


def v_goal_contains_filter(data: Dataset) -> None:
    filters = [["contains", "event:goal", ["Goal"]]]
    answer = post(data, metrics=["visitors", "events", "conversion_rate"], date_range=pair(data), filters=filters,
                  dimensions=["visit:country"]).json()
    check_counts(data, answer, ["visit:country"], filters, ["visitors", "events"])


def v_has_done_by_device(data: Dataset) -> None:
    filters = [["has_not_done", ["is", "event:page", ["/pricing"]]]]
    answer = post(data, metrics=["visitors", "visits", "bounce_rate"], date_range=pair(data), filters=filters,
                  dimensions=["visit:device"]).json()
    check_counts(data, answer, ["visit:device"], filters, ["visitors", "visits"])


def v_ordering_and_paging_follow_the_model(data: Dataset) -> None:
    want = model(data, ["visit:country"], [])
    order = sorted(want, key=lambda key: (want[key]["visits"], key))
    got = []
    for offset in (0, 2, 4):
        answer = post(data, metrics=["visits"], date_range=pair(data), dimensions=["visit:country"],
                      order_by=[["visits", "asc"], ["visit:country", "asc"]], pagination={"limit": 2, "offset": offset},
                      include={"total_rows": True}).json()
        same(answer["meta"]["total_rows"], len(want))
        got += [tuple(row["dimensions"]) for row in answer["results"]]
    same(got, order[:6])


VALID: list[Callable[[Dataset], None]] = [value for name, value in dict(globals()).items() if name.startswith("v_")]


@pytest.mark.parametrize("case", VALID, ids=[case.__name__[2:] for case in VALID])
def test_valid_queries_give_the_model_numbers(dataset: Dataset, case: Callable[[Dataset], None]) -> None:
    case(dataset)
    COUNTS["valid accepted"] += 1


# Invalid queries: the change to a valid query, and the start of Plausible's message for it ------------

INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("unknown country code", {"filters": [["is", "visit:country", ["Germany"]]]}, "2-letter country code"),
    ("goal not configured", {"filters": [["is", "event:goal", ["Signup"]]]}, "is not configured"),
    ("is_not on event:goal", {"filters": [["is_not", "event:goal", ["Goal 1"]]]}, "event:goal takes"),
    ("event:goal inside or", {"filters": [["or", [["is", "event:goal", ["Goal 1"]], ["is", "visit:country", ["DE"]]]]]},
     "can only be filtered at the top level"),
    ("event:hostname inside not", {"filters": [["not", ["is", "event:hostname", [DOMAIN]]]]},
     "can only be filtered at the top level"),
    ("event:goal inside has_done", {"filters": [["has_done", ["is", "event:goal", ["Goal 1"]]]]},
     "can only be filtered at the top level"),
    ("a number as value", {"filters": [["is", "visit:browser", [1]]]}, "Invalid filter"),
    ("a modifier that is not an object", {"filters": [["contains", "event:page", ["a"], "x"]]}, "Invalid filter"),
    ("an unknown modifier", {"filters": [["contains", "event:page", ["a"], {"ignore": True}]]}, "Invalid filter"),
    ("a modifier that is not a boolean", {"filters": [["is", "event:page", ["/"], {"case_sensitive": "no"}]]},
     "Invalid filter"),
    ("five elements", {"filters": [["is", "event:page", ["/"], {}, {}]]}, "Invalid filter"),
    ("no values", {"filters": [["is", "event:page", []]]}, "Invalid filter"),
    ("unknown operator", {"filters": [["equals", "event:page", ["/"]]]}, "Unknown operator"),
    ("unknown filter dimension", {"filters": [["is", "visit:planet", ["Mars"]]]}, "unknown dimension"),
    ("time filter", {"filters": [["is", "time:day", ["2024-01-01"]]]}, "cannot filter on"),
    ("bad regex", {"filters": [["matches", "event:page", ["(unclosed"]]]}, "regular expression"),
    ("has_done on a visit dimension", {"filters": [["has_done", ["is", "visit:country", ["DE"]]]]}, "Invalid filters"),
    ("conversion_rate without goals", {"metrics": ["conversion_rate"]}, "can only be queried with event:goal"),
    ("group_conversion_rate without goals", {"metrics": ["group_conversion_rate"], "dimensions": ["visit:source"]},
     "can only be queried with event:goal"),
    ("bounce_rate by event:name", {"metrics": ["bounce_rate"], "dimensions": ["event:name"]}, "Session metric(s)"),
    ("visit_duration by a property", {"metrics": ["visit_duration"], "dimensions": ["event:props:dimension1"]},
     "Session metric(s)"),
    ("views_per_visit by event:goal", {"metrics": ["views_per_visit"], "dimensions": ["event:goal"]},
     "Session metric(s)"),
    ("pageviews by exit page", {"metrics": ["pageviews"], "dimensions": ["visit:exit_page"]}, "Event metric(s)"),
    ("events by entry page", {"metrics": ["events"], "dimensions": ["visit:entry_page"]}, "Event metric(s)"),
    ("date-time without zone", {"date_range": ["2024-01-01T00:00:00", "2024-01-02T00:00:00"]}, "Invalid date_range"),
    ("impossible offset", {"date_range": ["2024-01-01T00:00:00+25:00", "2024-01-02T00:00:00+01:00"]},
     "Invalid date_range"),
    ("date mixed with date-time", {"date_range": ["2024-01-01", "2024-01-02T00:00:00+01:00"]}, "Invalid date_range"),
    ("impossible date", {"date_range": ["2024-02-30", "2024-03-01"]}, "not a date"),
    ("end before start", {"date_range": ["2024-03-02", "2024-03-01"]}, "before the start"),
    ("0d", {"date_range": "0d"}, "Invalid date_range"),
    ("5001d", {"date_range": "5001d"}, "Invalid date_range"),
    ("101mo", {"date_range": "101mo"}, "Invalid date_range"),
    ("unknown shortcut", {"date_range": "fortnight"}, "Invalid date_range"),
    ("three dates", {"date_range": ["2024-01-01", "2024-01-02", "2024-01-03"]}, "Invalid date_range"),
    ("bad date", {"date": "2024-13-01"}, "Invalid date"),
    ("unknown metric", {"metrics": ["sessions"]}, "Unknown metric"),
    ("no metrics", {"metrics": []}, "Invalid metrics"),
    ("duplicate metrics", {"metrics": ["visitors", "visitors"]}, "Invalid metrics"),
    ("unknown dimension", {"dimensions": ["visit:shoe_size"]}, "Invalid dimensions"),
    ("empty property name", {"dimensions": ["event:props:"]}, "Invalid dimensions"),
    ("two time dimensions", {"dimensions": ["time:day", "time:week"]}, "Invalid dimensions"),
    ("percentage without dimensions", {"metrics": ["percentage"]}, "Metric `percentage`"),
    ("order by something not queried", {"order_by": [["bounce_rate", "desc"]]}, "Invalid order_by entry"),
    ("order direction", {"order_by": [["visitors", "up"]]}, "Invalid order_by entry"),
    ("limit 0", {"pagination": {"limit": 0}}, "Invalid pagination"),
    ("negative offset", {"pagination": {"offset": -1}}, "Invalid pagination"),
    ("unknown include", {"include": {"comparisons_x": True}}, "Invalid include"),
    ("time_labels without a time dimension", {"include": {"time_labels": True}}, "Invalid include.time_labels"),
    ("unknown key", {"interval": "day"}, "Invalid query"),
    ("no date_range", {"date_range": None}, "Invalid date_range"),
]


@pytest.mark.parametrize("change, message", [(c, m) for _, c, m in INVALID], ids=[name for name, _, _ in INVALID])
def test_invalid_queries_are_refused_with_plausibles_message(dataset: Dataset, change: dict, message: str) -> None:
    body = {"site_id": DOMAIN, "metrics": ["visitors"], "date_range": pair(dataset), **change}
    response = dataset.client.post("/api/v2/query", json=body)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]
    COUNTS["invalid refused"] += 1


def test_the_schema_lists_what_the_parser_accepts(dataset: Dataset) -> None:
    schema = dataset.client.get("/api/docs/query/schema.json").json()
    metrics = schema["definitions"]["metric"]["enum"]
    assert {"group_conversion_rate", "average_revenue", "conversion_rate"} <= set(metrics)
    dimensions = schema["definitions"]["dimension"]["oneOf"][0]["enum"]
    assert {"visit:country_name", "visit:exit_page_hostname", "time:week"} <= set(dimensions)
    for metric in metrics:  # every metric the schema names is accepted
        body = {"metrics": [metric], "date_range": pair(dataset), "dimensions": ["event:goal"]}
        if metric not in ("bounce_rate", "visit_duration", "views_per_visit"):
            assert post(dataset, **body).status_code == 200, metric


def test_counts() -> None:
    """Runs last in this module: what the suite checked (pytest -s prints it)."""
    print(f"\nPlausible compatibility: {COUNTS['valid accepted']} valid queries accepted, "
          f"{COUNTS['invalid refused']} invalid refused, {COUNTS['numbers checked']} numbers checked against the model")
    if COUNTS["valid accepted"]:  # the whole module ran
        assert COUNTS["valid accepted"] == len(VALID)
        assert COUNTS["invalid refused"] == len(INVALID)
        assert COUNTS["numbers checked"] > 300
