"""Opaque cursors for replay and history pages, validated strictly.

A client gets a cursor with each page and hands it back for the next one (``Last-Event-ID``
style). It names the stream, the database cluster that produced it and a position; clients must
treat it as an opaque string. Decoding rejects anything this module did not produce with a
:class:`CursorError`; a well-formed cursor from another cluster is not an error but a reason to
reset (the caller decides, see :mod:`warehouse.replay`).

Replay positions are the extraction cursor ``(txid, id)`` (DESIGN.md "Extraction cursor");
history positions are ``(occurred_at in microseconds, id)`` plus the paging direction.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from warehouse.errors import CursorError

STREAMS = ("activity", "audit")
MAX_CURSOR_CHARS = 200
_INT = re.compile(r"^(0|[1-9][0-9]{0,18})$")  # non-negative, no sign, no leading zeros
_MICROS = re.compile(r"^-?(0|[1-9][0-9]{0,18})$")
_CLUSTER = re.compile(r"^[0-9a-f]{16}$")
_MAX_INT = 2**63 - 1


@dataclass(frozen=True, order=True)
class Position:
    """A replay position: the extraction cursor of the last event delivered."""

    txid: int
    id: int


def up_to_sql(cursor: tuple[int, ...]) -> str:
    """SQL (DuckDB) for "the event's ``(txid, id)`` is at or below ``cursor``" (integers only)."""
    txid, event_id = int(cursor[0]), int(cursor[1])
    return f"(txid < {txid} OR (txid = {txid} AND id <= {event_id}))"


def after_sql(cursor: tuple[int, ...]) -> str:
    """SQL (DuckDB) for "the event's ``(txid, id)`` is after ``cursor``" (integers only)."""
    txid, event_id = int(cursor[0]), int(cursor[1])
    return f"(txid > {txid} OR (txid = {txid} AND id > {event_id}))"


@dataclass(frozen=True)
class ReplayCursor:
    stream: str
    cluster: str
    position: Position


@dataclass(frozen=True)
class HistoryCursor:
    stream: str
    cluster: str
    direction: str  # "after" or "before" the key, in the page's sort order
    newest_first: bool
    occurred_us: int
    id: int


def encode_replay(cursor: ReplayCursor) -> str:
    """The opaque text of a replay cursor."""
    body = f"r1:{cursor.stream}:{cursor.cluster}:{cursor.position.txid}:{cursor.position.id}"
    return _b64(body)


def decode_replay(text: str, stream: str) -> ReplayCursor:
    """Parse a replay cursor of ``stream``; :class:`CursorError` if it is not one we issued."""
    parts = _parts(text, "r1", 5)
    _, cursor_stream, cluster, txid, event_id = parts
    _check_stream(cursor_stream, stream)
    _check_cluster(cluster)
    return ReplayCursor(cursor_stream, cluster, Position(_int(txid, "txid"), _int(event_id, "id")))


def encode_history(cursor: HistoryCursor) -> str:
    """The opaque text of a history page cursor."""
    order = "desc" if cursor.newest_first else "asc"
    body = (f"h1:{cursor.stream}:{cursor.cluster}:{cursor.direction}:{order}:"
            f"{cursor.occurred_us}:{cursor.id}")
    return _b64(body)


def decode_history(text: str, stream: str) -> HistoryCursor:
    """Parse a history cursor of ``stream``; :class:`CursorError` if it is not one we issued."""
    _, cursor_stream, cluster, direction, order, occurred, event_id = _parts(text, "h1", 7)
    _check_stream(cursor_stream, stream)
    _check_cluster(cluster)
    if direction not in ("after", "before") or order not in ("asc", "desc"):
        raise CursorError("malformed history cursor: unknown direction; use the cursors a page returns")
    if not _MICROS.match(occurred) or abs(int(occurred)) > _MAX_INT:
        raise CursorError("malformed history cursor: bad time; use the cursors a page returns")
    return HistoryCursor(cursor_stream, cluster, direction, order == "desc", int(occurred),
                         _int(event_id, "id"))


def _b64(body: str) -> str:
    return base64.urlsafe_b64encode(body.encode("ascii")).decode("ascii").rstrip("=")


def _parts(text: str, version: str, count: int) -> list[str]:
    if not isinstance(text, str) or not text:
        raise CursorError("malformed cursor: expected the non-empty string a page returned")
    if len(text) > MAX_CURSOR_CHARS or not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        raise CursorError("malformed cursor: not a cursor this server issued; start again without one")
    try:
        body = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CursorError("malformed cursor: cannot be decoded; start again without one") from None
    parts = body.split(":")
    if len(parts) != count or parts[0] != version:
        raise CursorError("malformed cursor: not a cursor of this kind; start again without one")
    return parts


def _check_stream(found: str, expected: str) -> None:
    if found not in STREAMS:
        raise CursorError("malformed cursor: unknown stream")
    if found != expected:
        raise CursorError(f"this cursor belongs to the {found} stream, not the {expected} stream")


def _check_cluster(cluster: str) -> None:
    if not _CLUSTER.match(cluster):
        raise CursorError("malformed cursor: bad cluster id; start again without one")


def _int(text: str, name: str) -> int:
    if not _INT.match(text) or int(text) > _MAX_INT:
        raise CursorError(f"malformed cursor: bad {name}; start again without one")
    return int(text)
