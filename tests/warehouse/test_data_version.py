"""The data version moves when domain data is written (records, domain events, archive runs, late
commits) and stays put when someone only looks or signs in."""

from __future__ import annotations

import pytest

from tests.warehouse.conftest import (
    add_activity,
    add_finding,
    archive_now,
    look_and_sign_in,
    raise_car,
    seed_org,
    seed_people,
)
from warehouse.data_version import OBSERVATIONS, data_version
from warehouse.events import SYSTEM, record_activity, record_audit


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_records_and_domain_events_move_the_version_looking_does_not(dialect, request):
    engine = request.getfixturevalue("pg_engine" if dialect == "postgresql" else "sqlite_engine")
    org = seed_org(engine)
    people = seed_people(engine, org)
    finding = add_finding(engine, org)
    before = data_version(engine)
    assert data_version(engine) == before, "reading twice changes nothing"

    look_and_sign_in(engine, org, people["QUAL"])
    assert data_version(engine) == before, "a view, an export or a sign-in is not new data"

    raise_car(engine, org, finding, "CAR-1")
    after_car = data_version(engine)
    assert after_car != before

    add_activity(engine, org, 1)
    after_activity = data_version(engine)
    assert after_activity != after_car

    with engine.begin() as connection:  # a sign-off alone is an audit event of a domain action
        record_audit(connection, SYSTEM, "SIGN", amo_id=org["amo"], entity_type="task_cards", entity_id=1,
                     signature_meaning="PERFORMED")
    assert data_version(engine) != after_activity


def test_observations_are_audit_actions():
    from warehouse.events import AUDIT_ACTIONS

    assert OBSERVATIONS <= AUDIT_ACTIONS
    assert not {"CREATE", "UPDATE", "STATE_CHANGE", "VOID", "SIGN"} & OBSERVATIONS


def test_an_archive_run_moves_the_version(pg_settings, pg_engine):
    org = seed_org(pg_engine)
    add_activity(pg_engine, org, 3)
    before = data_version(pg_engine)
    archive_now(pg_settings, pg_engine)
    assert data_version(pg_engine) != before


def test_a_transaction_committing_after_a_newer_one_moves_the_version(pg_engine):
    """Transaction ids are assigned at the start: an older transaction that commits last does not
    raise the maxima, so the version carries the commit horizon while it is open."""
    org = seed_org(pg_engine)
    with pg_engine.connect() as late:
        late.begin()
        record_activity(late, amo_id=org["amo"], kind="car.raised", summary="late")  # older xid, smaller id
        add_activity(pg_engine, org, 1)  # a newer transaction, committed first: the maxima are its
        while_open = data_version(pg_engine)
        assert data_version(pg_engine) == while_open
        late.commit()
    after = data_version(pg_engine)
    assert after != while_open
    assert data_version(pg_engine) == after, "once every older transaction ended, the version holds still"
