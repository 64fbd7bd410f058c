"""Putting files into the archive so that a crash at any instant leaves no half-written file.

Local folder: write under a temporary name beside the target, fsync, rename, fsync the folder.
S3: an object appears whole or not at all, so the finished local file is uploaded under its
final key. Manifests are created exclusively: an existing manifest is never overwritten.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from pathlib import Path

import pyarrow.fs as pafs

from etl.errors import EtlError
from warehouse.archive.layout import TEMP_PREFIX
from warehouse.archive.storage import ArchiveStore

_CHUNK = 4 * 1024 * 1024


def fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def make_dirs(folder: Path) -> None:
    """Create a folder and make each new entry durable (fsync of the parent)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        new.mkdir(exist_ok=True)
        fsync_dir(new.parent)


def staging_path(store: ArchiveStore, relative: str) -> Path:
    """Where to write a file before it is published at ``relative``.

    Local store: a temporary name in the target's own folder (same filesystem, so the rename is
    atomic; the ETL removes such leftovers at start). S3: a local temporary file.
    """
    name = f"{TEMP_PREFIX}{uuid.uuid4().hex}-{relative.rsplit('/', 1)[-1]}"
    if store.local_root is not None:
        folder = store.local_root / relative.rsplit("/", 1)[0]
        make_dirs(folder)
        return folder / name
    return Path(tempfile.gettempdir()) / name


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a local file."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def publish(store: ArchiveStore, staged: Path, relative: str) -> None:
    """Move a finished staged file to ``relative`` atomically and durably."""
    if store.local_root is not None:
        target = store.local_root / relative
        with staged.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(staged, target)
        fsync_dir(target.parent)
        return
    try:
        pafs.copy_files(str(staged), store.full_path(relative),
                        source_filesystem=pafs.LocalFileSystem(), destination_filesystem=store.fs)
    except OSError as error:
        raise EtlError(f"{store.url}: cannot upload {relative}: {error}") from None
    finally:
        staged.unlink(missing_ok=True)


def create_exclusive(store: ArchiveStore, relative: str, data: bytes) -> None:
    """Create ``relative`` with ``data``; fail if it already exists. The commit point of a batch.

    Local: the bytes are made durable under a temporary name, then hard-linked to the final name
    (``link`` fails if the name exists, and the file appears complete or not at all).
    S3: the ETL holds the run lock, so checking for the key first is enough.
    """
    if store.local_root is not None:
        target = store.local_root / relative
        make_dirs(target.parent)
        staged = target.parent / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        with staged.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(staged, target)
        except FileExistsError:
            raise EtlError(f"{store.url}: {relative} already exists; another run committed it") from None
        finally:
            staged.unlink(missing_ok=True)
        fsync_dir(target.parent)
        return
    if store.exists(relative):
        raise EtlError(f"{store.url}: {relative} already exists; another run committed it")
    try:
        with store.fs.open_output_stream(store.full_path(relative)) as stream:
            stream.write(data)
    except OSError as error:
        raise EtlError(f"{store.url}: cannot write {relative}: {error}") from None
