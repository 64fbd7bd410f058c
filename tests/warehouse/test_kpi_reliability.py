"""Technical dispatch reliability with its 3- and 12-month running rates, and delays and
cancellations by ATA chapter, on one aircraft's utilisation and interruption reports over two
years, against hand-computed answers, as of past dates."""

from __future__ import annotations

import statistics
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
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
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


@pytest.fixture
def pilot_reports(pg_settings, pg_engine):
    """One aircraft flying 100 FH on the 10th of each month from April 2024 to June 2025, and
    PIREPs in ATA 21 each month as listed, plus MAREPs in ATA 32 in the last three months only."""
    org = seed_org(pg_engine)
    aircraft = write_record(pg_engine, "aircraft", {
        "amo_id": org["amo"], "registration": "D-PIR", "msn": "2", "type_model": "A320",
        "customer_operator": "OP", "base": "HAM", "status": "IN_SERVICE", "tsn_fh": 1.0, "csn_fc": 1,
        "as_of": date(2025, 6, 1)}, datetime(2024, 1, 1, tzinfo=UTC))
    months = [date(2024, 4 + i, 10) if i < 9 else date(2025, i - 8, 10) for i in range(15)]
    with pg_engine.begin() as connection:
        connection.execute(sa.insert(aircraft_utilisation), [
            {"aircraft_id": aircraft, "day": day, "fh": 100.0, "fc": 50, "departures": 50,
             "tech_delays_15m": 0, "tech_cancellations": 0} for day in months])
    # April 2024 … March 2025 (the alert base), then April, May, June 2025 (the 3-month window).
    pireps_per_month = [1, 0, 2, 1, 0, 1, 0, 1, 2, 0, 1, 3, 2, 4, 3]
    ids = {"PIREP": [], "MAREP": []}
    number = 0
    for day, count in zip(months, pireps_per_month, strict=True):
        for _ in range(count):
            number += 1
            reported = datetime.combine(day, time(8, 0), UTC)
            ids["PIREP"].append(write_record(pg_engine, "defects", {
                "defect_no": f"P{number}", "aircraft_id": aircraft, "source": "PIREP",
                "reported_at": reported, "ata_chapter": "21", "description": "pack trip", "status": "CLOSED"},
                reported))
    for day in months[-3:]:
        reported = datetime.combine(day, time(9, 0), UTC)
        ids["MAREP"].append(write_record(pg_engine, "defects", {
            "defect_no": f"M{day.month}", "aircraft_id": aircraft, "source": "MAREP", "reported_at": reported,
            "ata_chapter": "32", "description": "brake wear", "status": "CLOSED"}, reported))
    wait_visible(pg_engine)
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
    yield warehouse, org, ids, pireps_per_month
    warehouse.close()


def test_pirep_and_marep_rates_with_alert_levels(pilot_reports):
    wh, org, ids, per_month = pilot_reports
    rates = wh.kpi.pirep_rate_by_ata(amo_id=org["amo"], as_of=date(2025, 6, 30))
    columns = ["ata_chapter", "source", "reports_12m", "fleet_fh", "rate_per_1000_fh", "reports_3m",
               "rate_3m", "alert_level", "above_alert"]
    # ATA 21: the 12 months July 2024 … June 2025 hold 18 PIREPs over 1200 FH; the last three 9 over
    # 300 FH = 30 per 1000 FH. The alert level comes from April 2024 … March 2025: monthly rates of
    # 10 per 1000 FH per report, mean + 2 SD (sample).
    base = [10.0 * count for count in per_month[:12]]
    alert_21 = round(statistics.mean(base) + 2 * statistics.stdev(base), 3)
    # ATA 32: no MAREP in the base months, so its alert level is 0 and any report is above it.
    assert rates[columns].values.tolist() == [
        ["21", "PIREP", 18, 1200.0, 15.0, 9, 30.0, alert_21, True],
        ["32", "MAREP", 3, 1200.0, 2.5, 3, 10.0, 0.0, True],
    ]
    assert alert_21 == 29.069  # 10 + 2 × 9.535: the last three months, at 30, are above it
    assert list(rates["defect_ids"].iloc[1]) == ids["MAREP"]
    # As of 31 March 2025 the 3-month window is January … March and the base January … December 2024
    # (April … December 2024 have utilisation; January … March 2024 none, so they are left out).
    earlier = wh.kpi.pirep_rate_by_ata(amo_id=org["amo"], as_of=date(2025, 3, 31))
    earlier_base = [10.0 * count for count in per_month[:9]]
    earlier_alert = round(statistics.mean(earlier_base) + 2 * statistics.stdev(earlier_base), 3)
    assert earlier[columns].values.tolist() == [
        ["21", "PIREP", 12, 1200.0, 10.0, 4, 13.333, earlier_alert, False],
    ]
    assert earlier_alert == 24.524
