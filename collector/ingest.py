"""From parsed hits to rows: run the pipeline, count the drops, keep the rest."""

from __future__ import annotations

from typing import Callable

from collector.hit import Dropped, DropReason, Hit
from collector.pipeline import run
from collector.rows import Row, to_row
from collector.state import CollectorState


def drop(services: CollectorState, reason: DropReason, site_id: int = 0, *, refused_host: str = "") -> DropReason:
    """Count one hit that is not kept, by site and reason: the one place a drop is counted.

    An unknown site's id is not a site of ours, so its drops count under site 0.  For a page on a host the site
    does not list (``refused_host``), that host name joins the site's short list, so its owner can add it.
    """
    services.writer.count_drop(site_id if reason != DropReason.UNKNOWN_SITE else 0, reason.value)
    if reason == DropReason.DOMAIN_NOT_ALLOWED and refused_host and services.hosts_seen is not None:
        services.hosts_seen.note(site_id, refused_host)
    return reason


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
        return None, drop(services, reason, hit.site_id if hit is not None else site_hint,
                          refused_host=hit.refused_host if hit is not None else "")
    assert hit is not None
    return to_row(hit), None
