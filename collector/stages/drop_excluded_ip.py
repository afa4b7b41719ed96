"""Drop hits from addresses or CIDR ranges the site excludes (its own office, say)."""

from __future__ import annotations

import ipaddress

from collector.context import PipelineContext
from collector.hit import DropReason, Hit


def drop_excluded_ip(hit: Hit, context: PipelineContext) -> DropReason | None:
    site = hit.site
    if site is None or not site.excluded_networks or not hit.ip:
        return None
    try:
        address = ipaddress.ip_address(hit.ip)
    except ValueError:
        return None
    for network in site.excluded_networks:
        if address.version == network.version and address in network:
            return DropReason.EXCLUDED_IP
    return None
