"""Errors of the warehouse read path; each message says what was wrong and what to do."""

from __future__ import annotations


class WarehouseError(RuntimeError):
    """A warehouse read cannot be served as asked."""


class CursorError(WarehouseError, ValueError):
    """A replay or history cursor is malformed (not one this warehouse ever handed out)."""


class ConsoleError(WarehouseError):
    """An archive console query was refused, failed or was cut off.

    ``outcome`` is what the audit trail records: ``DENIED`` (refused before running),
    ``FAILURE`` (DuckDB raised, or the time limit cut it off).
    """

    outcome = "FAILURE"


class ConsoleRefused(ConsoleError):
    """The query is not exactly one read-only SELECT, or the sandbox forbids what it asks."""

    outcome = "DENIED"


class ConsoleBusy(ConsoleError):
    """The user already has the maximum number of console queries running."""

    outcome = "DENIED"


class ConsoleTimeout(ConsoleError):
    """The query ran past the console time limit and was interrupted."""
