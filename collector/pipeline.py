"""The collector's pipeline: every stage, in order, in one place.

parse (parse_matomo / parse_plausible) → check and drop → enrich → clean →
anonymize → assign the visit.  The first stage that returns a reason drops the hit.  After the
pipeline the hit holds no raw IP, UA or IDs and goes to the writer.
"""

from __future__ import annotations

from typing import Callable

from collector.context import PipelineContext
from collector.hit import DropReason, Hit
from collector.stages.anonymize import anonymize
from collector.stages.assign_visit import assign_visit
from collector.stages.check_site import check_site
from collector.stages.classify_referrer import classify_referrer
from collector.stages.clean_url import clean_url
from collector.stages.drop_bot import drop_bot
from collector.stages.drop_do_not_track import drop_do_not_track
from collector.stages.drop_excluded_ip import drop_excluded_ip
from collector.stages.drop_non_page_url import drop_non_page_url
from collector.stages.drop_opt_out import drop_opt_out
from collector.stages.drop_prefetch import drop_prefetch
from collector.stages.drop_referrer_spam import drop_referrer_spam
from collector.stages.enrich_device import enrich_device
from collector.stages.enrich_geo import enrich_geo
from collector.stages.trusted_overrides import apply_trusted_overrides

Stage = Callable[[Hit, PipelineContext], DropReason | None]

STAGES: tuple[Stage, ...] = (
    # Privacy choices first: an opted-out visitor is dropped before anything else is looked at.
    drop_opt_out,
    check_site,
    drop_non_page_url,
    drop_do_not_track,
    apply_trusted_overrides,
    drop_prefetch,
    drop_bot,
    drop_excluded_ip,
    drop_referrer_spam,
    enrich_geo,
    enrich_device,
    clean_url,
    classify_referrer,
    anonymize,
    assign_visit,
)


def run(hit: Hit, context: PipelineContext, stages: tuple[Stage, ...] = STAGES) -> DropReason | None:
    for stage in stages:
        reason = stage(hit, context)
        if reason is not None:
            return reason
    return None
