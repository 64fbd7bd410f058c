"""The records a drilldown may open, read with the session's scope, and their CSV export.

Scope is decided here on the server for every read, whatever the URL asks for:

* every role sees only its own AMO's records;
* superuser, admin, quality and auditor see all of the AMO's records of a drillable kind;
* a member sees all records of the kinds their own department's cockpit drills into
  (``cockpits.DRILL_OWNERS``) when that cockpit is theirs to open
  (:func:`auth.policy.cockpit_in_scope`; a QUAL member does not get the QMS cockpit), and
  otherwise only the records of their own department (kinds with a department column), else none.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from auth.policy import DATA_SCOPES, cockpit_in_scope
from dashboards import words
from dashboards.cockpits import DRILL_OWNERS
from warehouse.schema import metadata
from warehouse.scope import TenantScope
from warehouse.spreadsheet import defuse_formula

MAX_IDS = 500
HIDDEN_COLUMNS = frozenset({"change_txid", "created_by", "updated_by", "voided_by", "reporter_user_id",
                            "txid", "password_hash", "session_version"})


@dataclass(frozen=True)
class Kind:
    """A drillable record table: its label column, the list's columns and how it is scoped."""

    table: str
    label: str
    columns: tuple[str, ...]
    department: str | None = None  # the column naming the record's department
    singular: str = ""  # "CAR", "Finding": the kind in words (default: from the table name)
    plural: str = ""
    status: str = ""  # the column the record page's header shows as its state (default: "status")
    members_by_department: bool = True  # members may read their own department's records of it

    def __post_init__(self) -> None:
        words = self.table.replace("_", " ")
        object.__setattr__(self, "plural", self.plural or words[0].upper() + words[1:])
        object.__setattr__(self, "singular", self.singular or self.plural.removesuffix("s"))
        if not self.status and "status" in self.sa_table.c:
            object.__setattr__(self, "status", "status")

    @property
    def sa_table(self) -> sa.Table:
        return metadata.tables[self.table]


KINDS: dict[str, Kind] = {kind.table: kind for kind in (
    Kind("findings", "finding_no", ("finding_no", "level", "source", "regulation_ref", "department", "status",
                                    "raised_at", "target_date", "closed_at"), department="department_id"),
    Kind("cars", "car_no", ("car_no", "department", "status", "root_cause_category", "due_date",
                            "extended_due_date", "extension_count", "closed_at"), department="department_id",
         singular="CAR", plural="CARs"),
    Kind("audits", "audit_no", ("audit_no", "audit_type", "department", "status", "planned_date",
                                "performed_date", "is_unannounced", "is_night"),
         department="auditee_department_id"),
    Kind("safety_reports", "report_no", ("report_no", "kind", "department", "occurrence_category",
                                         "tolerability", "status", "occurred_at", "closed_at"),
         department="department_id"),
    Kind("hazards", "hazard_no", ("hazard_no", "title", "department", "risk_index", "tolerability", "status",
                                  "last_reviewed_at", "next_review_due_at"), department="department_id"),
    Kind("aircraft", "registration", ("registration", "msn", "type_model", "customer_operator", "base",
                                       "status", "tsn_fh", "csn_fc", "as_of"),
         singular="Aircraft", plural="Aircraft"),
    Kind("staff_authorisations", "id", ("user_id", "auth_type", "scope", "licence_no", "issued_at",
                                        "expires_at", "status", "last_experience_check_at"),
         singular="Staff authorisation"),
    Kind("defects", "defect_no", ("defect_no", "aircraft_id", "ata_chapter", "source", "is_deferred",
                                  "mel_category", "deferral_expires_at", "status", "reported_at")),
    Kind("operational_interruptions", "id", ("aircraft_id", "day", "kind", "ata_chapter", "delay_minutes",
                                             "description")),
    Kind("component_removals", "id", ("component_id", "aircraft_id", "removed_at", "is_unscheduled",
                                      "shop_finding", "reason_text")),
    Kind("directive_compliance", "id", ("directive_id", "aircraft_id", "applicability", "status",
                                        "next_due_at", "next_due_fh", "last_done_at"),
         singular="Directive compliance record", plural="Directive compliance records"),
    Kind("work_orders", "wo_no", ("wo_no", "wo_type", "department", "status", "planned_start", "planned_end",
                                  "actual_end", "planned_mh", "actual_mh"), department="department_id"),
    Kind("task_cards", "card_no", ("card_no", "work_order_id", "card_type", "ata_chapter", "status",
                                   "planned_mh", "actual_mh", "performed_at", "inspected_at")),
    Kind("stock_items", "part_no", ("part_no", "serial_no", "batch_no", "description", "location_code",
                                    "condition", "shelf_life_expires_at", "quarantine_reason")),
    Kind("tools", "tool_no", ("tool_no", "description", "department", "status", "next_due_at", "lost_at"),
         department="department_id"),
    Kind("users", "full_name", ("full_name", "employee_no", "department", "job_title", "is_active", "left_at",
                                "last_login_at"), department="department_id", singular="Person",
         plural="People", status="is_active", members_by_department=False),
    Kind("training_records", "course_code", ("course_code", "user_id", "course_type", "completed_at",
                                             "valid_until", "result", "provider"), status="result"),
    Kind("components", "part_no", ("part_no", "serial_no", "description", "ata_chapter", "status",
                                   "installed_aircraft_id", "position", "tsn", "csn", "is_llp")),
    Kind("directives", "ref_no", ("ref_no", "kind", "authority", "revision", "effective_date", "subject",
                                  "ata_chapter", "is_recurring")),
    Kind("car_attachments", "filename", ("filename", "car_id", "media_type", "size_bytes", "verify_status",
                                         "last_verified_at", "uploaded_by", "uploaded_at"),
         singular="CAR attachment", status="verify_status"),
    Kind("tool_calibrations", "certificate_no", ("certificate_no", "tool_id", "calibrated_at", "lab",
                                                 "as_found", "as_left", "next_due_at"), status="as_found"),
    Kind("tool_usage", "id", ("tool_id", "usage_kind", "user_id", "task_card_id", "occurred_at"),
         singular="Tool check-out or return", plural="Tool usage", status="usage_kind"),
    Kind("part_movements", "id", ("stock_item_id", "movement_type", "qty", "from_location", "to_location",
                                  "work_order_id", "task_card_id", "performed_by", "performed_at", "reason"),
         status="movement_type"),
)}


