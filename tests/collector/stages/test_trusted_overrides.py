from datetime import timedelta

from collector.hit import DropReason
from collector.stages.trusted_overrides import apply_trusted_overrides
from tests.collector.builders import NOW, TOKEN, make_context, make_hit

LOCATION = {"cip": "8.8.4.4", "country": "fr", "region": "Bretagne", "city": "Rennes"}


def test_overrides_with_a_valid_token_are_applied() -> None:
    context = make_context()
    hit = make_hit(context, token_auth=TOKEN, overrides=dict(LOCATION))
    assert apply_trusted_overrides(hit, context) is None
    assert hit.trusted
    assert (hit.ip, hit.country_code, hit.region, hit.city) == ("8.8.4.4", "FR", "Bretagne", "Rennes")


def test_overrides_without_a_token_are_ignored() -> None:
    context = make_context()
    hit = make_hit(context, ip="203.0.113.77", overrides=dict(LOCATION))
    assert apply_trusted_overrides(hit, context) is None
    assert not hit.trusted
    assert (hit.ip, hit.country_code, hit.region, hit.city) == ("203.0.113.77", "", "", "")


def test_wrong_token_is_refused() -> None:
    context = make_context()
    hit = make_hit(context, token_auth="f" * 32, overrides=dict(LOCATION))
    assert apply_trusted_overrides(hit, context) is DropReason.INVALID_TOKEN
    assert hit.ip == "203.0.113.77"


def test_wrong_token_is_refused_even_without_overrides() -> None:
    context = make_context()
    assert apply_trusted_overrides(make_hit(context, token_auth="nope"), context) is DropReason.INVALID_TOKEN


def test_malformed_cip_with_a_token_is_malformed() -> None:
    context = make_context()
    hit = make_hit(context, token_auth=TOKEN, overrides={"cip": "999.1.1.1"})
    assert apply_trusted_overrides(hit, context) is DropReason.MALFORMED


def test_ipv6_cip_is_normalized() -> None:
    context = make_context()
    hit = make_hit(context, token_auth=TOKEN, overrides={"cip": "2001:DB8:0:0::1"})
    assert apply_trusted_overrides(hit, context) is None
    assert hit.ip == "2001:db8::1"


def test_old_cdt_without_a_token_is_refused() -> None:
    context = make_context()
    old = NOW - timedelta(hours=25)
    hit = make_hit(context, overrides={"cdt": str(int(old.timestamp()))})
    assert apply_trusted_overrides(hit, context) is DropReason.INVALID_TOKEN


def test_old_cdt_with_a_token_is_accepted() -> None:
    context = make_context()
    old = NOW - timedelta(days=3)
    hit = make_hit(context, token_auth=TOKEN, overrides={"cdt": old.strftime("%Y-%m-%d %H:%M:%S")})
    assert apply_trusted_overrides(hit, context) is None
    assert hit.timestamp == old


def test_recent_cdt_without_a_token_is_accepted() -> None:
    context = make_context()
    recent = NOW - timedelta(hours=2)
    hit = make_hit(context, overrides={"cdt": str(int(recent.timestamp()))})
    assert apply_trusted_overrides(hit, context) is None
    assert hit.timestamp == recent


def test_cdt_far_in_the_future_becomes_now() -> None:
    context = make_context()
    future = NOW + timedelta(days=2)
    hit = make_hit(context, overrides={"cdt": str(int(future.timestamp()))})
    assert apply_trusted_overrides(hit, context) is None
    assert hit.timestamp == NOW
