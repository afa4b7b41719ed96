"""Getting a site's first hits in: has it any data, and why were its hits not recorded, in words, with the fix.

One home for these sentences: the dashboard, the site's settings page, the
first-hit check and ``footfall site check`` all use :func:`explain`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from footfall.metadata.hosts_seen import HostSeen
from footfall.metadata.sites import Site

CHECK_DAYS = 7  # the settings page, the first-hit check and the CLI look this far back


@dataclass(frozen=True)
class Advice:
    reason: str
    hits: int
    what: str  # what happened, in words
    fix: str  # what to do about it ("" when nothing needs doing)
    hosts: tuple[HostSeen, ...] = field(default=())  # domain-not-allowed: the page hosts seen

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "hits": self.hits, "what": self.what, "fix": self.fix,
                "hosts": [host.host for host in self.hosts]}


def _hits(count: int) -> str:
    return f"{count:,} hit" + ("" if count == 1 else "s")


def _sentences(reason: str, count: int, site: Site) -> tuple[str, str]:
    hits = _hits(count)
    domains = ", ".join(site.domains)
    texts = {
        "domain-not-allowed": (
            f"{hits} came from pages on a host that is not one of this site's domains ({domains}).",
            "If those pages are yours, add their host to the site's domains; subdomains of a domain are included.",
        ),
        "bot": (
            f"{hits} came from bots, crawlers or headless browsers (an automated test in headless Chrome counts as "
            "one). They are never recorded.",
            "To check your snippet, open the page in an ordinary browser window.",
        ),
        "do-not-track": (
            f"{hits} came from browsers that send Do Not Track, which this site honours: nothing about them is recorded.",
            "That is your visitors' choice. To test, use a browser without Do Not Track, or switch off "
            "“Honour Do Not Track and Global Privacy Control” in the settings if your privacy policy allows it.",
        ),
        "global-privacy-control": (
            f"{hits} came from browsers that send Global Privacy Control (Brave, Firefox with it switched on, "
            "privacy extensions), which this site honours.",
            "That is your visitors' choice. To test, use a browser without GPC, or switch off the setting that "
            "honours it if your privacy policy allows it.",
        ),
        "opt-out": (
            f"{hits} came from visitors who opted out with the opt-out widget or page.",
            "Nothing to fix: that is their choice. If you opted yourself out to test, opt in again on your privacy page.",
        ),
        "prefetch": (
            f"{hits} were prefetches or link previews (the browser loading a page before anyone looked at it).",
            "",
        ),
        "excluded-ip": (
            f"{hits} came from IP addresses this site excludes.",
            "Check “Excluded IP addresses” in the settings if that is not what you meant.",
        ),
        "referrer-spam": (f"{hits} had a referrer on the spam list.", ""),
        "invalid-token": (
            f"{hits} carried a token_auth that is not this site's, or were backdated by more than a day without one.",
            "Copy the site's token_auth from its settings page into your server-side tracker.",
        ),
        "malformed": (
            f"{hits} could not be read (a missing or invalid parameter).",
            "Use the tracking snippet from the settings page, or check what your tracker sends.",
        ),
        "too-large": (f"{hits} were larger than the collector accepts.", "Send fewer or shorter properties."),
        "not-recorded": (
            f"{hits} said not to record them (no rec=1), as Matomo's tracker does for some requests.",
            "",
        ),
    }
    return texts.get(reason, (f"{hits} were not recorded ({reason}).", ""))


def explain(site: Site, drops: dict[str, Any], hosts: list[HostSeen]) -> list[Advice]:
    """One Advice per drop reason of ``drops`` (as ``dashboard.stats.drops.dropped_hits`` returns), most hits first."""
    advice = []
    for item in drops.get("reasons", []):
        what, fix = _sentences(item["reason"], item["hits"], site)
        seen = tuple(hosts) if item["reason"] == "domain-not-allowed" else ()
        advice.append(Advice(item["reason"], item["hits"], what, fix, seen))
    return advice


def has_events(storage: Any, site_id: int) -> bool:
    rows = storage.query("SELECT 1 FROM events WHERE site_id = {site_id:UInt32} LIMIT 1", {"site_id": site_id})
    return bool(rows)


def recent_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    end = (now or datetime.now(timezone.utc)) + timedelta(minutes=1)
    return end - timedelta(days=CHECK_DAYS), end


def check(storage: Any, site: Site, hosts: list[HostSeen]) -> dict[str, Any]:
    """The site's state for the first-hit check, the settings page and the CLI: data yet, and recent drops."""
    from dashboard.stats import drops as drops_module

    start, end = recent_window()
    drops = drops_module.dropped_hits(storage, site.id, start, end)
    return {"has_events": has_events(storage, site.id),
            "advice": [item.to_json() for item in explain(site, drops, hosts)]}


def text(site: Site, state: dict[str, Any]) -> str:
    """The check as plain text, for ``footfall site check``."""
    lines = [f"Site {site.id} ({site.name}; domains: {', '.join(site.domains)})"]
    lines.append("It has recorded hits." if state["has_events"] else
                 "No hits recorded yet: put the tracking snippet on your pages (see `footfall site add` or the "
                 "site's settings page), then open one in a browser.")
    if not state["advice"]:
        lines.append(f"No hits were refused in the last {CHECK_DAYS} days.")
    for item in state["advice"]:
        lines.append("")
        lines.append(f"- {item['what']}")
        if item["hosts"]:
            lines.append(f"  Hosts seen: {', '.join(item['hosts'])}")
        if item["fix"]:
            lines.append(f"  {item['fix']}")
        if item["hosts"]:
            lines.append(f"  To add one: footfall site domains {site.id} --add {item['hosts'][0]} "
                         "(or the button on the dashboard)")
    return "\n".join(lines)
