"""The hit as it travels through the pipeline, and the closed set of drop reasons."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from footfall.metadata.sites import Site


class DropReason(str, enum.Enum):
    MALFORMED = "malformed"
    TOO_LARGE = "too-large"
    NOT_RECORDED = "not-recorded"  # rec=0 or missing: Matomo answers and records nothing
    UNKNOWN_SITE = "unknown-site"
    DOMAIN_NOT_ALLOWED = "domain-not-allowed"
    INVALID_TOKEN = "invalid-token"
    OPT_OUT = "opt-out"
    DO_NOT_TRACK = "do-not-track"
    GLOBAL_PRIVACY_CONTROL = "global-privacy-control"
    BOT = "bot"
    PREFETCH = "prefetch"
    EXCLUDED_IP = "excluded-ip"
    REFERRER_SPAM = "referrer-spam"


class Dropped(Exception):
    """Raised by a stage (or a parser) to drop the hit for a reason."""

    def __init__(self, reason: DropReason, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(reason.value if not detail else f"{reason.value}: {detail}")


# Event types stored in the events table.
PAGEVIEW = "pageview"
EVENT = "event"
GOAL = "goal"
SEARCH = "search"
OUTLINK = "outlink"
DOWNLOAD = "download"
PING = "ping"
ENGAGEMENT = "engagement"
EVENT_TYPES = (PAGEVIEW, EVENT, GOAL, SEARCH, OUTLINK, DOWNLOAD, PING, ENGAGEMENT)
# Hits that count as an interaction, so a one-pageview visit with one of them is no bounce.
INTERACTIONS = (EVENT, SEARCH, OUTLINK, DOWNLOAD)


@dataclass(slots=True)
class RequestMeta:
    """What the HTTP layer knows about the request that carried the hit."""

    ip: str = ""
    user_agent: str = ""
    accept_language: str = ""
    origin: str = ""
    referer_header: str = ""
    dnt: bool = False
    gpc: bool = False
    prefetch: bool = False
    opt_out_cookie: bool = False


@dataclass(slots=True)
class Hit:
    # Sensitive request data: lives only in memory, wiped by the anonymize stage.
    ip: str = ""
    user_agent: str = ""
    tracker_visitor_id: str = ""  # Matomo `_id`
    user_id: str = ""  # Matomo `uid`
    token_auth: str = ""
    # Request context
    site_id: int = 0
    site: Site | None = None
    timestamp: datetime | None = None
    origin: str = ""
    dnt: bool = False
    gpc: bool = False
    prefetch: bool = False
    opt_out_cookie: bool = False
    trusted: bool = False
    keep_bots: bool = False  # Matomo's bots=1: record bots too (honoured for trusted hits only)
    overrides: dict[str, str] = field(default_factory=dict)
    refused_host: str = ""  # the page's host when check_site refuses it (domain-not-allowed)
    # What happened
    event_type: str = PAGEVIEW
    pageview_id: str = ""
    url: str = ""
    hostname: str = ""
    pathname: str = ""
    title: str = ""
    referrer: str = ""
    referrer_host: str = ""
    referrer_type: str = ""
    referrer_name: str = ""
    campaign_name: str = ""  # _rcn
    campaign_keyword: str = ""  # _rck
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_term: str = ""
    utm_content: str = ""
    event_category: str = ""
    event_action: str = ""
    event_name: str = ""
    event_value: float | None = None
    props: dict[str, str] = field(default_factory=dict)
    goal_id: int = 0
    revenue: float = 0.0
    search_keyword: str = ""
    search_category: str = ""
    search_count: int = -1
    link_url: str = ""
    engagement_ms: int = 0
    scroll_depth: int = 0
    screen_size: str = ""
    language: str = ""
    visit_count: int = 0
    # Enrichment
    country_code: str = ""
    region: str = ""
    city: str = ""
    browser: str = ""
    browser_version: str = ""
    os: str = ""
    os_version: str = ""
    device_type: str = ""
    # Anonymized
    visitor_id: int = 0
    visit_id: int = 0
    visit_start: int = 0  # epoch milliseconds
    user_id_hash: int = 0
    ip_truncated: str = ""


def hit_from_request(meta: RequestMeta, now: datetime, **fields: object) -> Hit:
    """A hit carrying what the HTTP layer knows about the request, plus ``fields``."""
    return Hit(
        ip=meta.ip,
        user_agent=meta.user_agent,
        timestamp=now,
        origin=meta.origin,
        dnt=meta.dnt,
        gpc=meta.gpc,
        prefetch=meta.prefetch,
        opt_out_cookie=meta.opt_out_cookie,
        **fields,  # type: ignore[arg-type]
    )
