"""Matomo's overrides that need the site's ``token_auth``: cip, an old cdt, and location.

The token is the site's own, or the API token of a user who administers the site
(``context.authorize_token``), as Matomo's log importer sends it.
``ua``, ``lang``, ``uid`` and a recent ``cdt`` are taken as given (the parser
handles them).  Without a valid token the others are ignored, never trusted; a
``cdt`` older than 24 hours without one is refused, as Matomo refuses it.
"""

from __future__ import annotations

import hmac
import ipaddress

from collector.context import PipelineContext
from collector.hit import DropReason, Hit
from collector.parse_matomo import MAX_CDT_FUTURE, UNTRUSTED_CDT_WINDOW, parse_cdt


def apply_trusted_overrides(hit: Hit, context: PipelineContext) -> DropReason | None:
    site = hit.site
    assert site is not None
    if hit.token_auth:
        if not hmac.compare_digest(hit.token_auth.encode(), site.token_auth.encode()) and not (
            context.authorize_token(hit.token_auth, site.id)
        ):
            return DropReason.INVALID_TOKEN
        hit.trusted = True
    overrides = hit.overrides
    if not overrides:
        return None
    now = context.clock()
    if "cdt" in overrides:
        when = parse_cdt(overrides["cdt"])
        if when > now + MAX_CDT_FUTURE:
            when = now
        if now - when > UNTRUSTED_CDT_WINDOW and not hit.trusted:
            return DropReason.INVALID_TOKEN
        hit.timestamp = when
    if not hit.trusted:
        return None
    if "cip" in overrides:
        try:
            hit.ip = str(ipaddress.ip_address(overrides["cip"].strip()))
        except ValueError:
            return DropReason.MALFORMED
    if "country" in overrides:
        hit.country_code = overrides["country"].strip().upper()[:2]
    if "region" in overrides:
        hit.region = overrides["region"].strip()[:100]
    if "city" in overrides:
        hit.city = overrides["city"].strip()[:100]
    return None
