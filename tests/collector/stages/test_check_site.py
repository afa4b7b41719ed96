from collector.hit import DropReason
from collector.stages.check_site import check_site
from tests.collector.builders import make_context, make_hit, make_site


def test_unknown_site_is_dropped() -> None:
    context = make_context(make_site(1))
    assert check_site(make_hit(site_id=2), context) is DropReason.UNKNOWN_SITE


def test_known_site_is_attached_to_the_hit() -> None:
    site = make_site(1, ("example.com",))
    context = make_context(site)
    hit = make_hit(url="https://www.example.com/a")
    assert check_site(hit, context) is None
    assert hit.site is site


def test_subdomain_is_allowed() -> None:
    context = make_context(make_site(1, ("example.com",)))
    assert check_site(make_hit(url="https://shop.example.com/", origin="https://blog.example.com"), context) is None


def test_page_on_another_domain_is_dropped() -> None:
    context = make_context(make_site(1, ("example.com",)))
    hit = make_hit(url="https://Staging.Evil.org/page?x=1")
    assert check_site(hit, context) is DropReason.DOMAIN_NOT_ALLOWED
    assert hit.refused_host == "staging.evil.org"  # the host only, for the owner's list


def test_lookalike_domain_is_not_a_subdomain() -> None:
    context = make_context(make_site(1, ("example.com",)))
    assert check_site(make_hit(url="https://notexample.com/"), context) is DropReason.DOMAIN_NOT_ALLOWED


def test_origin_of_another_domain_is_dropped() -> None:
    context = make_context(make_site(1, ("example.com",)))
    hit = make_hit(url="https://example.com/", origin="https://attacker.net")
    assert check_site(hit, context) is DropReason.DOMAIN_NOT_ALLOWED


def test_server_side_hit_without_url_or_origin_is_kept() -> None:
    context = make_context(make_site(1, ("example.com",)))
    assert check_site(make_hit(url=""), context) is None


def test_wildcard_site_allows_any_domain() -> None:
    context = make_context(make_site(1, ("*",)))
    assert check_site(make_hit(url="https://anything.test/"), context) is None
