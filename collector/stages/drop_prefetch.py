"""Drop prefetches and link previews: nobody looked at the page."""

from __future__ import annotations

from collector.context import PipelineContext
from collector.hit import DropReason, Hit


def drop_prefetch(hit: Hit, context: PipelineContext) -> DropReason | None:
    return DropReason.PREFETCH if hit.prefetch else None
