"""The stages in order: privacy choices first, then anonymize and the visit."""

from __future__ import annotations

from collector.hit import DropReason
from collector.pipeline import STAGES, run
from collector.stages.anonymize import anonymize
from collector.stages.assign_visit import assign_visit
from collector.stages.drop_opt_out import drop_opt_out
from tests.collector.builders import TOKEN, make_context, make_hit, make_site


def test_opt_out_wins_before_anything_is_looked_at() -> None:
    assert STAGES[0] is drop_opt_out and STAGES[-2:] == (anonymize, assign_visit)
    context = make_context()
    assert run(make_hit(site_id=404, opt_out_cookie=True, dnt=True), context) is DropReason.OPT_OUT


def test_first_reason_stops_the_pipeline() -> None:
    context = make_context(make_site(1, excluded_ips=("203.0.113.0/24",)))
    hit = make_hit(ip="203.0.113.77", gpc=True, prefetch=True)
    assert run(hit, context) is DropReason.GLOBAL_PRIVACY_CONTROL
    assert hit.ip == "203.0.113.77" and hit.browser == ""  # nothing after the drop ran


def test_excluded_ip_is_checked_on_the_trusted_cip() -> None:
    context = make_context(make_site(1, excluded_ips=("198.51.100.0/24",)))
    hit = make_hit(ip="127.0.0.1", token_auth=TOKEN, overrides={"cip": "198.51.100.7"})
    assert run(hit, context) is DropReason.EXCLUDED_IP


def test_kept_hit_is_enriched_cleaned_classified_and_anonymized() -> None:
    context = make_context()
    hit = make_hit(url="https://example.com/p?utm_source=nl&email=a@b.c#x", referrer="https://www.google.com/?q=x",
                   tracker_visitor_id="0123456789abcdef", user_id="u1")
    assert run(hit, context) is None
    assert (hit.url, hit.utm_source, hit.referrer_type, hit.browser, hit.device_type) == (
        "https://example.com/p?utm_source=nl", "nl", "campaign", "Chrome", "desktop")
    assert hit.visitor_id and hit.user_id_hash and hit.visit_id
    assert hit.visit_start == int(hit.timestamp.timestamp() * 1000)
    assert (hit.ip, hit.user_agent, hit.tracker_visitor_id, hit.user_id) == ("", "", "", "")
