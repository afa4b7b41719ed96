"""Signed session cookies, CSRF tokens and the login rate limit.

The session is a small dict signed with the server secret (itsdangerous) and
kept in an HttpOnly, SameSite=Lax cookie.  It holds the user id and the CSRF
token; nothing else.  Every form carries the CSRF token, and a POST without a
matching one is refused with 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from dashboard.state import services_of

COOKIE = "footfall_session"
CSRF_FIELD = "csrf_token"


class Session(dict):
    """The session of one request; ``modified`` says whether the cookie must be rewritten."""

    modified: bool = False

    def set(self, key: str, value: Any) -> None:
        self[key] = value
        self.modified = True

    def clear_all(self) -> None:
        self.clear()
        self.modified = True


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services_of(request).secret, salt="footfall.session")


def max_age(request: Request) -> int:
    return int(services_of(request).settings.session_max_age_days) * 86400


def load(request: Request) -> Session:
    """The request's session (read once, then cached on the request)."""
    cached = getattr(request.state, "session", None)
    if cached is not None:
        return cached
    session = Session()
    raw = request.cookies.get(COOKIE)
    if raw:
        try:
            data = _serializer(request).loads(raw, max_age=max_age(request))
            if isinstance(data, dict):
                session.update(data)
        except BadSignature:
            pass
    request.state.session = session
    return session


def save(request: Request, response: Response) -> None:
    session = getattr(request.state, "session", None)
    if session is None or not session.modified:
        return
    secure = request.url.scheme == "https"
    if not session:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
        return
    response.set_cookie(
        COOKIE,
        _serializer(request).dumps(dict(session)),
        max_age=max_age(request),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def csrf_token(request: Request) -> str:
    session = load(request)
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(32)
        session.set("csrf", token)
    return token


def csrf_valid(request: Request, submitted: object) -> bool:
    expected = load(request).get("csrf")
    if not isinstance(expected, str) or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def start_login(request: Request, user_id: int, stamp: str) -> None:
    """A fresh session (new CSRF token) for a user who just logged in.

    ``stamp`` is the user's credential stamp: when the password changes, the
    stamp does, and sessions opened with the old password end.
    """
    session = load(request)
    session.clear()
    session.set("uid", user_id)
    session.set("stamp", stamp)
    session.set("csrf", secrets.token_urlsafe(32))


class LoginLimiter:
    """At most ``limit`` failed logins per minute per (client address, e-mail).

    The key is a hash of both, held only in memory; the address is never logged or stored.
    """

    def __init__(self, window_seconds: float = 60.0) -> None:
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._salt = secrets.token_bytes(16)

    def _key(self, client: str, email: str) -> str:
        return hashlib.sha256(self._salt + client.encode() + b"\0" + email.strip().lower().encode()).hexdigest()

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self._failures.setdefault(key, deque())
        while stamps and now - stamps[0] > self.window:
            stamps.popleft()
        return stamps

    def blocked(self, client: str, email: str, limit: int) -> float:
        """Seconds to wait before trying again, or 0 when a try is allowed."""
        now = time.monotonic()
        with self._lock:
            stamps = self._recent(self._key(client, email), now)
            if len(stamps) < limit:
                return 0.0
            return max(1.0, self.window - (now - stamps[0]))

    def failed(self, client: str, email: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(self._key(client, email), now).append(now)
            if len(self._failures) > 100_000:  # bounded memory under a spray of addresses
                self._failures = {k: v for k, v in self._failures.items() if v and now - v[-1] <= self.window}

    def succeeded(self, client: str, email: str) -> None:
        with self._lock:
            self._failures.pop(self._key(client, email), None)
