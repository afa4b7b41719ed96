"""The privacy log: append-only, and it records salt changes, purges and forget runs without any secret or ID."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from footfall.metadata.db import Database
from footfall.metadata.privacy_log import PrivacyLog
from footfall.metadata.salts import SaltStore


def test_entries_cannot_be_changed_or_deleted(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.sqlite3")
    log = PrivacyLog(db)
    log.record("forget", 3, 1, "one visitor named by visitor id")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE privacy_log SET rows = 0")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM privacy_log")
    with pytest.raises(ValueError):
        log.record("something-else")
    assert [(e.kind, e.rows, e.site_id) for e in log.entries()] == [("forget", 3, 1)]


def test_salt_rotation_is_logged_without_the_salt(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    db = Database(path)
    store = SaltStore(db)
    first = store.current(datetime(2024, 5, 14, 9, tzinfo=timezone.utc))
    store.current(datetime(2024, 5, 14, 23, tzinfo=timezone.utc))
    second = store.current(datetime(2024, 5, 15, 0, 1, tzinfo=timezone.utc))
    log = PrivacyLog(db)
    entries = [(e.kind, e.rows, e.detail) for e in reversed(log.entries())]
    assert entries == [
        ("salt-created", 1, "salt for 2024-05-14"),
        ("salt-created", 1, "salt for 2024-05-15"),
        ("salt-destroyed", 1, "salts of days before 2024-05-15"),
    ]
    summary = log.summary()
    assert summary["salt-destroyed"]["entries"] == 1 and summary["forget"] == {"entries": 0, "rows": 0, "last": None}
    assert store.last_rotation() == log.entries()[1].at
    for salt in (first, second):
        for row in db.fetchall("SELECT detail FROM privacy_log"):
            assert salt.hex() not in row["detail"]


def test_entries_of_one_site_include_those_for_every_site(tmp_path: Path) -> None:
    log = PrivacyLog(Database(tmp_path / "m.sqlite3"))
    log.record("retention-purge", 5, 1, "events before 2024-01-01 (30 days)")
    log.record("retention-purge", 7, 2, "events before 2024-01-01 (30 days)")
    log.record("salt-destroyed", 1, None, "salts of days before 2024-05-15")
    assert {e.site_id for e in log.entries(site_id=1)} == {1, None}
    assert log.summary(site_id=2)["retention-purge"]["rows"] == 7


def test_a_forget_run_is_logged_with_its_count_but_not_the_visitor(storage, tmp_path: Path) -> None:
    from footfall import deletion

    storage.insert("events", [[4, datetime.now(timezone.utc), 987654321, "pageview"]],
                   ("site_id", "timestamp", "visitor_id", "event_type"))
    log = PrivacyLog(Database(tmp_path / "m.sqlite3"))
    done = deletion.forget(storage, b"secret", deletion.Visitor(site_id=4, visitor_id=987654321), log)
    assert done.deleted == 1
    [entry] = log.entries()
    assert (entry.kind, entry.site_id, entry.rows, entry.detail) == ("forget", 4, 1, "one visitor named by visitor id")
    assert "987654321" not in str(entry.to_json())
