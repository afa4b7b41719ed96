"""Put the hit into its visit (see ``collector.visits``)."""

from __future__ import annotations

from collector.context import PipelineContext
from collector.hit import DropReason, Hit


def assign_visit(hit: Hit, context: PipelineContext) -> DropReason | None:
    assert hit.timestamp is not None
    hit.visit_id, hit.visit_start = context.visits.assign(
        hit.site_id, hit.visitor_id, int(hit.timestamp.timestamp() * 1000)
    )
    return None
