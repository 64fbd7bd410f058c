"""The archive's storage: a local folder or an S3-compatible bucket, through pyarrow filesystems.

Every path handed to :class:`ArchiveStore` is relative to the archive root and uses ``/``, so
manifests hold the same paths whatever the store.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pyarrow.fs as pafs

from warehouse.archive.errors import ArchiveError


@dataclass(frozen=True)
class ArchiveStore:
    """A filesystem and the root of the archive on it."""

    fs: pafs.FileSystem
    root: str
    url: str

    @property
    def local_root(self) -> Path | None:
        """The archive folder when the store is local (the ETL fsyncs there), else None."""
        return Path(self.root) if isinstance(self.fs, pafs.LocalFileSystem) else None

    def full_path(self, relative: str) -> str:
        """The path of ``relative`` on :attr:`fs` (what pyarrow and DuckDB readers open)."""
        return f"{self.root.rstrip('/')}/{relative}" if relative else self.root

    def read_bytes(self, relative: str) -> bytes:
        try:
            with self.fs.open_input_stream(self.full_path(relative)) as stream:
                return stream.read()
        except FileNotFoundError:
            raise ArchiveError(f"{self.url}: {relative} is missing") from None
        except OSError as error:
            raise ArchiveError(f"{self.url}: cannot read {relative}: {error}") from None

    def exists(self, relative: str) -> bool:
        return self.fs.get_file_info(self.full_path(relative)).type != pafs.FileType.NotFound

    def size(self, relative: str) -> int | None:
        """The size in bytes of a file, or None if it does not exist."""
        info = self.fs.get_file_info(self.full_path(relative))
        return None if info.type == pafs.FileType.NotFound else info.size

    def list_files(self, relative_dir: str, *, recursive: bool = False) -> list[str]:
        """Relative paths of the files under a folder (none if the folder does not exist)."""
        selector = pafs.FileSelector(self.full_path(relative_dir), allow_not_found=True,
                                     recursive=recursive)
        prefix = self.root.rstrip("/") + "/"
        try:
            infos = self.fs.get_file_info(selector)
        except OSError as error:
            raise ArchiveError(f"{self.url}: cannot list {relative_dir}: {error}") from None
        return sorted(
            info.path.removeprefix(prefix) for info in infos if info.type == pafs.FileType.File
        )

    def delete(self, relative: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.delete_file(self.full_path(relative))


def open_store(archive_url: str, *, s3_endpoint_url: str = "") -> ArchiveStore:
    """Open the archive named by ``AMOSCOPE_ARCHIVE_URL``: a folder path or ``s3://bucket/prefix``.

    ``s3_endpoint_url`` (``AMOSCOPE_S3_ENDPOINT_URL``) points at an S3-compatible service such as
    MinIO; credentials come from the usual AWS environment variables or instance profile.
    """
    if archive_url.startswith("s3://"):
        parsed = urlparse(archive_url)
        if not parsed.netloc:
            raise ArchiveError(f"AMOSCOPE_ARCHIVE_URL={archive_url!r} names no bucket; use s3://bucket/prefix")
        options: dict = {}
        if s3_endpoint_url:
            endpoint = urlparse(s3_endpoint_url)
            if endpoint.scheme not in {"http", "https"} or not endpoint.netloc:
                raise ArchiveError(
                    f"AMOSCOPE_S3_ENDPOINT_URL={s3_endpoint_url!r} is not an http(s) URL like http://host:9000"
                )
            options.update(endpoint_override=endpoint.netloc, scheme=endpoint.scheme)
        fs = pafs.S3FileSystem(**options)
        root = f"{parsed.netloc}/{parsed.path.strip('/')}".rstrip("/")
        return ArchiveStore(fs, root, archive_url)
    if "://" in archive_url and not archive_url.startswith("file://"):
        raise ArchiveError(
            f"AMOSCOPE_ARCHIVE_URL={archive_url!r}: only a local folder or s3://bucket/prefix is supported"
        )
    folder = Path(archive_url.removeprefix("file://")).expanduser().resolve()
    return ArchiveStore(pafs.LocalFileSystem(), folder.as_posix(), archive_url)
