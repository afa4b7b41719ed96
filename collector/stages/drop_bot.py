"""Drop bots, crawlers and headless browsers, as user-agents classifies them."""

from __future__ import annotations

from collector.context import PipelineContext
from collector.hit import DropReason, Hit


def drop_bot(hit: Hit, context: PipelineContext) -> DropReason | None:
    if not hit.user_agent:
        return DropReason.BOT
    return DropReason.BOT if context.user_agents(hit.user_agent).is_bot else None
