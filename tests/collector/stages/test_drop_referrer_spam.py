from collector.hit import DropReason
from collector.referrers import SPAM_DOMAINS
from collector.stages.drop_referrer_spam import drop_referrer_spam
from tests.collector.builders import make_context, make_hit, make_site


def test_known_spam_domain_and_its_subdomains_are_dropped() -> None:
    spam = sorted(SPAM_DOMAINS)[0]
    context = make_context()
    assert drop_referrer_spam(make_hit(context, referrer=f"http://{spam}/x"), context) is DropReason.REFERRER_SPAM
    assert drop_referrer_spam(make_hit(context, referrer=f"https://www.{spam}/"), context) is DropReason.REFERRER_SPAM


def test_site_listed_spam_is_dropped() -> None:
    context = make_context(make_site(1, referrer_spam=("cheap-pills.test",)))
    hit = make_hit(context, referrer="https://a.cheap-pills.test/buy")
    assert drop_referrer_spam(hit, context) is DropReason.REFERRER_SPAM


def test_normal_referrers_are_kept() -> None:
    context = make_context(make_site(1, referrer_spam=("cheap-pills.test",)))
    for referrer in ("https://www.google.com/", "https://news.ycombinator.com/item?id=1", "", "android-app://x"):
        assert drop_referrer_spam(make_hit(context, referrer=referrer), context) is None
