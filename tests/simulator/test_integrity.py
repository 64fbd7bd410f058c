"""Referential and business consistency of the seeded AMO, and the event history telling its story."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from warehouse.schema import MUTABLE_TABLES, metadata

FOREIGN_KEYS = [
    (fk.parent.table.name, fk.parent.name, fk.column.table.name, fk.column.name)
    for table in metadata.sorted_tables
    for fk in table.foreign_keys
]

# Business rules: each query counts the rows that break the rule (so every one must be 0).
RULES = {
    "closed CAR closed before its finding was raised": """
        SELECT count(*) FROM cars c JOIN findings f ON f.id = c.finding_id WHERE c.closed_at < f.raised_at""",
    "closed CAR without closure time": """
        SELECT count(*) FROM cars WHERE status = 'CLOSED' AND closed_at IS NULL""",
    "CAR due date not 7 (L1) or 90 (L2) days after the finding": """
        SELECT count(*) FROM cars c JOIN findings f ON f.id = c.finding_id
        WHERE c.due_date - CAST(f.raised_at AS date) <> CASE f.level WHEN 'L1' THEN 7 ELSE 90 END""",
    "CAR on an observation": """
        SELECT count(*) FROM cars c JOIN findings f ON f.id = c.finding_id WHERE f.level = 'OBS'""",
    "task card performed outside its work order's dates": """
        SELECT count(*) FROM task_cards t JOIN work_orders w ON w.id = t.work_order_id
        WHERE t.performed_at < w.actual_start OR t.performed_at > w.actual_end""",
    "inspection before performance or by the performer": """
        SELECT count(*) FROM task_cards WHERE inspected_at < performed_at OR inspected_by = performed_by""",
    "CRS before the work order was completed": """
        SELECT count(*) FROM work_orders
        WHERE crs_issued_at < actual_end OR (crs_issued_at IS NOT NULL AND actual_end IS NULL)""",
    "completed work order with an unsigned card": """
        SELECT count(*) FROM work_orders w JOIN task_cards t ON t.work_order_id = w.id
        WHERE w.actual_end IS NOT NULL AND t.status = 'OPEN'""",
    "rectified defect without its card, or rectified before reported": """
        SELECT count(*) FROM defects
        WHERE status = 'RECTIFIED' AND (rectification_task_card_id IS NULL OR rectified_at < reported_at)""",
    "rectification time differs from the card's sign-off": """
        SELECT count(*) FROM defects d JOIN task_cards t ON t.id = d.rectification_task_card_id
        WHERE t.performed_at <> d.rectified_at""",
    "MEL deferral without category or expiry": """
        SELECT count(*) FROM defects
        WHERE is_deferred AND (mel_category NOT IN ('B', 'C', 'D') OR deferral_expires_at IS NULL)""",
    "MEL expiry not B=3/C=10/D=120 days after the day of discovery": """
        SELECT count(*) FROM defects WHERE is_deferred
        AND CAST(deferral_expires_at AS date) - CAST(reported_at AS date) - 1
            <> CASE mel_category WHEN 'B' THEN 3 WHEN 'C' THEN 10 ELSE 120 END""",
    "stock quantity differs from the sum of its ledger": """
        SELECT count(*) FROM stock_items s
        WHERE s.qty <> (SELECT coalesce(sum(m.qty), 0) FROM part_movements m WHERE m.stock_item_id = s.id)""",
    "negative stock": "SELECT count(*) FROM stock_items WHERE qty < 0",
    "part issued to a task card before the card existed": """
        SELECT count(*) FROM part_movements m JOIN task_cards t ON t.id = m.task_card_id
        WHERE m.performed_at < t.created_at""",
    "work order planned after it was to start, or a card released before its work order": """
        SELECT (SELECT count(*) FROM work_orders WHERE created_at > planned_start)
             + (SELECT count(*) FROM task_cards t JOIN work_orders w ON w.id = t.work_order_id
                WHERE t.created_at < w.created_at)""",
    "issue of expired stock, or before it was received": """
        SELECT count(*) FROM part_movements m JOIN stock_items s ON s.id = m.stock_item_id
        WHERE m.movement_type = 'ISSUE'
        AND (m.performed_at >= s.shelf_life_expires_at OR m.performed_at < s.received_at)""",
    "tool return not after its check-out of the same tool": """
        SELECT count(*) FROM tool_usage r JOIN tool_usage o ON o.id = r.check_out_id
        WHERE r.usage_kind = 'RETURN'
        AND (o.usage_kind <> 'CHECK_OUT' OR o.tool_id <> r.tool_id OR r.occurred_at < o.occurred_at)""",
    "tool out to two people at once": """
        SELECT count(*) FROM tool_usage a JOIN tool_usage b ON a.tool_id = b.tool_id AND a.id < b.id
        AND a.usage_kind = 'CHECK_OUT' AND b.usage_kind = 'CHECK_OUT'
        WHERE b.occurred_at < coalesce(
            (SELECT r.occurred_at FROM tool_usage r WHERE r.check_out_id = a.id), 'infinity')""",
    "calibration recall review that is not a finding of the tool's AMO": """
        SELECT count(*) FROM tool_calibrations c JOIN findings f ON f.id = c.recall_review_id
        JOIN tools t ON t.id = c.tool_id WHERE f.amo_id <> t.amo_id""",
    "removal of a component from another aircraft's defect": """
        SELECT count(*) FROM component_removals r JOIN defects d ON d.id = r.defect_id
        WHERE d.aircraft_id <> r.aircraft_id""",
    "repeat finding not on the same reference and department, or before the earlier one closed": """
        SELECT count(*) FROM findings f JOIN findings p ON p.id = f.repeat_of_finding_id
        WHERE p.regulation_ref <> f.regulation_ref OR p.department_id <> f.department_id
        OR p.closed_at > f.raised_at OR f.raised_at - p.closed_at > interval '730 days'""",
    "voided record without its VOID event and reason": """
        SELECT count(*) FROM defects d WHERE d.voided_at IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM audit_events e WHERE e.entity_type = 'defects' AND e.entity_id = CAST(d.id AS text)
            AND e.action = 'VOID' AND e.reason = d.void_reason AND e.occurred_at = d.voided_at)""",
    "voided defect that was still worked on": """
        SELECT count(*) FROM defects
        WHERE voided_at IS NOT NULL AND (rectified_at IS NOT NULL OR is_deferred)""",
    "hazard risk index not severity × likelihood, or tolerability not from it": """
        SELECT count(*) FROM hazards WHERE risk_index <> severity * likelihood
        OR tolerability <> CASE WHEN risk_index >= 15 THEN 'INTOLERABLE'
                                WHEN risk_index >= 6 THEN 'TOLERABLE' ELSE 'ACCEPTABLE' END""",
    "hazard reviewed before identified, or identified before its report": """
        SELECT count(*) FROM hazards h LEFT JOIN safety_reports r ON r.id = h.source_report_id
        WHERE h.last_reviewed_at < h.identified_at OR h.identified_at < r.reported_at""",
    "open hazard's next review not its interval after the last review (or identification)": """
        SELECT count(*) FROM hazards WHERE status <> 'CLOSED' AND next_review_due_at
            <> coalesce(last_reviewed_at, identified_at) + review_interval_days * INTERVAL '1 day'""",
    "closed hazard without closure time, or never mitigated": """
        SELECT count(*) FROM hazards WHERE status = 'CLOSED' AND (closed_at IS NULL OR mitigation IS NULL)""",
    "utilisation day's delays or cancellations not those its interruptions name": """
        SELECT count(*) FROM aircraft_utilisation u
        WHERE u.tech_delays_15m <> (SELECT count(*) FROM operational_interruptions i
                                    WHERE i.aircraft_id = u.aircraft_id AND i.day = u.day
                                      AND i.kind = 'DELAY' AND i.delay_minutes > 15)
           OR u.tech_cancellations <> (SELECT count(*) FROM operational_interruptions i
                                       WHERE i.aircraft_id = u.aircraft_id AND i.day = u.day
                                         AND i.kind = 'CANCELLATION')""",
    "user login name not the lower-case e-mail": "SELECT count(*) FROM users WHERE username <> lower(email)",
    "leaver disabled before joining": "SELECT count(*) FROM users WHERE left_at < created_at",
    "record changed before it was created": " UNION ALL ".join(
        f"SELECT count(*) FROM {name} WHERE updated_at < created_at"
        for name in MUTABLE_TABLES
        if name != "aircraft_utilisation"
    ),
}


@pytest.mark.parametrize(
    ("child", "column", "parent", "key"), FOREIGN_KEYS, ids=[f"{c}.{col}" for c, col, _, _ in FOREIGN_KEYS]
)
def test_every_reference_resolves(seeded, child, column, parent, key):
    query = (
        f"SELECT count(*) FROM {child} c LEFT JOIN {parent} p ON p.{key} = c.{column} "
        f"WHERE c.{column} IS NOT NULL AND p.{key} IS NULL"
    )
    with seeded.connect() as connection:
        assert connection.exec_driver_sql(query).scalar_one() == 0


@pytest.mark.parametrize("rule", list(RULES))
def test_business_rule_holds(seeded, rule):
    with seeded.connect() as connection:
        assert sum(connection.exec_driver_sql(RULES[rule]).scalars()) == 0, rule


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime | date) else value


# A login is not a change of the user record: ``last_login_at`` moves without an audit image.
NOT_IN_IMAGES = {"txid", "change_txid", "last_login_at"}


def test_each_record_equals_the_after_image_of_its_latest_audit_event(seeded):
    """The event history tells the same story as the tables: the last audit image is the row."""
    checked = 0
    with seeded.connect() as connection:
        for name in MUTABLE_TABLES + ("part_movements", "tool_usage", "notifications", "scheduled_actions"):
            table = metadata.tables[name]
            if "id" not in table.c:
                continue
            latest = dict(
                connection.exec_driver_sql(
                    f"""SELECT DISTINCT ON (entity_id) entity_id, after FROM audit_events
                        WHERE entity_type = '{name}' AND after IS NOT NULL
                        ORDER BY entity_id, occurred_at DESC, id DESC"""
                ).all()
            )
            rows = connection.execute(sa.select(table)).mappings().all()
            assert len(latest) == len(rows), name
            for row in rows:
                image = {key: _jsonable(value) for key, value in row.items() if key not in NOT_IN_IMAGES}
                after = {
                    key: value for key, value in latest[str(row["id"])].items() if key not in NOT_IN_IMAGES
                }
                assert after == image, (name, row["id"])
                checked += 1
    assert checked > 10_000


def test_versions_and_creation_events_match_the_records(seeded):
    with seeded.connect() as connection:
        for name in MUTABLE_TABLES:
            if name == "aircraft_utilisation":
                continue
            mismatches = connection.exec_driver_sql(
                f"""SELECT count(*) FROM {name} r
                    WHERE r.row_version <> (SELECT count(*) FROM audit_events e WHERE e.after IS NOT NULL
                                            AND e.entity_type = '{name}' AND e.entity_id = CAST(r.id AS text))
                    OR NOT EXISTS (SELECT 1 FROM audit_events e
                                   WHERE e.entity_type = '{name}' AND e.entity_id = CAST(r.id AS text)
                                   AND e.entity_version = 1 AND e.occurred_at = r.created_at
                                   AND e.before IS NULL)"""
            ).scalar_one()
            assert mismatches == 0, name


def test_state_changes_and_sign_offs_carry_phase_and_meaning(seeded):
    with seeded.connect() as connection:
        rows = dict(
            connection.exec_driver_sql(
                """SELECT action, count(*) FILTER (
                       WHERE (action = 'STATE_CHANGE' AND workflow_phase IS NULL)
                       OR (action = 'SIGN' AND signature_meaning NOT IN ('PERFORMED', 'INSPECTED', 'CRS')))
                   FROM audit_events WHERE action IN ('STATE_CHANGE', 'SIGN') GROUP BY action"""
            ).all()
        )
        kinds = connection.exec_driver_sql(
            "SELECT count(*) FROM activity_events WHERE kind !~ '^[a-z_]+\\.[a-z_]+$'"
        ).scalar_one()
        sign_meanings = set(
            connection.exec_driver_sql(
                "SELECT DISTINCT signature_meaning FROM audit_events WHERE action = 'SIGN'"
            ).scalars()
        )
    assert rows == {"STATE_CHANGE": 0, "SIGN": 0}
    assert kinds == 0
    assert sign_meanings == {"PERFORMED", "INSPECTED", "CRS"}


def test_some_duplicate_reports_are_voided_not_deleted(seeded):
    with seeded.connect() as connection:
        voided, events = connection.exec_driver_sql(
            "SELECT (SELECT count(*) FROM defects WHERE voided_at IS NOT NULL), "
            "(SELECT count(*) FROM audit_events WHERE action = 'VOID')").one()
    assert 0 < voided == events


def test_each_utilisation_day_has_its_creation_event(seeded):
    """Daily utilisation has no id: its events name it ``<aircraft_id>:<day>``."""
    with seeded.connect() as connection:
        missing = connection.exec_driver_sql("""
            SELECT count(*) FROM aircraft_utilisation u LEFT JOIN audit_events e
              ON e.entity_type = 'aircraft_utilisation' AND e.action = 'CREATE'
             AND e.entity_id = u.aircraft_id || ':' || u.day
             AND CAST(e.after ->> 'fh' AS double precision) = u.fh AND CAST(e.after ->> 'fc' AS int) = u.fc
            WHERE e.id IS NULL""").scalar_one()
    assert missing == 0
