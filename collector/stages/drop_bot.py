"""Drop bots, crawlers and headless browsers, as user-agents classifies them.

Matomo's ``bots=1`` (the log importer's ``--enable-bots``) keeps them, when the hit
carries a valid token: an anonymous client cannot switch bot filtering off.
"""

from __future__ import annotations

from collector.context import PipelineContext
from collector.hit import DropReason, Hit


def drop_bot(hit: Hit, context: PipelineContext) -> DropReason | None:
    if hit.keep_bots and hit.trusted:
        return None  # Matomo's bots=1, from an importer holding the site's token
    if not hit.user_agent:
        return DropReason.BOT
    return DropReason.BOT if context.user_agents(hit.user_agent).is_bot else None
