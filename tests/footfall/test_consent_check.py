"""The CNIL consent-exemption self-check, criterion by criterion, from real settings."""

from __future__ import annotations

from footfall import consent_check
from footfall.metadata.sites import Site
from footfall.settings import Settings


def statuses(site: Site, settings: Settings = Settings(), user_ids: int = 0) -> dict[str, str]:
    return {c.key: c.status for c in consent_check.check(site, settings, user_ids)}


SITE = Site(id=1, name="shop", domains=("shop.example",))


def test_the_defaults_meet_every_criterion_footfall_can_see() -> None:
    criteria = consent_check.check(SITE, Settings())
    assert {c.key: c.status for c in criteria} == {
        "purpose": "check", "ip_truncation": "met", "no_cross_site_tracking": "met", "no_merging": "met",
        "retention": "met", "cookie_lifetime": "met", "opt_out": "check",
    }
    assert consent_check.exempt(criteria)
    assert all(c.change == "" for c in criteria if c.status == "met")


def test_each_setting_that_breaks_a_criterion_says_what_to_change() -> None:
    weak_ip = Settings(ipv4_mask_bytes=1)
    forever = Settings(retention_days=0)
    assert statuses(SITE, weak_ip)["ip_truncation"] == "not met"
    assert statuses(SITE, forever)["retention"] == "not met"
    assert statuses(Site(id=1, name="s", domains=("s.example",), retention_days=30), forever)["retention"] == "met"
    assert statuses(Site(id=1, name="s", domains=("*",)))["no_cross_site_tracking"] == "not met"
    assert statuses(SITE, user_ids=3)["no_merging"] == "not met"
    assert statuses(Site(id=1, name="s", domains=("s.example",), cookie_mode=True))["cookie_lifetime"] == "check"
    assert statuses(Site(id=1, name="s", domains=("s.example",), honor_dnt=False))["opt_out"] == "not met"
    [retention] = [c for c in consent_check.check(SITE, forever) if c.key == "retention"]
    assert retention.change == "Set retention_days to at most 758 (25 months)."
    assert not consent_check.exempt(consent_check.check(SITE, forever))
