"""Errors of the ETL; each message says what happened and what to do, and nothing half is committed."""

from __future__ import annotations


class EtlError(RuntimeError):
    """An ETL run could not complete; nothing it started is committed."""


class SourceMismatch(EtlError):
    """The database is not the one the archive was made from (restored, failed over, replaced)."""


class ExtractError(EtlError):
    """Reading from the operational database failed mid-run (connection lost, server stopped)."""


class LockedError(EtlError):
    """Another ETL run (or prune, or compaction) is working on this database's archive."""
