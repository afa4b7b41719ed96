"""Users, roles, API tokens and share links, in the metadata database.

Passwords are hashed with argon2id (argon2-cffi).  API tokens and share-link
tokens are stored as SHA-256 digests; the plain token is shown once.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from footfall.metadata.db import Database

SCHEMA = [
    """
    CREATE TABLE IF NOT EXISTS users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        is_admin INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS site_roles (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        role TEXT NOT NULL DEFAULT 'viewer',
        PRIMARY KEY (user_id, site_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS api_tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
        last_used_at TEXT,
        revoked INTEGER NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS share_links (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        name TEXT NOT NULL DEFAULT '',
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
        revoked INTEGER NOT NULL DEFAULT 0
    )
    """,
]

_hasher = PasswordHasher()
API_TOKEN_PREFIX = "ff_"


class AccountError(ValueError):
    """An account value is invalid; the message names the field."""


@dataclass(frozen=True)
class User:
    id: int
    email: str
    is_admin: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure_schema(SCHEMA)

    # Users
    def create_user(self, email: str, password: str, *, is_admin: bool = False) -> User:
        email = email.strip()
        if "@" not in email or len(email) > 254:
            raise AccountError("email: not an e-mail address")
        if len(password) < 8:
            raise AccountError("password: at least 8 characters")
        if self.db.fetchone("SELECT 1 FROM users WHERE email = ?", [email]):
            raise AccountError(f"email: a user {email} exists already")
        cursor = self.db.execute(
            "INSERT INTO users (email, password_hash, is_admin) VALUES (?, ?, ?)",
            [email, _hasher.hash(password), int(is_admin)],
        )
        return User(int(cursor.lastrowid), email, is_admin)

    def get_user(self, user_id: int) -> User | None:
        row = self.db.fetchone("SELECT id, email, is_admin FROM users WHERE id = ?", [user_id])
        return User(row["id"], row["email"], bool(row["is_admin"])) if row else None

    def list_users(self) -> list[User]:
        rows = self.db.fetchall("SELECT id, email, is_admin FROM users ORDER BY id")
        return [User(row["id"], row["email"], bool(row["is_admin"])) for row in rows]

    def count_users(self) -> int:
        row = self.db.fetchone("SELECT count(*) AS n FROM users")
        return int(row["n"]) if row else 0

    def authenticate(self, email: str, password: str) -> User | None:
        row = self.db.fetchone("SELECT id, email, is_admin, password_hash FROM users WHERE email = ?", [email.strip()])
        if row is None:
            # Spend the same time as a real check, so timing does not reveal which emails exist.
            try:
                _hasher.verify(_DUMMY_HASH, password)
            except (VerificationError, InvalidHashError):
                pass
            return None
        try:
            _hasher.verify(row["password_hash"], password)
        except (VerificationError, InvalidHashError):
            return None
        if _hasher.check_needs_rehash(row["password_hash"]):
            self.db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [_hasher.hash(password), row["id"]])
        return User(row["id"], row["email"], bool(row["is_admin"]))

    def credential_stamp(self, user_id: int) -> str:
        """Changes whenever the user's password does; sessions carry it, so a new password ends old sessions."""
        row = self.db.fetchone("SELECT password_hash FROM users WHERE id = ?", [user_id])
        return hashlib.sha256(row["password_hash"].encode()).hexdigest()[:16] if row else ""

    def set_password(self, user_id: int, password: str) -> None:
        if len(password) < 8:
            raise AccountError("password: at least 8 characters")
        self.db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [_hasher.hash(password), user_id])

    # Roles
    def grant(self, user_id: int, site_id: int, role: str = "viewer") -> None:
        if role not in ("viewer", "admin"):
            raise AccountError("role: must be viewer or admin")
        self.db.execute(
            "INSERT INTO site_roles (user_id, site_id, role) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id, site_id) DO UPDATE SET role = excluded.role",
            [user_id, site_id, role],
        )

    def revoke(self, user_id: int, site_id: int) -> None:
        self.db.execute("DELETE FROM site_roles WHERE user_id = ? AND site_id = ?", [user_id, site_id])

    def can_view(self, user: User, site_id: int) -> bool:
        if user.is_admin:
            return True
        return self.db.fetchone(
            "SELECT 1 FROM site_roles WHERE user_id = ? AND site_id = ?", [user.id, site_id]
        ) is not None

    def can_manage(self, user: User, site_id: int) -> bool:
        if user.is_admin:
            return True
        return self.db.fetchone(
            "SELECT 1 FROM site_roles WHERE user_id = ? AND site_id = ? AND role = 'admin'", [user.id, site_id]
        ) is not None

    def visible_site_ids(self, user: User) -> set[int] | None:
        """The sites a user may see; None means all (an admin)."""
        if user.is_admin:
            return None
        rows = self.db.fetchall("SELECT site_id FROM site_roles WHERE user_id = ?", [user.id])
        return {row["site_id"] for row in rows}

    def manageable_site_ids(self, user: User) -> set[int] | None:
        """The sites a user administers; None means all (an admin)."""
        if user.is_admin:
            return None
        rows = self.db.fetchall("SELECT site_id FROM site_roles WHERE user_id = ? AND role = 'admin'", [user.id])
        return {row["site_id"] for row in rows}

    # Managing users (the users page)
    def find_user(self, email: str) -> User | None:
        row = self.db.fetchone("SELECT id, email, is_admin FROM users WHERE email = ?", [email.strip()])
        return User(row["id"], row["email"], bool(row["is_admin"])) if row else None

    def count_admins(self) -> int:
        row = self.db.fetchone("SELECT count(*) AS n FROM users WHERE is_admin = 1")
        return int(row["n"]) if row else 0

    def site_roles(self, user_id: int) -> dict[int, str]:
        """``{site_id: role}`` for one user."""
        rows = self.db.fetchall("SELECT site_id, role FROM site_roles WHERE user_id = ?", [user_id])
        return {int(row["site_id"]): str(row["role"]) for row in rows}

    def all_site_roles(self) -> dict[int, dict[int, str]]:
        """``{user_id: {site_id: role}}`` for every user with a role."""
        roles: dict[int, dict[int, str]] = {}
        for row in self.db.fetchall("SELECT user_id, site_id, role FROM site_roles ORDER BY site_id"):
            roles.setdefault(int(row["user_id"]), {})[int(row["site_id"])] = str(row["role"])
        return roles

    def site_members(self, site_id: int) -> list[tuple[User, str]]:
        """The users with a role on one site (administrators see every site and are not listed)."""
        rows = self.db.fetchall(
            "SELECT u.id, u.email, u.is_admin, r.role FROM site_roles r JOIN users u ON u.id = r.user_id "
            "WHERE r.site_id = ? ORDER BY u.email",
            [site_id],
        )
        return [(User(row["id"], row["email"], bool(row["is_admin"])), str(row["role"])) for row in rows]

    def update_user(self, user_id: int, *, is_admin: bool, roles: dict[int, str]) -> None:
        """Set the admin flag and replace the site roles, in one transaction.

        The last administrator cannot lose the flag: someone must be able to manage users.
        """
        for role in roles.values():
            if role not in ("viewer", "admin"):
                raise AccountError("role: must be viewer or admin")
        with self.db.transaction() as connection:
            row = connection.execute("SELECT is_admin FROM users WHERE id = ?", [user_id]).fetchone()
            if row is None:
                raise AccountError("user: no such user")
            if row["is_admin"] and not is_admin:
                admins = connection.execute("SELECT count(*) FROM users WHERE is_admin = 1").fetchone()[0]
                if admins <= 1:
                    raise AccountError("is_admin: the last administrator must stay an administrator")
            connection.execute("UPDATE users SET is_admin = ? WHERE id = ?", [int(is_admin), user_id])
            connection.execute("DELETE FROM site_roles WHERE user_id = ?", [user_id])
            connection.executemany(
                "INSERT INTO site_roles (user_id, site_id, role) VALUES (?, ?, ?)",
                [(user_id, site_id, role) for site_id, role in sorted(roles.items())],
            )

    def delete_user(self, user_id: int) -> None:
        """Delete a user with their roles and API tokens; never the last administrator."""
        with self.db.transaction() as connection:
            row = connection.execute("SELECT is_admin FROM users WHERE id = ?", [user_id]).fetchone()
            if row is None:
                return
            if row["is_admin"]:
                admins = connection.execute("SELECT count(*) FROM users WHERE is_admin = 1").fetchone()[0]
                if admins <= 1:
                    raise AccountError("user: the last administrator cannot be deleted")
            connection.execute("DELETE FROM users WHERE id = ?", [user_id])

    def check_password(self, user_id: int, password: str) -> bool:
        row = self.db.fetchone("SELECT password_hash FROM users WHERE id = ?", [user_id])
        if row is None:
            return False
        try:
            return _hasher.verify(row["password_hash"], password)
        except (VerificationError, InvalidHashError):
            return False

    # API tokens
    def create_api_token(self, user_id: int, name: str = "API") -> str:
        token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.db.execute(
            "INSERT INTO api_tokens (user_id, name, prefix, token_hash) VALUES (?, ?, ?, ?)",
            [user_id, name.strip()[:100] or "API", token[:10], _digest(token)],
        )
        return token

    def resolve_api_token(self, token: str) -> User | None:
        row = self.db.fetchone(
            "SELECT t.id AS token_id, u.id, u.email, u.is_admin FROM api_tokens t JOIN users u ON u.id = t.user_id "
            "WHERE t.token_hash = ? AND t.revoked = 0",
            [_digest(token)],
        )
        if row is None:
            return None
        self.db.execute("UPDATE api_tokens SET last_used_at = CURRENT_TIMESTAMP WHERE id = ?", [row["token_id"]])
        return User(row["id"], row["email"], bool(row["is_admin"]))

    def list_api_tokens(self, user_id: int) -> list[dict]:
        rows = self.db.fetchall(
            "SELECT id, name, prefix, created_at, last_used_at FROM api_tokens WHERE user_id = ? AND revoked = 0",
            [user_id],
        )
        return [dict(row) for row in rows]

    def revoke_api_token(self, user_id: int, token_id: int) -> None:
        self.db.execute("UPDATE api_tokens SET revoked = 1 WHERE id = ? AND user_id = ?", [token_id, user_id])

    # Share links
    def create_share_link(self, site_id: int, name: str = "") -> str:
        token = secrets.token_urlsafe(24)
        self.db.execute(
            "INSERT INTO share_links (site_id, name, token_hash) VALUES (?, ?, ?)", [site_id, name[:100], _digest(token)]
        )
        return token

    def resolve_share_link(self, token: str) -> int | None:
        row = self.db.fetchone("SELECT site_id FROM share_links WHERE token_hash = ? AND revoked = 0", [_digest(token)])
        return int(row["site_id"]) if row else None

    def list_share_links(self, site_id: int) -> list[dict]:
        rows = self.db.fetchall(
            "SELECT id, name, created_at FROM share_links WHERE site_id = ? AND revoked = 0", [site_id]
        )
        return [dict(row) for row in rows]

    def revoke_share_link(self, site_id: int, link_id: int) -> None:
        self.db.execute("UPDATE share_links SET revoked = 1 WHERE id = ? AND site_id = ?", [link_id, site_id])


_DUMMY_HASH = _hasher.hash("footfall-timing-equalizer")


class TrackingTokens:
    """Whether a user's API token may send trusted hits (``cip``, an old ``cdt``) for a site.

    Matomo lets a user's token_auth authorize its tracking overrides for the sites the user
    may write to; here that is the sites the user administers.  The answer is cached per
    token for a few seconds, so a bulk request of thousands of hits costs one lookup.
    """

    def __init__(self, accounts: Accounts, ttl_seconds: float = 5.0, max_tokens: int = 256) -> None:
        self.accounts = accounts
        self.ttl_seconds = ttl_seconds
        self.max_tokens = max_tokens
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, set[int] | None, bool]] = {}

    def allows(self, token: str, site_id: int) -> bool:
        if not token.startswith(API_TOKEN_PREFIX):
            return False
        now = time.monotonic()
        with self._lock:
            entry = self._cache.get(_digest(token))
        if entry is None or now - entry[0] > self.ttl_seconds:
            user = self.accounts.resolve_api_token(token)
            sites = self.accounts.manageable_site_ids(user) if user is not None else set()
            entry = (now, sites, user is not None)
            with self._lock:
                if len(self._cache) >= self.max_tokens:
                    self._cache.clear()
                self._cache[_digest(token)] = entry
        _, sites, valid = entry
        return valid and (sites is None or site_id in sites)
