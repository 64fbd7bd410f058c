"""The warehouse's Python API: one object for dashboards, the CLI and notebooks.

Example::

    from warehouse import Warehouse
    wh = Warehouse.open()                         # settings from AMOSCOPE_* variables
    page = wh.replay("activity", limit=50, department_id=3)
    page.events[["id", "kind", "summary"]], page.next_cursor
    wh.timeline("cars", 42)                       # every event and state of CAR id 42
    wh.sql("SELECT action, count(*) FROM audit_events GROUP BY action").to_pandas()
"""

from __future__ import annotations

import copy
import threading
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow.fs as pafs
from sqlalchemy.engine import Engine

from warehouse import history as history_module
from warehouse import investigation as investigation_module
from warehouse import replay as replay_module
from warehouse import timeline as timeline_module
from warehouse.archive import archived_tables, open_store
from warehouse.archive.layout import manifest_dir, table_data_dir
from warehouse.catalog import ArchiveCatalog
from warehouse.clock import WALL_CLOCK, Clock
from warehouse.console import Console, ConsoleResult
from warehouse.database import create_engine
from warehouse.duck import DuckGate
from warehouse.errors import WarehouseError
from warehouse.event_cache import EventCache
from warehouse.events import RequestContext
from warehouse.hot import HotTail
from warehouse.kpi import KpiNamespace
from warehouse.kpi.base import KpiContext
from warehouse.kpi.snapshots import SnapshotCache
from warehouse.schema import MUTABLE_TABLES, metadata
from warehouse.scope import ALL_AMOS, TenantScope
from warehouse.settings import WarehouseSettings, require
from warehouse.sources import Sources

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from warehouse.archive.verify import VerifyReport


def _trusted_key(public_key: str | Path | None) -> Ed25519PublicKey | None:
    if public_key is None:
        return None
    from warehouse.archive.signatures import load_public_key

    return load_public_key(Path(public_key))


