"""Reading the archive: the manifest chain of a table and the data files it commits.

This is what every reader (warehouse, replay, notebooks, the verifier) builds on. Data files are
taken from the manifests only: a file no manifest lists (a crashed half-write) is never read.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow.dataset as pads

from warehouse.archive.errors import ManifestError
from warehouse.archive.layout import ARCHIVED_TABLES, MANIFEST_DIR, manifest_dir, manifest_seq, table_spec
from warehouse.archive.manifest import Cursor, FileEntry, Manifest, manifest_sha256, parse_manifest
from warehouse.archive.rowhash import arrow_schema
from warehouse.archive.storage import ArchiveStore


@dataclass(frozen=True)
class StoredManifest:
    """A manifest with its path, its stored bytes and their SHA-256 (what the next one chains to)."""

    path: str
    sha256: str
    raw: bytes
    manifest: Manifest


@dataclass(frozen=True)
class DataFile:
    """A committed data file of a table: its manifest entry plus the manifest that committed it."""

    table: str
    seq: int
    entry: FileEntry

    @property
    def path(self) -> str:
        return self.entry.path

    @property
    def partition(self) -> str:
        return self.entry.partition

    @property
    def rows(self) -> int:
        return self.entry.rows

    @property
    def first(self) -> Cursor:
        return self.entry.first

    @property
    def last(self) -> Cursor:
        return self.entry.last


def manifest_paths(store: ArchiveStore, table: str) -> list[str]:
    """Paths of the table's manifest files in sequence order (other names are ignored)."""
    paths = [path for path in store.list_files(manifest_dir(table))
             if manifest_seq(path.rsplit("/", 1)[-1]) is not None]
    return sorted(paths)


def load_manifest(store: ArchiveStore, path: str) -> StoredManifest:
    raw = store.read_bytes(path)
    return StoredManifest(path, manifest_sha256(raw), raw, parse_manifest(raw, path))


def read_chain(store: ArchiveStore, table: str) -> list[StoredManifest]:
    """The table's manifests, checked to form one unbroken chain from sequence 1.

    Raises :class:`ManifestError` naming the first manifest that does not follow its
    predecessor (missing, reordered, edited or from another table). ``amoscope archive verify``
    reports every problem instead of stopping at the first.
    """
    table_spec(table)
    chain: list[StoredManifest] = []
    for path in manifest_paths(store, table):
        stored = load_manifest(store, path)
        problem = chain_problem(chain[-1] if chain else None, stored, table)
        if problem:
            raise ManifestError(f"{path}: {problem}; run 'amoscope archive verify' for a full report")
        chain.append(stored)
    return chain


def read_head(store: ArchiveStore, table: str) -> StoredManifest | None:
    """The table's newest manifest (None if there is none), reading only that one.

    For writers, which append after it: the file names must number 1..N without a gap and the
    newest must parse and carry its own sequence number. Checking the whole chain is the
    verifier's job (``amoscope archive verify``), which reads every manifest.
    """
    table_spec(table)
    paths = manifest_paths(store, table)
    if not paths:
        return None
    numbers = [manifest_seq(path.rsplit("/", 1)[-1]) for path in paths]
    if numbers != list(range(1, len(paths) + 1)):
        missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
        raise ManifestError(f"{manifest_dir(table)}: manifests {missing[:5]} are missing; "
                            "run 'amoscope archive verify' for a full report")
    head = load_manifest(store, paths[-1])
    if head.manifest.seq != len(paths) or head.manifest.table != table:
        raise ManifestError(f"{head.path}: holds seq {head.manifest.seq} of table {head.manifest.table!r}; "
                            "run 'amoscope archive verify' for a full report")
    return head


def chain_problem(previous: StoredManifest | None, stored: StoredManifest, table: str) -> str | None:
    """Why ``stored`` does not follow ``previous`` in the chain of ``table``, or None if it does."""
    manifest = stored.manifest
    expected_seq = previous.manifest.seq + 1 if previous else 1
    expected_name = f"{manifest.seq:012d}.json"
    if not stored.path.endswith("/" + expected_name):
        return f"file name does not match its seq {manifest.seq}"
    if manifest.table != table:
        return f"belongs to table {manifest.table!r}, not {table!r}"
    if manifest.seq != expected_seq:
        return f"seq {manifest.seq} follows seq {expected_seq - 1}: a manifest is missing"
    if previous is None:
        if manifest.previous is not None:
            return "is the first manifest but names a previous one: earlier manifests are missing"
        return None
    if manifest.previous != {"seq": previous.manifest.seq, "sha256": previous.sha256}:
        return (f"does not chain to {previous.path} (recorded previous {manifest.previous}, "
                f"actual sha256 {previous.sha256})")
    if manifest.cursor_from != previous.manifest.cursor_to:
        return (f"cursor range starts at {list(manifest.cursor_from)} but the previous manifest "
                f"ended at {list(previous.manifest.cursor_to)}: rows would be missing or duplicated")
    return None


def live_files(chain: list[StoredManifest]) -> list[DataFile]:
    """The data files committed by a chain, after compactions replaced earlier files."""
    files: dict[str, DataFile] = {}
    for stored in chain:
        manifest = stored.manifest
        for path in manifest.replaces:
            files.pop(path, None)
        for entry in manifest.files:
            files[entry.path] = DataFile(manifest.table, manifest.seq, entry)
    return sorted(files.values(), key=lambda data_file: (data_file.first, data_file.path))


def committed_files(store: ArchiveStore, table: str) -> list[DataFile]:
    """The table's committed data files (sorted by first cursor), from its manifest chain."""
    return live_files(read_chain(store, table))


def watermark(chain: list[StoredManifest]) -> Cursor | None:
    """The cursor of the last archived row (None for an empty chain)."""
    return chain[-1].manifest.cursor_to if chain else None


def archived_tables(store: ArchiveStore) -> list[str]:
    """Tables that have at least one manifest in this archive."""
    names = {path.split("/")[1] for path in store.list_files(MANIFEST_DIR, recursive=True)
             if path.count("/") == 2}
    return sorted(name for name in names if name in ARCHIVED_TABLES)


def open_dataset(store: ArchiveStore, table: str, files: list[DataFile] | None = None) -> pads.Dataset:
    """A pyarrow dataset over the table's committed files, with the table's archive schema.

    Files written before a column was added read that column as NULL.
    """
    files = committed_files(store, table) if files is None else files
    return pads.dataset([store.full_path(f.path) for f in files], schema=arrow_schema(table_spec(table)),
                        format="parquet", filesystem=store.fs)
