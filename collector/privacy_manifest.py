"""``GET /privacy.json``: what Footfall does with visitor data, generated from the running configuration.

Nothing here is a template: every value is read from the settings, the site,
the salt store, the privacy log, the geolocation database or the list of
stored columns at the time of the request.  ``?site=ID`` adds that site's own
settings and its consent-exemption self-check.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from collector.optout_page import COOKIE_MAX_AGE, OPT_OUT_COOKIE
from collector.request_meta import OPT_OUT_COOKIES
from footfall import consent_check
from footfall.forwarded import public_base_url
from footfall.metadata.privacy_log import LAST_RETENTION_RUN, PrivacyLog
from footfall.metadata.sites import Site
from footfall.retention import VISITOR_TABLES, effective_days
from collector.state import CollectorState, services_of
from footfall.metadata.privacy_log import SALT_CREATED
from footfall.schema import COLUMNS
from footfall.settings import Settings

# Columns that are pseudonymous identifiers rather than plain facts about a page view.
PSEUDONYMOUS = ("visitor_id", "visit_id", "user_id_hash", "pageview_id")
NEVER_STORED = (
    "the IP address (only a truncated form, and only if the site turns that on)",
    "the User-Agent string (only the browser, OS and device type derived from it)",
    "the tracker's _id cookie value (only a keyed hash of it, in cookie mode)",
    "the user ID (uid; only a keyed hash of it)",
    "query parameters on the URL denylist",
    "URL fragments (#...)",
    "the referrer's query string",
    "anything at all about visitors who opted out or send DNT/GPC (only a per-minute count of dropped hits)",
)
USER_ID_CACHE_SECONDS = 300.0


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")


def geolocation(settings: Settings, services: CollectorState) -> dict[str, Any]:
    path = settings.geoip_database
    geo = services.pipeline.geo
    if geo is None or path is None:
        return {"source": "none", "detail": "no geolocation database: the country is left empty"}
    metadata = geo.reader.metadata()
    built = datetime.fromtimestamp(metadata.build_epoch, timezone.utc).date().isoformat()
    return {
        "source": "bundled DB-IP City Lite (CC-BY 4.0)" if settings.geoip_path == "bundled" else Path(path).name,
        "database_type": metadata.database_type,
        "database_built": built,
        "looked_up": "locally, in memory, from the full IP before it is truncated; no one else is asked",
        "stored": ["country_code", "region", "city"],
    }


def stored_columns(store_truncated_ip: bool | None) -> dict[str, Any]:
    """The events' columns; the truncated IP only where it is kept (None: it depends on the site)."""
    columns = [name for name in COLUMNS if name != "ip_truncated" or store_truncated_ip is not False]
    return {
        "tables": {table.name: table.holds for table in VISITOR_TABLES},
        "columns": columns,
        "pseudonymous_ids": [name for name in PSEUDONYMOUS if name in columns],
        "truncated_ip": "per site" if store_truncated_ip is None else store_truncated_ip,
    }


def visitor_id(site: Site | None, log: PrivacyLog) -> dict[str, Any]:
    cookieless = {
        "mode": "cookieless",
        "how": "64-bit keyed BLAKE2b hash of (daily salt, day, site, IP, User-Agent)",
        "salt_lifetime_hours": 24,
        "salt_rotation": "at 00:00 UTC; the previous salt is overwritten and deleted",
        "last_salt_rotation": log.last(SALT_CREATED),
        "linkable_across_days": False,
    }
    if site is None:
        return {"default": cookieless, "per_site": "sites may switch to cookie mode; see ?site=ID"}
    if not site.cookie_mode:
        return cookieless
    return {
        "mode": "cookie",
        "how": "64-bit keyed BLAKE2b hash of the tracker's first-party _id cookie with a server secret",
        "salt_lifetime_hours": None,
        "last_salt_rotation": None,
        "linkable_across_days": True,
    }


def opt_out(collector_url: str) -> dict[str, Any]:
    days = COOKIE_MAX_AGE // 86400
    return {
        "cookies": [
            {"name": OPT_OUT_COOKIE, "set_by": f"{collector_url}optout.js on the site's own domain (first party)",
             "max_age_days": days, "same_site": "Lax"},
            {"name": OPT_OUT_COOKIE, "set_by": f"{collector_url}optout on the collector's domain",
             "max_age_days": days, "same_site": "None; Secure; Partitioned on https"},
        ],
        "also_honoured": [name for name in OPT_OUT_COOKIES if name != OPT_OUT_COOKIE],
        "effect": "the tracker sends nothing and the collector stores nothing",
        "widget": f"{collector_url}optout.js",
        "page": f"{collector_url}optout",
    }


