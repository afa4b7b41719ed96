import pytest

from collector.hit import DropReason
from collector.stages.drop_bot import drop_bot
from tests.collector.builders import CHROME_UA, make_context, make_hit

BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
]
HEADLESS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Lighthouse",
]


@pytest.mark.parametrize("ua", BOTS)
def test_crawlers_are_dropped(ua: str) -> None:
    context = make_context()
    assert drop_bot(make_hit(context, user_agent=ua), context) is DropReason.BOT


@pytest.mark.parametrize("ua", HEADLESS)
def test_headless_browsers_are_dropped(ua: str) -> None:
    context = make_context()
    assert drop_bot(make_hit(context, user_agent=ua), context) is DropReason.BOT


def test_missing_user_agent_is_dropped() -> None:
    context = make_context()
    assert drop_bot(make_hit(context, user_agent=""), context) is DropReason.BOT


def test_real_browser_is_kept() -> None:
    context = make_context()
    assert drop_bot(make_hit(context, user_agent=CHROME_UA), context) is None