def parse_ids(text: str | None) -> list[int]:
    """Ids from a URL's ``ids=1,2,3``: positive integers only, at most MAX_IDS, junk ignored."""
    ids = []
    for part in (text or "").split(","):
        part = part.strip()
        if part.isdigit() and len(part) <= 18 and int(part) > 0:
            ids.append(int(part))
    return sorted(set(ids))[:MAX_IDS]


def in_amo(kind: Kind, amo_id: int) -> list:
    """The WHERE clauses limiting ``kind`` to one AMO's records: the warehouse's tenant scope
    (child records through their parents, components and directives through the fleet)."""
    return TenantScope.for_amo(amo_id).where(kind.table)


def _scope(kind: Kind, user, department_ids: dict[str, int]):
    """The WHERE clause limiting ``kind`` to what ``user`` may read, or None when nothing."""
    table = kind.sa_table
    clauses = in_amo(kind, user.amo_id)
    own_cockpit = cockpit_in_scope(user.role, user.department_code, None)
    if DATA_SCOPES.get(user.role) == "amo" or own_cockpit in DRILL_OWNERS.get(kind.table, ()):
        return sa.and_(*clauses)
    own = department_ids.get(user.department_code)
    if user.role != "member" or kind.department is None or own is None or not kind.members_by_department:
        return None
    return sa.and_(*clauses, table.c[kind.department] == own)


def department_ids_of(connection: Connection, amo_id: int) -> dict[str, int]:
    """Department code → id, for one AMO."""
    departments = metadata.tables["departments"]
    rows = connection.execute(sa.select(departments.c.code, departments.c.id)
                              .where(departments.c.amo_id == amo_id)).all()
    return {code: department_id for code, department_id in rows}


