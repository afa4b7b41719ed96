"""Browser, OS, device type and bot flag, as the ``user-agents`` package classifies them.

``user_agents.parse`` runs ua-parser's legacy pure-Python regexes, about 1 ms
for a new string.  Here ua-parser 1.x parses (with its native ``regex``
backend when installed) and the result is handed to user-agents' own
``UserAgent`` class, so the classification rules (mobile, tablet, PC, bot) are
exactly user-agents'.  Results are cached in an LRU keyed by the UA string.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import ua_parser
from user_agents.parsers import UserAgent, parse_browser, parse_device, parse_operating_system

HEADLESS_MARKERS = ("HeadlessChrome", "PhantomJS", "Lighthouse", "SlimerJS", "Electron/", "jsdom/")


@dataclass(frozen=True, slots=True)
class Device:
    browser: str
    browser_version: str
    os: str
    os_version: str
    device_type: str
    is_bot: bool


def user_agent_of(ua_string: str) -> UserAgent:
    """A user-agents ``UserAgent`` built from ua-parser 1.x's parse."""
    result = ua_parser.parse(ua_string)
    agent = UserAgent.__new__(UserAgent)
    agent.ua_string = ua_string
    ua, os, device = result.user_agent, result.os, result.device
    agent.browser = (
        parse_browser(ua.family, ua.major, ua.minor, ua.patch, ua.patch_minor) if ua else parse_browser("Other")
    )
    agent.os = parse_operating_system(os.family, os.major, os.minor, os.patch, os.patch_minor) if os else parse_operating_system("Other")
    agent.device = parse_device(device.family, device.brand, device.model) if device else parse_device("Other", None, None)
    return agent


def device_of(agent: UserAgent, ua_string: str) -> Device:
    """Footfall's fields from a user-agents ``UserAgent``; headless browsers count as bots."""
    is_bot = agent.is_bot or any(marker in ua_string for marker in HEADLESS_MARKERS)
    if is_bot:
        device_type = "bot"
    elif agent.is_tablet:
        device_type = "tablet"
    elif agent.is_mobile:
        device_type = "mobile"
    elif agent.is_pc:
        device_type = "desktop"
    else:
        device_type = "other"
    browser = agent.browser.family if agent.browser.family != "Other" else ""
    os_name = agent.os.family if agent.os.family != "Other" else ""
    return Device(
        browser=browser[:50],
        browser_version=str(agent.browser.version[0]) if agent.browser.version else "",
        os=os_name[:50],
        os_version=".".join(str(part) for part in agent.os.version[:2])[:20],
        device_type=device_type,
        is_bot=is_bot,
    )


def classify(ua_string: str) -> Device:
    if not ua_string:
        return Device("", "", "", "", "", False)
    return device_of(user_agent_of(ua_string), ua_string)


class UserAgentClassifier:
    """``classify`` behind an LRU cache of a configured size.

    The cache is keyed by a digest of the UA string, so no raw UA outlives the
    request that carried it.
    """

    def __init__(self, cache_size: int = 10000) -> None:
        self.cache_size = cache_size
        self._cache: OrderedDict[bytes, Device] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, ua_string: str) -> Device:
        if not self.cache_size:
            return classify(ua_string)
        key = hashlib.blake2b(ua_string.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        with self._lock:
            device = self._cache.get(key)
            if device is not None:
                self._cache.move_to_end(key)
                return device
        device = classify(ua_string)
        with self._lock:
            self._cache[key] = device
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return device
