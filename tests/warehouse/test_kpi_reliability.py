"""Technical dispatch reliability with its 3- and 12-month running rates, and delays and
cancellations by ATA chapter, on one aircraft's utilisation and interruption reports over two
years, against hand-computed answers, as of past dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from tests.warehouse.conftest import seed_org, wait_visible, write_record
from warehouse import Warehouse
from warehouse.schema import aircraft_utilisation


@pytest.fixture
def utilisation(pg_settings, pg_engine):
    org = seed_org(pg_engine)
    aircraft = write_record(pg_engine, "aircraft", {
        "amo_id": org["amo"], "registration": "D-REL", "msn": "1", "type_model": "A320",
        "customer_operator": "OP", "base": "HAM", "status": "IN_SERVICE", "tsn_fh": 1.0, "csn_fc": 1,
        "as_of": date(2025, 6, 1)},
        datetime(2024, 1, 1, tzinfo=UTC))
    days = [  # day, departures, delays > 15 min, cancellations
        (date(2024, 6, 15), 10, 5, 0),
        (date(2025, 4, 10), 20, 1, 0),
        (date(2025, 5, 10), 20, 0, 1),
        (date(2025, 6, 10), 10, 2, 0),
    ]
    with pg_engine.begin() as connection:
        connection.execute(sa.insert(aircraft_utilisation), [
            {"aircraft_id": aircraft, "day": day, "fh": 2.0 * departures, "fc": departures,
             "departures": departures, "tech_delays_15m": delays, "tech_cancellations": cancellations}
            for day, departures, delays, cancellations in days])
    interruptions = [  # day, kind, ATA chapter, minutes
        (date(2024, 6, 15), "DELAY", "21", 60),
        (date(2025, 4, 10), "DELAY", "21", 30),
        (date(2025, 5, 10), "CANCELLATION", "32", None),
        (date(2025, 6, 10), "DELAY", "21", 45),
        (date(2025, 6, 10), "DELAY", "32", 20),
        (date(2025, 6, 10), "DELAY", "21", 10),  # reported, but not a delay over 15 minutes
    ]
    ids = [write_record(pg_engine, "operational_interruptions", {
        "aircraft_id": aircraft, "day": day, "kind": kind, "ata_chapter": ata, "delay_minutes": minutes},
        datetime.combine(day, time(23, 30), UTC)) for day, kind, ata, minutes in interruptions]
    wait_visible(pg_engine)
    warehouse = Warehouse.open(pg_settings, pg_engine)
    yield warehouse, org, aircraft, ids
    warehouse.close()


COLUMNS = ["month", "departures", "delays_per_100", "cancellations_per_100", "dispatch_reliability",
           "dispatch_reliability_3m", "dispatch_reliability_12m"]


def test_dispatch_reliability_with_running_rates(utilisation):
    wh, org, aircraft, ids = utilisation
    dispatch = wh.kpi.dispatch_reliability(amo_id=org["amo"], as_of=date(2025, 6, 30))
    # April: 12 months back to May 2024 hold June 2024's 5 delays: 100 − 6 × 100 / 30 = 80.
    # June: 3 months 50 departures, 4 events → 92; June 2024 has left the 12 months → also 92.
    assert dispatch[COLUMNS].values.tolist() == [
        ["2025-04", 20, 5.0, 0.0, 95.0, 95.0, 80.0],
        ["2025-05", 20, 0.0, 5.0, 95.0, 95.0, 86.0],
        ["2025-06", 10, 20.0, 0.0, 80.0, 92.0, 92.0],
    ]
    assert list(dispatch["aircraft_ids"].iloc[0]) == [aircraft]
    # Each month opens its delays over 15 minutes and cancellations (not June's 10-minute delay).
    assert [list(month) for month in dispatch["interruption_ids"]] == [[ids[1]], [ids[2]], [ids[3], ids[4]]]
    # As of 31 May 2025 the twelve months start in June 2024.
    earlier = wh.kpi.dispatch_reliability(amo_id=org["amo"], as_of=date(2025, 5, 31))
    assert earlier[COLUMNS].values.tolist() == [
        ["2024-06", 10, 50.0, 0.0, 50.0, 50.0, 50.0],
        ["2025-04", 20, 5.0, 0.0, 95.0, 95.0, 80.0],
        ["2025-05", 20, 0.0, 5.0, 95.0, 95.0, 86.0],
    ]
    assert list(earlier["interruption_ids"].iloc[0]) == [ids[0]]
    assert wh.kpi.dispatch_reliability(amo_id=org["amo"] + 1, as_of=date(2025, 6, 30)).empty


def test_interruptions_by_ata_chapter(utilisation):
    wh, org, _, ids = utilisation
    # 12 months to 31 July 2025: 50 departures; the last 3 months (from 1 May): 30.
    by_ata = wh.kpi.interruptions_by_ata(amo_id=org["amo"], as_of=date(2025, 7, 31))
    assert by_ata[["ata_chapter", "delays_12m", "cancellations_12m", "rate_per_100_12m", "interruptions_3m",
                   "rate_per_100_3m"]].values.tolist() == [
        ["21", 2, 0, 4.0, 1, 3.333],
        ["32", 1, 1, 4.0, 2, 6.667],
    ]
    assert [list(i) for i in by_ata["interruption_ids"]] == [[ids[1], ids[3]], [ids[2], ids[4]]]
    earlier = wh.kpi.interruptions_by_ata(amo_id=org["amo"], as_of=date(2024, 6, 30))
    assert earlier[["ata_chapter", "delays_12m", "rate_per_100_12m", "rate_per_100_3m"]].values.tolist() == [
        ["21", 1, 10.0, 10.0]]