def retention(site: Site | None, settings: Settings, log: PrivacyLog) -> dict[str, Any]:
    days = settings.retention_days if site is None else effective_days(settings.retention_days, site.retention_days)
    purges = log.summary(site.id if site else None)["retention-purge"]
    return {
        "days": days or None,
        "forever": not days,
        "server_days": settings.retention_days or None,
        "per_site": "a site can only shorten it" if site is None else (site.retention_days or None),
        "applies_to": [table.name for table in VISITOR_TABLES],
        "how": "a ClickHouse TTL on each table, and an hourly delete of each site's older rows",
        "last_run": log.state(LAST_RETENTION_RUN),
        "last_purge": purges["last"],
        "rows_purged": purges["rows"],
    }


async def user_id_hits(services: CollectorState, site_id: int) -> int:
    """Stored hits of the site that carry a user ID, counted at most every few minutes."""
    cache = services.user_id_counts
    found = cache.get(site_id)
    if found and time.monotonic() - found[0] < USER_ID_CACHE_SECONDS:
        return found[1]
    try:
        count = await asyncio.to_thread(consent_check.count_user_id_hits, services.storage, site_id)
    except Exception:  # storage down: judge from the settings alone
        return 0
    cache[site_id] = (time.monotonic(), count)
    return count


def manifest(services: CollectorState, collector_url: str, site: Site | None, user_ids: int = 0) -> dict[str, Any]:
    settings = services.settings
    log = services.privacy_log
    assert log is not None, "the app hands the collector its privacy log"
    honor_dnt = site.honor_dnt if site is not None else None
    body: dict[str, Any] = {
        "generated_at": _iso(datetime.now(timezone.utc)),
        "site": None if site is None else {"id": site.id, "domains": list(site.domains)},
        "ip": {
            "ipv4_bytes_removed": settings.ipv4_mask_bytes,
            "ipv4_bits_kept": 32 - 8 * settings.ipv4_mask_bytes,
            "ipv6_bits_kept": settings.ipv6_prefix,
            "truncated_before": "anything else is done with it, except the local country lookup",
            "truncated_ip_stored": "per site" if site is None else site.store_truncated_ip,
        },
        "visitor_id": visitor_id(site, log),
        "do_not_track": {
            "dnt": "honoured" if honor_dnt else "per site (honoured by default)" if site is None else "ignored",
            "gpc": "honoured" if honor_dnt else "per site (honoured by default)" if site is None else "ignored",
            "effect": "nothing is sent by the tracker and nothing is stored",
        },
        "retention": retention(site, settings, log),
        "stored": stored_columns(None if site is None else site.store_truncated_ip),
        "never_stored": list(NEVER_STORED),
        "url_denylist": sorted(set(settings.url_denylist) | set(site.url_denylist if site else ())),
        "opt_out": opt_out(collector_url),
        "geolocation": geolocation(settings, services),
        "public_share_links": "no row with fewer than k visitors" + (f" (k = {site.k_anonymity})" if site else ""),
        "privacy_log": log.summary(site.id if site else None),
    }
    if site is not None:
        criteria = consent_check.check(site, settings, user_ids)
        body["consent_exemption"] = {
            "authority": "CNIL (France), audience measurement without consent",
            "exempt": consent_check.exempt(criteria),
            "criteria": [criterion.to_json() for criterion in criteria],
        }
    return body


async def privacy_json(request: Request) -> Response:
    services = services_of(request)
    headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}
    raw = request.query_params.get("site", "")
    site = None
    if raw:
        try:
            site = services.sites.get(int(raw))
        except ValueError:
            return JSONResponse({"error": "site must be a site id"}, 400, headers)
        if site is None:
            return JSONResponse({"error": f"no site {raw}"}, 404, headers)
    user_ids = await user_id_hits(services, site.id) if site is not None else 0
    base = public_base_url(request, services.settings)
    return JSONResponse(manifest(services, base, site, user_ids), headers=headers)
