"""Migrations round-trip on both dialects and match the metadata; the cursor DDL works."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from amoscope import migrate
from warehouse import schema
from warehouse.database import create_engine
from warehouse.events import SYSTEM, record_activity, record_audit


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("empty_pg_url")


def _schema_diff(engine: sa.Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, schema.metadata)


def test_upgrade_downgrade_upgrade_round_trip_without_drift(empty_url):
    engine = create_engine(empty_url)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert _schema_diff(engine) == []

    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}

    migrate.upgrade(engine)
    assert _schema_diff(engine) == []
    assert set(schema.metadata.tables) <= set(sa.inspect(engine).get_table_names())
    engine.dispose()


def test_single_head():
    assert migrate.head_revision()


def _make_amo(connection) -> int:
    return connection.execute(
        schema.amos.insert().returning(schema.amos.c.id), {"code": "T1", "name": "Test AMO"}
    ).scalar_one()


def test_postgres_event_tables_are_append_only(pg_engine):
    with pg_engine.begin() as connection:
        amo_id = _make_amo(connection)
        record_audit(connection, SYSTEM, "CREATE", amo_id=amo_id, entity_type="amo", entity_id=amo_id)
        record_activity(connection, amo_id=amo_id, kind="amo.created", summary="AMO created")
    for statement in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events",
                      "TRUNCATE audit_events", "UPDATE activity_events SET summary = 'x'"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), pg_engine.begin() as connection:
            connection.execute(sa.text(statement))
    with pg_engine.begin() as connection:  # only a prune transaction may delete
        connection.execute(sa.text("SET LOCAL amoscope.prune = 'on'"))
        assert connection.execute(sa.text("DELETE FROM audit_events")).rowcount == 1


def test_postgres_txid_cursor_comes_from_the_inserting_transaction(pg_engine):
    with pg_engine.begin() as connection:
        amo_id = _make_amo(connection)
        txid = connection.execute(sa.text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()
        record_activity(connection, amo_id=amo_id, kind="k", summary="s")
        record_activity(connection, amo_id=amo_id, kind="k", summary="s")
    with pg_engine.connect() as connection:
        txids = connection.execute(sa.select(schema.activity_events.c.txid)).scalars().all()
        change_txid = connection.execute(sa.select(schema.amos.c.change_txid)).scalar_one()
    assert txids == [txid, txid]
    assert change_txid == txid


def test_change_txid_grows_on_every_update(sqlite_engine, pg_engine):
    for engine in (sqlite_engine, pg_engine):
        with engine.begin() as connection:
            amo_id = _make_amo(connection)
        seen = []
        for name in ("first", "second", "third"):
            with engine.begin() as connection:
                connection.execute(schema.amos.update().where(schema.amos.c.id == amo_id).values(name=name))
                seen.append(connection.execute(sa.select(schema.amos.c.change_txid)).scalar_one())
        assert seen == sorted(seen) and len(set(seen)) == 3, (engine.dialect.name, seen)
