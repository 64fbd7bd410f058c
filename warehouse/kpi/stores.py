"""Stores KPIs (DOMAIN.md §3.7): shelf life, quarantine, receiving, unserviceable stock, ledger
integrity, cycle counts, cannibalisation.

Ledger convention: ``part_movements.qty`` is the signed change of the item's on-hand quantity
(RECEIVE and RETURN positive, ISSUE and SCRAP negative, moves of location or condition such as
TRANSFER or QUARANTINE zero, ADJUST the correction a count found), so an item's quantity equals
the sum of its movements.

Scope: the AMO's stock (``department_id`` is accepted for a uniform cockpit call and ignored).
"""

from __future__ import annotations

from warehouse.kpi.base import Dept, Frame, KpiContext, kpi
from warehouse.kpi.headline import Headline

_STOCK = "s.amo_id = $amo_id AND s.voided_at IS NULL AND s.received_at <= $now::TIMESTAMPTZ AND s.qty > 0"


@kpi("STOR", 1, "Stock expiring within 30 / 60 / 90 days, by location",
     headline=Headline("Stock expiring in 90 d", "sum", column="items", better="lower",
                       how="Stock items whose shelf life ends within 90 days",
                       also=(Headline("within 30 d", "sum", column="items", where={"bucket": "30"},
                                      how="Stock items whose shelf life ends within 30 days"),)))
