"""Completeness: the checks that find what is missing, not just what was changed.

A table's manifest chain proves everything up to its newest manifest; the checkpoints say what
the newest manifest must be. The checkpoints form their own chain, and the newest one that can
be trusted is named by an anchor kept outside the archive (the operational database, or
``--anchor``), so removing the newest checkpoints with the newest batches is found too. Folders
the manifests do not account for (an unknown table, data without manifests) are findings as well:
plain readers that glob the bucket would read them.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from warehouse.archive.anchors import Anchor
from warehouse.archive.checkpoint import (
    StoredCheckpoint,
    checkpoint_chain_problem,
    checkpoint_paths,
    load_checkpoint,
)
from warehouse.archive.errors import ArchiveError, ManifestError
from warehouse.archive.layout import (
    ARCHIVED_TABLES,
    CHECKPOINT_DIR,
    DATA_DIR,
    MANIFEST_DIR,
    TEMP_PREFIX,
    checkpoint_path,
    manifest_seq,
)
from warehouse.archive.manifest import canonical_json
from warehouse.archive.reader import StoredManifest
from warehouse.archive.report import VerifyReport, duration_text
from warehouse.archive.signatures import signature_problem
from warehouse.archive.storage import ArchiveStore


def canonical_problem(raw: bytes) -> str | None:
    """Why stored JSON bytes are not in canonical form, or None if they are."""
    try:
        if canonical_json(json.loads(raw)) == raw:
            return None
    except ValueError:
        return "is not valid JSON"
    return "stored bytes are not canonical JSON (keys sorted, no whitespace, ASCII only, as documented)"


def verify_checkpoints(store: ArchiveStore, public_key: Ed25519PublicKey | None,
                       report: VerifyReport) -> list[StoredCheckpoint]:
    """Check the checkpoint chain into ``report``; return its readable checkpoints in order."""
    chain: list[StoredCheckpoint] = []
    for path in store.list_files(CHECKPOINT_DIR, recursive=True):
        if manifest_seq(path.removeprefix(f"{CHECKPOINT_DIR}/")) is None:
            report.add(path, _misnamed(path, "checkpoint"))
    for path in checkpoint_paths(store):
        try:
            stored = load_checkpoint(store, path)
        except (ManifestError, ArchiveError) as error:
            report.add(path, str(error).removeprefix(f"{path}: "))
            continue
        report.checkpoints += 1
        for problem in (checkpoint_chain_problem(chain[-1] if chain else None, stored),
                        canonical_problem(stored.raw),
                        public_key and signature_problem(json.loads(stored.raw), public_key)):
            if problem:
                report.add(path, problem)
        chain.append(stored)
    return chain


def check_anchor(checkpoints: list[StoredCheckpoint], anchor: Anchor, report: VerifyReport) -> None:
    """The anchored checkpoint must be in the archive, unchanged."""
    found = [stored for stored in checkpoints if stored.sha256 == anchor.sha256]
    if found:
        return
    if anchor.seq is None:
        newest = checkpoints[-1].path if checkpoints else "none"
        report.add(f"{CHECKPOINT_DIR}/", f"no checkpoint has the anchor's SHA-256 {anchor.sha256} "
                                         f"(from {anchor.source}; newest present: {newest}): the anchored "
                                         "checkpoint and what it records were removed or rewritten")
        return
    path = checkpoint_path(anchor.seq)
    present = [stored for stored in checkpoints if stored.path == path]
    if present:
        report.add(path, f"differs from the checkpoint {anchor.source} records (SHA-256 {anchor.sha256}): "
                         "it was rewritten")
    else:
        report.add(path, f"missing, but {anchor.source} records it (SHA-256 {anchor.sha256}) as the newest "
                         "checkpoint: the checkpoint chain was cut short")


def check_table_heads(table: str, chain: list[StoredManifest], checkpoints: list[StoredCheckpoint],
                      report: VerifyReport) -> None:
    """The table must still hold the head manifest each checkpoint records (newest first; the
    first disagreement is reported, naming what is missing)."""
    by_seq = {stored.manifest.seq: stored for stored in chain}
    have = max(by_seq, default=0)
    for checkpoint in reversed(checkpoints):
        head = checkpoint.checkpoint.tables.get(table)
        if head is None:
            continue
        recorded = f"{checkpoint.path} records {head.seq} manifest(s) up to cursor {list(head.cursor)}"
        if not chain:
            report.add(f"{MANIFEST_DIR}/{table}/", f"table {table} is missing: {recorded}")
        elif have < head.seq:
            report.add(f"{MANIFEST_DIR}/{table}/", f"manifests {have + 1}..{head.seq} of {table} are missing "
                                                   f"(the newest batches were cut off): {recorded}, "
                                                   f"the archive ends at seq {have}")
        elif by_seq.get(head.seq) is None or by_seq[head.seq].sha256 != head.sha256:
            report.add(by_seq.get(head.seq, chain[-1]).path,
                       f"differs from the manifest {checkpoint.path} records (SHA-256 {head.sha256}): "
                       "the chain was rewritten")
        else:
            continue
        return


def check_checkpoint_age(checkpoints: list[StoredCheckpoint], max_age: timedelta, now: datetime,
                         report: VerifyReport) -> None:
    """With ``--max-age``: the newest checkpoint must be recent (each run writes one when a head moves)."""
    if not checkpoints:
        report.add(f"{CHECKPOINT_DIR}/", "no checkpoint at all, so nothing shows the ETL has run")
        return
    newest = checkpoints[-1]
    age = now - newest.checkpoint.created
    if age > max_age:
        report.add(newest.path, f"the newest checkpoint is {duration_text(age)} old, more than the "
                                f"{duration_text(max_age)} allowed: newer checkpoints were removed, "
                                "or the ETL has not run since")


def _misnamed(path: str, kind: str) -> str:
    """What a file that is not named like a manifest or checkpoint is."""
    if path.rsplit("/", 1)[-1].startswith(TEMP_PREFIX):
        return (f"not committed by any manifest: a {kind} staged by an interrupted run (the next run "
                "removes it)")
    return f"not a {kind} name: a planted file"


def scan_folders(store: ArchiveStore, report: VerifyReport) -> tuple[set[str], set[str]]:
    """Report folders of unknown tables and stray files; return the archived tables that have
    a manifest folder and those that have a data folder."""
    with_manifests: set[str] = set()
    with_data: set[str] = set()
    unknown: set[str] = set()
    for top, found in ((MANIFEST_DIR, with_manifests), (DATA_DIR, with_data)):
        for path in store.list_files(top, recursive=True):
            parts = path.split("/")
            if len(parts) < 3:
                report.add(path, f"a file directly under {top}/, which holds only table folders")
            elif parts[1] not in ARCHIVED_TABLES:
                unknown.add(f"{top}/{parts[1]}/")
            else:
                found.add(parts[1])
                if top == MANIFEST_DIR and (len(parts) != 3 or manifest_seq(parts[2]) is None):
                    report.add(path, _misnamed(path, "manifest"))
    for folder in sorted(unknown):
        report.add(folder, "folder of a table the archive does not hold (planted? readers that list "
                           "the bucket would read it)")
    for table in sorted(with_data - with_manifests):
        report.add(f"{DATA_DIR}/{table}/", f"data of {table} without any manifest in {MANIFEST_DIR}/{table}/ "
                                           "(orphan folder): its manifests were removed, or the files "
                                           "were planted")
    return with_manifests, with_data
