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

log = logging.getLogger(__name__)


def follow(settings: EtlSettings, engine: sa.Engine, interval: float, stop: threading.Event, *,
           new_progress: Callable[[], Progress] = plain_progress) -> int:
    """Run until ``stop`` is set; return the number of completed runs.

    Each run on PostgreSQL is made in a child process (etl.isolation), with a progress display
    of its own from ``new_progress``.

    A run that fails because the database or the store is away is logged and retried after the
    interval. A database that is not the archive's source, or a broken archive, stops the loop:
    retrying cannot fix them.
    """
    runs = 0
    while not stop.is_set():
        try:
            report = isolated(engine, lambda: run_once(settings, engine, new_progress=new_progress,
                                                       stop=stop), stop=stop)
            runs += 1
            log.debug("run %d archived %d rows", runs, report.rows)
        except (SourceMismatch, ManifestError):
            raise
        except LockedError as error:
            log.warning("%s", error)
        except (EtlError, ArchiveError, sa.exc.DBAPIError) as error:
            log.error("ETL run failed, retrying in %ss: %s", interval, str(error).splitlines()[0])
        stop.wait(interval)
    return runs
