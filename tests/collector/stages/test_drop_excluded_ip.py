import pytest

from collector.hit import DropReason
from collector.stages.drop_excluded_ip import drop_excluded_ip
from tests.collector.builders import make_context, make_hit, make_site

EXCLUDED = ("192.0.2.10", "198.51.100.0/24", "2001:db8:abcd::/48", "2001:db8::1")


@pytest.mark.parametrize(
    "ip", ["192.0.2.10", "198.51.100.1", "198.51.100.255", "2001:db8:abcd:12::7", "2001:db8::1"]
)
def test_excluded_address_or_range_is_dropped(ip: str) -> None:
    context = make_context(make_site(1, excluded_ips=EXCLUDED))
    assert drop_excluded_ip(make_hit(context, ip=ip), context) is DropReason.EXCLUDED_IP


@pytest.mark.parametrize("ip", ["192.0.2.11", "198.51.101.1", "2001:db8:abce::1", "2001:db8::2"])
def test_other_addresses_are_kept(ip: str) -> None:
    context = make_context(make_site(1, excluded_ips=EXCLUDED))
    assert drop_excluded_ip(make_hit(context, ip=ip), context) is None


def test_site_without_exclusions_keeps_everything() -> None:
    context = make_context(make_site(1))
    assert drop_excluded_ip(make_hit(context, ip="192.0.2.10"), context) is None


def test_unparseable_address_is_not_an_error() -> None:
    context = make_context(make_site(1, excluded_ips=EXCLUDED))
    assert drop_excluded_ip(make_hit(context, ip="not-an-ip"), context) is None