class Warehouse:
    """DuckDB over the archive's manifest-listed files ∪ the operational hot tail.

    Keep one per process: it holds the DuckDB connection (one cursor per thread), the manifest
    cache and the database engine, so each call pays for its query only.
    """

    def __init__(self, settings: WarehouseSettings, engine: Engine | None = None, *,
                 clock: Clock = WALL_CLOCK) -> None:
        self.settings = require(settings, WarehouseSettings, "Warehouse")
        self.engine = engine if engine is not None else create_engine(settings.database_url)
        self.store = open_store(settings.archive_url, s3_endpoint_url=settings.s3_endpoint_url)
        catalog, gate = ArchiveCatalog(self.store), DuckGate()
        cache = None
        if settings.warehouse_cache_dir:
            identity = str(self.store.local_root.resolve()) if self.store.local_root else settings.archive_url
            cache = EventCache(settings.warehouse_cache_dir, identity, catalog, gate)
        self.sources = Sources(catalog, HotTail(self.engine), gate, cache)
        self.scope = ALL_AMOS
        snapshots = (SnapshotCache(settings.kpi_cache_entries, settings.kpi_cache_live_seconds)
                     if settings.kpi_cache_entries else None)
        self.kpi = KpiNamespace(self.sources, clock, snapshots)
        self._consoles = _ConsoleCache()

    def for_amo(self, amo_id: int) -> Warehouse:
        """This warehouse read for one AMO: every list, record, history, replay, KPI, export and
        console query of the result sees that AMO's rows only (DESIGN.md "Tenants").

        Cheap (it shares the connections and caches); the dashboards take one per request.
        """
        scoped = copy.copy(self)
        scoped.scope = TenantScope.for_amo(amo_id)
        scoped.sources = self.sources.scoped(scoped.scope)
        scoped.kpi = self.kpi.scoped(scoped.sources)
        return scoped

    @classmethod
    def open(cls, settings: WarehouseSettings | None = None, engine: Engine | None = None) -> Warehouse:
        """A warehouse for ``settings`` (default: read from the environment)."""
        return cls(settings if settings is not None else WarehouseSettings.from_env(), engine)

    def replay(self, stream: str = "activity", after: str | None = None, limit: int = 500,
               **filters: Any) -> replay_module.ReplayPage:
        """Events of ``stream`` ("activity" or "audit") after a cursor, oldest first.

        ``after=None`` starts at the oldest event. Filters: amo_id, department_id, entity_type,
        entity_id, actor_user_id, action (audit) or kind (activity), since, until, text.

        >>> page = wh.replay("audit", limit=100, entity_type="cars")   # doctest: +SKIP
        >>> page = wh.replay("audit", after=page.next_cursor)          # doctest: +SKIP
        """
        return replay_module.replay(self.sources, stream, after, limit, **filters)

    def latest_cursor(self, stream: str = "activity") -> str:
        """A cursor at the newest event: a live feed starts here and replays what comes next."""
        return replay_module.latest_cursor(self.sources, stream)

    def history(self, stream: str = "activity", *, page: str | None = None, limit: int = 100,
                newest_first: bool = True, if_none_match: str | None = None,
                **filters: Any) -> history_module.HistoryPage:
        """A keyset page of history, newest (or oldest) first, with next and previous cursors.

        Pass the page's ``fingerprint`` back as ``if_none_match`` to poll cheaply: when nothing
        matching changed, the answer has ``not_modified=True`` and no events.
        """
        return history_module.history(self.sources, stream, page=page, limit=limit,
                                      newest_first=newest_first, if_none_match=if_none_match, **filters)

    def fingerprint(self, stream: str = "activity", **filters: Any) -> str:
        """An ETag-like value that changes when the events matching ``filters`` change."""
        return history_module.fingerprint(self.sources, stream, **filters)

    def events(self, stream: str = "activity", *, max_events: int = 100_000, **filters: Any) -> pd.DataFrame:
        """Every event of ``stream`` matching ``filters``, oldest first, archive and hot tail alike.

        The filters of :meth:`history` (``since``, ``until``, ``actor_user_id``, ``action``, ...);
        more than ``max_events`` matching is an error rather than a silently partial answer.

        >>> wh.events("audit", actor_user_id=7, since=datetime(2026, 1, 1, tzinfo=UTC))  # doctest: +SKIP
        """
        return history_module.all_events(self.sources, stream, max_events=max_events, **filters)

    def records(self, table: str, *, as_of: date | datetime | None = None) -> pd.DataFrame:
        """The rows of a record table (``users``, ``aircraft``, ``cars``, ...): the current rows, or
        with ``as_of`` each record as it stood then, rebuilt from the audit trail like an as-of KPI.

        Columns are the archived ones (secrets such as password hashes never leave the database).

        >>> wh.records("users")[["id", "full_name", "department_id"]]     # doctest: +SKIP
        """
        if table not in MUTABLE_TABLES:
            raise WarehouseError(f"{table!r} is not a record table; use one of "
                                 f"{', '.join(sorted(MUTABLE_TABLES))}")
        key = ", ".join(f'"{column.name}"' for column in metadata.tables[table].primary_key)
        with KpiContext(self.sources, as_of) as ctx:
            return ctx.query(f'SELECT * FROM "{table}" ORDER BY {key}', tables=(table,))

    def timeline(self, entity_type: str, entity_id: Any) -> pd.DataFrame:
        """Every audit and activity event of one record, oldest first, with its state after each."""
        return timeline_module.timeline(self.sources, entity_type, entity_id)

    def as_of(self, entity_type: str, entity_id: Any, when: datetime) -> dict[str, Any] | None:
        """The record as it was at ``when`` (its latest audit ``after`` image), or None."""
        return timeline_module.as_of(self.sources, entity_type, entity_id, when)

    def investigation(self, aircraft: str | int, *, since: date | datetime | None = None,
                      until: date | datetime | None = None,
                      as_of: date | datetime | None = None) -> pd.DataFrame:
        """The investigators' wide view of one aircraft: its defects in the window, their task
        cards, the parts and tools used, the signers and their authorisations at the time.

        One row per defect × card × part movement or tool check-out; see
        :mod:`warehouse.investigation` for the columns and rules.

        >>> view = wh.investigation("D-ABCD", since=date(2025, 6, 1))  # doctest: +SKIP
        >>> view[view.calibration_at_use == "OVERDUE"]                 # doctest: +SKIP
        """
        return investigation_module.wide_view(self.sources, aircraft, since=since, until=until, as_of=as_of)

    def verify(self, tables: list[str] | None = None, *, since: date | None = None,
               public_key: str | Path | None = None, archive_url: str | None = None) -> VerifyReport:
        """Re-check the archive offline, as ``amoscope archive verify`` does: the manifests' chain,
        every committed file's size and SHA-256, every row's hash against its batch's Merkle root.

        ``public_key`` is the trusted Ed25519 key (a PEM file) for signed manifests;
        ``archive_url`` verifies another copy of the archive (a folder or ``s3://`` URL) instead.
        The report lists every problem found (``report.ok`` when there is none).
        """
        from warehouse.archive.verify import verify_archive

        store = self.store if archive_url is None else open_store(
            archive_url, s3_endpoint_url=self.settings.s3_endpoint_url)
        return verify_archive(store, tables=tables, since=since, public_key=_trusted_key(public_key))

    def prove(self, value: str, *, table: str = "audit_events", column: str = "event_id") -> dict[str, Any]:
        """The inclusion proof of one archived row (by default the audit event ``value``): its
        fields, the Merkle path to its batch's root and the batch's manifest, as a JSON-able dict
        that :meth:`check_proof` (or any SHA-256 tool, docs/archive-format.md) checks offline."""
        from warehouse.archive.proof import build_proof

        return build_proof(self.store, value, table=table, column=column)

    @staticmethod
    def check_proof(proof: dict[str, Any], public_key: str | Path | None = None) -> list[str]:
        """Problems with an inclusion proof (empty: the row is in the batch its manifest commits)."""
        from warehouse.archive.proof import check_proof

        return check_proof(proof, _trusted_key(public_key))

    def copy_archive(self, folder: str | Path, tables: list[str] | None = None) -> Path:
        """Copy the manifests and data of ``tables`` (default: all archived) into a local folder.

        The copy is a complete archive of those tables: verify it with ``verify(archive_url=...)``,
        hand it to a third party, or alter it to see what tampering looks like, never touching
        the archive itself.
        """
        target, local = Path(folder).resolve(), pafs.LocalFileSystem()
        for table in tables or archived_tables(self.store):
            for part in (manifest_dir(table), table_data_dir(table)):
                if self.store.exists(part):
                    (target / part).mkdir(parents=True, exist_ok=True)
                    pafs.copy_files(self.store.full_path(part), str(target / part),
                                    source_filesystem=self.store.fs, destination_filesystem=local)
        return target

    def sql(self, query: str, *, context: RequestContext | None = None,
            amo_id: int | None = None) -> ConsoleResult:
        """Run one SELECT in the auditors' sandbox over the archived tables (audited).

        Each archived table is a view of the same name holding every archived row of the scope
        (for record tables: every archived version): this warehouse's scope, else the AMO
        ``amo_id``, else every AMO's, which the console allows only to a superuser or to the
        command line. See :mod:`warehouse.console` for the sandbox.

        >>> wh.sql("SELECT action, count(*) FROM audit_events GROUP BY 1", amo_id=1)  # doctest: +SKIP
        """
        scope = self.scope
        if amo_id is not None:
            if not scope.is_unscoped and scope.amo_id != amo_id:
                raise WarehouseError("this warehouse is scoped to another AMO")
            scope = TenantScope.for_amo(amo_id)
        return self.console().query(query, context=context or RequestContext(auth_method="CLI"), scope=scope)

    def console(self) -> Console:
        """The sandboxed console over the current archive (rebuilt when a manifest is added).

        Each table is a pyarrow dataset over the manifest-listed files, local or on an object
        store; the console's own processes read them (see :mod:`warehouse.sandbox`).
        """
        catalog = self.sources.catalog
        names = archived_tables(self.store)
        head = "|".join(f"{table}={catalog.head(table)}" for table in names)
        with self._consoles.lock:
            if self._consoles.console is None or self._consoles.head != head:
                files = {table: catalog.files(table) for table in names}
                tables = {table: catalog.dataset(table, found) for table, found in files.items() if found}
                console = Console(
                    tables, audit_engine=self.engine,
                    row_limit=self.settings.console_row_limit,
                    byte_limit=self.settings.console_byte_limit,
                    timeout_seconds=self.settings.console_timeout_seconds,
                    memory_limit=self.settings.console_memory_limit,
                    threads=self.settings.console_threads,
                )
                self._consoles.head, self._consoles.console = head, console
            return self._consoles.console

    def close(self) -> None:
        """Release the DuckDB connections (of this warehouse and every view of it from :meth:`for_amo`)."""
        if self.sources.cache is not None:
            self.sources.cache.close()
        self.sources.gate.close()


class _ConsoleCache:
    """The console of the archive's current head, shared by a warehouse and its scoped views."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.head: str | None = None
        self.console: Console | None = None
