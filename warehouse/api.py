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

import threading
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from warehouse import history as history_module
from warehouse import investigation as investigation_module
from warehouse import replay as replay_module
from warehouse import timeline as timeline_module
from warehouse.archive import archived_tables, open_store
from warehouse.catalog import ArchiveCatalog
from warehouse.clock import WALL_CLOCK, Clock
from warehouse.console import Console, ConsoleResult
from warehouse.database import create_engine
from warehouse.duck import DuckGate
from warehouse.event_cache import EventCache
from warehouse.events import RequestContext
from warehouse.hot import HotTail
from warehouse.kpi import KpiNamespace
from warehouse.settings import WarehouseSettings, require
from warehouse.sources import Sources


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
        self.kpi = KpiNamespace(self.sources, clock)
        self._console: tuple[str, Console] | None = None
        self._console_lock = threading.Lock()

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

    def sql(self, query: str, *, context: RequestContext | None = None,
            amo_id: int | None = None) -> ConsoleResult:
        """Run one SELECT in the auditors' sandbox over the archived tables (audited).

        Each archived table is a view of the same name holding every archived row (for record
        tables: every archived version). See :mod:`warehouse.console` for the sandbox.

        >>> wh.sql("SELECT action, count(*) FROM audit_events GROUP BY 1").to_pandas()  # doctest: +SKIP
        """
        return self.console().query(query, context=context or RequestContext(auth_method="CLI"),
                                    amo_id=amo_id)

    def console(self) -> Console:
        """The sandboxed console over the current archive (rebuilt when a manifest is added).

        A local archive is read by DuckDB's Parquet reader, confined to the archive folder; an
        object store through pyarrow datasets over the manifest-listed files.
        """
        catalog = self.sources.catalog
        names = archived_tables(self.store)
        head = "|".join(f"{table}={catalog.head(table)}" for table in names)
        with self._console_lock:
            if self._console is None or self._console[0] != head:
                files = {table: catalog.files(table) for table in names}
                if self.store.local_root is None:
                    tables = {table: catalog.dataset(table, found) for table, found in files.items() if found}
                else:
                    tables = {table: [self.store.full_path(f.path) for f in found]
                              for table, found in files.items()}
                if self._console is not None:
                    self._console[1].close()
                console = Console(
                    self.store.local_root, tables, audit_engine=self.engine,
                    row_limit=self.settings.console_row_limit,
                    timeout_seconds=self.settings.console_timeout_seconds,
                    memory_limit=self.settings.console_memory_limit,
                    threads=self.settings.console_threads,
                )
                self._console = (head, console)
            return self._console[1]

    def close(self) -> None:
        """Release the DuckDB connections and the console."""
        with self._console_lock:
            if self._console is not None:
                self._console[1].close()
                self._console = None
        if self.sources.cache is not None:
            self.sources.cache.close()
        self.sources.gate.close()
