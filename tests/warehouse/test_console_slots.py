"""The per-user console limit in the operational database, alike on PostgreSQL and SQLite
(SECURITY-CHECKLIST E45: at most two console queries per user)."""

from __future__ import annotations

import threading

import pytest

from warehouse.console_slots import ConsoleSlots
from warehouse.errors import ConsoleBusy


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


def test_two_slots_per_user_then_busy(engine):
    slots = ConsoleSlots(engine, 2, lease_seconds=60)
    first, second = slots.acquire(7), slots.acquire(7)
    assert {first.number, second.number} == {0, 1}
    with pytest.raises(ConsoleBusy, match="2 console queries running"):
        slots.acquire(7)
    assert slots.acquire(8).number == 0  # another user is not held up
    assert slots.acquire(None).user_key == "cli"
    slots.release(first)
    assert slots.acquire(7).number == first.number


def test_a_released_slot_of_another_holder_stays_taken(engine):
    slots = ConsoleSlots(engine, 1, lease_seconds=60)
    held = slots.acquire(9)
    slots.release(type(held)(held.user_key, held.number, "someone-else"))
    with pytest.raises(ConsoleBusy):
        slots.acquire(9)


def test_racing_acquires_never_exceed_the_limit(engine):
    """Twelve threads, each with its own connection, race for two slots of one user."""
    slots = ConsoleSlots(engine, 2, lease_seconds=60)
    start = threading.Barrier(12)
    outcomes: list[str] = []

    def race():
        start.wait()
        try:
            slots.acquire(11)
            outcomes.append("slot")
        except ConsoleBusy:
            outcomes.append("busy")

    threads = [threading.Thread(target=race) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["busy"] * 10 + ["slot"] * 2
