"""The SPI control chart against hand-computed rates and alert lines, today and as of past dates."""

from __future__ import annotations

from datetime import date

import pytest

from tests.warehouse.conftest import at, seed_org, wait_visible, write_record
from warehouse import Warehouse


@pytest.fixture
def spi(pg_settings, pg_engine):
    """Man-hours and reports, 2024 (the baseline) and 2025 (the charted months).

    Occurrences per 1000 MH: 2024-01..03 → 1, 2, 3 (mean 2, SD 1: alert lines 3 / 4 / 5, target
    1.9); 2025-06 → 6 (4 reported by the 15th), 2025-07 → 2 per 500 MH = 4, 2025-08 → 1 per 2000 MH.
    """
    org = seed_org(pg_engine)
    e = pg_engine
    order = write_record(e, "work_orders", {
        "amo_id": org["amo"], "wo_no": "WO-1", "wo_type": "A_CHECK", "department_id": org["PROD"],
        "planned_start": at("2024-01-01"), "planned_end": at("2025-12-31"), "planned_mh": 9000.0,
        "status": "IN_WORK"}, at("2024-01-01"))

    def card(no, performed, mh):
        return write_record(e, "task_cards", {
            "card_no": no, "work_order_id": order, "card_type": "ROUTINE", "source": "MPD",
            "ata_chapter": "32", "description": no, "planned_mh": mh, "actual_mh": mh,
            "performed_at": at(performed), "status": "DONE"}, at(performed))

    def reports(kind, reported, count, dept="PROD"):
        return [write_record(e, "safety_reports", {
            "amo_id": org["amo"], "report_no": f"SR-{kind}-{reported}-{n}", "kind": kind,
            "occurred_at": at(reported), "reported_at": at(reported), "department_id": org[dept],
            "description": "-", "contributing_factors": [], "status": "CAPTURED"}, at(reported))
            for n in range(count)]

    for month, count in (("01", 1), ("02", 2), ("03", 3)):
        card(f"TC-2024-{month}", f"2024-{month}-10", 1000.0)
        reports("OCCURRENCE", f"2024-{month}-12", count)
    card("TC-2025-06", "2025-06-10", 1000.0)
    early = reports("OCCURRENCE", "2025-06-05", 4)
    late = reports("OCCURRENCE", "2025-06-20", 2, dept="QUAL")
    card("TC-2025-07", "2025-07-10", 500.0)
    july = reports("OCCURRENCE", "2025-07-11", 2)
    hazard = reports("HAZARD", "2025-07-12", 1)
    card("TC-2025-08", "2025-08-10", 2000.0)
    reports("OCCURRENCE", "2025-08-11", 1)
    wait_visible(e)
    warehouse = Warehouse.open(pg_settings.warehouse, pg_engine)
    yield warehouse, org, {"early": early, "late": late, "july": july, "hazard": hazard}
    warehouse.close()


def _rows(frame, kind):
    return frame[frame["kind"] == kind].set_index("month")


def test_spi_rates_alert_lines_and_levels(spi):
    wh, org, ids = spi
    chart = wh.kpi.spi_control_chart(amo_id=org["amo"], as_of=date(2025, 12, 31))
    assert chart["kind"].drop_duplicates().tolist() == ["OCCURRENCE", "ERROR", "NEAR_MISS", "HAZARD"]
    occurrences = _rows(chart, "OCCURRENCE")
    assert occurrences.index.tolist() == [f"2025-{m:02d}" for m in range(1, 13)]
    june, july, august = (occurrences.loc[m] for m in ("2025-06", "2025-07", "2025-08"))
    assert (june["mean"], june["alert_1"], june["alert_2"], june["alert_3"], june["target"]) == (
        2.0, 3.0, 4.0, 5.0, 1.9)
    assert (june["reports"], june["production_mh"], june["rate_per_1000_mh"], june["alert_level"]) == (
        6, 1000.0, 6.0, 3)
    assert (july["rate_per_1000_mh"], july["alert_level"]) == (4.0, 1)
    assert (august["rate_per_1000_mh"], august["alert_level"]) == (0.5, 0)
    assert sorted(june["report_ids"]) == sorted(ids["early"] + ids["late"])
    may = occurrences.loc["2025-05"]  # no man-hours: no rate and no alert level
    assert may["reports"] == 0 and may["rate_per_1000_mh"] != may["rate_per_1000_mh"]
    hazards = _rows(chart, "HAZARD")
    assert (hazards.loc["2025-07", "rate_per_1000_mh"], hazards.loc["2025-07", "target"]) == (2.0, 0.0)
    assert list(hazards.loc["2025-07", "report_ids"]) == ids["hazard"]


def test_spi_as_of_mid_month_and_department_scope(spi):
    wh, org, ids = spi
    then = _rows(wh.kpi.spi_control_chart(amo_id=org["amo"], as_of=date(2025, 6, 15)), "OCCURRENCE")
    assert then.index[-1] == "2025-06" and then.index[0] == "2024-07"
    june = then.loc["2025-06"]
    assert (june["reports"], june["rate_per_1000_mh"], june["alert_level"], june["mean"]) == (4, 4.0, 1, 2.0)
    assert sorted(june["report_ids"]) == sorted(ids["early"])
    quality = _rows(wh.kpi.spi_control_chart(amo_id=org["amo"], department_id=org["QUAL"],
                                             as_of=date(2025, 12, 31)), "OCCURRENCE")
    # the department's reports over the AMO's man-hours; the baseline has none: mean 0, SD 0
    assert (quality.loc["2025-06", "reports"], quality.loc["2025-06", "rate_per_1000_mh"]) == (2, 2.0)
    assert (quality.loc["2025-06", "mean"], quality.loc["2025-06", "alert_level"]) == (0.0, 3)
    assert wh.kpi.spi_control_chart(amo_id=org["amo"] + 99)["reports"].sum() == 0
