"""Daily salts: one per UTC day, the old one destroyed, so visitor IDs cannot be linked across days."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from collector.pipeline import run
from footfall.metadata.db import Database
from footfall.metadata.salts import SaltStore
from tests.collector.builders import make_context, make_hit

DAY_ONE = datetime(2024, 5, 14, 9, 0, tzinfo=timezone.utc)
DAY_TWO = datetime(2024, 5, 15, 0, 0, 1, tzinfo=timezone.utc)
IP = "203.0.113.77"


def files_of(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def visitor_at(store: SaltStore, when: datetime) -> int:
    context = make_context(now=when)
    context.salt_for = store.current
    hit = make_hit(ip=IP, timestamp=when)
    assert run(hit, context) is None
    return hit.visitor_id


def test_same_visitor_within_a_day_and_another_after_the_salt_rotates(tmp_path: Path) -> None:
    path = tmp_path / "metadata.sqlite3"
    db = Database(path)
    store = SaltStore(db)
    morning = visitor_at(store, DAY_ONE)
    evening = visitor_at(store, DAY_ONE.replace(hour=23, minute=59, second=59))
    assert morning == evening
    old_salt = store.current(DAY_ONE)
    assert store.days() == ["2024-05-14"]

    next_day = visitor_at(store, DAY_TWO)
    assert next_day != morning
    assert store.current(DAY_TWO) != old_salt
    assert store.days() == ["2024-05-15"]
    assert db.fetchone("SELECT count(*) AS n FROM salts WHERE day = '2024-05-14'")["n"] == 0
    # Destroyed for real, while the server still runs: the old salt's bytes are in no file,
    # neither the database nor its write-ahead log.
    assert old_salt not in files_of(path)
    db.close()
    assert old_salt not in files_of(path)


def test_the_days_salt_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "metadata.sqlite3"
    db = Database(path)
    first = SaltStore(db).current(DAY_ONE)
    db.close()
    db = Database(path)
    try:
        assert SaltStore(db).current(DAY_ONE + timedelta(hours=5)) == first
    finally:
        db.close()


def test_salts_are_random_and_long(tmp_path: Path) -> None:
    one = SaltStore(Database(tmp_path / "a.sqlite3")).current(DAY_ONE)
    two = SaltStore(Database(tmp_path / "b.sqlite3")).current(DAY_ONE)
    assert len(one) == 32 and one != two
