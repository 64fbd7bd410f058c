"""Errors of the archive format: each message names the file or manifest at fault."""

from __future__ import annotations


class ArchiveError(RuntimeError):
    """The archive cannot be opened or read as asked; the message says what to do."""


class ManifestError(ArchiveError):
    """A manifest is unreadable, malformed or does not chain to its predecessor."""
