"""Does a site qualify for audience measurement without consent? The CNIL's criteria, checked one by one.

The CNIL (France) exempts audience measurement from consent when all of these
hold: the purpose is strictly audience measurement; no cross-site tracking and
no merging with other data; IP addresses truncated; data kept at most 25
months; identifier cookies live at most 13 months; a simple way to object.
Each criterion is judged from the site's real settings and says what to change.
Some depend on things Footfall cannot see (what the site does with the data,
whether the opt-out is on its privacy page): those are ``check``, never ``met``.
"""

from __future__ import annotations

from dataclasses import dataclass

from footfall.metadata.sites import Site
from footfall.retention import CNIL_MAX_DAYS, effective_days
from footfall.settings import Settings
from footfall.storage.clickhouse import Storage

MET = "met"
NOT_MET = "not met"
CHECK = "check"  # depends on something outside Footfall; the site owner must confirm it

COOKIE_MAX_MONTHS = 13
MIN_IPV4_MASK_BYTES = 2
MAX_IPV6_PREFIX = 48


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    status: str
    detail: str
    change: str = ""  # what to change so it is met ("" when nothing)

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "title": self.title, "status": self.status, "detail": self.detail,
                "change": self.change}


def count_user_id_hits(storage: Storage, site_id: int) -> int:
    """Stored hits of the site that carry a user ID (Matomo ``uid``): statistics tied to accounts."""
    rows = storage.query(
        "SELECT count() FROM events WHERE site_id = {site_id:UInt32} AND user_id_hash != 0", {"site_id": site_id}
    )
    return int(rows[0][0])


def check(site: Site, settings: Settings, user_id_hits: int = 0) -> list[Criterion]:
    """The criteria for ``site``; ``user_id_hits`` is how many stored hits carry a user ID (Matomo ``uid``)."""
    days = effective_days(settings.retention_days, site.retention_days)
    ip_ok = settings.ipv4_mask_bytes >= MIN_IPV4_MASK_BYTES and settings.ipv6_prefix <= MAX_IPV6_PREFIX
    wildcard = "*" in site.domains
    return [
        Criterion(
            "purpose",
            "Purpose limited to audience measurement",
            CHECK,
            "Footfall only computes statistics, shares nothing with third parties and serves no advertising.",
            "Confirm that the statistics are used for nothing else (no advertising, no profiling of individuals).",
        ),
        Criterion(
            "ip_truncation",
            "IP addresses truncated",
            MET if ip_ok else NOT_MET,
            f"IPv4 loses {settings.ipv4_mask_bytes} of 4 bytes, IPv6 keeps /{settings.ipv6_prefix}"
            + ("; the truncated address is stored." if site.store_truncated_ip else "; no address is stored."),
            "" if ip_ok else f"Set ipv4_mask_bytes to at least {MIN_IPV4_MASK_BYTES} and ipv6_prefix to at most "
            f"{MAX_IPV6_PREFIX}.",
        ),
        Criterion(
            "no_cross_site_tracking",
            "No cross-site tracking",
            NOT_MET if wildcard else MET,
            "Visitor IDs are keyed by site, so one visitor has unrelated IDs on different sites"
            + ("; but the site accepts hits from any domain (*)." if wildcard else f"; hits come only from "
               f"{', '.join(site.domains)}."),
            "Replace * in the site's domains with its own domains." if wildcard else "",
        ),
        Criterion(
            "no_merging",
            "No merging with other data",
            NOT_MET if user_id_hits else MET,
            f"{user_id_hits} stored hit(s) carry a user ID (Matomo uid), which ties statistics to accounts."
            if user_id_hits else "No stored hit carries a user ID (Matomo uid).",
            "Stop sending setUserId / uid from the site, and forget the visitors that carried one."
            if user_id_hits else "",
        ),
        Criterion(
            "retention",
            "Data kept at most 25 months",
            MET if 0 < days <= CNIL_MAX_DAYS else NOT_MET,
            f"Data is deleted after {days} days." if days else "Data is kept forever.",
            "" if 0 < days <= CNIL_MAX_DAYS else f"Set retention_days to at most {CNIL_MAX_DAYS} (25 months).",
        ),
        Criterion(
            "cookie_lifetime",
            f"Identifier cookies live at most {COOKIE_MAX_MONTHS} months",
            CHECK if site.cookie_mode else MET,
            "Cookie mode: the site's tracker sets the _pk_id identifier cookie; its lifetime is set on the site."
            if site.cookie_mode else "Cookieless: no identifier cookie is set, nothing is stored on the device.",
            f"Keep the tracker's visitor cookie at {COOKIE_MAX_MONTHS} months or less (Matomo's default; "
            "setVisitorCookieTimeout), or switch cookie mode off." if site.cookie_mode else "",
        ),
        Criterion(
            "opt_out",
            "A simple way to object",
            CHECK if site.honor_dnt else NOT_MET,
            "Footfall serves the opt-out widget (optout.js) and page (/optout)"
            + ("; Do Not Track and Global Privacy Control are honoured." if site.honor_dnt
               else "; Do Not Track and Global Privacy Control are ignored for this site."),
            "Put the opt-out snippet on the site's privacy page." if site.honor_dnt
            else "Turn on 'Honour Do Not Track and Global Privacy Control', and put the opt-out snippet on the "
            "site's privacy page.",
        ),
    ]


def exempt(criteria: list[Criterion]) -> bool:
    """True when nothing is ``not met`` (``check`` items still need the owner's confirmation)."""
    return all(criterion.status != NOT_MET for criterion in criteria)
