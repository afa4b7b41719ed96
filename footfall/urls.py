"""Small URL helpers shared by the collector and the dashboard."""

from __future__ import annotations

from urllib.parse import urlsplit


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
