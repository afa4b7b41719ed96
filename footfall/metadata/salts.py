"""Daily salts for visitor IDs.

One random salt per UTC day.  When the day changes, every older salt is deleted
(SQLite's secure_delete overwrites it), so yesterday's visitor IDs can never be
recomputed or linked to today's.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading

from footfall.metadata.db import Database
from footfall.metadata.privacy_log import SALT_CREATED, SALT_DESTROYED, PrivacyLog


class SaltStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.log = PrivacyLog(db)
        self._lock = threading.Lock()
        self._day: dt.date | None = None
        self._salt = b""

    def current(self, now: dt.datetime | None = None) -> bytes:
        moment = now or dt.datetime.now(dt.timezone.utc)
        day = moment.astimezone(dt.timezone.utc).date() if moment.tzinfo else moment.date()
        if day == self._day:
            return self._salt
        with self._lock:
            if day != self._day:
                self._salt = self._rotate(day.isoformat())
                self._day = day
        return self._salt

    def _rotate(self, day: str) -> bytes:
        with self.db.transaction() as connection:
            row = connection.execute("SELECT salt FROM salts WHERE day = ?", (day,)).fetchone()
            created = row is None
            if created:
                salt = secrets.token_bytes(32)
                connection.execute("INSERT INTO salts (day, salt) VALUES (?, ?)", (day, salt))
            else:
                salt = bytes(row["salt"])
            deleted = connection.execute("DELETE FROM salts WHERE day < ?", (day,)).rowcount
        # The log says that a salt changed, never the salt.
        if created:
            self.log.record(SALT_CREATED, 1, detail=f"salt for {day}")
        if deleted:
            self.log.record(SALT_DESTROYED, deleted, detail=f"salts of days before {day}")
        if deleted:
            # secure_delete zeroes the row in the database file, but the write-ahead log still
            # holds the page as it was when the salt was written: fold it in and empty the log.
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return salt

    def last_rotation(self) -> str | None:
        """When the current salt was made (from the privacy log), or None before the first hit."""
        return self.log.last(SALT_CREATED)

    def days(self) -> list[str]:
        return [row["day"] for row in self.db.fetchall("SELECT day FROM salts ORDER BY day")]
