"""Browser, OS and device type from the User-Agent, before it is thrown away."""

from __future__ import annotations

from collector.context import PipelineContext
from collector.hit import DropReason, Hit


def enrich_device(hit: Hit, context: PipelineContext) -> DropReason | None:
    device = context.user_agents(hit.user_agent)
    hit.browser = device.browser
    hit.browser_version = device.browser_version
    hit.os = device.os
    hit.os_version = device.os_version
    hit.device_type = device.device_type
    return None
