"""Server-side dashboard sessions, so that logging out ends a session for real.

The session cookie is signed, but a signature alone cannot be taken back: a
cookie copied before logout would keep working until it expires.  So every
login gets a random session id; the cookie carries it and this table holds its
SHA-256 digest.  Logging out deletes the row, "log out everywhere" deletes all
of a user's rows, and a cookie whose row is gone is no longer a login.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from footfall.metadata.db import Database

SCHEMA = [
    """
    CREATE TABLE IF NOT EXISTS login_sessions (
        id_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at REAL NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS login_sessions_user ON login_sessions (user_id)",
]


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class LoginSessions:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure_schema(SCHEMA)

    def start(self, user_id: int, max_age_seconds: int) -> str:
        """A new session id for ``user_id`` (expired sessions are removed on the way)."""
        now = time.time()
        self.db.execute("DELETE FROM login_sessions WHERE created_at < ?", [now - max_age_seconds])
        session_id = secrets.token_urlsafe(32)
        self.db.execute(
            "INSERT INTO login_sessions (id_hash, user_id, created_at) VALUES (?, ?, ?)",
            [_digest(session_id), user_id, now],
        )
        return session_id

    def is_live(self, session_id: object, user_id: int, max_age_seconds: int) -> bool:
        if not isinstance(session_id, str) or not session_id:
            return False
        row = self.db.fetchone(
            "SELECT 1 FROM login_sessions WHERE id_hash = ? AND user_id = ? AND created_at >= ?",
            [_digest(session_id), user_id, time.time() - max_age_seconds],
        )
        return row is not None

    def end(self, session_id: object) -> None:
        if isinstance(session_id, str) and session_id:
            self.db.execute("DELETE FROM login_sessions WHERE id_hash = ?", [_digest(session_id)])

    def end_all(self, user_id: int, *, keep: object = None) -> int:
        """End every session of ``user_id`` (but ``keep``, the caller's own, when given); how many ended."""
        keep_hash = _digest(keep) if isinstance(keep, str) and keep else ""
        cursor = self.db.execute(
            "DELETE FROM login_sessions WHERE user_id = ? AND id_hash != ?", [user_id, keep_hash]
        )
        return int(cursor.rowcount)

    def count(self, user_id: int) -> int:
        row = self.db.fetchone("SELECT count(*) AS n FROM login_sessions WHERE user_id = ?", [user_id])
        return int(row["n"]) if row else 0
