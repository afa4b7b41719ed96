"""A per-site sliding-window limit, held only in memory."""

from __future__ import annotations

import time
from collections import deque

FORGETS_PER_WINDOW = 10
WINDOW_SECONDS = 60.0


class SiteRateLimiter:
    """At most ``limit`` deletions per site in a sliding window, held only in memory."""

    def __init__(self, limit: int = FORGETS_PER_WINDOW, window_seconds: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window_seconds
        self._stamps: dict[int, deque[float]] = {}

    def wait(self, site_id: int, now: float | None = None) -> float:
        """Take one slot for ``site_id``: 0 when allowed, else the seconds until a slot frees up."""
        now = time.monotonic() if now is None else now
        stamps = self._stamps.setdefault(site_id, deque())
        while stamps and now - stamps[0] >= self.window:
            stamps.popleft()
        if len(stamps) >= self.limit:
            return self.window - (now - stamps[0])
        stamps.append(now)
        return 0.0
