"""Start-up checks shared by every command: a bad setting fails early, naming the setting."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import Engine

from amoscope.settings import Settings, SettingsError
from warehouse.database import DatabaseError, check_reachable, create_engine


def open_engine(settings: Settings, *, pool_size: int = 5) -> Engine:
    """An engine for ``AMOSCOPE_DATABASE_URL`` that has answered once, or a SettingsError."""
    try:
        engine = create_engine(settings.database_url, pool_size=pool_size)
        check_reachable(engine)
    except DatabaseError as error:
        raise SettingsError(str(error)) from None
    return engine


def check_archive_writable(settings: Settings) -> Path | None:
    """For a local archive: create the folder and prove we can write into it.

    Returns the folder, or None for an object-store archive (checked by the ETL when it writes).
    """
    if settings.archive_url.startswith("s3://"):
        return None
    folder = Path(settings.archive_url.removeprefix("file://")).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as error:
        raise SettingsError(
            f"AMOSCOPE_ARCHIVE_URL={settings.archive_url!r} is not a writable folder ({error.strerror}); "
            "point it at a folder this user may write, or fix its permissions"
        ) from None
    if not os.access(folder, os.W_OK):
        raise SettingsError(f"AMOSCOPE_ARCHIVE_URL={settings.archive_url!r} is not writable")
    return folder