def stock_expiring(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Stock with shelf life ending in the next 90 days, bucketed and grouped by location."""
    return ctx.query(f"""
        WITH expiring AS (
            SELECT s.id, s.location_code,
                   CASE WHEN s.shelf_life_expires_at <= $now::TIMESTAMPTZ + INTERVAL 30 DAY THEN '30'
                        WHEN s.shelf_life_expires_at <= $now::TIMESTAMPTZ + INTERVAL 60 DAY THEN '60'
                        ELSE '90' END AS bucket
            FROM stock_items s
            WHERE {_STOCK} AND s.shelf_life_expires_at >= $now::TIMESTAMPTZ
              AND s.shelf_life_expires_at < $now::TIMESTAMPTZ + INTERVAL 90 DAY)
        SELECT bucket, location_code, count(*) AS items, list(id ORDER BY id) AS stock_item_ids
        FROM expiring GROUP BY bucket, location_code ORDER BY bucket, location_code""",
        {"amo_id": amo_id}, tables=("stock_items",))


@kpi("STOR", 1, "Expired stock in a serviceable location (should be 0)",
     headline=Headline("Expired stock in serviceable locations", "violations",
                       how="Serviceable stock past its shelf life outside quarantine, scrap and U/S stores"))
def expired_in_serviceable(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Serviceable stock past its shelf life outside quarantine, scrap and U/S stores."""
    return ctx.query(f"""
        SELECT s.id AS stock_item_id, s.part_no, s.batch_no, s.serial_no, s.location_code,
               s.shelf_life_expires_at,
               date_diff('day', s.shelf_life_expires_at::DATE, $today::DATE) AS days_expired
        FROM stock_items s
        WHERE {_STOCK} AND s.condition = 'SERVICEABLE' AND s.store_type NOT IN ('QUARANTINE', 'SCRAP', 'U_S')
          AND s.shelf_life_expires_at < $now::TIMESTAMPTZ
        ORDER BY s.shelf_life_expires_at, s.id""", {"amo_id": amo_id}, tables=("stock_items",))


@kpi("STOR", 1, "Quarantine count and ageing by reason",
     headline=Headline("Items in quarantine", "sum", column="items", better="lower",
                       how="Stock items in quarantine, all reasons",
                       also=(Headline("oldest", "max", column="oldest_days", unit="d",
                                      how="Days the oldest waits"),)))
def quarantine_ageing(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Items in quarantine per reason: count, oldest age in days, ids."""
    return ctx.query(f"""
        SELECT coalesce(s.quarantine_reason, 'UNSPECIFIED') AS reason, count(*) AS items,
               max(date_diff('day', coalesce(s.quarantined_at, s.received_at)::DATE, $today::DATE))
                   AS oldest_days,
               list(s.id ORDER BY s.id) AS stock_item_ids
        FROM stock_items s
        WHERE {_STOCK} AND s.condition = 'QUARANTINE'
        GROUP BY reason ORDER BY oldest_days DESC, reason""", {"amo_id": amo_id}, tables=("stock_items",))


@kpi("STOR", 1, "Receiving inspection backlog, oldest first",
     headline=Headline("Receiving inspections pending", "count", better="lower",
                       how="Received items still waiting for their receiving inspection",
                       also=(Headline("oldest", "max", column="days_waiting", unit="d",
                                      how="Days the oldest waits"),)))
def receiving_backlog(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Received items still PENDING receiving inspection, with days waiting."""
    return ctx.query(f"""
        SELECT s.id AS stock_item_id, s.part_no, s.certificate_type, s.received_at,
               date_diff('day', s.received_at::DATE, $today::DATE) AS days_waiting
        FROM stock_items s
        WHERE {_STOCK} AND s.receiving_inspection_status = 'PENDING'
        ORDER BY s.received_at, s.id""", {"amo_id": amo_id}, tables=("stock_items",))


@kpi("STOR", 1, "Robbery (cannibalisation) movements per month, last 12 months",
     headline=Headline("Robberies", "sum", column="robberies", context="in 12 months", better="lower",
                       how="Cannibalisation (ROBBERY) movements in the last 12 months"))
def robbery_count(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """ROBBERY movements per month of the AMO's stock."""
    return ctx.query("""
        SELECT strftime(m.performed_at, '%Y-%m') AS month, count(*) AS robberies,
               list(m.id ORDER BY m.id) AS movement_ids
        FROM part_movements m JOIN stock_items s ON s.id = m.stock_item_id
        WHERE s.amo_id = $amo_id AND m.movement_type = 'ROBBERY' AND m.performed_at <= $now::TIMESTAMPTZ
          AND m.performed_at > $now::TIMESTAMPTZ - INTERVAL 12 MONTH
        GROUP BY month ORDER BY month""", {"amo_id": amo_id}, tables=("part_movements", "stock_items"))


@kpi("STOR", 1, "Unserviceable and unsalvageable stock awaiting repair or mutilation, by age",
     headline=Headline("Unserviceable items awaiting disposal", "sum", column="items", better="lower",
                       how="Unserviceable or unsalvageable items still on the books",
                       also=(Headline("over 180 d", "sum", column="items", where={"bucket": ">180"},
                                      how="Of them waiting more than 180 days"),)))
def unserviceable_awaiting_disposal(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Items still on the books (qty > 0) in UNSERVICEABLE (awaiting repair) or UNSALVAGEABLE
    (awaiting mutilation) condition, per condition and age bucket (0–30, 31–90, 91–180, > 180 days).

    The age runs from the later of receipt and quarantine: a removed part enters the U/S store
    with a receipt. An unsalvageable part kept on a shelf can find its way back onto an aircraft.
    """
    return ctx.query(f"""
        WITH waiting AS (
            SELECT s.id, s.condition,
                   date_diff('day', greatest(s.received_at, coalesce(s.quarantined_at, s.received_at))::DATE,
                             $today::DATE) AS days_waiting
            FROM stock_items s
            WHERE {_STOCK} AND s.condition IN ('UNSERVICEABLE', 'UNSALVAGEABLE'))
        SELECT condition,
               CASE WHEN days_waiting <= 30 THEN '0-30' WHEN days_waiting <= 90 THEN '31-90'
                    WHEN days_waiting <= 180 THEN '91-180' ELSE '>180' END AS bucket,
               count(*) AS items, max(days_waiting) AS oldest_days, list(id ORDER BY id) AS stock_item_ids
        FROM waiting GROUP BY condition, bucket ORDER BY condition, oldest_days""",
        {"amo_id": amo_id}, tables=("stock_items",))


@kpi("STOR", 1, "Ledger integrity: stock quantity differing from the sum of its movements (should be 0)",
     headline=Headline("Items differing from their ledger", "violations",
                       how="Stock items whose quantity differs from the sum of their movements"))
def ledger_discrepancies(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """Stock items whose quantity is not the sum of their ledger movements by then (signed as the
    module docstring says): a part moved without a ledger row, or a ledger row without the move,
    breaks traceability from receipt to aircraft."""
    return ctx.query("""
        WITH ledger AS (
            SELECT m.stock_item_id, sum(m.qty) AS ledger_qty, count(*) AS movements
            FROM part_movements m WHERE m.performed_at <= $now::TIMESTAMPTZ GROUP BY m.stock_item_id)
        SELECT s.id AS stock_item_id, s.part_no, s.batch_no, s.serial_no, s.qty,
               coalesce(l.ledger_qty, 0) AS ledger_qty, round(s.qty - ledger_qty, 6) AS difference,
               coalesce(l.movements, 0) AS movements
        FROM stock_items s LEFT JOIN ledger l ON l.stock_item_id = s.id
        WHERE s.amo_id = $amo_id AND s.voided_at IS NULL AND s.received_at <= $now::TIMESTAMPTZ
          AND round(s.qty - coalesce(l.ledger_qty, 0), 6) <> 0
        ORDER BY abs(difference) DESC, s.id""", {"amo_id": amo_id}, tables=("stock_items", "part_movements"))


@kpi("STOR", 1, "Cycle-count accuracy: counted items needing no adjustment, last 12 months",
     headline=Headline("Cycle-count accuracy", "latest", column="rate", unit="%", scale=100,
                       target=0.98, alarm=0.95,
                       better="higher", how="1 − items adjusted ÷ items counted, last 12 months"))
def cycle_count_accuracy(ctx: KpiContext, *, amo_id: int, department_id: Dept = None) -> Frame:
    """A cycle count books one ADJUST movement per item counted: qty 0 when the shelf agreed with
    the books, else the correction. Counted items, items adjusted, and the rate = 1 − adjusted ÷
    counted over the last 12 months; the adjusted items for drilldown. A low rate means the
    books cannot be trusted to say what is on the shelf."""
    return ctx.query("""
        SELECT count(DISTINCT m.stock_item_id) AS counted_items,
               count(DISTINCT m.stock_item_id) FILTER (WHERE m.qty <> 0) AS adjusted_items,
               round(1 - adjusted_items / nullif(counted_items, 0), 4) AS rate,
               list(DISTINCT m.stock_item_id ORDER BY m.stock_item_id) FILTER (WHERE m.qty <> 0)
                   AS adjusted_stock_item_ids
        FROM part_movements m JOIN stock_items s ON s.id = m.stock_item_id
        WHERE s.amo_id = $amo_id AND m.movement_type = 'ADJUST' AND m.performed_at <= $now::TIMESTAMPTZ
          AND m.performed_at > $now::TIMESTAMPTZ - INTERVAL 12 MONTH""",
        {"amo_id": amo_id}, tables=("part_movements", "stock_items"))
