"""Known search engines, social networks, source aliases and referrer-spam domains.

Domains are matched on the host and each of its parent domains, so
``www.google.de`` matches ``google.de``.  The lists are ours and deliberately
short: they cover the sources that make up nearly all real referral traffic.

A campaign's ``utm_source`` is named like a referrer, as Plausible does:
``google``, ``Google`` and ``google.com`` are all the source *Google*, ``fb``
is *Facebook*, and the usual newsletter spellings are *Newsletter*.
"""

from __future__ import annotations

SEARCH_ENGINES = {
    "google": "Google",
    "bing.com": "Bing",
    "duckduckgo.com": "DuckDuckGo",
    "search.yahoo.com": "Yahoo!",
    "yahoo.com": "Yahoo!",
    "yandex": "Yandex",
    "baidu.com": "Baidu",
    "ecosia.org": "Ecosia",
    "qwant.com": "Qwant",
    "startpage.com": "Startpage",
    "search.brave.com": "Brave Search",
    "kagi.com": "Kagi",
    "naver.com": "Naver",
    "seznam.cz": "Seznam",
    "ask.com": "Ask",
    "search.aol.com": "AOL",
    "metager.de": "MetaGer",
    "perplexity.ai": "Perplexity",
    "chatgpt.com": "ChatGPT",
}

SOCIAL_NETWORKS = {
    "facebook.com": "Facebook",
    "fb.me": "Facebook",
    "m.facebook.com": "Facebook",
    "l.facebook.com": "Facebook",
    "instagram.com": "Instagram",
    "l.instagram.com": "Instagram",
    "twitter.com": "X (Twitter)",
    "x.com": "X (Twitter)",
    "t.co": "X (Twitter)",
    "linkedin.com": "LinkedIn",
    "lnkd.in": "LinkedIn",
    "reddit.com": "Reddit",
    "old.reddit.com": "Reddit",
    "youtube.com": "YouTube",
    "youtu.be": "YouTube",
    "pinterest.com": "Pinterest",
    "tiktok.com": "TikTok",
    "mastodon.social": "Mastodon",
    "bsky.app": "Bluesky",
    "threads.net": "Threads",
    "news.ycombinator.com": "Hacker News",
    "xing.com": "XING",
    "vk.com": "VKontakte",
    "tumblr.com": "Tumblr",
    "telegram.org": "Telegram",
    "t.me": "Telegram",
    "whatsapp.com": "WhatsApp",
    "discord.com": "Discord",
    "github.com": "GitHub",
    "stackoverflow.com": "Stack Overflow",
}

# Google and Yandex run many country domains; match their first label too.
SEARCH_ENGINE_LABELS = {"google": "Google", "yandex": "Yandex"}

SPAM_DOMAINS = frozenset(
    {
        "semalt.com",
        "buttons-for-website.com",
        "darodar.com",
        "ilovevitaly.com",
        "priceg.com",
        "hulfingtonpost.com",
        "best-seo-offer.com",
        "buttons-for-your-website.com",
        "4webmasters.org",
        "free-social-buttons.com",
        "trafficmonetize.org",
        "get-free-traffic-now.com",
        "simple-share-buttons.com",
        "event-tracking.com",
        "free-traffic.xyz",
        "site-auditor.online",
        "rank-checker.online",
        "seo-platform.com",
    }
)


# utm_source values that are not a domain or the first label of one in the tables above.
UTM_SOURCE_ALIASES = {
    "fb": "Facebook",
    "ig": "Instagram",
    "insta": "Instagram",
    "li": "LinkedIn",
    "tw": "X (Twitter)",
    "x": "X (Twitter)",
    "yt": "YouTube",
    "hn": "Hacker News",
    "hackernews": "Hacker News",
    "ycombinator": "Hacker News",
    "adwords": "Google",
    "googleads": "Google",
    "google-ads": "Google",
    "gads": "Google",
    "newsletter": "Newsletter",
    "news-letter": "Newsletter",
    "news_letter": "Newsletter",
    "email": "Newsletter",
    "e-mail": "Newsletter",
    "mail": "Newsletter",
    "mailing": "Newsletter",
    "mailchimp": "Newsletter",
    "brevo": "Newsletter",
    "sendinblue": "Newsletter",
    "mailerlite": "Newsletter",
    "substack": "Newsletter",
}


def _first_labels(*tables: dict[str, str]) -> dict[str, str]:
    """``facebook.com`` → ``facebook``: the bare names people put in utm_source."""
    names: dict[str, str] = {}
    for table in tables:
        for domain, name in table.items():
            first = domain.split(".")[0]
            if "." in domain and domain.count(".") == 1 and len(first) > 2:
                names.setdefault(first, name)
    return names


UTM_SOURCES = {
    **_first_labels(SEARCH_ENGINES, SOCIAL_NETWORKS),
    **{name.lower(): name for name in (*SEARCH_ENGINES.values(), *SOCIAL_NETWORKS.values())},
    **SEARCH_ENGINE_LABELS,
    **UTM_SOURCE_ALIASES,
}


def lookup(host: str, table: dict[str, str]) -> str:
    parts = host.split(".")
    for i in range(len(parts) - 1):
        name = table.get(".".join(parts[i:]))
        if name:
            return name
    return ""


def search_engine(host: str) -> str:
    name = lookup(host, SEARCH_ENGINES)
    if name:
        return name
    # google.de, google.co.uk, yandex.com.tr: the engine's name, then only a country suffix.
    # Other Google hosts (mail., docs., sites., an app id like com.google.android.gm) are not search.
    first, *suffix = host.removeprefix("www.").split(".")
    if first in SEARCH_ENGINE_LABELS and 1 <= len(suffix) <= 2 and all(len(part) <= 3 for part in suffix):
        return SEARCH_ENGINE_LABELS[first]
    return ""


def social_network(host: str) -> str:
    return lookup(host, SOCIAL_NETWORKS)


def known_host(host: str) -> str:
    """The name of the search engine or social network at ``host``, or ""."""
    return search_engine(host) or social_network(host)


def source_name(utm_source: str) -> str:
    """The source a campaign's utm_source names: a known one by its referrer name, else the value as sent."""
    value = utm_source.strip()
    key = value.lower()
    if key in UTM_SOURCES:
        return UTM_SOURCES[key]
    if "." in key:
        host = key.split("://", 1)[-1].split("/", 1)[0].removeprefix("www.")
        return known_host(host) or value
    return value
