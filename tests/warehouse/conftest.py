"""Fixtures of the warehouse tests: small archives written here, events inserted for real."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest


def at(text: str) -> datetime:
    """An ISO date-time read as UTC: ``at("2025-06-30 12:00")``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def console_archive(tmp_path: Path) -> dict:
    """An archive folder of two AMOs (1 and 2): listed Parquet files of audit and activity events,
    CARs and their attachments (a child table without amo_id), plus files no manifest lists (a
    leftover and a half-written one, holding AMO 2's rows), a secret outside and symlinks out."""
    CANARY = "TOP-SECRET-CANARY"  # noqa: N806 - the canary of the console tests
    root = tmp_path / "console-archive"
    outside = tmp_path / "outside"
    outside.mkdir()

    def write(table: str, name: str, rows: dict) -> Path:
        folder = root / "data" / table
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(rows), folder / name)
        return folder / name

    audit = write("audit_events", "000000000001-000.parquet", {
        "id": pa.array(range(1, 301), pa.int64()),
        "txid": pa.array([0] * 300, pa.int64()),
        "amo_id": pa.array([1, 2] * 150, pa.int64()),
        "action": ["CREATE", "UPDATE", "STATE_CHANGE"] * 100,
        "entity_type": ["cars"] * 300,
        "entity_id": [str(i % 7) for i in range(300)],
    })
    activity = write("activity_events", "000000000001-000.parquet", {
        "id": pa.array(range(1, 11), pa.int64()),
        "amo_id": pa.array([1] * 5 + [2] * 5, pa.int64()),
        "kind": ["car.closed"] * 10,
        "summary": [f"CAR {i} closed" for i in range(10)],
    })
    cars = write("cars", "000000000001-000.parquet", {
        "id": pa.array([1, 2, 3, 4], pa.int64()),
        "amo_id": pa.array([1, 1, 2, 2], pa.int64()),
        "car_no": ["CAR-A1", "CAR-A2", "CAR-B1", "CAR-B2"],
    })
    attachments = write("car_attachments", "000000000001-000.parquet", {
        "id": pa.array([10, 11, 12], pa.int64()),
        "car_id": pa.array([1, 3, 4], pa.int64()),
        "filename": ["a1.pdf", "b1.pdf", "b2.pdf"],
    })
    leftover = write("cars", "000000000002-000.parquet", {  # no manifest lists it
        "id": pa.array([5], pa.int64()), "amo_id": pa.array([2], pa.int64()), "car_no": [CANARY]})
    half_written = write("cars", ".tmp-000000000003-000.parquet", {
        "id": pa.array([6], pa.int64()), "amo_id": pa.array([1], pa.int64()), "car_no": [CANARY]})
    (outside / "secret.txt").write_text("TOP-SECRET-CANARY\n")
    pq.write_table(pa.table({"secret": ["TOP-SECRET-CANARY"]}), outside / "secret.parquet")
    (root / "link_to_secret.txt").symlink_to(outside / "secret.txt")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    return {"root": root, "outside": outside, "unlisted": [leftover, half_written],
            "amo_b_files": [audit, activity, cars, attachments],
            "tables": {"audit_events": [str(audit)], "activity_events": [str(activity)],
                       "cars": [str(cars)], "car_attachments": [str(attachments)]}}


@pytest.fixture(scope="module")
def module_pg_engine(pg_template: str):
    """One migrated PostgreSQL database shared by a module's tests (for cheap, many-case tests)."""
    from tests.conftest import create_pg_database, drop_pg_database
    from warehouse.database import create_engine

    url = create_pg_database(template=pg_template)
    engine = create_engine(url)
    yield engine
    engine.dispose()
    drop_pg_database(url)


def seed_org(engine) -> dict:
    """One AMO with a QUAL and a PROD department; returns their ids."""
    import sqlalchemy as sa

    from warehouse.schema import amos, departments

    with engine.begin() as connection:
        amo_id = connection.execute(sa.insert(amos).values(code="AMO1", name="Test AMO")
                                    .returning(amos.c.id)).scalar_one()
        ids = {"amo": amo_id}
        for code in ("QUAL", "PROD"):
            ids[code] = connection.execute(sa.insert(departments).values(amo_id=amo_id, code=code, name=code)
                                           .returning(departments.c.id)).scalar_one()
    return ids


def add_activity(engine, org: dict, count: int, *, department: str = "QUAL", kind: str = "car.closed",
                 start=None, step_seconds: int = 60, summary: str = "CAR {n} closed") -> list[int]:
    """Insert ``count`` activity events, one transaction each; returns their ids."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from warehouse.events import record_activity
    from warehouse.schema import activity_events

    start = start or datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for n in range(count):
        with engine.begin() as connection:
            event_id = record_activity(connection, amo_id=org["amo"], kind=kind,
                                       summary=summary.format(n=n), department_id=org[department],
                                       entity_type="cars", entity_id=n,
                                       occurred_at=start + timedelta(seconds=step_seconds * n))
            ids.append(connection.execute(sa.select(activity_events.c.id)
                                          .where(activity_events.c.event_id == event_id)).scalar_one())
    return ids


def prune_archived(engine, table: str, settings) -> int:
    """Run the ETL's retention prune on ``table`` with no kept window: every verified archived row goes."""
    from datetime import timedelta

    from etl.prune import prune

    return sum(result.deleted for result in prune(settings.etl, engine, timedelta(0), tables=(table,)))


