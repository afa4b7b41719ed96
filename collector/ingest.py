"""From parsed hits to rows: run the pipeline, count the drops, keep the rest."""

from __future__ import annotations

from typing import Callable

from collector.hit import DropReason, Dropped, Hit
from collector.pipeline import run
from collector.rows import Row, to_row
from collector.state import CollectorState


def process(services: CollectorState, make_hit: Callable[[], Hit], site_hint: int = 0) -> tuple[Row | None, DropReason | None]:
    """Parse and run one hit. Returns (row, None) to keep it or (None, reason) to drop it.

    Nothing about a dropped hit is kept or logged; only its reason is counted (and, for a page on a host the
    site does not list, that host name, so the site's owner can add it).
    """
    hit: Hit | None = None
    try:
        hit = make_hit()
        reason = run(hit, services.pipeline)
    except Dropped as dropped:
        reason = dropped.reason
    except Exception:  # never let one bad hit escape as a stack trace
        reason = DropReason.MALFORMED
    if reason is not None:
        site_id = hit.site_id if hit is not None else site_hint
        services.writer.count_drop(site_id if reason != DropReason.UNKNOWN_SITE else 0, reason.value)
        if reason == DropReason.DOMAIN_NOT_ALLOWED and hit is not None and services.hosts_seen is not None:
            services.hosts_seen.note(hit.site_id, hit.refused_host)
        return None, reason
    assert hit is not None
    return to_row(hit), None
