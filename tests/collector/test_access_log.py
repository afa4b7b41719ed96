"""Access-log lines → records → hits: each format, the skip rules, bad lines."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from collector.access_log import LogLineError, detect, parse_clf_time, parse_line, skip_reason, to_hit
from collector.hit import DOWNLOAD, PAGEVIEW

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
COMBINED = f'203.0.113.9 - - [10/Oct/2026:13:55:36 -0700] "GET /blog/post?id=7 HTTP/1.1" 200 2326 "https://www.google.com/" "{UA}"'
COMMON = '203.0.113.9 - frank [10/Oct/2026:13:55:36 +0000] "GET /about HTTP/1.0" 200 -'
VHOST = f'shop.example.com:443 203.0.113.9 - - [10/Oct/2026:13:55:36 +0200] "GET / HTTP/2.0" 304 0 "-" "{UA}"'
CADDY = json.dumps({
    "level": "info", "ts": 1791640536.25, "logger": "http.log.access", "msg": "handled request",
    "request": {"remote_ip": "10.0.0.1", "client_ip": "203.0.113.9", "proto": "HTTP/2.0", "method": "GET",
                "host": "Example.com:8443", "uri": "/docs/", "headers": {"User-Agent": [UA], "Referer": ["https://t.co/x"]}},
    "status": 200, "size": 512, "duration": 0.001,
})


def test_combined() -> None:
    record = parse_line(COMBINED, "combined")
    assert (record.ip, record.method, record.target, record.status) == ("203.0.113.9", "GET", "/blog/post?id=7", 200)
    assert record.timestamp == datetime(2026, 10, 10, 20, 55, 36, tzinfo=timezone.utc)
    assert record.referrer == "https://www.google.com/" and record.user_agent == UA and record.host == ""


def test_common_has_no_referrer_or_user_agent() -> None:
    record = parse_line(COMMON, "common")
    assert (record.target, record.referrer, record.user_agent) == ("/about", "", "")


def test_vhost_combined_names_the_host_and_dashes_are_empty() -> None:
    record = parse_line(VHOST, "vhost_combined")
    assert record.host == "shop.example.com" and record.referrer == "" and record.status == 304
    assert record.timestamp.utcoffset() == timedelta(hours=2)


def test_caddy_json_prefers_the_client_ip() -> None:
    record = parse_line(CADDY, "caddy")
    assert (record.ip, record.host, record.target, record.referrer) == ("203.0.113.9", "example.com", "/docs/", "https://t.co/x")
    assert record.timestamp == datetime.fromtimestamp(1791640536.25, tz=timezone.utc)


def test_escaped_quotes_in_nginx_lines() -> None:
    line = '198.51.100.1 - - [01/Dec/2026:00:00:01 +0000] "GET /q?x=\\"a\\" HTTP/1.1" 200 1 "-" "agent \\"quoted\\""'
    record = parse_line(line, "combined")
    assert record.target == '/q?x="a"' and record.user_agent == 'agent "quoted"'


def test_detect_picks_the_most_specific_format() -> None:
    assert detect(VHOST) == "vhost_combined"
    assert detect(COMBINED) == "combined"
    assert detect(COMMON) == "common"
    assert detect(CADDY) == "caddy"
    assert detect("hello world") is None
    assert detect("{not json") is None


@pytest.mark.parametrize("line,fmt", [
    ("garbage", "combined"),
    ('1.2.3.4 - - [99/Foo/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"', "combined"),
    ('1.2.3.4 - - [01/Dec/2026:00:00:00 +0000] "" 200 1 "-" "-"', "combined"),
    ('{"ts": "soon", "request": {}}', "caddy"),
])
def test_bad_lines_raise(line: str, fmt: str) -> None:
    with pytest.raises(LogLineError):
        parse_line(line, fmt)


def test_clf_time_with_negative_offset() -> None:
    assert parse_clf_time("01/Jan/2026:00:30:00 -0130") == datetime(2026, 1, 1, 2, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("target,status,reason", [
    ("/", 200, None),
    ("/", 304, None),
    ("/old", 301, "redirect"),
    ("/missing", 404, "http-error"),
    ("/boom", 503, "http-error"),
    ("/assets/app.CSS?v=3", 200, "static"),
    ("/img/logo.png", 200, "static"),
    ("/robots.txt", 200, "static"),
    ("/favicon.ico", 200, "static"),
    ("/report.pdf", 200, None),
])
def test_skip_reasons_follow_matomos_importer(target: str, status: int, reason: str | None) -> None:
    record = parse_line(COMBINED.replace("/blog/post?id=7", target).replace(" 200 ", f" {status} "), "combined")
    assert skip_reason(record) == reason


def test_to_hit_builds_a_trusted_pageview_or_download() -> None:
    record = parse_line(COMBINED, "combined")
    hit = to_hit(record, 3, "example.com")
    assert (hit.site_id, hit.url, hit.event_type, hit.trusted) == (3, "https://example.com/blog/post?id=7", PAGEVIEW, True)
    assert hit.ip == "203.0.113.9" and hit.user_agent == UA and hit.referrer == "https://www.google.com/"
    assert hit.timestamp == record.timestamp and hit.timestamp.tzinfo == timezone.utc
    download = to_hit(parse_line(COMBINED.replace("/blog/post?id=7", "/files/report.pdf"), "combined"), 3, "example.com", "http")
    assert download.event_type == DOWNLOAD and download.link_url == "http://example.com/files/report.pdf"
