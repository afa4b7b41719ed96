"""URL hygiene: drop the fragment, strip denylisted query parameters, cap lengths.

Campaign parameters (``utm_*``, ``mtm_*``, ``pk_*``) are read from the page URL
here, before anything is stripped.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from collector.context import PipelineContext
from collector.hit import DropReason, Hit

CAMPAIGN_KEYS = {
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
    "utm_term": "utm_term",
    "utm_content": "utm_content",
    "mtm_source": "utm_source",
    "mtm_medium": "utm_medium",
    "mtm_campaign": "utm_campaign",
    "mtm_keyword": "utm_term",
    "mtm_content": "utm_content",
    "pk_source": "utm_source",
    "pk_medium": "utm_medium",
    "pk_campaign": "utm_campaign",
    "pk_keyword": "utm_term",
    "pk_kwd": "utm_term",
    "pk_content": "utm_content",
    "matomo_campaign": "utm_campaign",
    "matomo_kwd": "utm_term",
    "piwik_campaign": "utm_campaign",
    "piwik_kwd": "utm_term",
    "ref": "utm_source",
}
MAX_TITLE_LENGTH = 500
MAX_CAMPAIGN_LENGTH = 250


def clean(url: str, denylist: frozenset[str], max_length: int) -> tuple[str, dict[str, str]]:
    """Return the cleaned URL and its query parameters (after stripping)."""
    if not url:
        return "", {}
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "", {}
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in pairs if key.lower() not in denylist]
    query = urlencode(kept) if len(kept) != len(pairs) else parts.query
    cleaned = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, query, ""))
    return cleaned[:max_length], dict(kept)


@lru_cache(maxsize=256)
def denylist_of(global_list: tuple[str, ...], site_list: tuple[str, ...]) -> frozenset[str]:
    """The query parameters to strip, lower-cased; built once per distinct configuration."""
    return frozenset(key.lower() for key in (*global_list, *site_list))


def clean_url(hit: Hit, context: PipelineContext) -> DropReason | None:
    settings = context.settings
    denylist = denylist_of(settings.url_denylist, hit.site.url_denylist if hit.site is not None else ())
    hit.url, params = clean(hit.url, denylist, settings.max_url_length)
    try:
        parts = urlsplit(hit.url)
        hit.hostname = (parts.hostname or "")[:255]
        hit.pathname = (parts.path or "/")[: settings.max_url_length]
    except ValueError:
        hit.hostname, hit.pathname = "", "/"
    for key, value in params.items():
        field = CAMPAIGN_KEYS.get(key.lower())
        if field and value and not getattr(hit, field):
            setattr(hit, field, value[:MAX_CAMPAIGN_LENGTH])
    if hit.campaign_name and not hit.utm_campaign:
        hit.utm_campaign = hit.campaign_name[:MAX_CAMPAIGN_LENGTH]
    if hit.campaign_keyword and not hit.utm_term:
        hit.utm_term = hit.campaign_keyword[:MAX_CAMPAIGN_LENGTH]
    if hit.link_url:
        hit.link_url, _ = clean(hit.link_url, denylist, settings.max_url_length)
    hit.title = hit.title[:MAX_TITLE_LENGTH]
    hit.language = normalize_language(hit.language)
    return None


def normalize_language(value: str) -> str:
    """``de-DE,de;q=0.9,en;q=0.8`` → ``de-de``."""
    first = value.split(",", 1)[0].split(";", 1)[0].strip().lower().replace("_", "-")
    if not first or first == "*" or not all(c.isalnum() or c == "-" for c in first):
        return ""
    return first[:20]
