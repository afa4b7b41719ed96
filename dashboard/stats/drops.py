"""Hits the collector answered but did not record, counted by reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.stats.query import Params


def dropped_hits(storage: Any, site_id: int | None, start: datetime, end: datetime) -> dict[str, Any]:
    """``{"total": 1204, "reasons": [{"reason": "opt-out", "hits": 800}, ...]}`` for ``[start, end)``.

    ``site_id=None`` counts every site, including hits dropped before a site
    was known (unknown site, malformed), which are stored under site 0.
    """
    params = Params()
    since = params.bind(start, "DateTime('UTC')")
    until = params.bind(end, "DateTime('UTC')")
    where = f"minute >= {since} AND minute < {until}"
    if site_id is not None:
        where += f" AND site_id = {params.bind(site_id, 'UInt32')}"
    rows = storage.query(
        f"SELECT reason, sum(hits) AS hits FROM dropped_hits WHERE {where} GROUP BY reason ORDER BY hits DESC, reason ASC",
        params.values,
    )
    reasons = [{"reason": str(reason), "hits": int(hits)} for reason, hits in rows]
    return {"total": sum(item["hits"] for item in reasons), "reasons": reasons}


def summary(drops: dict[str, Any]) -> str:
    """``"1,204 hits not recorded: opt-out 800, bot 404"``, or ``""`` when nothing was dropped."""
    if not drops["total"]:
        return ""
    parts = ", ".join(f"{item['reason']} {item['hits']:,}" for item in drops["reasons"])
    noun = "hit" if drops["total"] == 1 else "hits"
    return f"{drops['total']:,} {noun} not recorded: {parts}"
