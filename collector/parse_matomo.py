"""Build a hit from Matomo/Piwik tracking API parameters.

The parameters are the ones matomo.js and the server-side Matomo clients send
(https://developer.matomo.org/api-reference/tracking-api).  Limits are named
constants; anything malformed raises :class:`Dropped` with ``MALFORMED``.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Mapping

from collector.hit import (
    DOWNLOAD,
    EVENT,
    GOAL,
    OUTLINK,
    PAGEVIEW,
    PING,
    SEARCH,
    Dropped,
    DropReason,
    Hit,
    RequestMeta,
    hit_from_request,
)
from collector.parse_plausible import parse_props

MAX_FIELD_LENGTH = 1000
MAX_DIMENSIONS = 50
MAX_CDT_FUTURE = timedelta(minutes=10)
UNTRUSTED_CDT_WINDOW = timedelta(hours=24)
RESOLUTION = re.compile(r"^(\d{1,5})x(\d{1,5})$")
DIMENSION = re.compile(r"^dimension(\d{1,3})$")
TRUSTED_OVERRIDES = ("cip", "country", "region", "city", "lat", "long")


def _text(params: Mapping[str, str], key: str, limit: int = MAX_FIELD_LENGTH) -> str:
    value = params.get(key, "")
    if not isinstance(value, str):
        raise Dropped(DropReason.MALFORMED, f"{key} is not text")
    return value.strip()[:limit]


def _int(params: Mapping[str, str], key: str, default: int = 0, *, low: int = 0, high: int = 2**31 - 1) -> int:
    raw = params.get(key, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Dropped(DropReason.MALFORMED, f"{key} is not a whole number") from None
    if not low <= value <= high:
        raise Dropped(DropReason.MALFORMED, f"{key} is out of range")
    return value


def _float(params: Mapping[str, str], key: str) -> float | None:
    raw = params.get(key, "")
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Dropped(DropReason.MALFORMED, f"{key} is not a number") from None
    if not math.isfinite(value) or abs(value) > 1e15:
        raise Dropped(DropReason.MALFORMED, f"{key} is out of range")
    return value


def parse_cdt(raw: str) -> datetime:
    """Matomo's ``cdt``: a UNIX timestamp or ``YYYY-MM-DD HH:MM:SS`` in UTC."""
    raw = raw.strip()
    try:
        if re.fullmatch(r"\d{9,10}(\.\d+)?", raw):
            return datetime.fromtimestamp(float(raw), tz=timezone.utc)
        value = datetime.fromisoformat(raw.replace("T", " ").rstrip("Z"))
    except (ValueError, OverflowError, OSError):
        raise Dropped(DropReason.MALFORMED, "cdt is not a date") from None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def event_type_of(params: Mapping[str, str]) -> str:
    if params.get("ping") == "1":
        return PING
    if params.get("e_c") or params.get("e_a"):
        return EVENT
    if params.get("idgoal", "") != "":
        return GOAL
    if params.get("search"):
        return SEARCH
    if params.get("link"):
        return OUTLINK
    if params.get("download"):
        return DOWNLOAD
    return PAGEVIEW


def parse(params: Mapping[str, str], meta: RequestMeta, now: datetime) -> Hit:
    """One tracking request → one hit.  Raises Dropped for anything not recordable."""
    if params.get("rec", "") != "1":
        raise Dropped(DropReason.NOT_RECORDED)
    site_id = _int(params, "idsite", default=-1, low=-1)
    if site_id <= 0:
        raise Dropped(DropReason.MALFORMED, "idsite is missing")

    hit = hit_from_request(meta, now, site_id=site_id, token_auth=_text(params, "token_auth", 100))
    hit.user_agent = _text(params, "ua", 2000) or meta.user_agent
    hit.event_type = event_type_of(params)

    visitor = _text(params, "_id", 64) or _text(params, "cid", 64)
    if visitor and not re.fullmatch(r"[0-9a-fA-F]{16}", visitor):
        raise Dropped(DropReason.MALFORMED, "_id must be 16 hexadecimal characters")
    hit.tracker_visitor_id = visitor.lower()
    hit.user_id = _text(params, "uid", 200)

    hit.url = _text(params, "url", 8192) or meta.referer_header
    hit.title = _text(params, "action_name")
    hit.referrer = _text(params, "urlref", 8192)
    hit.pageview_id = _text(params, "pv_id", 32)
    hit.campaign_name = _text(params, "_rcn")
    hit.campaign_keyword = _text(params, "_rck")
    hit.language = (_text(params, "lang", 100) or meta.accept_language)[:100]
    hit.visit_count = _int(params, "_idvc", high=10**9)

    resolution = _text(params, "res", 20)
    if resolution:
        match = RESOLUTION.match(resolution)
        if match:
            hit.screen_size = f"{int(match.group(1))}x{int(match.group(2))}"

    hit.event_category = _text(params, "e_c", 250)
    hit.event_action = _text(params, "e_a", 250)
    hit.event_name = _text(params, "e_n", 250)
    hit.event_value = _float(params, "e_v")

    if hit.event_type == GOAL:
        hit.goal_id = _int(params, "idgoal")
    revenue = _float(params, "revenue")
    hit.revenue = revenue if revenue is not None else 0.0

    hit.search_keyword = _text(params, "search", 250)
    hit.search_category = _text(params, "search_cat", 100)
    hit.search_count = _int(params, "search_count", default=-1, low=-1)

    link = _text(params, "link", 8192) or _text(params, "download", 8192)
    if hit.event_type in (OUTLINK, DOWNLOAD):
        hit.link_url = link
        if not hit.url:
            hit.url = meta.referer_header

    dimensions = {}
    for key, value in params.items():
        match = DIMENSION.match(key)
        if match and value != "":
            dimensions[key] = str(value)[:250]
            if len(dimensions) > MAX_DIMENSIONS:
                raise Dropped(DropReason.MALFORMED, "too many custom dimensions")
    hit.props = dimensions
    # Footfall's own tracker sends an event's properties by name, as a JSON object.
    hit.props.update(parse_props(params.get("props", "")))

    cdt = params.get("cdt", "")
    if cdt:
        hit.overrides["cdt"] = cdt
    for key in TRUSTED_OVERRIDES:
        value = params.get(key, "")
        if value:
            hit.overrides[key] = str(value)[:100]
    return hit
