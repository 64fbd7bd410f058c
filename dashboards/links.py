"""Links between records, read from the schema's foreign keys: what a record names (a CAR's
finding, a defect's aircraft) as labelled links, and the records that name it (a CAR's
attachments, an aircraft's defects and work orders, a tool's calibrations and check-outs).

One mechanism for every entity type: adding a foreign key to the schema adds the link both ways
on the record pages. Records pointing back are read with the user's scope
(:func:`dashboards.records.fetch`); the label of a record a page names is read within the AMO,
and its own page checks scope again when the link is followed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from dashboards import records
from warehouse.schema import metadata

MAX_BACK = 25  # records listed per kind pointing back; the count says how many there are


@dataclass(frozen=True)
class Link:
    """A record named by another: its kind, id and the words that name it."""

    kind: str
    id: int
    label: str


def references(kind_name: str) -> dict[str, str]:
    """Column → the record kind it names, for ``kind_name``'s foreign keys to other record kinds."""
    table = metadata.tables[kind_name]
    found = {}
    for column in table.columns:
        for key in column.foreign_keys:
            target = key.column.table.name
            if target in records.KINDS and column.name not in records.HIDDEN_COLUMNS:
                found[column.name] = target
    return found


def back_references(kind_name: str) -> list[tuple[str, str]]:
    """(kind, column) of every record kind with a foreign key naming ``kind_name``."""
    return [(source, column) for source in records.KINDS for column, target in references(source).items()
            if target == kind_name and (source, column) != (kind_name, "check_out_id")]


def label(kind_name: str, record: dict) -> str:
    """The words naming a record: its label column ("CAR-0042", "D-ABCD"), else kind and id."""
    kind = records.KINDS[kind_name]
    value = record.get(kind.label) if kind.label != "id" else None
    return str(value) if value not in (None, "") else f"{kind.singular} {record.get('id')}"


def labels(connection: Connection, amo_id: int, kind_name: str, ids: set[int]) -> dict[int, str]:
    """Id → label of the AMO's records of ``kind_name`` among ``ids`` (one query)."""
    kind = records.KINDS[kind_name]
    found = records.labels(connection, amo_id, kind_name, ids)
    return {record_id: text if kind.label != "id" else f"{kind.singular} {record_id}"
            for record_id, text in found.items()}


def named(connection: Connection, amo_id: int, kind_name: str, record: dict) -> dict[str, Link]:
    """Column → the record it names, for the foreign keys of ``record`` that are set."""
    links = {}
    for column, target in references(kind_name).items():
        value = record.get(column)
        if value is None:
            continue
        found = labels(connection, amo_id, target, {int(value)})
        links[column] = Link(target, int(value), found.get(int(value), f"{target} {value} (not found)"))
    return links


@dataclass(frozen=True)
class BackGroup:
    """The records of one kind naming this record through one column."""

    kind: str
    column: str
    links: list[Link]
    total: int


def pointing_back(connection: Connection, user, kind_name: str, record_id: int) -> list[BackGroup]:
    """The records that name this one, per kind and column, those the user may read."""
    groups = []
    for source, column in back_references(kind_name):
        table = metadata.tables[source]
        found = records.fetch(connection, user, source, [], where=table.c[column] == record_id,
                              limit=MAX_BACK + 1)
        if found:
            shown = found[:MAX_BACK]
            found_links = [Link(source, row["id"], label(source, row)) for row in shown]
            groups.append(BackGroup(source, column, found_links, len(found)))
    return groups
