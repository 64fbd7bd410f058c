"""Follow mode: an ETL run every interval until told to stop (SIGTERM, SIGINT)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import sqlalchemy as sa

from etl.errors import EtlError, LockedError, SourceMismatch
from etl.isolation import isolated
from etl.progress import Progress, plain_progress
from etl.run import run_once
from etl.settings import EtlSettings
from warehouse.archive.errors import ArchiveError, ManifestError
from warehouse.archive.layout import ARCHIVED_TABLES

log = logging.getLogger(__name__)


def follow(settings: EtlSettings, engine: sa.Engine, interval: float, stop: threading.Event, *,
           new_progress: Callable[[], Progress] = plain_progress) -> int:
    """Run until ``stop`` is set; return the number of completed runs.

    Each run on PostgreSQL is made in a child process (etl.isolation), with a progress display
    of its own from ``new_progress``.

    Small files are kept in check here: a table is compacted inside the run after it has had
    ``AMOSCOPE_ETL_COMPACT_AFTER_BATCHES`` new batches, and every table in the first run (what
    earlier runs left). The count lives in this process, as the runs are made in children.

    A run that fails because the database or the store is away is logged and retried after the
    interval. A database that is not the archive's source, or a broken archive, stops the loop:
    retrying cannot fix them.
    """
    threshold = settings.etl_compact_after_batches
    batches_since_compaction = dict.fromkeys(ARCHIVED_TABLES, threshold)  # so the first run compacts
    runs = 0
    while not stop.is_set():
        due = [name for name, batches in batches_since_compaction.items()
               if threshold and batches >= threshold]
        try:
            report = isolated(engine, lambda due=due: run_once(settings, engine, compact=due, stop=stop,
                                                               new_progress=new_progress), stop=stop)
            runs += 1
            for name in due:
                batches_since_compaction[name] = 0
            for table in report.tables:
                batches_since_compaction[table.table] += table.batches
            merged = sum(result.replaced for result in report.compacted)
            log.debug("run %d archived %d rows%s", runs, report.rows,
                      f", merged {merged} small files" if merged else "")
        except (SourceMismatch, ManifestError):
            raise
        except LockedError as error:
            log.warning("%s", error)
        except (EtlError, ArchiveError, sa.exc.DBAPIError) as error:
            log.error("ETL run failed, retrying in %ss: %s", interval, str(error).splitlines()[0])
        stop.wait(interval)
    return runs
