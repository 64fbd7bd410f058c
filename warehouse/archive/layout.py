"""Where things live in the archive and which columns each archived table carries.

Layout (paths relative to the archive root; see docs/archive-format.md)::

    data/<table>/month=YYYY-MM/<seq:012d>-<part:03d>.parquet   rows of one batch (events, ledgers)
    data/<table>/year=YYYY/<seq:012d>-<part:03d>.parquet       rows of one batch (mutable records)
    manifests/<table>/<seq:012d>.json                        the chain of committed batches
    checkpoints/<seq:012d>.json                              every table's head, after each run

A data file is named after the manifest that commits it, so any file that no manifest lists is a
leftover of an interrupted run. Readers take the file list from the manifests, never from a
listing of ``data/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from warehouse.schema import APPEND_ONLY_TABLES, MUTABLE_TABLES, metadata

FORMAT = "amoscope-archive/2"
DATA_DIR = "data"
MANIFEST_DIR = "manifests"
CHECKPOINT_DIR = "checkpoints"
MONTH_COLUMN = "month"
YEAR_COLUMN = "year"
TEMP_PREFIX = ".tmp-"

# Secrets never leave the operational database, even into the archive.
EXCLUDED_COLUMNS: dict[str, frozenset[str]] = {
    "users": frozenset({"password_hash", "session_version"}),
}
# The record time that picks an event's partition; mutable records use ``updated_at``.
_EVENT_TIME_COLUMNS = {"part_movements": "performed_at"}

_MANIFEST_NAME = re.compile(r"^(\d{12})\.json$")
_DATA_NAME = re.compile(r"^(\d{12})-(\d{3})\.parquet$")


@dataclass(frozen=True)
class TableSpec:
    """How one table is archived: its cursor, its partition and the columns kept.

    ``partition`` names the Hive partition column, ``month`` (``YYYY-MM``) for the event and
    ledger tables, which grow by the million, or ``year`` (``YYYY``) for mutable records, whose
    versions come in thousands a year: monthly folders would hold dozens of tiny files.
    """

    name: str
    cursor_columns: tuple[str, ...]  # (txid, id), or (change_txid, *primary key)
    time_column: str  # the UTC record time that picks the partition
    columns: tuple[str, ...]
    partition: str  # MONTH_COLUMN or YEAR_COLUMN

    @property
    def append_only(self) -> bool:
        return self.name in APPEND_ONLY_TABLES


def _spec(name: str) -> TableSpec:
    table = metadata.tables[name]
    excluded = EXCLUDED_COLUMNS.get(name, frozenset())
    if name in APPEND_ONLY_TABLES:
        cursor = ("txid", "id")
        time_column = _EVENT_TIME_COLUMNS.get(name, "occurred_at")
        partition = MONTH_COLUMN
    else:
        key = tuple(column.name for column in table.primary_key)
        cursor = ("change_txid", *key)
        # Records without updated_at (daily utilisation) are partitioned by their date key.
        time_column = "updated_at" if "updated_at" in table.c else key[-1]
        partition = YEAR_COLUMN
    columns = tuple(column.name for column in table.columns if column.name not in excluded)
    return TableSpec(name, cursor, time_column, columns, partition)


ARCHIVED_TABLES: dict[str, TableSpec] = {
    name: _spec(name) for name in (*APPEND_ONLY_TABLES, *MUTABLE_TABLES)
}


def table_spec(name: str) -> TableSpec:
    """The spec of an archived table, or a clear error naming the tables that are archived."""
    try:
        return ARCHIVED_TABLES[name]
    except KeyError:
        raise KeyError(
            f"{name!r} is not an archived table; archived tables: {', '.join(sorted(ARCHIVED_TABLES))}"
        ) from None


def manifest_dir(table: str) -> str:
    return f"{MANIFEST_DIR}/{table}"


def manifest_path(table: str, seq: int) -> str:
    return f"{MANIFEST_DIR}/{table}/{seq:012d}.json"


def manifest_seq(filename: str) -> int | None:
    """The sequence number of a manifest file name, or None if it is not one."""
    match = _MANIFEST_NAME.match(filename)
    return int(match.group(1)) if match else None


def checkpoint_path(seq: int) -> str:
    return f"{CHECKPOINT_DIR}/{seq:012d}.json"


def table_data_dir(table: str) -> str:
    return f"{DATA_DIR}/{table}"


def data_path(spec: TableSpec, partition: str, seq: int, part: int) -> str:
    return f"{DATA_DIR}/{spec.name}/{spec.partition}={partition}/{seq:012d}-{part:03d}.parquet"


def data_file_seq(filename: str) -> int | None:
    """The manifest sequence a data file name belongs to, or None if it is not a data file name."""
    match = _DATA_NAME.match(filename)
    return int(match.group(1)) if match else None