def labels_of(connection: Connection, amo_id: int) -> dict[str, dict[int, str]]:
    """Id columns of KPI tables → the words a person reads for each id, for one AMO: department
    names, people's names, tool numbers, aircraft registrations."""
    departments, users = metadata.tables["departments"], metadata.tables["users"]
    tools, aircraft = metadata.tables["tools"], metadata.tables["aircraft"]
    names = dict(connection.execute(sa.select(departments.c.id, departments.c.name)
                                    .where(departments.c.amo_id == amo_id)).all())
    people = dict(connection.execute(sa.select(users.c.id, users.c.full_name)
                                     .where(users.c.amo_id == amo_id)).all())
    tool_numbers = dict(connection.execute(sa.select(tools.c.id, tools.c.tool_no)
                                           .where(tools.c.amo_id == amo_id)).all())
    registrations = dict(connection.execute(sa.select(aircraft.c.id, aircraft.c.registration)
                                            .where(aircraft.c.amo_id == amo_id)).all())
    return {"department_id": names, "auditee_department_id": names, "user_id": people,
            "performed_by": people, "inspected_by": people, "lead_auditor_id": people,
            "tool_id": tool_numbers, "aircraft_id": registrations}


def fetch(connection: Connection, user, kind_name: str, ids: list[int], *, where=None,
          limit: int | None = None) -> list[dict]:
    """The records ``ids`` of ``kind_name`` that ``user`` may read, current state, by id (or,
    with ``where`` instead of ids, the first ``limit`` records matching it).

    Unknown kinds and records out of scope are simply absent, exactly like ids that do not exist.
    """
    kind = KINDS.get(kind_name)
    if kind is None or (not ids and where is None):
        return []
    department_ids = department_ids_of(connection, user.amo_id)
    scope = _scope(kind, user, department_ids)
    if scope is None:
        return []
    table = kind.sa_table
    wanted = table.c.id.in_(ids) if where is None else where
    rows = connection.execute(sa.select(table).where(wanted, scope).order_by(table.c.id).limit(limit))
    codes = {department_id: code for code, department_id in department_ids.items()}
    records = []
    for row in rows.mappings():
        record = {key: value for key, value in row.items() if key not in HIDDEN_COLUMNS}
        if kind.department:
            record["department"] = codes.get(record.get(kind.department))
        records.append(record)
    return records


def exists_in_amo(connection: Connection, amo_id: int, kind_name: str, record_id: int) -> bool:
    """Whether the AMO has this record, whoever may read it (a page tells "not yours" from "none")."""
    kind = KINDS.get(kind_name)
    if kind is None:
        return False
    table = kind.sa_table
    query = sa.select(table.c.id).where(table.c.id == record_id, *in_amo(kind, amo_id))
    return connection.execute(query).first() is not None


def labels(connection: Connection, amo_id: int, kind_name: str, ids: set[int]) -> dict[int, str]:
    """id → label (e.g. CAR-0413) of the AMO's records among ``ids``; other AMOs' are left out."""
    kind = KINDS.get(kind_name)
    if kind is None or not ids:
        return {}
    table = kind.sa_table
    rows = connection.execute(sa.select(table.c.id, table.c[kind.label])
                              .where(table.c.id.in_(sorted(ids)), *in_amo(kind, amo_id)))
    return {record_id: str(label) for record_id, label in rows}


def in_words(kind_name: str, found: list[dict], labels: dict[str, dict]) -> list[dict]:
    """The records with ids that name something (department, aircraft, person, tool) and
    booleans put in words, for lists and exports."""
    if kind_name not in KINDS:
        return found
    kind = KINDS[kind_name]
    departments = labels.get("department_id", {})
    shown = []
    for record in found:
        record = dict(record)
        if kind.department:
            record["department"] = departments.get(record.get(kind.department), record.get("department"))
        for column in kind.columns:
            value = record.get(column)
            if value is not None and (column in labels or column in words.BOOLEANS):
                record[column] = words.word(column, value, labels)
        shown.append(record)
    return shown


def list_rows(kind_name: str, records: list[dict]) -> list[dict]:
    """The list page's rows: the id, the label and the kind's curated columns, as plain values."""
    kind = KINDS[kind_name]
    return [{"id": record["id"], **{column: plain(record.get(column)) for column in kind.columns}}
            for record in records]


def plain(value):
    """A value as JSON and CSV can hold it (dates as ISO text)."""
    if isinstance(value, datetime | date):
        if isinstance(value, datetime):
            return value.isoformat(sep=" ", timespec="seconds")
        return value.isoformat()
    return value


def defuse(value) -> str:
    """A cell's text that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return defuse_formula("" if value is None else str(value))


def to_csv(rows: list[dict]) -> str:
    """The rows as CSV, every cell defused."""
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([defuse(name) for name in rows[0]])
    for row in rows:
        writer.writerow([defuse(value) for value in row.values()])
    return buffer.getvalue()
