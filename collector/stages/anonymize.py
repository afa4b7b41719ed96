"""Truncate the IP, derive the pseudonymous visitor ID, then forget the raw values.

After this stage the hit holds no raw IP, User-Agent, tracker ``_id``, ``uid``
or token: nothing downstream (the spool, ClickHouse, logs) can see them.
"""

from __future__ import annotations

import ipaddress

from collector.context import PipelineContext
from collector.hit import DropReason, Hit
from footfall.hashing import keyed_hash


def truncate_ip(ip: str, ipv4_mask_bytes: int = 2, ipv6_prefix: int = 48) -> str:
    """Zero the last ``ipv4_mask_bytes`` bytes of an IPv4 address, or keep an IPv6 /prefix."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.version == 4:
        prefix = 32 - 8 * ipv4_mask_bytes
    else:
        prefix = ipv6_prefix
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def visitor_id(hit: Hit, context: PipelineContext) -> int:
    site = hit.site
    if site is not None and site.cookie_mode and hit.tracker_visitor_id:
        return keyed_hash(context.secret, "cookie", hit.site_id, hit.tracker_visitor_id)
    # Today's salt, and the hit's own UTC day: a backdated hit (cdt) gets a
    # different ID for each day, just as it would have had live.
    assert hit.timestamp is not None
    salt = context.salt_for(context.clock())
    return keyed_hash(salt, hit.timestamp.strftime("%Y-%m-%d"), hit.site_id, hit.ip, hit.user_agent)


def anonymize(hit: Hit, context: PipelineContext) -> DropReason | None:
    settings = context.settings
    hit.visitor_id = visitor_id(hit, context)
    if hit.user_id:
        hit.user_id_hash = keyed_hash(context.secret, "uid", hit.site_id, hit.user_id)
    if hit.site is not None and hit.site.store_truncated_ip:
        hit.ip_truncated = truncate_ip(hit.ip, settings.ipv4_mask_bytes, settings.ipv6_prefix)
    forget_raw(hit)
    return None


def forget_raw(hit: Hit) -> None:
    hit.ip = ""
    hit.user_agent = ""
    hit.tracker_visitor_id = ""
    hit.user_id = ""
    hit.token_auth = ""
    hit.overrides = {}
