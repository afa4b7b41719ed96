"""Signed session cookies, CSRF tokens and the login rate limit.

The session is a small dict signed with the server secret (itsdangerous) and
kept in an HttpOnly, SameSite=Lax cookie.  It holds the user id, the
server-side session id and the CSRF token; nothing else.  Every form carries
the CSRF token, and an unsafe request without a matching one is refused with 403.
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
from footfall.forwarded import is_https

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
    secure = is_https(request, services_of(request).settings)
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


def start_login(request: Request, user_id: int, stamp: str, session_id: str) -> None:
    """A fresh session (new CSRF token) for a user who just logged in.

    ``stamp`` is the user's credential stamp: when the password changes, the
    stamp does, and sessions opened with the old password end.  ``session_id``
    names the server-side session row (see ``login_sessions``); logging out
    deletes it.
    """
    session = load(request)
    session.clear()
    session.set("uid", user_id)
    session.set("stamp", stamp)
    session.set("sid", session_id)
    session.set("csrf", secrets.token_urlsafe(32))


class SlidingWindow:
    """Failures per key in a sliding window, held only in memory (keys are salted hashes)."""

    def __init__(self, window_seconds: float) -> None:
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self._failures.setdefault(key, deque())
        while stamps and now - stamps[0] > self.window:
            stamps.popleft()
        return stamps

    def wait(self, key: str, limit: int, now: float) -> float:
        stamps = self._recent(key, now)
        if len(stamps) < limit:
            return 0.0
        return max(1.0, self.window - (now - stamps[-limit]))

    def add(self, key: str, now: float) -> None:
        self._recent(key, now).append(now)
        if len(self._failures) > 100_000:  # bounded memory under a spray of addresses
            self._failures = {k: v for k, v in self._failures.items() if v and now - v[-1] <= self.window}

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)


ACCOUNT_WINDOW_SECONDS = 15 * 60
ACCOUNT_LIMIT_FACTOR = 5  # failures per account in 15 minutes, as a multiple of the per-minute limit


class LoginLimiter:
    """Two limits on failed logins, as well-kept services have them.

    * ``limit`` failures a minute per (client, account).  A browser that has
      logged in to the account before (it holds a signed device cookie) is its
      own client, so others behind the same proxy cannot lock its owner out.
    * ``limit * 5`` failures in 15 minutes per account from clients it does not
      know, to slow a guess spread over many addresses; known devices are not
      held back by it.

    The keys are salted hashes; no address or e-mail is logged or stored.
    """

    def __init__(self, window_seconds: float = 60.0, account_window_seconds: float = ACCOUNT_WINDOW_SECONDS) -> None:
        self.window = window_seconds
        self._per_client = SlidingWindow(window_seconds)
        self._per_account = SlidingWindow(account_window_seconds)
        self._lock = threading.Lock()
        self._salt = secrets.token_bytes(16)

    def _key(self, *parts: str) -> str:
        digest = hashlib.sha256(self._salt)
        for part in parts:
            digest.update(part.encode() + b"\0")
        return digest.hexdigest()

    def _keys(self, client: str, email: str) -> tuple[str, str]:
        account = email.strip().lower()
        return self._key("client", client, account), self._key("account", account)

    def blocked(self, client: str, email: str, limit: int, *, known: bool = False) -> float:
        """Seconds to wait before trying again, or 0 when a try is allowed."""
        now = time.monotonic()
        client_key, account_key = self._keys(client, email)
        with self._lock:
            wait = self._per_client.wait(client_key, limit, now)
            if not known:
                wait = max(wait, self._per_account.wait(account_key, limit * ACCOUNT_LIMIT_FACTOR, now))
            return wait

    def failed(self, client: str, email: str, *, known: bool = False) -> None:
        now = time.monotonic()
        client_key, account_key = self._keys(client, email)
        with self._lock:
            self._per_client.add(client_key, now)
            if not known:
                self._per_account.add(account_key, now)

    def succeeded(self, client: str, email: str) -> None:
        client_key, _ = self._keys(client, email)
        with self._lock:
            self._per_client.clear(client_key)


DEVICE_COOKIE = "footfall_device"
DEVICE_MAX_AGE = 365 * 86400
DEVICE_ACCOUNTS = 8


def _device_serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services_of(request).secret, salt="footfall.device")


def _account_tag(request: Request, email: str) -> str:
    key = services_of(request).secret.encode()
    return hmac.new(key, b"device-account\0" + email.strip().lower().encode(), hashlib.sha256).hexdigest()[:24]


def _device(request: Request) -> dict[str, Any]:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return {}
    try:
        data = _device_serializer(request).loads(raw, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("d"), str) or not isinstance(data.get("a"), list):
        return {}
    return data


def known_device(request: Request, email: str) -> str | None:
    """The id of this browser when it has logged in to ``email``'s account before, else None."""
    data = _device(request)
    return data["d"] if data and _account_tag(request, email) in data["a"] else None


def remember_device(request: Request, response: Response, email: str) -> None:
    """After a successful login: this browser is a known client of the account from now on."""
    data = _device(request) or {"d": secrets.token_urlsafe(16), "a": []}
    tag = _account_tag(request, email)
    accounts = [tag, *(item for item in data["a"] if item != tag)][:DEVICE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer(request).dumps({"d": data["d"], "a": accounts}),
        max_age=DEVICE_MAX_AGE,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=is_https(request, services_of(request).settings),
    )
