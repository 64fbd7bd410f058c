"""The operational schema: every table an AMO records, as SQLAlchemy Core on one MetaData.

Portable between PostgreSQL and SQLite. Conventions (DOMAIN.md §2.2):

* every domain table has ``id``, ``created_at/by``, ``updated_at/by`` and ``row_version``;
* no hard deletes: mutable records carry ``voided_at/by`` and ``void_reason``;
* department scoping goes through ``department_id``; AMO scoping through ``amo_id``;
* append-only tables (events and ledgers) carry ``txid``, the extraction cursor of DESIGN.md
  ("Extraction cursor"); mutable tables carry ``change_txid``, set on every insert and update,
  so the ETL can capture changes with the same cursor. On PostgreSQL both are filled by the
  database (see ``migrations/``); on SQLite, which has one writer, ``txid`` stays 0 and the
  cursor is ``(0, id)``.
* lists (regulation refs, contributing factors) are JSON arrays, so both dialects hold them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Timestamp = sa.DateTime(timezone=True)

DEPARTMENT_CODES = ("QUAL", "PLAN", "PROD", "REL", "SAFE", "STOR", "ENG", "WKSP", "ADMIN")
ROLE_CODES = ("superuser", "admin", "quality", "auditor", "member")

# Tables whose rows are never updated or deleted (but for the retention prune of events).
APPEND_ONLY_TABLES = ("audit_events", "activity_events", "part_movements", "tool_usage")


def _id() -> sa.Column:
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


def _fk(name: str, target: str, *, nullable: bool = True, index: bool = True) -> sa.Column:
    return sa.Column(name, BigId, sa.ForeignKey(target), nullable=nullable, index=index)


def _record_columns() -> list[sa.Column]:
    """Bookkeeping columns of every mutable domain record (who/when, version, soft delete)."""
    return [
        sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.current_timestamp()),
        sa.Column("created_by", BigId, nullable=True),
        sa.Column("updated_at", Timestamp, nullable=False, server_default=sa.func.current_timestamp()),
        sa.Column("updated_by", BigId, nullable=True),
        sa.Column("row_version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("voided_at", Timestamp, nullable=True),
        sa.Column("voided_by", BigId, nullable=True),
        sa.Column("void_reason", sa.Text, nullable=True),
        sa.Column("change_txid", sa.BigInteger, nullable=False, server_default="0", index=True),
    ]


def _record_table(name: str, *columns: sa.SchemaItem) -> sa.Table:
    return sa.Table(name, metadata, _id(), *columns, *_record_columns())


# ── Organisation & people ──────────────────────────────────────────────────────────────────
amos = _record_table(
    "amos",
    sa.Column("code", sa.String(16), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("approval_ref", sa.Text),  # e.g. "DE.145.0123"
    sa.Column("regime", sa.String(8), nullable=False, server_default="EASA"),  # EASA, FAA, DUAL
)

departments = _record_table(
    "departments",
    _fk("amo_id", "amos.id", nullable=False),
    sa.Column("code", sa.String(8), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    _fk("parent_id", "departments.id"),
    sa.Column("head_user_id", BigId),  # no FK: users reference departments
    sa.UniqueConstraint("amo_id", "code"),
)

roles = sa.Table(
    "roles",
    metadata,
    _id(),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
)

users = _record_table(
    "users",
    _fk("amo_id", "amos.id", nullable=False),
    _fk("department_id", "departments.id", nullable=False),
    _fk("role_id", "roles.id", nullable=False),
    sa.Column("username", sa.String(254), nullable=False, unique=True),  # lower-cased login name
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("employee_no", sa.String(32)),
    sa.Column("full_name", sa.Text, nullable=False),
    sa.Column("job_title", sa.Text),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("disabled_at", Timestamp),
    sa.Column("disabled_reason", sa.Text),
    sa.Column("left_at", Timestamp),
    sa.Column("mfa_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("password_hash", sa.Text),  # argon2id; NULL: cannot log in until a reset
    sa.Column("password_changed_at", Timestamp),
    # Bumped by disable, revoke and password change: every session carrying an older value ends.
    sa.Column("session_version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("last_login_at", Timestamp),
)

user_sessions = sa.Table(
    "user_sessions",
    metadata,
    _id(),
    _fk("user_id", "users.id", nullable=False),
    sa.Column("session_key_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex
    sa.Column("session_version", sa.Integer, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.current_timestamp()),
    sa.Column("last_seen_at", Timestamp, nullable=False, server_default=sa.func.current_timestamp()),
    sa.Column("ended_at", Timestamp),
    sa.Column("end_reason", sa.String(32)),  # LOGOUT, IDLE, ABSOLUTE, REVOKED, DISABLED, PASSWORD
    sa.Column("ip", sa.String(64)),
    sa.Column("user_agent", sa.Text),
)

login_attempts = sa.Table(
    "login_attempts",
    metadata,
    _id(),
    sa.Column("account_key", sa.String(254), nullable=False, index=True),  # normalised username
    sa.Column("ip", sa.String(64), nullable=False, index=True),
    sa.Column("attempted_at", Timestamp, nullable=False, index=True),
    sa.Column("succeeded", sa.Boolean, nullable=False),
    sa.Column("path", sa.String(32), nullable=False),  # login, reset, remember, ...
)

password_reset_tokens = sa.Table(
    "password_reset_tokens",
    metadata,
    _id(),
    _fk("user_id", "users.id", nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex of the token
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("used_at", Timestamp),
    sa.Column("invalidated_at", Timestamp),
    sa.Column("requested_by", BigId),  # the admin who started it, NULL for self-service
    sa.Column("requested_ip", sa.String(64)),
)

notifications = sa.Table(
    "notifications",
    metadata,
    _id(),
    _fk("user_id", "users.id", nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),  # MESSAGE, PASSWORD_RESET, ...
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.current_timestamp()),
    sa.Column("created_by", BigId),
    sa.Column("sent_at", Timestamp),  # set by the sender that delivered it
    sa.Column("read_at", Timestamp),
)

scheduled_actions = sa.Table(
    "scheduled_actions",
    metadata,
    _id(),
    _fk("amo_id", "amos.id", nullable=False),
    _fk("target_user_id", "users.id", nullable=False),
    sa.Column("action", sa.String(32), nullable=False),  # disable, enable, revoke, reset, notify
    sa.Column("params", Json, nullable=False, server_default="{}"),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("run_at", Timestamp, nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, server_default="PENDING"),
    sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.current_timestamp()),
    sa.Column("created_by", BigId, nullable=False),
    sa.Column("executed_at", Timestamp),
    sa.Column("result", sa.Text),
    sa.Column("cancelled_at", Timestamp),
    sa.Column("cancelled_by", BigId),
)

staff_authorisations = _record_table(
    "staff_authorisations",
    _fk("user_id", "users.id", nullable=False),
    sa.Column("auth_type", sa.String(16), nullable=False),  # CRS_B1, CRS_B2, INSPECTOR, RII, ...
    sa.Column("scope", sa.Text),
    sa.Column("licence_no", sa.String(64)),
    sa.Column("issued_by", BigId),
    sa.Column("issued_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # valid, suspended, revoked, expired
    sa.Column("last_experience_check_at", Timestamp),
    sa.Column("suspension_reason", sa.Text),
)

training_records = _record_table(
    "training_records",
    _fk("user_id", "users.id", nullable=False),
    sa.Column("course_code", sa.String(32), nullable=False),
    sa.Column("course_type", sa.String(16), nullable=False),  # HF, CONTINUATION, TYPE, EWIS, ...
    sa.Column("completed_at", Timestamp, nullable=False),
    sa.Column("valid_until", Timestamp),
    sa.Column("result", sa.String(16), nullable=False),  # PASS, FAIL
    sa.Column("provider", sa.Text),
    sa.Column("certificate_sha256", sa.String(64)),
)

# ── Quality & compliance ──────────────────────────────────────────────────────────────────
audits = _record_table(
    "audits",
    _fk("amo_id", "amos.id", nullable=False),
    sa.Column("audit_no", sa.String(32), nullable=False, unique=True),
    sa.Column("audit_type", sa.String(16), nullable=False),  # INTERNAL, AUTHORITY, CUSTOMER, ...
    sa.Column("is_unannounced", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_night", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("regulation_refs", Json, nullable=False),  # ["145.A.40", "145.A.42"]
    _fk("auditee_department_id", "departments.id", nullable=False),
    sa.Column("location", sa.Text, nullable=False),
    _fk("lead_auditor_id", "users.id"),
    sa.Column("planned_date", sa.Date, nullable=False),
    sa.Column("performed_date", sa.Date),
    sa.Column("report_issued_at", Timestamp),
    sa.Column("status", sa.String(16), nullable=False),  # PLANNED, CONFIRMED, ..., CLOSED
)

safety_reports = _record_table(
    "safety_reports",
    _fk("amo_id", "amos.id", nullable=False),
    sa.Column("report_no", sa.String(32), nullable=False, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),  # OCCURRENCE, HAZARD, NEAR_MISS, ERROR
    sa.Column("occurred_at", Timestamp, nullable=False),
    sa.Column("reported_at", Timestamp, nullable=False),
    _fk("reporter_user_id", "users.id"),
    sa.Column("is_confidential", sa.Boolean, nullable=False, server_default=sa.false()),
    _fk("department_id", "departments.id", nullable=False),
    _fk("aircraft_id", "aircraft.id"),
    _fk("work_order_id", "work_orders.id"),
    sa.Column("ata_chapter", sa.String(2)),
    sa.Column("occurrence_category", sa.String(16)),  # ADREP/ECCAIRS code, e.g. "SCF-NP"
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("is_mor", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("mor_submitted_at", Timestamp),
    sa.Column("is_sdr", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("sdr_submitted_at", Timestamp),
    sa.Column("severity", sa.SmallInteger),  # 1-5
    sa.Column("likelihood", sa.SmallInteger),  # 1-5
    sa.Column("risk_index", sa.SmallInteger),
    sa.Column("tolerability", sa.String(16)),  # ACCEPTABLE, TOLERABLE, INTOLERABLE
    sa.Column("investigation_method", sa.String(16)),
    sa.Column("investigation_due_at", Timestamp),
    sa.Column("analysed_at", Timestamp),
    sa.Column("contributing_factors", Json, nullable=False),  # MEDA categories
    sa.Column("status", sa.String(16), nullable=False),  # CAPTURED ... CLOSED
    sa.Column("closed_at", Timestamp),
)

# The SMS hazard register (DOMAIN.md §2.2 "Optional"): hazards identified, risk-assessed and
# mitigated as standing risks, each reviewed on its own interval; separate from the reports.
hazards = _record_table(
    "hazards",
    _fk("amo_id", "amos.id", nullable=False),
    sa.Column("hazard_no", sa.String(32), nullable=False, unique=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    _fk("department_id", "departments.id", nullable=False),  # the department that owns the risk
    _fk("owner_user_id", "users.id"),
    _fk("source_report_id", "safety_reports.id"),  # the report it was identified from, if any
    sa.Column("identified_at", Timestamp, nullable=False),
    sa.Column("severity", sa.SmallInteger, nullable=False),  # 1-5
    sa.Column("likelihood", sa.SmallInteger, nullable=False),  # 1-5
    sa.Column("risk_index", sa.SmallInteger, nullable=False),  # severity × likelihood
    sa.Column("tolerability", sa.String(16), nullable=False),  # ACCEPTABLE, TOLERABLE, INTOLERABLE
    sa.Column("mitigation", sa.Text),
    sa.Column("review_interval_days", sa.Integer, nullable=False),
    sa.Column("last_reviewed_at", Timestamp),
    sa.Column("next_review_due_at", Timestamp, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # OPEN, MITIGATED, CLOSED
    sa.Column("closed_at", Timestamp),
)

findings = _record_table(
    "findings",
    _fk("amo_id", "amos.id", nullable=False),
    sa.Column("finding_no", sa.String(32), nullable=False, unique=True),
    _fk("audit_id", "audits.id"),
    sa.Column("source", sa.String(16), nullable=False),  # INTERNAL_AUDIT, AUTHORITY, OCCURRENCE, ...
    _fk("safety_report_id", "safety_reports.id"),
    sa.Column("level", sa.String(4), nullable=False),  # L1, L2, OBS
    sa.Column("regulation_ref", sa.String(32), nullable=False),
    sa.Column("moe_ref", sa.String(32)),
    _fk("department_id", "departments.id", nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    _fk("raised_by", "users.id"),
    sa.Column("raised_at", Timestamp, nullable=False),
    sa.Column("target_date", sa.Date),
    sa.Column("status", sa.String(16), nullable=False),  # OPEN ... CLOSED
    sa.Column("closed_at", Timestamp),
    _fk("repeat_of_finding_id", "findings.id"),
)

cars = _record_table(
    "cars",
    _fk("amo_id", "amos.id", nullable=False),
    sa.Column("car_no", sa.String(32), nullable=False, unique=True),
    _fk("finding_id", "findings.id", nullable=False),
    _fk("owner_user_id", "users.id"),
    _fk("department_id", "departments.id", nullable=False),
    sa.Column("immediate_action", sa.Text),
    sa.Column("root_cause_category", sa.String(24)),  # MEDA
    sa.Column("root_cause_text", sa.Text),
    sa.Column("corrective_action", sa.Text),
    sa.Column("preventive_action", sa.Text),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("extended_due_date", sa.Date),
    sa.Column("extension_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("cap_submitted_at", Timestamp),
    sa.Column("cap_accepted_at", Timestamp),
    sa.Column("implemented_at", Timestamp),
    _fk("verified_by", "users.id"),
    sa.Column("verified_at", Timestamp),
    sa.Column("effectiveness_due_at", Timestamp),
    sa.Column("effectiveness_result", sa.String(16)),  # EFFECTIVE, NOT_EFFECTIVE, PENDING
    sa.Column("closed_at", Timestamp),
    sa.Column("status", sa.String(16), nullable=False),
)

car_attachments = _record_table(
    "car_attachments",
    _fk("car_id", "cars.id", nullable=False),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("media_type", sa.String(128), nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("storage_uri", sa.Text, nullable=False),
    _fk("uploaded_by", "users.id"),
    sa.Column("uploaded_at", Timestamp, nullable=False),
    sa.Column("last_verified_at", Timestamp),
    sa.Column("verify_status", sa.String(16), nullable=False),  # OK, MISMATCH, MISSING
)

# ── Fleet, engineering, reliability ───────────────────────────────────────────────────────
aircraft = _record_table(
    "aircraft",
    _fk("amo_id", "amos.id", nullable=False),
    sa.Column("registration", sa.String(16), nullable=False, unique=True),
    sa.Column("msn", sa.String(16), nullable=False),
    sa.Column("type_model", sa.String(32), nullable=False),
    sa.Column("customer_operator", sa.Text, nullable=False),
    sa.Column("base", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # IN_SERVICE, IN_CHECK, AOG, STORED
    sa.Column("tsn_fh", sa.Float, nullable=False),
    sa.Column("csn_fc", sa.Integer, nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
)

aircraft_utilisation = sa.Table(
    "aircraft_utilisation",
    metadata,
    sa.Column("aircraft_id", BigId, sa.ForeignKey("aircraft.id"), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("fh", sa.Float, nullable=False),
    sa.Column("fc", sa.Integer, nullable=False),
    sa.Column("departures", sa.Integer, nullable=False),
    sa.Column("tech_delays_15m", sa.Integer, nullable=False),
    sa.Column("tech_cancellations", sa.Integer, nullable=False),
    sa.Column("change_txid", sa.BigInteger, nullable=False, server_default="0", index=True),
)

# Technical delays and cancellations as the operator reports them, one row each, with the ATA
# chapter it was attributed to; customer-fed like the utilisation whose daily counts they detail.
operational_interruptions = _record_table(
    "operational_interruptions",
    _fk("aircraft_id", "aircraft.id", nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # DELAY, CANCELLATION
    sa.Column("ata_chapter", sa.String(2), nullable=False),
    sa.Column("delay_minutes", sa.Integer),  # DELAY only
    sa.Column("description", sa.Text),
)

components = _record_table(
    "components",
    sa.Column("part_no", sa.String(32), nullable=False),
    sa.Column("serial_no", sa.String(32), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("ata_chapter", sa.String(2), nullable=False),
    sa.Column("qpa", sa.Integer, nullable=False, server_default="1"),
    sa.Column("is_llp", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("life_limit_fh", sa.Float),
    sa.Column("life_limit_fc", sa.Integer),
    sa.Column("life_limit_days", sa.Integer),
    sa.Column("tsn", sa.Float, nullable=False, server_default="0"),
    sa.Column("csn", sa.Integer, nullable=False, server_default="0"),
    sa.Column("tso", sa.Float),
    sa.Column("cso", sa.Integer),
    _fk("installed_aircraft_id", "aircraft.id"),
    sa.Column("position", sa.String(16)),
    sa.Column("status", sa.String(16), nullable=False),  # INSTALLED, IN_STORE, IN_SHOP, SCRAPPED
    sa.UniqueConstraint("part_no", "serial_no"),
)

work_orders = _record_table(
    "work_orders",
    _fk("amo_id", "amos.id", nullable=False),
    sa.Column("wo_no", sa.String(32), nullable=False, unique=True),
    sa.Column("wo_type", sa.String(16), nullable=False),  # LINE, A_CHECK, C_CHECK, SHOP, MOD
    _fk("aircraft_id", "aircraft.id"),
    _fk("component_id", "components.id"),
    sa.Column("customer", sa.Text),
    _fk("department_id", "departments.id", nullable=False),
    sa.Column("planned_start", Timestamp, nullable=False),
    sa.Column("planned_end", Timestamp, nullable=False),
    sa.Column("actual_start", Timestamp),
    sa.Column("actual_end", Timestamp),
    sa.Column("planned_mh", sa.Float, nullable=False),
    sa.Column("actual_mh", sa.Float),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("crs_issued_at", Timestamp),
    _fk("crs_signed_by", "users.id"),
)

task_cards = _record_table(
    "task_cards",
    sa.Column("card_no", sa.String(32), nullable=False, unique=True),
    _fk("work_order_id", "work_orders.id", nullable=False),
    sa.Column("card_type", sa.String(16), nullable=False),  # ROUTINE, NON_ROUTINE
    sa.Column("source", sa.String(16), nullable=False),  # MPD, AD, DEFECT, FINDING
    sa.Column("source_ref", sa.String(32)),
    sa.Column("ata_chapter", sa.String(2), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("planned_mh", sa.Float, nullable=False),
    sa.Column("actual_mh", sa.Float),
    sa.Column("requires_independent_inspection", sa.Boolean, nullable=False, server_default=sa.false()),
    _fk("performed_by", "users.id"),
    sa.Column("performed_at", Timestamp),
    _fk("inspected_by", "users.id"),
    sa.Column("inspected_at", Timestamp),
    sa.Column("status", sa.String(16), nullable=False),
)

component_removals = _record_table(
    "component_removals",
    _fk("component_id", "components.id", nullable=False),
    _fk("aircraft_id", "aircraft.id", nullable=False),
    sa.Column("removed_at", Timestamp, nullable=False),
    sa.Column("aircraft_fh_at_removal", sa.Float, nullable=False),
    sa.Column("reason_text", sa.Text, nullable=False),
    sa.Column("is_unscheduled", sa.Boolean, nullable=False),
    sa.Column("shop_finding", sa.String(16), nullable=False),  # CONFIRMED, NFF, PENDING
    _fk("defect_id", "defects.id"),
    _fk("work_order_id", "work_orders.id"),
    _fk("replaced_by_component_id", "components.id"),
)

directives = _record_table(
    "directives",
    sa.Column("ref_no", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(4), nullable=False),  # AD, SB, EO
    sa.Column("authority", sa.String(8), nullable=False),  # EASA, FAA, TC
    sa.Column("revision", sa.String(8), nullable=False),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("ata_chapter", sa.String(2), nullable=False),
    sa.Column("is_recurring", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("interval_fh", sa.Float),
    sa.Column("interval_fc", sa.Integer),
    sa.Column("interval_days", sa.Integer),
    _fk("supersedes_id", "directives.id"),
    sa.UniqueConstraint("ref_no", "revision"),
)

directive_compliance = _record_table(
    "directive_compliance",
    _fk("directive_id", "directives.id", nullable=False),
    _fk("aircraft_id", "aircraft.id"),
    _fk("component_id", "components.id"),
    sa.Column("applicability", sa.String(16), nullable=False),  # APPLICABLE, NOT_APPLICABLE
    sa.Column("na_reason", sa.Text),
    sa.Column("method_of_compliance", sa.Text),
    sa.Column("last_done_at", Timestamp),
    sa.Column("last_done_fh", sa.Float),
    sa.Column("last_done_fc", sa.Integer),
    sa.Column("next_due_at", Timestamp),
    sa.Column("next_due_fh", sa.Float),
    sa.Column("next_due_fc", sa.Integer),
    sa.Column("status", sa.String(16), nullable=False),  # OPEN, COMPLIED, REPETITIVE, TERMINATED, NA
    _fk("evidence_work_order_id", "work_orders.id"),
)

defects = _record_table(
    "defects",
    sa.Column("defect_no", sa.String(32), nullable=False, unique=True),
    _fk("aircraft_id", "aircraft.id", nullable=False),
    sa.Column("source", sa.String(16), nullable=False),  # PIREP, MAREP, CABIN, FINDING_NRC
    sa.Column("reported_at", Timestamp, nullable=False),
    sa.Column("reported_fh", sa.Float),
    sa.Column("ata_chapter", sa.String(2), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("is_deferred", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("mel_ref", sa.String(32)),
    sa.Column("mel_category", sa.String(1)),  # A, B, C, D
    sa.Column("deferral_expires_at", Timestamp),
    sa.Column("deferral_limit_fh", sa.Float),
    sa.Column("deferral_limit_fc", sa.Integer),
    sa.Column("rectified_at", Timestamp),
    _fk("rectification_task_card_id", "task_cards.id"),
    sa.Column("repeat_group_id", sa.String(32), index=True),
    sa.Column("status", sa.String(16), nullable=False),  # OPEN, DEFERRED, RECTIFIED, CLOSED
)

# ── Stores ────────────────────────────────────────────────────────────────────────────────
stock_items = _record_table(
    "stock_items",
    _fk("amo_id", "amos.id", nullable=False),
    sa.Column("part_no", sa.String(32), nullable=False),
    sa.Column("serial_no", sa.String(32)),
    sa.Column("batch_no", sa.String(32)),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("qty", sa.Float, nullable=False),
    sa.Column("uom", sa.String(8), nullable=False),
    sa.Column("location_code", sa.String(16), nullable=False),
    sa.Column("store_type", sa.String(16), nullable=False),  # BONDED, QUARANTINE, U_S, SCRAP, LINE
    sa.Column("condition", sa.String(16), nullable=False),  # SERVICEABLE, UNSERVICEABLE, ...
    sa.Column("certificate_type", sa.String(16), nullable=False),  # EASA_FORM1, FAA_8130_3, CoC, NONE
    sa.Column("certificate_ref", sa.String(64)),
    sa.Column("received_at", Timestamp, nullable=False),
    sa.Column("receiving_inspection_status", sa.String(16), nullable=False),
    sa.Column("shelf_life_expires_at", Timestamp),
    sa.Column("quarantine_reason", sa.Text),
    sa.Column("quarantined_at", Timestamp),
    _fk("component_id", "components.id"),
)

part_movements = sa.Table(
    "part_movements",
    metadata,
    _id(),
    sa.Column("txid", sa.BigInteger, nullable=False, server_default="0"),
    _fk("stock_item_id", "stock_items.id", nullable=False),
    sa.Column("movement_type", sa.String(16), nullable=False),  # RECEIVE, ISSUE, ..., ROBBERY
    sa.Column("qty", sa.Float, nullable=False),
    sa.Column("from_location", sa.String(16)),
    sa.Column("to_location", sa.String(16)),
    _fk("work_order_id", "work_orders.id"),
    _fk("task_card_id", "task_cards.id"),
    _fk("performed_by", "users.id"),
    sa.Column("performed_at", Timestamp, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Index("ix_part_movements_cursor", "txid", "id"),
)

# ── Workshops / tools ─────────────────────────────────────────────────────────────────────
tools = _record_table(
    "tools",
    _fk("amo_id", "amos.id", nullable=False),
    sa.Column("tool_no", sa.String(32), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("serial_no", sa.String(32)),
    _fk("department_id", "departments.id", nullable=False),
    sa.Column("crib_location", sa.String(16), nullable=False),
    sa.Column("is_calibrated", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("calibration_interval_days", sa.Integer),
    sa.Column("last_calibrated_at", Timestamp),
    sa.Column("next_due_at", Timestamp),
    sa.Column("status", sa.String(16), nullable=False),  # SERVICEABLE, OUT_FOR_CAL, QUARANTINED, ...
    sa.Column("lost_at", Timestamp),
    sa.Column("is_personal", sa.Boolean, nullable=False, server_default=sa.false()),
)

tool_calibrations = _record_table(
    "tool_calibrations",
    _fk("tool_id", "tools.id", nullable=False),
    sa.Column("calibrated_at", Timestamp, nullable=False),
    sa.Column("lab", sa.Text, nullable=False),
    sa.Column("certificate_no", sa.String(32), nullable=False),
    sa.Column("as_found", sa.String(16), nullable=False),  # IN_TOL, OUT_OF_TOL
    sa.Column("as_left", sa.String(16), nullable=False),
    sa.Column("next_due_at", Timestamp, nullable=False),
    _fk("recall_review_id", "findings.id"),
)

# A ledger, so never updated: a check-out row, and later a return row that points back to it.
tool_usage = sa.Table(
    "tool_usage",
    metadata,
    _id(),
    sa.Column("txid", sa.BigInteger, nullable=False, server_default="0"),
    _fk("tool_id", "tools.id", nullable=False),
    _fk("user_id", "users.id", nullable=False),
    _fk("task_card_id", "task_cards.id"),
    sa.Column("usage_kind", sa.String(16), nullable=False),  # CHECK_OUT, RETURN
    sa.Column("occurred_at", Timestamp, nullable=False),
    _fk("check_out_id", "tool_usage.id"),  # on RETURN rows
    sa.Index("ix_tool_usage_cursor", "txid", "id"),
)

# ── Archive anchors ───────────────────────────────────────────────────────────────────────
# The hash of each archive checkpoint the ETL commits, kept outside the archive: verify trusts the
# newest one, so deleting the archive's newest manifests or checkpoints cannot go unnoticed.
# Operational bookkeeping, never archived itself (no txid, no change_txid).
archive_checkpoints = sa.Table(
    "archive_checkpoints",
    metadata,
    _id(),
    sa.Column("archive_url", sa.Text, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("tables", sa.Integer, nullable=False),
)

# The archive console's running queries, one row each: a user's slot numbers are the key, so
# the per-user limit holds across every worker process (warehouse/console_slots.py).
console_slots = sa.Table(
    "console_slots",
    metadata,
    sa.Column("user_key", sa.String(64), primary_key=True),  # user:<id>, or cli
    sa.Column("slot", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("holder", sa.String(36), nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
)

# What a user chose for the app's look, applied wherever they sign in (auth/preferences.py).
# Operational bookkeeping, never archived (no change_txid): a choice is no domain data.
user_preferences = sa.Table(
    "user_preferences",
    metadata,
    sa.Column("user_id", BigId, sa.ForeignKey("users.id"), primary_key=True, autoincrement=False),
    sa.Column("theme", sa.String(8)),  # light or dark; NULL: the system's prefers-color-scheme
    sa.Column("updated_at", Timestamp, nullable=False, server_default=sa.func.current_timestamp()),
    sa.CheckConstraint("theme IN ('light', 'dark')", name="theme"),
)

# ── Events ────────────────────────────────────────────────────────────────────────────────
audit_events = sa.Table(
    "audit_events",
    metadata,
    _id(),
    sa.Column("txid", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),  # UUIDv7
    sa.Column("occurred_at", Timestamp, nullable=False, server_default=sa.func.current_timestamp()),
    _fk("amo_id", "amos.id"),  # NULL for events with no AMO (e.g. login as an unknown user)
    sa.Column("actor_user_id", BigId, index=True),
    sa.Column("actor_role", sa.String(32)),
    sa.Column("on_behalf_of", BigId),
    sa.Column("auth_method", sa.String(16)),  # PASSWORD, SESSION, CLI, SYSTEM
    sa.Column("session_id", sa.String(64)),
    sa.Column("request_id", sa.String(64)),
    sa.Column("ip", sa.String(64)),
    sa.Column("user_agent", sa.Text),
    sa.Column("action", sa.String(32), nullable=False),  # CREATE, UPDATE, STATE_CHANGE, VIEW, ...
    sa.Column("outcome", sa.String(16), nullable=False, server_default="SUCCESS"),  # or FAILURE, DENIED
    sa.Column("entity_type", sa.String(32)),
    sa.Column("entity_id", sa.String(64)),
    sa.Column("entity_version", sa.Integer),
    sa.Column("workflow_phase", sa.String(24)),
    sa.Column("department_id", BigId),
    sa.Column("changed_fields", Json),
    sa.Column("before", Json),
    sa.Column("after", Json),
    sa.Column("reason", sa.Text),
    sa.Column("signature_meaning", sa.String(16)),  # PERFORMED, INSPECTED, APPROVED, CRS
    sa.Index("ix_audit_events_cursor", "txid", "id"),
    sa.Index("ix_audit_events_entity", "entity_type", "entity_id"),
    sa.Index("ix_audit_events_occurred_at", "occurred_at"),
)

activity_events = sa.Table(
    "activity_events",
    metadata,
    _id(),
    sa.Column("txid", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("occurred_at", Timestamp, nullable=False, server_default=sa.func.current_timestamp()),
    _fk("amo_id", "amos.id", nullable=False),
    sa.Column("department_id", BigId),
    sa.Column("kind", sa.String(48), nullable=False),  # e.g. car.closed, crs.issued, part.issued
    sa.Column("entity_type", sa.String(32)),
    sa.Column("entity_id", sa.String(64)),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("actor_user_id", BigId),
    sa.Index("ix_activity_events_cursor", "txid", "id"),
    sa.Index("ix_activity_events_feed", "amo_id", "department_id", "txid", "id"),  # the feed's cursor
    sa.Index("ix_activity_events_entity", "entity_type", "entity_id"),
)

MUTABLE_TABLES = tuple(
    table.name for table in metadata.sorted_tables if "change_txid" in table.columns
)
