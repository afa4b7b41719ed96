"""Plausible events API bodies → a hit."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from collector.hit import Dropped, DropReason, RequestMeta
from collector.parse_plausible import decode, parse, parse_props

NOW = datetime(2024, 5, 14, 12, 0, tzinfo=timezone.utc)
META = RequestMeta(ip="203.0.113.9", user_agent="ua", accept_language="de", gpc=True)


def parsed(body: dict):
    return parse(decode(json.dumps(body).encode()), META, NOW)


def test_short_keys_as_the_script_sends_them() -> None:
    domain, hit = parsed({"n": "pageview", "u": "https://example.com/a", "d": "example.com", "r": "https://ref.test/"})
    assert domain == "example.com"
    assert (hit.event_type, hit.url, hit.referrer, hit.language, hit.gpc, hit.ip) == (
        "pageview", "https://example.com/a", "https://ref.test/", "de", True, "203.0.113.9")


def test_long_keys_custom_event_props_and_revenue() -> None:
    domain, hit = parsed({"name": "Signup", "url": "https://example.com/", "domain": "example.com,other.org",
                          "props": {"plan": "pro", "seats": 3, "ok": True, "nested": {"x": 1}, "none": None},
                          "revenue": {"amount": "12.50", "currency": "EUR"}})
    assert domain == "example.com,other.org"
    assert (hit.event_type, hit.event_name, hit.revenue) == ("event", "Signup", 12.5)
    assert hit.props == {"plan": "pro", "seats": "3", "ok": "true"}


def test_props_and_revenue_may_come_as_json_strings() -> None:
    _, hit = parsed({"n": "Buy", "u": "https://example.com/", "d": "example.com", "p": '{"a": "b"}',
                     "$": '{"amount": 3}'})
    assert (hit.props, hit.revenue) == ({"a": "b"}, 3.0)


def test_engagement_feeds_time_and_scroll_depth() -> None:
    _, hit = parsed({"n": "engagement", "u": "https://example.com/", "d": "example.com", "sd": 140, "e": 5300})
    assert (hit.event_type, hit.scroll_depth, hit.engagement_ms) == ("engagement", 100, 5300)
    _, hit = parsed({"n": "engagement", "u": "https://example.com/", "d": "example.com", "sd": "x", "e": -4})
    assert (hit.scroll_depth, hit.engagement_ms) == (0, 0)


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[1,2]", b'"text"', b"\xff\xfe", b'{"n": "pageview"}',
     b'{"n": "pageview", "u": 5, "d": "example.com"}',
     b'{"n": "x", "u": "https://a/", "d": "a", "p": [1]}',
     b'{"n": "x", "u": "https://a/", "d": "a", "p": "{not json"}',
     b'{"n": "x", "u": "https://a/", "d": "a", "$": {"amount": "lots"}}',
     b'{"n": "x", "u": "https://a/", "d": "a", "$": {"amount": NaN}}'],
)
def test_malformed_bodies(raw: bytes) -> None:
    with pytest.raises(Dropped) as error:
        parse(decode(raw), META, NOW)
    assert error.value.reason is DropReason.MALFORMED


def test_too_many_props() -> None:
    with pytest.raises(Dropped):
        parse_props({f"k{n}": "v" for n in range(31)})
