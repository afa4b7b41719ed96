"""Drop hits from visitors who opted out with a cookie."""

from __future__ import annotations

from collector.context import PipelineContext
from collector.hit import DropReason, Hit


def drop_opt_out(hit: Hit, context: PipelineContext) -> DropReason | None:
    return DropReason.OPT_OUT if hit.opt_out_cookie else None
