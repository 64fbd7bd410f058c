"""Stores KPIs of ledger integrity, cycle counts and unserviceable stock awaiting disposal, on a
handful of stock items and their ledger, against hand-computed answers, as of past dates."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.warehouse.conftest import at, seed_org, wait_visible, write_record
from warehouse import Warehouse
from warehouse.schema import part_movements

JUNE_30 = date(2025, 6, 30)


@pytest.fixture
def stores(pg_settings, pg_engine):
    e = pg_engine
    org = seed_org(e)
    ids: dict[str, int] = {}
    moves: list[dict] = []

    def stock(name, qty, received, **extra):
        ids[name] = write_record(e, "stock_items", {
            "amo_id": org["amo"], "part_no": name, "description": name, "qty": qty, "uom": "EA",
            "location_code": "B1", "store_type": "BONDED", "condition": "SERVICEABLE",
            "certificate_type": "EASA_FORM1", "received_at": at(received),
            "receiving_inspection_status": "ACCEPTED", **extra}, at(received))

    def move(name, kind, qty, when):
        moves.append({"stock_item_id": ids[name], "movement_type": kind, "qty": qty,
                      "performed_at": at(when)})

    def change(name, when, **values):
        write_record(e, "stock_items", values, at(when), record_id=ids[name])

    stock("S1", 10.0, "2025-01-10")
    move("S1", "RECEIVE", 10.0, "2025-01-10")
    change("S1", "2025-06-05", qty=7.0)
    move("S1", "ISSUE", -3.0, "2025-06-06")  # booked a day after the shelf changed
    move("S1", "ADJUST", 0.0, "2025-06-10")  # counted: the shelf agreed with the books
    stock("S2", 5.0, "2025-01-10")
    move("S2", "RECEIVE", 4.0, "2025-01-10")  # one unit never booked
    stock("S3", 5.0, "2025-01-10")
    move("S3", "RECEIVE", 5.0, "2025-01-10")
    move("S3", "ADJUST", -1.0, "2025-06-12")  # counted: one short
    change("S3", "2025-06-12", qty=4.0)
    stock("U1", 1.0, "2025-05-01", condition="UNSERVICEABLE", store_type="U_S")  # removed, awaiting repair
    move("U1", "RECEIVE", 1.0, "2025-05-01")
    stock("U2", 1.0, "2025-03-01")
    move("U2", "RECEIVE", 1.0, "2025-03-01")
    change("U2", "2025-06-10", condition="QUARANTINE", store_type="QUARANTINE",
           quarantined_at=at("2025-06-10"), quarantine_reason="DAMAGE")
    change("U2", "2025-06-20", condition="UNSALVAGEABLE")  # awaiting mutilation
    stock("U3", 1.0, "2025-02-01")
    move("U3", "RECEIVE", 1.0, "2025-02-01")
    move("U3", "SCRAP", -1.0, "2025-04-01")
    change("U3", "2025-04-01", qty=0.0, condition="UNSALVAGEABLE", store_type="SCRAP")  # mutilated: done
    with e.begin() as connection:
        connection.execute(sa.insert(part_movements), moves)
    wait_visible(e)
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
    yield warehouse, org, ids
    warehouse.close()


def test_ledger_discrepancies(stores):
    wh, org, ids = stores
    ledger = wh.kpi.ledger_discrepancies(amo_id=org["amo"], as_of=JUNE_30)
    assert ledger[["stock_item_id", "qty", "ledger_qty", "difference"]].values.tolist() == [
        [ids["S2"], 5.0, 4.0, 1.0]]
    # On 5 June three units had left the shelf but not yet the ledger.
    early = wh.kpi.ledger_discrepancies(amo_id=org["amo"], as_of=date(2025, 6, 5))
    assert early[["stock_item_id", "difference"]].values.tolist() == [[ids["S1"], -3.0], [ids["S2"], 1.0]]


def test_cycle_count_accuracy(stores):
    wh, org, ids = stores
    counts = wh.kpi.cycle_count_accuracy(amo_id=org["amo"], as_of=JUNE_30).iloc[0]
    assert (counts["counted_items"], counts["adjusted_items"], counts["rate"]) == (2, 1, 0.5)
    assert list(counts["adjusted_stock_item_ids"]) == [ids["S3"]]
    counts = wh.kpi.cycle_count_accuracy(amo_id=org["amo"], as_of=date(2025, 6, 11)).iloc[0]
    assert (counts["counted_items"], counts["adjusted_items"], counts["rate"]) == (1, 0, 1.0)
    assert pd.isna(counts["adjusted_stock_item_ids"])


def test_unserviceable_awaiting_disposal(stores):
    wh, org, ids = stores
    waiting = wh.kpi.unserviceable_awaiting_disposal(amo_id=org["amo"], as_of=JUNE_30)
    assert waiting[["condition", "bucket", "items", "oldest_days"]].values.tolist() == [
        ["UNSALVAGEABLE", "0-30", 1, 20],  # quarantined 10 June
        ["UNSERVICEABLE", "31-90", 1, 60],  # received 1 May
    ]
    assert [list(i) for i in waiting["stock_item_ids"]] == [[ids["U2"]], [ids["U1"]]]
    early = wh.kpi.unserviceable_awaiting_disposal(amo_id=org["amo"], as_of=date(2025, 6, 15))
    assert early[["condition", "oldest_days"]].values.tolist() == [["UNSERVICEABLE", 45]]  # U2 in quarantine
