"""Country, region and city from the IP, before the IP is truncated."""

from __future__ import annotations

from collector.context import PipelineContext
from collector.hit import DropReason, Hit


def enrich_geo(hit: Hit, context: PipelineContext) -> DropReason | None:
    if hit.country_code or context.geo is None or not hit.ip:
        return None  # a trusted override already set the location
    location = context.geo.lookup(hit.ip)
    hit.country_code, hit.region, hit.city = location.country_code, location.region, location.city
    return None
