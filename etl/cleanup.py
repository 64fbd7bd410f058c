"""Removing what an interrupted run left behind, reading only the newest manifest.

Data files are named after the manifest that commits them, so a data file numbered above the
newest manifest belongs to a batch that never committed; temporary files never committed either;
the files a compaction replaced are removed if the compaction died before removing them. Files
with other names are left alone for ``amoscope archive verify`` to report. Safe only under the
ETL lock.
"""

from __future__ import annotations

import logging

from warehouse.archive.layout import TEMP_PREFIX, data_file_seq, manifest_dir, table_data_dir
from warehouse.archive.reader import StoredManifest
from warehouse.archive.storage import ArchiveStore

log = logging.getLogger(__name__)


def _uncommitted(name: str, head_seq: int) -> bool:
    seq = data_file_seq(name)
    return name.startswith(TEMP_PREFIX) or (seq is not None and seq > head_seq)


def remove_orphans(store: ArchiveStore, table: str, head: StoredManifest | None) -> list[str]:
    """Delete the table's uncommitted data files and temporary files; return their paths."""
    head_seq = head.manifest.seq if head else 0
    removed = [path for path in store.list_files(table_data_dir(table), recursive=True)
               if _uncommitted(path.rsplit("/", 1)[-1], head_seq)]
    removed += [path for path in store.list_files(manifest_dir(table))
                if path.rsplit("/", 1)[-1].startswith(TEMP_PREFIX)]
    if head is not None and head.manifest.kind == "compaction":
        removed += [path for path in head.manifest.replaces if store.exists(path)]
    for path in removed:
        store.delete(path)
        log.info("removed %s: not committed by any manifest (left by an interrupted run)", path)
    return removed
