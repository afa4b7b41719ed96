"""Visits: a new one after the inactivity timeout, continued across a restart."""

from __future__ import annotations

from collector.visits import VisitTracker

MINUTE = 60_000
T0 = 1_780_000_000_000


def test_hits_within_the_timeout_share_a_visit() -> None:
    visits = VisitTracker(30)
    first = visits.assign(1, 42, T0)
    assert visits.assign(1, 42, T0 + 29 * MINUTE) == first
    assert visits.assign(1, 42, T0 + 58 * MINUTE) == first  # each hit extends the visit
    assert first[1] == T0


def test_a_gap_longer_than_the_timeout_starts_a_new_visit() -> None:
    visits = VisitTracker(30)
    first_id, _ = visits.assign(1, 42, T0)
    second_id, start = visits.assign(1, 42, T0 + 31 * MINUTE)
    assert second_id != first_id and start == T0 + 31 * MINUTE


def test_visitors_and_sites_are_kept_apart() -> None:
    visits = VisitTracker(30)
    ids = {visits.assign(site, visitor, T0)[0] for site in (1, 2) for visitor in (7, 8)}
    assert len(ids) == 4 and 0 not in ids


def test_timeout_is_configurable() -> None:
    visits = VisitTracker(5)
    first_id, _ = visits.assign(1, 42, T0)
    assert visits.assign(1, 42, T0 + 6 * MINUTE)[0] != first_id


def test_a_slightly_late_hit_joins_the_visit_it_belongs_to() -> None:
    visits = VisitTracker(30)
    first = visits.assign(1, 42, T0 + 10 * MINUTE)
    assert visits.assign(1, 42, T0 + 2 * MINUTE) == first


def test_remembered_visits_continue_after_a_restart() -> None:
    before = VisitTracker(30)
    visit_id, start = before.assign(1, 42, T0)
    after = VisitTracker(30)
    after.warm([(1, 42, T0 + 5 * MINUTE, visit_id, start)])
    assert after.assign(1, 42, T0 + 20 * MINUTE) == (visit_id, start)


def test_memory_is_bounded() -> None:
    visits = VisitTracker(30, max_visitors=100)
    for visitor in range(1000):
        visits.assign(1, visitor, T0 + visitor)
    assert len(visits) == 100


def test_a_backdated_import_keeps_its_visits_through_a_sweep(monkeypatch) -> None:
    visits = VisitTracker(30)
    first = visits.assign(1, 42, T0)  # a hit from long ago, arriving now
    monkeypatch.setattr(visits, "_swept_at", visits._swept_at - 120)  # a sweep is due
    visits.assign(1, 99, T0 + MINUTE)
    assert visits.assign(1, 42, T0 + 10 * MINUTE) == first


def test_visitors_silent_for_a_whole_timeout_are_forgotten(monkeypatch) -> None:
    import collector.visits as module

    visits = VisitTracker(30)
    visits.assign(1, 42, T0)
    later = module.time.time() + 31 * 60
    monkeypatch.setattr(module.time, "time", lambda: later)
    monkeypatch.setattr(visits, "_swept_at", visits._swept_at - 120)
    visits.assign(1, 99, T0 + 40 * MINUTE)
    assert len(visits) == 1
