"""Console results kept on disk for the page to read a page of rows at a time.

A console result is at most the console's byte limit, but the page should not send it to the
browser whole, nor hold it in the worker's memory between requests: it is written once as an
Arrow IPC file, and the grid (ag-grid's infinite row model) asks for one block of rows at a time,
read from the memory-mapped file. The files sit in one folder of the machine's temp directory,
readable by this system user only, so every worker process of the app serves any block; a file
is named after its owner and a random token (the owner's session alone can name it) and is
removed an hour after it was written.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from pathlib import Path

import pyarrow as pa

FOLDER = Path(tempfile.gettempdir()) / "amoscope-console-results"
KEEP_SECONDS = 3600
MAX_BLOCK = 500  # rows of one grid request
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")


def save(table: pa.Table, user_id: int) -> str:
    """Write ``table`` for ``user_id``; the token that names it (for :func:`block`)."""
    FOLDER.mkdir(mode=0o700, exist_ok=True)
    _forget_old()
    token = secrets.token_urlsafe(16)
    path = _path(user_id, token)
    partial = path.with_suffix(".partial")
    with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    os.replace(partial, path)
    return token


def block(user_id: int, token: object, start: object, end: object) -> tuple[list[dict], int] | None:
    """Rows ``start``..``end`` of the user's result ``token`` and its row count; None if there is no
    such result of this user (a forged or expired token, another user's result)."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (start, end)):
        return None
    path = _path(user_id, token)
    try:
        source = pa.memory_map(str(path))
    except FileNotFoundError:
        return None
    with source:
        table = pa.ipc.open_file(source).read_all()  # zero-copy over the mapped file
        rows = table.slice(start, max(0, min(end - start, MAX_BLOCK))).to_pylist()
        return rows, table.num_rows


def _path(user_id: int, token: str) -> Path:
    return FOLDER / f"{int(user_id)}-{token}.arrow"


def _forget_old() -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in FOLDER.glob("*.arrow"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:  # another worker removed it first
            continue
