"""Honour Do Not Track and Global Privacy Control, unless the site switched that off."""

from __future__ import annotations

from collector.context import PipelineContext
from collector.hit import DropReason, Hit


def drop_do_not_track(hit: Hit, context: PipelineContext) -> DropReason | None:
    if hit.site is not None and not hit.site.honor_dnt:
        return None
    if hit.gpc:
        return DropReason.GLOBAL_PRIVACY_CONTROL
    if hit.dnt:
        return DropReason.DO_NOT_TRACK
    return None
