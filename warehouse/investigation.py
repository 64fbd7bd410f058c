"""The investigators' wide view (DOMAIN.md §3.10): defect ⟶ task card ⟶ parts ⟶ tools ⟶ people
⟶ authorisations, for one aircraft and a time window, in one tidy DataFrame.

One row per defect × rectifying task card × item the card used: a part movement booked to the
card (``item = "PART"``) or a tool checked out against it (``item = "TOOL"``). A card that used
nothing has one row with ``item`` empty, and so has a defect with no card yet, so filtering on
``item`` or pivoting on ``card_no`` never loses a defect.

Each signer (performer, inspector) is checked against ``staff_authorisations`` with the rule of
the ``signoffs_without_authorisation`` KPI (issued before the signature, expiring after it, not
suspended or revoked), so the notebook and the cockpit agree. A tool's calibration at use is the
tool as recorded at that moment (its latest audit image by then), and
``tool_out_of_tolerance_after`` says whether its next calibration found it out of tolerance,
which puts the use under the recall review.

The record tables come from :class:`~warehouse.kpi.base.KpiContext`, so ``as_of`` shows the
view as it stood at a past moment, rebuilt from the audit trail like an as-of KPI.

Columns, left to right: the aircraft (``registration``, ``aircraft_id``, ``amo_id``); the defect
(``defect_id``, ``defect_no``, ``reported_at``, ``ata_chapter``, ``defect_status``, deferral,
``rectified_at``); the card (``task_card_id``, ``card_no``, ``card_status``, ``wo_no``); its
signers (``performer``, ``performed_at``, ``performer_authorisations``, ``performer_authorised``
and the same for the inspector); the item (``item``, ``item_at``, ``item_user``); a part
(``movement_type``, ``part_no``, ``serial_no``, ``batch_no``, ``qty``, ``certificate_type``,
``certificate_ref``, ``part_condition``); a tool (``tool_no``, ``returned_at``,
``calibration_due_at``, ``calibration_at_use``: VALID, OVERDUE, NOT_REQUIRED or UNKNOWN,
``tool_out_of_tolerance_after``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pandas as pd

from warehouse.errors import WarehouseError
from warehouse.kpi.base import KpiContext
from warehouse.kpi.production import authorisation_in_force
from warehouse.sources import Sources

Moment = date | datetime

_TABLES = ("aircraft", "defects", "task_cards", "work_orders", "users", "staff_authorisations",
           "part_movements", "stock_items", "tool_usage", "tools", "tool_calibrations", "audit_events")


def _held(signer: str, signed_at: str) -> str:
    """SQL: the authorisation types ``signer`` held in force at ``signed_at`` (the KPI's rule)."""
    return f"""(SELECT string_agg(DISTINCT a.auth_type, ', ' ORDER BY a.auth_type)
            FROM staff_authorisations a
            WHERE a.user_id = {signer} AND {authorisation_in_force('a', signed_at)})"""


_WIDE_SQL = f"""
WITH
defect AS (
    SELECT d.* FROM defects d
    WHERE d.aircraft_id = $aircraft_id AND d.voided_at IS NULL
      AND d.reported_at <= $until::TIMESTAMPTZ
      AND ($since::TIMESTAMPTZ IS NULL OR d.rectified_at IS NULL OR d.rectified_at >= $since::TIMESTAMPTZ)),
card AS (
    SELECT DISTINCT d.id AS defect_id, tc.id AS task_card_id
    FROM defect d JOIN task_cards tc
         ON (tc.id = d.rectification_task_card_id OR (tc.source = 'DEFECT' AND tc.source_ref = d.defect_no))
        AND tc.voided_at IS NULL),
signer AS (  -- the authorisations each signer of a card held when signing
    SELECT tc.id AS task_card_id,
           {_held("tc.performed_by", "tc.performed_at")} AS performer_authorisations,
           {_held("tc.inspected_by", "tc.inspected_at")} AS inspector_authorisations
    FROM task_cards tc WHERE tc.id IN (SELECT task_card_id FROM card)),
item AS (
    SELECT 'PART' AS item, m.task_card_id, m.performed_at AS item_at, m.performed_by AS item_user_id,
           m.id AS movement_id, m.movement_type, m.stock_item_id, m.qty,
           NULL::BIGINT AS tool_usage_id, NULL::BIGINT AS tool_id
    FROM part_movements m
    WHERE m.task_card_id IN (SELECT task_card_id FROM card) AND m.performed_at <= $now::TIMESTAMPTZ
    UNION ALL
    SELECT 'TOOL', u.task_card_id, u.occurred_at, u.user_id, NULL, NULL, NULL, NULL, u.id, u.tool_id
    FROM tool_usage u
    WHERE u.usage_kind = 'CHECK_OUT' AND u.task_card_id IN (SELECT task_card_id FROM card)
      AND u.occurred_at <= $now::TIMESTAMPTZ),
tool_at_use AS (  -- the tool's latest audit image at the check-out
    SELECT i.tool_usage_id, arg_max(e.after, (e.occurred_at, e.id)) AS image
    FROM item i JOIN audit_events e
         ON e.entity_type = 'tools' AND e.entity_id = i.tool_id::VARCHAR
        AND e.occurred_at <= i.item_at AND e.after IS NOT NULL
    WHERE i.item = 'TOOL'
    GROUP BY i.tool_usage_id),
tool_item AS (
    SELECT i.tool_usage_id,
           json_extract_string(s.image, '$.is_calibrated')::BOOLEAN AS calibrated,
           json_extract_string(s.image, '$.next_due_at')::TIMESTAMPTZ AS calibration_due_at,
           s.image IS NOT NULL AS known,
           (SELECT min(r.occurred_at) FROM tool_usage r
            WHERE r.check_out_id = i.tool_usage_id AND r.usage_kind = 'RETURN'
              AND r.occurred_at <= $now::TIMESTAMPTZ) AS returned_at,
           coalesce((SELECT arg_min(c.as_found, c.calibrated_at) FROM tool_calibrations c
                     WHERE c.tool_id = i.tool_id AND c.voided_at IS NULL AND c.calibrated_at > i.item_at
                       AND c.calibrated_at <= $now::TIMESTAMPTZ) = 'OUT_OF_TOL', false)
               AS tool_out_of_tolerance_after
    FROM item i LEFT JOIN tool_at_use s USING (tool_usage_id)
    WHERE i.item = 'TOOL')
SELECT ac.registration, d.aircraft_id, ac.amo_id,
       d.id AS defect_id, d.defect_no, d.source AS defect_source, d.reported_at, d.ata_chapter,
       d.description AS defect_description, d.status AS defect_status, d.is_deferred, d.mel_category,
       d.rectified_at,
       tc.id AS task_card_id, tc.card_no, tc.card_type, tc.status AS card_status,
       tc.work_order_id, wo.wo_no,
       tc.performed_by, performer.full_name AS performer, tc.performed_at,
       sg.performer_authorisations,
       CASE WHEN tc.performed_by IS NOT NULL THEN sg.performer_authorisations IS NOT NULL END
           AS performer_authorised,
       tc.inspected_by, inspector.full_name AS inspector, tc.inspected_at, sg.inspector_authorisations,
       CASE WHEN tc.inspected_by IS NOT NULL THEN sg.inspector_authorisations IS NOT NULL END
           AS inspector_authorised,
       i.item, i.item_at, i.item_user_id, item_user.full_name AS item_user,
       i.movement_id, i.movement_type, i.stock_item_id, si.part_no, si.serial_no, si.batch_no, i.qty,
       si.certificate_type, si.certificate_ref, si.condition AS part_condition,
       i.tool_usage_id, i.tool_id, tl.tool_no, tl.description AS tool_description, t.returned_at,
       t.calibration_due_at,
       CASE WHEN i.item = 'TOOL' THEN
           CASE WHEN NOT t.known THEN 'UNKNOWN'
                WHEN NOT t.calibrated THEN 'NOT_REQUIRED'
                WHEN t.calibration_due_at > i.item_at THEN 'VALID'
                WHEN t.calibration_due_at IS NULL THEN 'UNKNOWN'
                ELSE 'OVERDUE' END END AS calibration_at_use,
       t.tool_out_of_tolerance_after
FROM defect d
     JOIN aircraft ac ON ac.id = d.aircraft_id
     LEFT JOIN card c ON c.defect_id = d.id
     LEFT JOIN task_cards tc ON tc.id = c.task_card_id
     LEFT JOIN work_orders wo ON wo.id = tc.work_order_id
     LEFT JOIN signer sg ON sg.task_card_id = tc.id
     LEFT JOIN users performer ON performer.id = tc.performed_by
     LEFT JOIN users inspector ON inspector.id = tc.inspected_by
     LEFT JOIN item i ON i.task_card_id = tc.id
     LEFT JOIN users item_user ON item_user.id = i.item_user_id
     LEFT JOIN stock_items si ON si.id = i.stock_item_id
     LEFT JOIN tools tl ON tl.id = i.tool_id
     LEFT JOIN tool_item t ON t.tool_usage_id = i.tool_usage_id
ORDER BY d.reported_at, d.id, tc.performed_at NULLS LAST, tc.id, i.item_at NULLS LAST, i.item,
         coalesce(i.movement_id, i.tool_usage_id)
"""


def wide_view(sources: Sources, aircraft: str | int, *, since: Moment | None = None,
              until: Moment | None = None, as_of: Moment | None = None) -> pd.DataFrame:
    """The wide view of one aircraft's defects active in ``[since, until]`` (see the module).

    ``aircraft`` is a registration ("D-ABCD") or an aircraft id. A defect is in the window when
    it was reported by ``until`` and not rectified before ``since``; a date means the whole day.
    ``until`` defaults to the as-of moment (now when ``as_of`` is None).
    """
    start = _moment(since, end_of_day=False)
    end = _moment(until, end_of_day=True)
    if start is not None and end is not None and start > end:
        raise WarehouseError(f"the window starts ({start:%Y-%m-%d %H:%M}) after it ends "
                             f"({end:%Y-%m-%d %H:%M})")
    with KpiContext(sources, as_of) as ctx:
        aircraft_id = _aircraft_id(ctx, aircraft)
        params = {"aircraft_id": aircraft_id, "since": start, "until": end or ctx.now}
        return ctx.query(_WIDE_SQL, params, tables=_TABLES)


def _aircraft_id(ctx: KpiContext, aircraft: str | int) -> int:
    """The id of the aircraft named by registration or id, as known at the context's moment."""
    if isinstance(aircraft, bool) or not isinstance(aircraft, str | int):
        raise WarehouseError(f"name the aircraft by registration or id, not {aircraft!r}")
    if isinstance(aircraft, int):
        found = ctx.query("SELECT id FROM aircraft WHERE id = $id", {"id": aircraft}, tables=("aircraft",))
    else:
        found = ctx.query("SELECT id FROM aircraft WHERE upper(registration) = upper($registration)",
                          {"registration": aircraft.strip()}, tables=("aircraft",))
    if found.empty:
        moment = "" if ctx.as_of is None else f" on {ctx.as_of:%Y-%m-%d %H:%M} UTC"
        raise WarehouseError(f"no aircraft {aircraft!r}{moment}; wh.sql('SELECT id, registration FROM "
                             "aircraft') lists the archived ones")
    return int(found["id"].iloc[0])


def _moment(value: Moment | None, *, end_of_day: bool) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise WarehouseError(f"a window bound is a date or datetime, not {value!r}")
        value = datetime.combine(value, time.max if end_of_day else time.min, UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
