"""Evidence packs: one record's data, timeline, manifests and inclusion proofs in a zip file.

A third party checks a pack offline: each proof ties an audit event's fields to a manifest's
Merkle root (``amoscope archive prove --check``, or SHA-256 by hand as the format document
describes), and the manifests' ``previous`` hashes chain them together.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from warehouse.archive import ArchiveError
from warehouse.archive.layout import EXCLUDED_COLUMNS
from warehouse.archive.proof import build_proof
from warehouse.errors import WarehouseError
from warehouse.events import RequestContext, record_audit
from warehouse.schema import metadata
from warehouse.scope import ALL_AMOS, TenantScope

# Business numbers an auditor knows a record by, per table.
NUMBER_COLUMNS = {
    "cars": "car_no", "findings": "finding_no", "audits": "audit_no", "safety_reports": "report_no",
    "work_orders": "wo_no", "task_cards": "card_no", "defects": "defect_no", "tools": "tool_no",
    "aircraft": "registration", "hazards": "hazard_no",
}
_TABLE_AND_ID = re.compile(r"^([a-z_]+):([0-9]+)$")


@dataclass(frozen=True)
class PackSummary:
    entity_type: str
    entity_id: str
    events: int
    proofs: int
    not_yet_archived: int


def resolve_entity(engine: sa.Engine, entity: str,
                   scope: TenantScope = ALL_AMOS) -> tuple[str, str, dict[str, Any]]:
    """``(table, id, current row)`` of ``entity``: a business number (CAR-2024-0042) or ``table:id``.

    A record outside ``scope`` is not found, exactly like one that does not exist.
    """
    match = _TABLE_AND_ID.match(entity)
    with engine.connect() as connection:
        if match:
            table_name, entity_id = match.groups()
            if table_name not in metadata.tables or "row_version" not in metadata.tables[table_name].c:
                raise WarehouseError(f"{table_name!r} is not a record table")
            table = metadata.tables[table_name]
            statement = sa.select(table).where(table.c.id == int(entity_id), *scope.where(table_name))
            row = connection.execute(statement).mappings().first()
            if row is not None:
                return table_name, entity_id, _public(table_name, dict(row))
        else:
            for table_name, column in NUMBER_COLUMNS.items():
                table = metadata.tables[table_name]
                statement = sa.select(table).where(table.c[column] == entity, *scope.where(table_name))
                row = connection.execute(statement).mappings().first()
                if row is not None:
                    return table_name, str(row["id"]), _public(table_name, dict(row))
    raise WarehouseError(
        f"no record {entity!r}; give a number such as CAR-2024-0042, or table:id such as cars:42")


def _public(table_name: str, row: dict[str, Any]) -> dict[str, Any]:
    """The row without secret columns (never exported, as never archived)."""
    return {key: value for key, value in row.items() if key not in EXCLUDED_COLUMNS.get(table_name, ())}


def write_pack(warehouse, entity: str, out: Path, *, context: RequestContext) -> PackSummary:
    """Write the evidence pack of ``entity`` to ``out`` (a zip) and audit the export.

    Contents: ``record.json`` (the record now), ``timeline.json`` (every audit and activity event
    with the state after each), ``proofs/<event_id>.json`` (one per archived audit event),
    ``manifests/audit_events/*.json`` (the whole chain those proofs hang from) and ``README.txt``.
    """
    table_name, entity_id, record = resolve_entity(warehouse.engine, entity, warehouse.scope)
    timeline = warehouse.timeline(table_name, entity_id)
    audit_rows = timeline[timeline["stream"] == "audit"]
    proofs: dict[str, dict[str, Any]] = {}
    pending = []
    for event_id in audit_rows["event_id"]:
        try:
            proofs[event_id] = build_proof(warehouse.store, event_id, table="audit_events")
        except ArchiveError:
            pending.append(event_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        pack.writestr("record.json", _json({"entity_type": table_name, "entity_id": entity_id,
                                            "record": record}))
        pack.writestr("timeline.json", _json(timeline.to_dict("records")))
        for event_id, proof in proofs.items():
            pack.writestr(f"proofs/{event_id}.json", _json(proof))
        for stored in warehouse.sources.catalog.chain("audit_events"):
            pack.writestr(stored.path, warehouse.store.read_bytes(stored.path))
        pack.writestr("README.txt", _readme(table_name, entity_id, len(audit_rows), len(proofs), pending))
    out.write_bytes(buffer.getvalue())
    summary = PackSummary(table_name, entity_id, len(timeline), len(proofs), len(pending))
    with warehouse.engine.begin() as connection:
        record_audit(connection, context, "EXPORT", amo_id=record.get("amo_id"), entity_type=table_name,
                     entity_id=entity_id, after={"format": "evidence-pack", "file": out.name,
                                                 "events": summary.events, "proofs": summary.proofs})
    return summary


def _json(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, default=str)


def _readme(table_name: str, entity_id: str, events: int, proofs: int, pending: list[str]) -> str:
    lines = [
        f"AMOscope evidence pack: {table_name} {entity_id}",
        "",
        "record.json     the record as it is now",
        f"timeline.json   {events} audit events (and the activity feed) with the state after each",
        f"proofs/         {proofs} inclusion proofs, one per archived audit event",
        "manifests/      the audit_events manifest chain the proofs hang from",
        "",
        "Check a proof offline:   amoscope archive prove --check proofs/<event_id>.json",
        "or by hand: SHA-256 of the row encoding (docs/archive-format.md) up the proof path to the",
        "manifest's merkle_root; each manifest's 'previous' names the SHA-256 of the one before.",
    ]
    if pending:
        lines += ["", "Not archived yet when the pack was made (no proof possible yet):", *pending]
    return "\n".join(lines) + "\n"
