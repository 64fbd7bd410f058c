"""The world the notebooks investigate: the demo seeded into SQLite and archived once, the old
events pruned from the database (so answers must come from both sides), then a night of unusual
activity written after the archive run (so it is only in the hot tail)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import sqlalchemy as sa

from amoscope import migrate
from amoscope.notebooks import NOTEBOOKS_DIR, find, run
from amoscope.settings import Settings
from etl.prune import prune
from etl.run import run_once
from simulator import seed_database
from warehouse.database import create_engine
from warehouse.events import RequestContext, record_audit

KEEP_IN_DATABASE = timedelta(days=30)
EXPORT_BURST = 12  # exports in six minutes, written after the archive run


@dataclass(frozen=True)
class Demo:
    settings: Settings
    engine: sa.Engine
    night: datetime  # when the unusual activity happened (UTC)
    suspect: dict  # the user whose account was revoked and who exported in a burst
    admin: dict  # who revoked it
    revoke_event_id: str
    export_event_ids: list[str]

    def sql(self, query: str, **params) -> pd.DataFrame:
        """A query of the operational database, independent of the warehouse."""
        with self.engine.connect() as connection:
            return pd.read_sql(sa.text(query), connection, params=params)

    def audit_events(self) -> pd.DataFrame:
        """Every audit event, archive ∪ database, read with pyarrow and SQL instead of the warehouse."""
        files = sorted((Path(self.settings.archive_url) / "data" / "audit_events").rglob("*.parquet"))
        archived = pd.concat([pd.read_parquet(path) for path in files], ignore_index=True)
        hot = self.sql("SELECT * FROM audit_events")
        both = pd.concat([archived.drop(columns=["month"]), hot], ignore_index=True)
        both["occurred_at"] = pd.to_datetime(both["occurred_at"], utc=True, format="ISO8601")
        return both.drop_duplicates("event_id").sort_values(["occurred_at", "id"], ignore_index=True)


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    folder = tmp_path_factory.mktemp("notebook-demo")
    settings = Settings.from_env({}, database_url=f"sqlite:///{folder / 'amoscope.db'}",
                                 archive_url=str(folder / "archive"))
    engine = create_engine(settings.database_url)
    migrate.upgrade(engine)
    seed_database(engine, scale="demo")
    run_once(settings.etl, engine)
    prune(settings.etl, engine, KEEP_IN_DATABASE, tables=("audit_events", "activity_events"))
    night = datetime.combine(datetime.now(UTC).date() - timedelta(days=1), time(2, 10), UTC)
    with engine.begin() as connection:
        users = pd.read_sql(sa.text(
            "SELECT u.id, u.amo_id, u.username, u.full_name, r.code AS role FROM users u "
            "JOIN roles r ON r.id = u.role_id WHERE u.is_active ORDER BY u.id"), connection)
        suspect = users[users.role == "member"].iloc[0].to_dict()
        admin = users[(users.role == "admin") & (users.amo_id == suspect["amo_id"])].iloc[0].to_dict()
        member = RequestContext(actor_user_id=int(suspect["id"]), actor_role="member", auth_method="SESSION",
                                ip="10.9.9.9")
        exports = [record_audit(connection, member, "EXPORT", amo_id=int(suspect["amo_id"]),
                                entity_type="task_cards", entity_id=None, reason="CSV export of the list",
                                occurred_at=night + timedelta(seconds=30 * i))
                   for i in range(EXPORT_BURST)]
        by_admin = RequestContext(actor_user_id=int(admin["id"]), actor_role="admin", auth_method="SESSION")
        revoke = record_audit(
            connection, by_admin, "ADMIN_REVOKE", amo_id=int(suspect["amo_id"]), entity_type="users",
            entity_id=int(suspect["id"]), reason="Sessions revoked: bulk export at night",
            occurred_at=night + timedelta(minutes=25))
    return Demo(settings, engine, night, suspect, admin, revoke, exports)


@pytest.fixture
def execute(demo, tmp_path, monkeypatch):
    """Run a notebook the way ``amoscope notebooks run`` does, against the demo; the executed node."""
    for name in [name for name in os.environ if name.startswith("AMOSCOPE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AMOSCOPE_DATABASE_URL", demo.settings.database_url)
    monkeypatch.setenv("AMOSCOPE_ARCHIVE_URL", demo.settings.archive_url)

    def execute(name: str, **params: str) -> nbformat.NotebookNode:
        info = find(name)
        result = run(info, info.check(params), tmp_path / "out", cwd=tmp_path)
        assert result.html.stat().st_size > 0
        return nbformat.read(result.notebook, as_version=4)

    return execute


def printed(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """The text each tagged code cell printed, by tag."""
    texts = {}
    for cell in notebook.cells:
        for tag in cell.metadata.get("tags", []):
            streams = [output for output in cell.get("outputs", []) if output.output_type == "stream"]
            texts[tag] = "".join(output.text for output in streams)
    return texts


def number(pattern: str, text: str) -> list[str]:
    """The groups of ``pattern`` in ``text``, or a failure that shows the text."""
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in:\n{text}"
    return list(match.groups())


ALL_NOTEBOOKS = sorted(path.stem for path in NOTEBOOKS_DIR.glob("*.ipynb"))
