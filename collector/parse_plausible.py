"""Build a hit from a Plausible events API body (``POST /api/event``).

Plausible's script and its npm package send JSON, often as ``text/plain`` to
avoid a CORS preflight, with either long keys or the short ones.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from collector.hit import ENGAGEMENT, EVENT, PAGEVIEW, Dropped, DropReason, Hit, RequestMeta, hit_from_request

MAX_PROPS = 30
MAX_PROP_LENGTH = 2000
KEYS = {
    "n": "name",
    "u": "url",
    "d": "domain",
    "r": "referrer",
    "p": "props",
    "m": "meta",
    "$": "revenue",
    "h": "hashMode",
    "i": "interactive",
    "w": "screen_width",
}


def normalize(body: dict[str, Any]) -> dict[str, Any]:
    return {KEYS.get(key, key): value for key, value in body.items()}


def decode(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Dropped(DropReason.MALFORMED, "body is not JSON") from None
    if not isinstance(body, dict):
        raise Dropped(DropReason.MALFORMED, "body must be a JSON object")
    return normalize(body)


def _str(value: Any, key: str, limit: int = 2000) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Dropped(DropReason.MALFORMED, f"{key} must be a string")
    return value.strip()[:limit]


def parse_props(value: Any) -> dict[str, str]:
    if value in (None, "", {}):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise Dropped(DropReason.MALFORMED, "props must be an object") from None
    if not isinstance(value, dict):
        raise Dropped(DropReason.MALFORMED, "props must be an object")
    if len(value) > MAX_PROPS:
        raise Dropped(DropReason.MALFORMED, "too many props")
    props = {}
    for key, item in value.items():
        if item is None or isinstance(item, (dict, list)):
            continue
        text = item if isinstance(item, str) else json.dumps(item)
        if key and text:
            props[str(key)[:300]] = text[:MAX_PROP_LENGTH]
    return props


def _revenue(value: Any) -> float:
    if value in (None, ""):
        return 0.0
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise Dropped(DropReason.MALFORMED, "revenue must be an object") from None
    if not isinstance(value, dict):
        raise Dropped(DropReason.MALFORMED, "revenue must be an object")
    try:
        amount = float(value.get("amount", 0))
    except (TypeError, ValueError):
        raise Dropped(DropReason.MALFORMED, "revenue.amount must be a number") from None
    if amount != amount or abs(amount) > 1e15:
        raise Dropped(DropReason.MALFORMED, "revenue.amount is out of range")
    return amount


def _bounded_int(value: Any, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    if value != value:
        return 0
    return max(0, min(int(value), high))


def parse(body: dict[str, Any], meta: RequestMeta, now: datetime) -> tuple[str, Hit]:
    """Return (domain, hit); the site is found by domain later."""
    name = _str(body.get("name"), "name", 120)
    url = _str(body.get("url"), "url", 8192)
    domain = _str(body.get("domain"), "domain", 300)
    if not name or not url or not domain:
        raise Dropped(DropReason.MALFORMED, "name, url and domain are required")
    hit = hit_from_request(
        meta,
        now,
        url=url,
        referrer=_str(body.get("referrer"), "referrer", 8192),
        language=meta.accept_language[:100],
    )
    if name == "pageview":
        hit.event_type = PAGEVIEW
    elif name == "engagement":
        hit.event_type = ENGAGEMENT
        hit.scroll_depth = _bounded_int(body.get("sd"), 100)
        hit.engagement_ms = _bounded_int(body.get("e"), 24 * 3600 * 1000)
    else:
        hit.event_type = EVENT
        hit.event_name = name
    hit.props = parse_props(body.get("props"))
    hit.revenue = _revenue(body.get("revenue"))
    return domain, hit
