"""The archive format shared by the ETL (writer) and the warehouse (reader).

Parquet data files listed by a hash-chained, optionally signed, manifest per committed batch.
See docs/archive-format.md. Start with :func:`open_store` and :func:`committed_files`.
"""

from warehouse.archive.errors import ArchiveError, ManifestError
from warehouse.archive.layout import ARCHIVED_TABLES, TableSpec, table_spec
from warehouse.archive.manifest import FileEntry, Manifest
from warehouse.archive.reader import (
    DataFile,
    StoredManifest,
    archived_tables,
    committed_files,
    open_dataset,
    read_chain,
    read_head,
    watermark,
)
from warehouse.archive.storage import ArchiveStore, open_store

__all__ = [
    "ARCHIVED_TABLES", "ArchiveError", "ArchiveStore", "DataFile", "FileEntry", "Manifest",
    "ManifestError", "StoredManifest", "TableSpec", "archived_tables", "committed_files",
    "open_dataset", "open_store", "read_chain", "read_head", "table_spec", "watermark",
]
