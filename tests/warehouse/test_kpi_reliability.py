"""Technical dispatch reliability with its 3- and 12-month running rates, on one aircraft's
utilisation over two years, against hand-computed answers, as of past dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

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
    wait_visible(pg_engine)
    warehouse = Warehouse.open(pg_settings, pg_engine)
    yield warehouse, org, aircraft
    warehouse.close()


COLUMNS = ["month", "departures", "delays_per_100", "cancellations_per_100", "dispatch_reliability",
           "dispatch_reliability_3m", "dispatch_reliability_12m"]


def test_dispatch_reliability_with_running_rates(utilisation):
    wh, org, aircraft = utilisation
    dispatch = wh.kpi.dispatch_reliability(amo_id=org["amo"], as_of=date(2025, 6, 30))
    # April: 12 months back to May 2024 hold June 2024's 5 delays: 100 − 6 × 100 / 30 = 80.
    # June: 3 months 50 departures, 4 events → 92; June 2024 has left the 12 months → also 92.
    assert dispatch[COLUMNS].values.tolist() == [
        ["2025-04", 20, 5.0, 0.0, 95.0, 95.0, 80.0],
        ["2025-05", 20, 0.0, 5.0, 95.0, 95.0, 86.0],
        ["2025-06", 10, 20.0, 0.0, 80.0, 92.0, 92.0],
    ]
    assert list(dispatch["aircraft_ids"].iloc[0]) == [aircraft]
    # As of 31 May 2025 the twelve months start in June 2024.
    earlier = wh.kpi.dispatch_reliability(amo_id=org["amo"], as_of=date(2025, 5, 31))
    assert earlier[COLUMNS].values.tolist() == [
        ["2024-06", 10, 50.0, 0.0, 50.0, 50.0, 50.0],
        ["2025-04", 20, 5.0, 0.0, 95.0, 95.0, 80.0],
        ["2025-05", 20, 0.0, 5.0, 95.0, 95.0, 86.0],
    ]
    assert wh.kpi.dispatch_reliability(amo_id=org["amo"] + 1, as_of=date(2025, 6, 30)).empty
