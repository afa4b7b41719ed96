"""A per-client sliding-window limit for visitors' deletion requests, held only in memory."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import deque

FORGETS_PER_WINDOW = 10
WINDOW_SECONDS = 60.0


class ClientRateLimiter:
    """At most ``limit`` requests per client in a sliding window, keyed by a salted hash of its address.

    Per client, not per site: a per-site limit would let anyone use up every visitor's budget.
    """

    def __init__(self, limit: int = FORGETS_PER_WINDOW, window_seconds: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window_seconds
        self._stamps: dict[bytes, deque[float]] = {}
        self._salt = secrets.token_bytes(16)

    def wait(self, client: str, now: float | None = None) -> float:
        """Take one slot for ``client``: 0 when allowed, else the seconds until a slot frees up."""
        now = time.monotonic() if now is None else now
        if len(self._stamps) > 100_000:  # bounded memory under a spray of addresses
            self._stamps = {k: v for k, v in self._stamps.items() if v and now - v[-1] < self.window}
        stamps = self._stamps.setdefault(hashlib.sha256(self._salt + client.encode()).digest(), deque())
        while stamps and now - stamps[0] >= self.window:
            stamps.popleft()
        if len(stamps) >= self.limit:
            return self.window - (now - stamps[0])
        stamps.append(now)
        return 0.0
