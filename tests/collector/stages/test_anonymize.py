from dataclasses import fields
from datetime import timedelta

import pytest

from collector.hit import Hit
from collector.stages.anonymize import anonymize, keyed_hash, truncate_ip
from tests.collector.builders import NOW, SECRET, make_context, make_hit, make_settings, make_site

IP = "203.0.113.77"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
COOKIE_ID = "0123456789abcdef"


@pytest.mark.parametrize(
    ("mask", "expected"),
    [(1, "203.0.113.0"), (2, "203.0.0.0"), (3, "203.0.0.0"), (4, "0.0.0.0")],
)
def test_ipv4_truncation_by_bytes(mask: int, expected: str) -> None:
    assert truncate_ip("203.0.113.77" if mask != 3 else "203.9.113.77", mask) == expected


def test_ipv6_keeps_a_48_bit_prefix() -> None:
    assert truncate_ip("2001:db8:abcd:1234:5678::1") == "2001:db8:abcd::"
    assert truncate_ip("2001:db8:abcd:1234::1", ipv6_prefix=32) == "2001:db8::"


def test_ipv4_mapped_ipv6_is_truncated_as_ipv4() -> None:
    assert truncate_ip("::ffff:203.0.113.77") == "203.0.0.0"


def test_unparseable_ip_truncates_to_nothing() -> None:
    assert truncate_ip("garbage") == ""


def run(context, **fields) -> Hit:
    hit = make_hit(context, **fields)
    assert anonymize(hit, context) is None
    return hit


def test_raw_values_are_forgotten() -> None:
    context = make_context()
    hit = run(context, ip=IP, user_agent=UA, tracker_visitor_id=COOKIE_ID, user_id="jane@example.org",
              token_auth="t" * 32, overrides={"cip": "8.8.8.8"})
    assert (hit.ip, hit.user_agent, hit.tracker_visitor_id, hit.user_id, hit.token_auth) == ("", "", "", "", "")
    assert hit.overrides == {}
    text = repr([getattr(hit, f.name) for f in fields(Hit) if f.name != "site"])
    for raw in (IP, UA, COOKIE_ID, "jane@example.org", "8.8.8.8"):
        assert raw not in text


def test_truncated_ip_is_stored_only_when_the_site_wants_it() -> None:
    assert run(make_context(make_site(1)), ip=IP).ip_truncated == ""
    assert run(make_context(make_site(1, store_truncated_ip=True)), ip=IP).ip_truncated == "203.0.0.0"
    settings = make_settings(ipv4_mask_bytes=1)
    assert run(make_context(make_site(1, store_truncated_ip=True), settings=settings), ip=IP).ip_truncated == "203.0.113.0"
    assert run(make_context(make_site(1, store_truncated_ip=True)), ip="2001:db8:abcd:99::5").ip_truncated == "2001:db8:abcd::"


def test_visitor_id_is_a_64_bit_number() -> None:
    visitor = run(make_context(), ip=IP, user_agent=UA).visitor_id
    assert 0 < visitor < 2**64


def test_same_ip_and_ua_on_the_same_day_give_the_same_visitor() -> None:
    context = make_context()
    first = run(context, ip=IP, user_agent=UA)
    later = run(make_context(now=NOW + timedelta(hours=3)), ip=IP, user_agent=UA, timestamp=NOW + timedelta(hours=3))
    assert first.visitor_id == later.visitor_id


def test_other_ip_ua_or_site_give_another_visitor() -> None:
    context = make_context(make_site(1), make_site(2, ("other.org",)))
    base = run(context, ip=IP, user_agent=UA).visitor_id
    assert run(context, ip="203.0.113.78", user_agent=UA).visitor_id != base
    assert run(context, ip=IP, user_agent=UA + " ").visitor_id != base
    assert run(context, ip=IP, user_agent=UA, site_id=2).visitor_id != base


def test_a_new_salt_gives_another_visitor() -> None:
    today = run(make_context(salt=b"a" * 32), ip=IP, user_agent=UA)
    tomorrow = run(make_context(salt=b"b" * 32), ip=IP, user_agent=UA)
    assert today.visitor_id != tomorrow.visitor_id


def test_tracker_id_is_ignored_without_cookie_mode() -> None:
    context = make_context()
    one = run(context, ip=IP, user_agent=UA, tracker_visitor_id=COOKIE_ID)
    two = run(context, ip=IP, user_agent=UA, tracker_visitor_id="fedcba9876543210")
    assert one.visitor_id == two.visitor_id


def test_cookie_mode_hashes_the_tracker_id_with_the_server_secret() -> None:
    context = make_context(make_site(1, cookie_mode=True))
    one = run(context, ip=IP, user_agent=UA, tracker_visitor_id=COOKIE_ID)
    # Another address and browser, a new salt: the same cookie is the same visitor.
    moved = run(make_context(make_site(1, cookie_mode=True), salt=b"x" * 32), ip="198.51.100.1",
                user_agent="curl/8", tracker_visitor_id=COOKIE_ID)
    assert one.visitor_id == moved.visitor_id
    assert one.visitor_id == keyed_hash(SECRET, "cookie", 1, COOKIE_ID)
    assert one.visitor_id != int(COOKIE_ID, 16)
    assert f"{one.visitor_id:016x}" != COOKIE_ID
    assert run(context, tracker_visitor_id="fedcba9876543210").visitor_id != one.visitor_id


def test_cookie_mode_without_a_cookie_falls_back_to_the_daily_hash() -> None:
    cookie_site = make_context(make_site(1, cookie_mode=True))
    assert run(cookie_site, ip=IP, user_agent=UA).visitor_id == run(make_context(), ip=IP, user_agent=UA).visitor_id


def test_uid_is_stored_only_as_a_keyed_hash() -> None:
    context = make_context()
    hit = run(context, user_id="jane@example.org")
    assert hit.user_id == ""
    assert hit.user_id_hash == keyed_hash(SECRET, "uid", 1, "jane@example.org")
    assert run(context, user_id="jane@example.org").user_id_hash == hit.user_id_hash
    assert run(context, user_id="john@example.org").user_id_hash != hit.user_id_hash
    assert run(context).user_id_hash == 0


def test_keyed_hash_separates_its_parts() -> None:
    assert keyed_hash(b"k", "ab", "c") != keyed_hash(b"k", "a", "bc")
    assert keyed_hash(b"k", "x") != keyed_hash(b"j", "x")
