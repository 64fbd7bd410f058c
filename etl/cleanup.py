"""Removing what an interrupted run left behind: data files no manifest lists, temporary files.

Safe only under the ETL lock, and only for a table whose manifest chain reads cleanly (a broken
chain stops the run before anything is removed).
"""

from __future__ import annotations

import logging

from warehouse.archive.layout import TEMP_PREFIX, manifest_dir, table_data_dir
from warehouse.archive.reader import StoredManifest, live_files
from warehouse.archive.storage import ArchiveStore

log = logging.getLogger(__name__)


def remove_orphans(store: ArchiveStore, table: str, chain: list[StoredManifest]) -> list[str]:
    """Delete the table's uncommitted data files and temporary files; return their paths."""
    committed = {data_file.path for data_file in live_files(chain)}
    removed = [path for path in store.list_files(table_data_dir(table), recursive=True)
               if path not in committed]
    removed += [path for path in store.list_files(manifest_dir(table))
                if path.rsplit("/", 1)[-1].startswith(TEMP_PREFIX)]
    for path in removed:
        store.delete(path)
        log.info("removed %s: not committed by any manifest (left by an interrupted run)", path)
    return removed
