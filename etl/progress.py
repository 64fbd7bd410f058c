"""How a run reports progress: a rich progress bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import logging
import sys

log = logging.getLogger("etl.run")


class Progress:
    """Plain log lines: one when a table starts, one when it is done (for logs and cron)."""

    wants_totals = False

    def start(self, table: str, total: int | None) -> None:
        log.debug("archiving %s", table)

    def advance(self, rows: int) -> None:
        """Called after each record batch read."""

    def finish(self, table: str, rows: int, batches: int) -> None:
        if rows:
            log.info("archived %s: %d rows in %d batch(es)", table, rows, batches)

    def close(self) -> None:
        """Release the display, if any."""


class BarProgress(Progress):
    """A rich progress bar per table, with rows done out of rows waiting."""

    wants_totals = True

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), transient=False)
        self._bar.start()
        self._task = None

    def start(self, table: str, total: int | None) -> None:
        self._task = self._bar.add_task(table, total=total or 0)

    def advance(self, rows: int) -> None:
        self._bar.advance(self._task, rows)

    def finish(self, table: str, rows: int, batches: int) -> None:
        self._bar.update(self._task, total=max(rows, 1) if rows else 0, completed=rows)

    def close(self) -> None:
        self._bar.stop()


def plain_progress() -> Progress:
    return Progress()


def progress_for_terminal() -> Progress:
    """A progress bar when stderr is a terminal, plain log lines otherwise."""
    return BarProgress() if sys.stderr.isatty() else Progress()
