"""Known search engines, social networks and referrer-spam domains.

Domains are matched on the host and each of its parent domains, so
``www.google.de`` matches ``google.de``.  The lists are ours and deliberately
short: they cover the sources that make up nearly all real referral traffic.
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
