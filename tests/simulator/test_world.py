"""The in-memory world: deterministic event ids, change images, and the history's time window."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from simulator.history import SCALES, build_history, scale_named
from simulator.world import AUDIT_FIELDS, SYSTEM_ACTOR, Actor, GeneratorError, World

AS_OF = date(2026, 3, 1)


def _event(world: World, index: int = -1) -> dict:
    return dict(zip(AUDIT_FIELDS, world.audit[index][2:], strict=True))


def test_event_ids_are_uuid7_in_time_order_and_repeat_with_the_seed():
    first, again, other = World(5, AS_OF, 1), World(5, AS_OF, 1), World(6, AS_OF, 1)
    moments = [datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=n) for n in range(50)]
    ids = [first.uuid7(at) for at in moments]
    assert all(uuid.UUID(value).version == 7 and uuid.UUID(value).variant == uuid.RFC_4122 for value in ids)
    assert ids == sorted(ids)
    assert ids == [again.uuid7(at) for at in moments]
    assert set(ids).isdisjoint(other.uuid7(at) for at in moments)


def test_change_records_only_changed_fields_before_and_the_full_row_after():
    world = World(1, AS_OF, 1)
    at = world.now - timedelta(days=10)
    values = {"status": "OPEN", "due_date": date(2026, 2, 27), "owner": 4}
    row = world.create("cars", at, SYSTEM_ACTOR, values, amo_id=1, department_id=2)
    actor = Actor(7, "quality")
    world.change("cars", row, at + timedelta(hours=2), actor, {"status": "CLOSED", "owner": 4},
                 action="STATE_CHANGE", activity=("car.closed", "closed"))
    event = _event(world)
    assert event["action"] == "STATE_CHANGE" and event["workflow_phase"] == "CLOSED"
    assert json.loads(event["before"]) == {"status": "OPEN"}
    assert json.loads(event["changed_fields"]) == ["status"]
    after = json.loads(event["after"])
    assert after["status"] == "CLOSED" and after["row_version"] == 2 and after["updated_by"] == 7
    assert after["due_date"] == "2026-02-27" and event["entity_version"] == 2
    assert world.activity[-1][6:8] == ("car.closed", "cars")


def test_changes_out_of_order_or_outside_the_history_are_refused():
    world = World(1, AS_OF, 1)
    row = world.create("tools", world.now - timedelta(days=1), SYSTEM_ACTOR, {"status": "SERVICEABLE"},
                       amo_id=1, department_id=1)
    with pytest.raises(GeneratorError, match="before its last change"):
        world.change("tools", row, world.now - timedelta(days=2), SYSTEM_ACTOR, {"status": "LOST"})
    with pytest.raises(GeneratorError, match="outside the history"):
        world.change("tools", row, world.now, SYSTEM_ACTOR, {"status": "LOST"})
    with pytest.raises(GeneratorError, match="unknown audit action"):
        world.change("tools", row, world.now - timedelta(hours=1), SYSTEM_ACTOR, {"status": "LOST"},
                     action="EDIT")


def test_unknown_scale_names_the_choices():
    with pytest.raises(GeneratorError, match="demo, 1m, 10m"):
        scale_named("huge")


def test_the_history_is_the_same_in_memory_for_the_same_seed_and_ends_before_as_of():
    world, _ = build_history(SCALES["demo"], 3, AS_OF)
    again, _ = build_history(SCALES["demo"], 3, AS_OF)
    assert world.audit == again.audit and world.tables == again.tables
    assert max(event[0] for event in world.audit) < world.now
    assert min(event[0] for event in world.audit) >= world.now - timedelta(days=3 * 365)
