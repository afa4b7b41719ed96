"""Matomo tracking API parameters → a hit."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from collector.hit import Dropped, DropReason, RequestMeta
from collector.parse_matomo import event_type_of, parse, parse_cdt

NOW = datetime(2024, 5, 14, 12, 0, tzinfo=timezone.utc)
META = RequestMeta(ip="203.0.113.9", user_agent="header-ua", accept_language="fr-FR,fr;q=0.9",
                   origin="https://example.com", referer_header="https://example.com/from-header", dnt=True)


def parsed(**params: str):
    return parse({"idsite": "3", "rec": "1", **params}, META, NOW)


def dropped(params: dict[str, str]) -> Dropped:
    with pytest.raises(Dropped) as error:
        parse(params, META, NOW)
    return error.value


def test_pageview_fields() -> None:
    hit = parsed(url="https://example.com/a", action_name="A page", urlref="https://google.com/", pv_id="xYz123",
                 res="1920x1080", _idvc="4", _rcn="Spring", _rck="sale", lang="de-DE")
    assert (hit.site_id, hit.event_type, hit.url, hit.title, hit.referrer) == (
        3, "pageview", "https://example.com/a", "A page", "https://google.com/")
    assert (hit.pageview_id, hit.screen_size, hit.visit_count) == ("xYz123", "1920x1080", 4)
    assert (hit.campaign_name, hit.campaign_keyword, hit.language) == ("Spring", "sale", "de-DE")
    assert (hit.ip, hit.user_agent, hit.origin, hit.dnt, hit.timestamp) == (
        "203.0.113.9", "header-ua", "https://example.com", True, NOW)


def test_request_values_fill_what_the_parameters_leave_out() -> None:
    hit = parsed()
    assert (hit.url, hit.language) == ("https://example.com/from-header", "fr-FR,fr;q=0.9")


def test_ua_lang_and_uid_are_taken_as_given() -> None:
    hit = parsed(ua="Server-side UA", lang="it", uid="user-42")
    assert (hit.user_agent, hit.language, hit.user_id) == ("Server-side UA", "it", "user-42")


@pytest.mark.parametrize(
    ("params", "kind"),
    [
        ({"ping": "1", "e_c": "x"}, "ping"),
        ({"e_c": "Video", "e_a": "Play"}, "event"),
        ({"e_a": "Play"}, "event"),
        ({"idgoal": "0"}, "goal"),
        ({"search": "shoes"}, "search"),
        ({"link": "https://other.org/"}, "outlink"),
        ({"download": "https://example.com/f.pdf"}, "download"),
        ({}, "pageview"),
    ],
)
def test_event_types(params: dict[str, str], kind: str) -> None:
    assert event_type_of(params) == kind


def test_event_goal_search_and_links() -> None:
    event = parsed(e_c="Video", e_a="Play", e_n="Intro", e_v="12.5")
    assert (event.event_category, event.event_action, event.event_name, event.event_value) == ("Video", "Play", "Intro", 12.5)
    goal = parsed(idgoal="7", revenue="49.90")
    assert (goal.event_type, goal.goal_id, goal.revenue) == ("goal", 7, 49.9)
    search = parsed(search="shoes", search_cat="Products", search_count="12")
    assert (search.search_keyword, search.search_category, search.search_count) == ("shoes", "Products", 12)
    assert parsed().search_count == -1
    outlink = parsed(link="https://other.org/x", url="")
    assert (outlink.link_url, outlink.url) == ("https://other.org/x", "https://example.com/from-header")
    assert parsed(download="https://example.com/f.pdf").link_url == "https://example.com/f.pdf"


def test_custom_dimensions_and_props() -> None:
    hit = parsed(dimension1="premium", dimension12="de", dimension3="", props='{"plan": "pro", "seats": 3}')
    assert hit.props == {"dimension1": "premium", "dimension12": "de", "plan": "pro", "seats": "3"}


def test_too_many_dimensions_is_malformed() -> None:
    params = {"idsite": "1", "rec": "1", **{f"dimension{n}": "x" for n in range(60)}}
    assert dropped(params).reason is DropReason.MALFORMED


def test_tracker_id_is_hex_and_lowercased() -> None:
    assert parsed(_id="0123456789ABCDEF").tracker_visitor_id == "0123456789abcdef"
    assert parsed(cid="fedcba9876543210").tracker_visitor_id == "fedcba9876543210"
    assert dropped({"idsite": "1", "rec": "1", "_id": "not-hex-at-all!!"}).reason is DropReason.MALFORMED


def test_overrides_are_collected_not_applied() -> None:
    hit = parsed(cip="8.8.8.8", country="fr", region="Bretagne", city="Rennes", lat="48.1", long="-1.6",
                 cdt="2024-05-14 11:00:00", token_auth="abc")
    assert hit.ip == "203.0.113.9" and hit.country_code == ""
    assert hit.overrides == {"cdt": "2024-05-14 11:00:00", "cip": "8.8.8.8", "country": "fr", "region": "Bretagne",
                             "city": "Rennes", "lat": "48.1", "long": "-1.6"}
    assert hit.token_auth == "abc"


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"idsite": "1"}, DropReason.NOT_RECORDED),
        ({"idsite": "1", "rec": "0"}, DropReason.NOT_RECORDED),
        ({"rec": "1"}, DropReason.MALFORMED),
        ({"rec": "1", "idsite": "0"}, DropReason.MALFORMED),
        ({"rec": "1", "idsite": "abc"}, DropReason.MALFORMED),
        ({"rec": "1", "idsite": "1", "e_v": "NaN"}, DropReason.MALFORMED),
        ({"rec": "1", "idsite": "1", "revenue": "1e309"}, DropReason.MALFORMED),
        ({"rec": "1", "idsite": "1", "_idvc": "-3"}, DropReason.MALFORMED),
        ({"rec": "1", "idsite": "1", "search_count": "many"}, DropReason.MALFORMED),
    ],
)
def test_malformed_and_unrecorded(params: dict[str, str], reason: DropReason) -> None:
    assert dropped(params).reason is reason


def test_odd_resolution_is_ignored_and_long_fields_are_capped() -> None:
    assert parsed(res="huge").screen_size == ""
    assert parsed(res="00800x0600").screen_size == "800x600"
    assert len(parsed(action_name="t" * 5000).title) == 1000
    assert len(parsed(e_c="c" * 5000, e_a="a").event_category) == 250


def test_cdt_formats() -> None:
    assert parse_cdt("1715684400") == datetime(2024, 5, 14, 11, 0, tzinfo=timezone.utc)
    assert parse_cdt("2024-05-14 11:00:00") == datetime(2024, 5, 14, 11, 0, tzinfo=timezone.utc)
    assert parse_cdt("2024-05-14T11:00:00Z") == datetime(2024, 5, 14, 11, 0, tzinfo=timezone.utc)
    with pytest.raises(Dropped):
        parse_cdt("yesterday")
