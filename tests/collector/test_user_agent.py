"""Our fast path (ua-parser 1.x + cache) classifies exactly as ``user_agents.parse`` does."""

from __future__ import annotations

import time

import pytest
import user_agents

from collector.user_agent import UserAgentClassifier, classify

UAS = [
 # desktop
 "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
 "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
 "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
 "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
 "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
 "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
 "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
 "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 OPR/108.0.0.0",
 "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
 "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
 "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)",
 "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Vivaldi/6.5",
 # phones
 "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
 "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
 "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
 "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0.0.0 Mobile Safari/537.36",
 "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
 "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0",
 "Mozilla/5.0 (Linux; Android 12; Redmi Note 11) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Mobile Safari/537.36",
 "Mozilla/5.0 (Linux; U; Android 4.0.3; en-us; HTC Sensation Build/IML74K) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30",
 "Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en) Presto/2.5.25 Version/10.54",
 "Mozilla/5.0 (BlackBerry; U; BlackBerry 9800; en) AppleWebKit/534.1+ (KHTML, like Gecko) Version/6.0.0.337 Mobile Safari/534.1+",
 "Mozilla/5.0 (compatible; MSIE 10.0; Windows Phone 8.0; Trident/6.0; IEMobile/10.0; ARM; Touch; NOKIA; Lumia 920)",
 # tablets
 "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
 "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
 "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/98.3.1 like Chrome/98.0.4758.136 Safari/537.36",
 "Mozilla/5.0 (Linux; U; Android 2.2; en-us; SCH-I800 Build/FROYO) AppleWebKit/533.1 (KHTML, like Gecko) Version/4.0 Mobile Safari/533.1",
 "Mozilla/5.0 (PlayBook; U; RIM Tablet OS 2.1.0; en-US) AppleWebKit/536.2+ (KHTML, like Gecko) Version/7.2.1.0 Safari/536.2+",
 # bots and crawlers
 "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
 "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/124.0.6367.91 Safari/537.36",
 "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
 "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
 "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
 "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
 "Twitterbot/1.0",
 "curl/8.5.0",
 "python-requests/2.31.0",
 "Wget/1.21.4",
 "Mozilla/5.0 (compatible; DuckDuckBot-Https/1.1; https://duckduckgo.com/duckduckbot)",
 "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
 # headless
 "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36",
 "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1",
 "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Lighthouse",
]


def reference_device_type(agent: user_agents.parsers.UserAgent) -> str:
    if agent.is_bot:
        return "bot"
    if agent.is_tablet:
        return "tablet"
    if agent.is_mobile:
        return "mobile"
    if agent.is_pc:
        return "desktop"
    return "other"


HEADLESS = ("HeadlessChrome", "PhantomJS", "Lighthouse")


@pytest.mark.parametrize("ua", UAS)
def test_same_classification_as_user_agents(ua: str) -> None:
    reference = user_agents.parse(ua)
    ours = classify(ua)
    assert ours.browser == (reference.browser.family if reference.browser.family != "Other" else "")
    assert ours.os == (reference.os.family if reference.os.family != "Other" else "")
    assert ours.browser_version == (str(reference.browser.version[0]) if reference.browser.version else "")
    if any(marker in ua for marker in HEADLESS):
        # user-agents takes headless browsers for real ones; we add them to the bots.
        assert ours.is_bot and ours.device_type == "bot"
    else:
        assert ours.is_bot == reference.is_bot
        assert ours.device_type == reference_device_type(reference)


def test_corpus_covers_every_device_type() -> None:
    assert {classify(ua).device_type for ua in UAS} == {"desktop", "mobile", "tablet", "bot", "other"}


def test_empty_user_agent() -> None:
    assert classify("").device_type == ""


def test_cache_returns_the_same_answer_and_stays_bounded() -> None:
    classifier = UserAgentClassifier(cache_size=5)
    for ua in UAS:
        assert classifier(ua) == classify(ua)
    assert len(classifier._cache) == 5
    assert classifier(UAS[-1]) is classifier(UAS[-1])


def test_cache_keys_hold_no_raw_user_agent() -> None:
    classifier = UserAgentClassifier(cache_size=100)
    for ua in UAS:
        classifier(ua)
    keys = b"".join(classifier._cache)
    assert b"Mozilla" not in keys and b"Googlebot" not in keys
    assert all(isinstance(key, bytes) and len(key) == 16 for key in classifier._cache)


def test_cached_lookups_are_fast() -> None:
    classifier = UserAgentClassifier()
    for ua in UAS:
        classifier(ua)
    started = time.perf_counter()
    for _ in range(20):
        for ua in UAS:
            classifier(ua)
    per_lookup = (time.perf_counter() - started) / (20 * len(UAS))
    assert per_lookup < 200e-6  # a warm lookup is a digest and a dict access

