"""Offline verification of an archive: every check an auditor needs, every problem reported.

Archive-wide: the checkpoints form one chain, and the one the anchor names (kept outside the
archive: the operational database, or ``--anchor``) is in it; every table a checkpoint records
still holds the head manifest it records (a table cut short or deleted is named); no folder
under ``manifests/`` or ``data/`` belongs to an unknown table or lacks its manifests.

Per table: each manifest is canonical JSON, parses and follows its predecessor (sequence,
previous hash, cursor contiguity, same source), is signed by the trusted key when one is given;
each committed file exists with its recorded size, SHA-256 and Arrow schema; each row lies in the
cursor range of exactly one batch, in order, in the right partition; each batch has its recorded
row count and Merkle root; and no data file sits in the archive that no manifest commits.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from warehouse.archive.anchors import Anchor
from warehouse.archive.completeness import (
    canonical_problem,
    check_anchor,
    check_checkpoint_age,
    check_table_heads,
    scan_folders,
    verify_checkpoints,
)
from warehouse.archive.errors import ArchiveError, ManifestError
from warehouse.archive.layout import ARCHIVED_TABLES, table_data_dir, table_spec
from warehouse.archive.merkle import merkle_root
from warehouse.archive.reader import (
    DataFile,
    StoredManifest,
    chain_problem,
    live_files,
    load_manifest,
    manifest_paths,
)
from warehouse.archive.report import Problem, VerifyReport, duration_text
from warehouse.archive.row_encoder import row_hash_array
from warehouse.archive.rowhash import arrow_schema, cursor_arrays, schema_fields
from warehouse.archive.signatures import signature_problem
from warehouse.archive.storage import ArchiveStore

__all__ = ["Problem", "VerifyReport", "verify_archive"]


@dataclass
class _Rows:
    """The rows found for one batch manifest: cursor arrays and row hashes, in file order."""

    cursors: list[list[np.ndarray]] = field(default_factory=list)
    hashes: list[np.ndarray] = field(default_factory=list)  # (rows, 32) uint8 each


def verify_archive(store: ArchiveStore, *, tables: list[str] | None = None, since: date | None = None,
                   public_key: Ed25519PublicKey | None = None, max_age: timedelta | None = None,
                   now: datetime | None = None, anchor: Anchor | None = None) -> VerifyReport:
    """Verify the tables (by default every table the archive or its checkpoints hold); ``since``
    limits the file and row checks to manifests created on or after that day (the chains are
    always checked in full).

    ``anchor`` is the hash of a checkpoint trusted from outside the archive: it must be in the
    checkpoint chain, and every table must still hold the head each checkpoint records.
    ``max_age`` (a little more than the ETL's heartbeat interval) also makes the newest
    checkpoint, and a table whose newest manifest, older than that at ``now`` a problem: with
    the ETL running, that means newer ones were removed or the ETL has stopped.
    """
    now = now or datetime.now(UTC)
    report = VerifyReport(anchor=anchor, signatures_checked=public_key is not None)
    checkpoints = verify_checkpoints(store, public_key, report)
    if anchor is not None:
        check_anchor(checkpoints, anchor, report)
    if max_age is not None and not tables:
        check_checkpoint_age(checkpoints, max_age, now, report)
    with_manifests, with_data = scan_folders(store, report)
    recorded = {name for stored in checkpoints for name in stored.checkpoint.tables
                if name in ARCHIVED_TABLES}
    for table in tables or sorted(with_manifests | with_data | recorded):
        table_spec(table)
        report.tables += 1
        chain = _verify_table(store, table, since, public_key, report)
        check_table_heads(table, chain, checkpoints, report)
        if max_age is not None and chain:
            age = now - chain[-1].manifest.created
            if age > max_age:
                report.add(chain[-1].path, f"the newest manifest is {duration_text(age)} old, more than the "
                                           f"{duration_text(max_age)} allowed: newer manifests were removed, "
                                           "or the ETL has not run since")
    return report


def _verify_table(store: ArchiveStore, table: str, since: date | None,
                  public_key: Ed25519PublicKey | None, report: VerifyReport) -> list[StoredManifest]:
    """Check one table into ``report``; return its chain of readable manifests."""
    chain: list[StoredManifest] = []
    for path in manifest_paths(store, table):
        try:
            stored = load_manifest(store, path)
        except (ManifestError, ArchiveError) as error:
            report.add(path, str(error).removeprefix(f"{path}: "))
            continue
        report.manifests += 1
        problem = chain_problem(chain[-1] if chain else None, stored, table)
        if problem:
            report.add(path, problem)
        for problem in (_manifest_problem(stored, chain[0] if chain else None), canonical_problem(stored.raw),
                        public_key and signature_problem(json.loads(stored.raw), public_key)):
            if problem:
                report.add(path, problem)
        chain.append(stored)
    committed = live_files(chain)
    listed = {data_file.path for data_file in committed}
    for path in store.list_files(table_data_dir(table), recursive=True):
        if path not in listed:
            report.add(path, "data file not committed by any manifest (a deleted manifest, "
                             "a planted file, or the leftover of an interrupted run)")
    batches = [stored for stored in chain if stored.manifest.kind == "batch"]
    checked = [stored for stored in batches
               if since is None or stored.manifest.created_at[:10] >= since.isoformat()]
    checked_seqs = {stored.manifest.seq for stored in checked}
    rows = {stored.manifest.seq: _Rows() for stored in checked}
    by_seq = {stored.manifest.seq: stored for stored in chain}
    for data_file in committed:
        if since is not None and data_file.seq not in checked_seqs:
            continue
        report.files += 1
        _verify_file(store, data_file, by_seq[data_file.seq], batches, rows, report)
    for stored in checked:
        _verify_batch_rows(stored, rows[stored.manifest.seq], report)
        report.rows += stored.manifest.row_count
    return chain


def _schema_difference(found: tuple[dict, ...], expected: tuple[dict, ...]) -> str:
    """The first field where two schema descriptions differ, in words."""
    def spelled(item: dict | None) -> str:
        if item is None:
            return "absent"
        return f"{item['type']}{'' if item['nullable'] else ' not null'}"
    for index in range(max(len(found), len(expected))):
        have = found[index] if index < len(found) else None
        want = expected[index] if index < len(expected) else None
        if have != want:
            name = (have or want)["name"]
            if have and want and have["name"] != want["name"]:
                return f"field {index + 1} is {have['name']!r}, expected {want['name']!r}"
            return f"column {name} is {spelled(have)}, expected {spelled(want)}"
    return "none"


def _manifest_problem(stored: StoredManifest, first: StoredManifest | None) -> str | None:
    manifest = stored.manifest
    expected = tuple(item for item in schema_fields(arrow_schema(table_spec(manifest.table)))
                     if item["name"] in {*manifest.columns, table_spec(manifest.table).partition})
    if manifest.schema != expected:
        return f"records a schema other than the archive's: {_schema_difference(manifest.schema, expected)}"
    if manifest.kind in ("heartbeat", "compaction") and (
            manifest.row_count != 0 or manifest.cursor_to != manifest.cursor_from):
        return f"a {manifest.kind} must add no rows"
    if manifest.kind == "heartbeat" and manifest.files:
        return "a heartbeat must list no files"
    if manifest.kind == "batch" and (manifest.row_count <= 0 or manifest.cursor_to <= manifest.cursor_from):
        return "a batch must add rows and advance the cursor"
    if manifest.kind == "batch" and sum(entry.rows for entry in manifest.files) != manifest.row_count:
        return "its files' row counts do not add up to its row_count"
    if first is not None:
        for key in ("dialect", "database", "system_identifier"):
            if manifest.source.get(key) != first.manifest.source.get(key):
                return (f"source {key} {manifest.source.get(key)!r} differs from the chain's "
                        f"{first.manifest.source.get(key)!r} ({first.path})")
    return None


def _verify_file(store: ArchiveStore, data_file: DataFile, committing: StoredManifest,
                 batches: list[StoredManifest], rows: dict[int, _Rows], report: VerifyReport) -> None:
    entry, where = data_file.entry, data_file.path
    try:
        raw = store.read_bytes(where)
    except ArchiveError:
        report.add(where, f"missing (committed by {committing.path})")
        return
    if len(raw) != entry.size:
        report.add(where, f"size {len(raw)} differs from {entry.size} in {committing.path}")
    if hashlib.sha256(raw).hexdigest() != entry.sha256:
        report.add(where, f"SHA-256 differs from the one in {committing.path}: the file was changed")
    try:
        table = pq.ParquetFile(pa.BufferReader(raw)).read(use_threads=False)
        found = schema_fields(table.schema)
        if found != committing.manifest.schema:
            report.add(where, f"its Arrow schema differs from the one {committing.path} records: "
                              f"{_schema_difference(found, committing.manifest.schema)}")
        _verify_rows(data_file, table, committing, batches, rows, report)
    except Exception as error:  # any failure to read untrusted bytes is a finding, not a crash
        report.add(where, f"not a readable archive Parquet file ({type(error).__name__}: {error})")


def _verify_rows(data_file: DataFile, table: pa.Table, committing: StoredManifest,
                 batches: list[StoredManifest], rows: dict[int, _Rows], report: VerifyReport) -> None:
    entry, where = data_file.entry, data_file.path
    spec = table_spec(data_file.table)
    if table.num_rows != entry.rows:
        report.add(where, f"holds {table.num_rows} rows, {committing.path} says {entry.rows}")
    if table.num_rows == 0:
        return
    labels = table.column(spec.partition).cast(pa.string()) if spec.partition in table.column_names else None
    if labels is None or pc.any(pc.not_equal(labels, entry.partition)).as_py():
        report.add(where, f"has rows outside its partition {spec.partition}={entry.partition}")
    if not where.startswith(f"{table_data_dir(spec.name)}/{spec.partition}={entry.partition}/"):
        report.add(where, f"lies outside the folder of its partition {spec.partition}={entry.partition}")
    cursors = [array.to_numpy(zero_copy_only=False) for array in cursor_arrays(table, spec)]
    if not _strictly_increasing(cursors):
        report.add(where, "rows are not in strictly increasing cursor order (duplicated or reordered)")
        return
    first = tuple(int(array[0]) for array in cursors)
    last = tuple(int(array[-1]) for array in cursors)
    if (first, last) != (entry.first, entry.last):
        report.add(where, f"cursor range {list(first)}..{list(last)} differs from {committing.path}")
    _assign_rows(where, table, cursors, batches, rows, report)


def _assign_rows(where: str, table: pa.Table, cursors: list[np.ndarray], batches: list[StoredManifest],
                 rows: dict[int, _Rows], report: VerifyReport) -> None:
    """Split a file's rows among the batches whose cursor ranges hold them."""
    count = len(cursors[0])

    def row_cursor(index: int) -> tuple[int, ...]:
        return tuple(int(array[index]) for array in cursors)

    ends = [stored.manifest.cursor_to for stored in batches]
    start = 0
    while start < count:
        position = bisect.bisect_left(ends, row_cursor(start))
        if position == len(batches) or row_cursor(start) <= batches[position].manifest.cursor_from:
            report.add(where, f"row with cursor {list(row_cursor(start))} lies in no batch's cursor range")
            return
        manifest = batches[position].manifest
        stop = bisect.bisect_right(range(count), manifest.cursor_to, lo=start, key=row_cursor)
        found = rows.get(manifest.seq)
        if found is not None:
            part = table.slice(start, stop - start)
            found.cursors.append([array[start:stop] for array in cursors])
            found.hashes.append(row_hash_array(part, manifest.columns))
        start = stop


def _verify_batch_rows(stored: StoredManifest, found: _Rows, report: VerifyReport) -> None:
    manifest = stored.manifest
    hashes = np.concatenate(found.hashes) if found.hashes else np.empty((0, 32), np.uint8)
    if len(hashes) != manifest.row_count:
        report.add(stored.path,
                   f"{len(hashes)} rows found in its cursor range, {manifest.row_count} recorded")
        return
    if found.cursors:
        columns = [np.concatenate([part[i] for part in found.cursors]) for i in range(len(found.cursors[0]))]
        order = np.lexsort(columns[::-1])
        hashes = hashes[order]
    if merkle_root(hashes).hex() != manifest.merkle_root:
        report.add(stored.path, "Merkle root of its rows differs from the recorded one: a row was changed")


def _strictly_increasing(columns: list[np.ndarray]) -> bool:
    if len(columns[0]) < 2:
        return True
    greater = np.zeros(len(columns[0]) - 1, dtype=bool)
    equal = np.ones(len(columns[0]) - 1, dtype=bool)
    for column in columns:
        greater |= equal & (column[1:] > column[:-1])
        equal &= column[1:] == column[:-1]
    return bool(greater.all())