def wait_visible(engine, timeout: float = 60) -> None:
    """Wait until every committed event is below the commit horizon.

    The horizon is the oldest transaction still running anywhere on the PostgreSQL cluster, and
    the test server is shared by concurrent test runs, whose open transactions hold it back.
    """
    import time

    import sqlalchemy as sa

    if engine.dialect.name != "postgresql":
        return
    deadline = time.monotonic() + timeout
    query = sa.text(
        "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint > greatest("
        "(SELECT coalesce(max(txid), 0) FROM activity_events), "
        "(SELECT coalesce(max(txid), 0) FROM audit_events))")
    while True:
        with engine.connect() as connection:
            if connection.execute(query).scalar_one():
                return
        if time.monotonic() > deadline:
            raise AssertionError("events stayed above the commit horizon: a transaction is held open")
        time.sleep(0.05)


def archive_now(settings, engine, tables=("activity_events", "audit_events")) -> None:
    """Run the ETL once (``tables=None``: every table) after every committed event is below the
    horizon, so all of them go."""
    from etl.run import run_once

    wait_visible(engine)
    run_once(settings.etl, engine, tables=None if tables is None else list(tables))


def write_record(engine, table_name: str, values: dict, at, *, record_id: int | None = None,
                 action: str | None = None) -> int:
    """Insert (or, with ``record_id``, update) one record and write its audit event at time ``at``.

    The audit event follows the cross-team contract: ``after`` is the full row image after the
    change (without ``change_txid``), ``before`` the previous values of the changed fields.
    """
    import sqlalchemy as sa

    from warehouse.events import SYSTEM, record_audit
    from warehouse.schema import metadata

    table = metadata.tables[table_name]
    columns = [c for c in table.columns if c.name != "change_txid"]
    with engine.begin() as connection:
        before = None
        if record_id is None:
            values = {"created_at": at, "updated_at": at, **values}
            insert = sa.insert(table).values(**values).returning(table.c.id)
            record_id = connection.execute(insert).scalar_one()
        else:
            old = connection.execute(sa.select(*columns).where(table.c.id == record_id)).mappings().one()
            version = old["row_version"] + 1
            connection.execute(sa.update(table).where(table.c.id == record_id)
                               .values(**values, updated_at=at, row_version=version))
            before = {key: old[key] for key in (*values, "updated_at", "row_version")}
        after = dict(connection.execute(sa.select(*columns).where(table.c.id == record_id)).mappings().one())
        if action is None:
            action = "CREATE" if before is None else ("STATE_CHANGE" if "status" in values else "UPDATE")
        record_audit(connection, SYSTEM, action, amo_id=after.get("amo_id"), entity_type=table_name,
                     entity_id=record_id, entity_version=after["row_version"], before=before, after=after,
                     workflow_phase=after.get("status") if action == "STATE_CHANGE" else None,
                     occurred_at=at)
    return record_id


def seed_people(engine, org: dict) -> dict:
    """A role and one user in each department of ``org``; returns {"QUAL": id, "PROD": id}."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from warehouse.schema import roles

    with engine.begin() as connection:
        role_id = connection.execute(sa.insert(roles).values(code="member", name="Member", description="-")
                                     .returning(roles.c.id)).scalar_one()
    at = datetime(2024, 1, 1, tzinfo=UTC)
    return {code: write_record(engine, "users", {
        "amo_id": org["amo"], "department_id": org[code], "role_id": role_id, "username": code.lower(),
        "email": f"{code.lower()}@amo.example", "full_name": f"{code} person"}, at)
        for code in ("QUAL", "PROD")}


def add_finding(engine, org: dict) -> int:
    """An open level-2 finding of ``org``'s QUAL department, raised on 10 January 2025."""
    return write_record(engine, "findings", {
        "amo_id": org["amo"], "finding_no": "F1", "source": "INTERNAL_AUDIT", "level": "L2",
        "regulation_ref": "145.A.40", "department_id": org["QUAL"], "description": "F1",
        "raised_at": at("2025-01-10"), "status": "OPEN"}, at("2025-01-10"))


def raise_car(engine, org: dict, finding_id: int, number: str) -> int:
    """An open CAR of ``org``'s QUAL department on ``finding_id``, raised on 11 January 2025 (written now)."""
    return write_record(engine, "cars", {
        "amo_id": org["amo"], "car_no": number, "finding_id": finding_id, "department_id": org["QUAL"],
        "due_date": date(2025, 2, 10), "root_cause_category": "JOB_TASK", "status": "OPEN"},
        at("2025-01-11"))


def look_and_sign_in(engine, org: dict, user_id: int) -> None:
    """What looking and signing in write: a VIEW, an EXPORT, a console query, a sign-in (its audit
    event and the user's last sign-in time)."""
    import sqlalchemy as sa

    from warehouse.events import RequestContext, record_audit
    from warehouse.schema import users

    who = RequestContext(actor_user_id=user_id, actor_role="member", auth_method="SESSION")
    with engine.begin() as connection:
        for action in ("VIEW", "EXPORT", "CONSOLE_QUERY"):
            record_audit(connection, who, action, amo_id=org["amo"], entity_type="cars", entity_id=1)
    with engine.begin() as connection:
        signed_in = sa.update(users).where(users.c.id == user_id).values(last_login_at=datetime.now(UTC))
        connection.execute(signed_in)
        record_audit(connection, who, "LOGIN", amo_id=org["amo"], entity_type="users", entity_id=user_id)
