from collector.stages.enrich_device import enrich_device
from tests.collector.builders import CHROME_UA, make_context, make_hit

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def test_desktop_chrome() -> None:
    context = make_context()
    hit = make_hit(context, user_agent=CHROME_UA)
    assert enrich_device(hit, context) is None
    assert (hit.browser, hit.browser_version, hit.os, hit.os_version, hit.device_type) == (
        "Chrome", "124", "Windows", "10", "desktop",
    )


def test_phone_and_tablet() -> None:
    context = make_context()
    phone, tablet = make_hit(context, user_agent=IPHONE), make_hit(context, user_agent=IPAD)
    enrich_device(phone, context)
    enrich_device(tablet, context)
    assert (phone.browser, phone.os, phone.os_version, phone.device_type) == ("Mobile Safari", "iOS", "17.4", "mobile")
    assert (tablet.os, tablet.device_type) == ("iOS", "tablet")


def test_enrichment_keeps_the_raw_ua_for_the_anonymize_stage_only() -> None:
    context = make_context()
    hit = make_hit(context, user_agent=CHROME_UA)
    enrich_device(hit, context)
    assert hit.user_agent == CHROME_UA  # still needed for the visitor ID; anonymize wipes it
