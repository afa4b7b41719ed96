import pytest

from collector.stages.classify_referrer import classify_referrer
from tests.collector.builders import make_context, make_hit, make_site


def classified(referrer: str, **fields):
    context = make_context(make_site(1, ("example.com", "example.org")))
    hit = make_hit(context, referrer=referrer, **fields)
    assert classify_referrer(hit, context) is None
    return hit


@pytest.mark.parametrize(
    ("referrer", "kind", "name"),
    [
        ("https://www.google.com/search?q=secret+words", "search", "Google"),
        ("https://www.google.de/", "search", "Google"),
        ("https://duckduckgo.com/?q=x", "search", "DuckDuckGo"),
        ("https://www.bing.com/search?q=x", "search", "Bing"),
        ("https://t.co/abc", "social", "X (Twitter)"),
        ("https://l.facebook.com/l.php?u=x", "social", "Facebook"),
        ("https://news.ycombinator.com/item?id=1", "social", "Hacker News"),
        ("https://blog.somebody.net/post/1?ref=x#y", "website", "blog.somebody.net"),
        ("https://www.example.com/other", "internal", ""),
        ("https://shop.example.org/", "internal", ""),
        ("", "direct", ""),
    ],
)
def test_referrer_types(referrer: str, kind: str, name: str) -> None:
    hit = classified(referrer)
    assert (hit.referrer_type, hit.referrer_name) == (kind, name)


def test_only_host_and_path_are_kept() -> None:
    hit = classified("https://www.google.com/search?q=my+secret#frag")
    assert (hit.referrer, hit.referrer_host) == ("google.com/search", "google.com")


def test_campaign_wins_over_the_referrer() -> None:
    hit = classified("https://www.google.com/", utm_source="newsletter", utm_medium="email")
    assert (hit.referrer_type, hit.referrer_name) == ("campaign", "Newsletter")
    assert hit.utm_source == "newsletter"  # the UTM report keeps the value as sent
    hit = classified("", utm_campaign="spring")
    assert (hit.referrer_type, hit.referrer_name) == ("campaign", "spring")


def test_app_referrer_is_a_website_without_its_query() -> None:
    hit = classified("android-app://com.google.android.gm/path?x=1")
    assert (hit.referrer_type, hit.referrer) == ("website", "com.google.android.gm/path")


def test_referrer_is_capped() -> None:
    assert len(classified("https://a.test/" + "p" * 5000).referrer) == 1000


@pytest.mark.parametrize("referrer", ["https://www.google.co.uk/", "https://google.com.br/url", "https://yandex.com.tr/"])
def test_country_domains_of_search_engines(referrer: str) -> None:
    assert classified(referrer).referrer_type == "search"


@pytest.mark.parametrize("referrer", ["https://mail.google.com/mail/u/0/", "https://sites.google.com/view/x"])
def test_other_google_services_are_websites(referrer: str) -> None:
    assert classified(referrer).referrer_type == "website"


@pytest.mark.parametrize(
    ("utm_source", "name"),
    [
        ("google", "Google"), ("Google", "Google"), ("google.com", "Google"), ("adwords", "Google"),
        ("fb", "Facebook"), ("facebook", "Facebook"), ("FaceBook", "Facebook"), ("m.facebook.com", "Facebook"),
        ("ig", "Instagram"), ("instagram", "Instagram"), ("linkedin", "LinkedIn"), ("li", "LinkedIn"),
        ("twitter", "X (Twitter)"), ("x", "X (Twitter)"), ("t.co", "X (Twitter)"), ("reddit", "Reddit"),
        ("duckduckgo", "DuckDuckGo"), ("bing", "Bing"), ("youtube", "YouTube"), ("yt", "YouTube"),
        ("newsletter", "Newsletter"), ("Newsletter", "Newsletter"), ("e-mail", "Newsletter"), ("email", "Newsletter"),
        ("mailchimp", "Newsletter"), ("partner-blog", "partner-blog"), ("Some Partner", "Some Partner"),
    ],
)
def test_a_utm_source_is_named_like_the_referrer_it_stands_for(utm_source: str, name: str) -> None:
    hit = classified("", utm_source=utm_source, utm_medium="cpc")
    assert (hit.referrer_type, hit.referrer_name) == ("campaign", name)


def test_a_search_click_and_a_google_campaign_are_one_source() -> None:
    organic = classified("https://www.google.de/")
    paid = classified("https://www.google.com/", utm_source="google", utm_medium="cpc")
    assert organic.referrer_name == paid.referrer_name == "Google"
    assert classified("https://l.facebook.com/", utm_campaign="launch").referrer_name == "Facebook"
