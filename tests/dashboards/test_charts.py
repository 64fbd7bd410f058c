"""Chart bars and KPI card figures from KPI tables: ids survive aggregation, order and caps hold."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboards import charts
from dashboards.cockpits import Panel

STOCK = Panel("stock_expiring", "Stock expiring", "bucket", "stock_item_ids", "stock_items", y="items",
              color="location_code")
OVERDUE = Panel("overdue_cars", "Overdue CARs", "car_no", "car_id", "cars", y="days_overdue")


def test_bars_sum_values_and_carry_the_union_of_ids():
    frame = pd.DataFrame({"bucket": ["90", "30", "30"], "location_code": ["A", "B", "B"], "items": [2, 1, 3],
                          "stock_item_ids": [np.array([5, 6]), [1], None]})
    data = charts.bars(STOCK, frame)
    assert list(data["bucket"]) == ["30", "90"]  # buckets in their own order
    assert list(data["value"]) == [4, 2]
    assert [list(ids) for ids in data["ids"]] == [[1], [5, 6]]


def test_one_record_per_row_keeps_the_kpi_order_and_the_largest_bars():
    frame = pd.DataFrame({"car_no": [f"CAR-{n}" for n in range(40)], "car_id": range(1, 41),
                          "days_overdue": list(range(40, 0, -1))})
    data = charts.bars(OVERDUE, frame)
    assert len(data) == charts.MAX_BARS
    assert list(data["car_no"][:2]) == ["CAR-0", "CAR-1"]
    figure = charts.figure(OVERDUE, frame)
    assert figure.data[0].customdata[0] == "1"


def test_labels_replace_department_ids():
    panel = Panel("open_findings_by_level", "Open findings", "level", "finding_ids", "findings",
                  y="open_findings", color="department_id")
    frame = pd.DataFrame({"level": ["L1"], "department_id": [3], "open_findings": [2],
                          "finding_ids": [[7, 8]]})
    figure = charts.figure(panel, frame, {"department_id": {3: "PROD"}})
    assert figure.data[0].name == "PROD" and figure.data[0].customdata == ("7,8",)


def test_an_empty_kpi_draws_an_empty_chart_that_says_so():
    figure = charts.figure(OVERDUE, pd.DataFrame(columns=["car_no", "car_id", "days_overdue"]))
    assert not figure.data and figure.layout.annotations[0].text == "Nothing to show"


SPI = Panel("spi_control_chart", "SPI", "month", "report_ids", "safety_reports", y="rate_per_1000_mh",
            color="kind")
COVERAGE = Panel("regulation_coverage_by_month", "Coverage", "month", "audit_ids", "audits", y="audits_12m",
                 color="regulation_ref")


def test_control_chart_draws_alert_lines_and_colours_breaches():
    frame = pd.DataFrame({
        "month": ["2025-01", "2025-02"] * 2, "kind": ["OCCURRENCE"] * 2 + ["HAZARD"] * 2,
        "rate_per_1000_mh": [6.0, 1.0, 0.5, np.nan], "mean": [2.0] * 2 + [0.5] * 2,
        "alert_1": [3.0] * 2 + [1.0] * 2, "alert_2": [4.0] * 2 + [1.5] * 2, "alert_3": [5.0] * 2 + [2.0] * 2,
        "target": [1.9] * 2 + [0.5] * 2, "alert_level": [3, 0, 0, np.nan],
        "report_ids": [np.array([4, 5]), None, [9], None]})
    figure = charts.figure(SPI, frame)
    rates = [trace for trace in figure.data if trace.showlegend is not False]
    assert [trace.name for trace in rates] == ["OCCURRENCE", "HAZARD"]
    assert rates[0].visible is True and rates[1].visible == "legendonly"
    assert rates[0].customdata == ("4,5", "")
    assert list(rates[0].marker.color) == ["#c92a2a", charts.IN_CONTROL]
    lines = {trace.name: trace for trace in figure.data if trace.showlegend is False}
    assert set(lines) == {f"{kind} {label}" for kind in ("OCCURRENCE", "HAZARD")
                          for label in ("target", "mean", "+1 SD", "+2 SD", "+3 SD")}
    assert list(lines["OCCURRENCE +3 SD"].y) == [5.0, 5.0]
    assert list(lines["OCCURRENCE target"].y) == [1.9, 1.9]
    assert lines["HAZARD mean"].customdata == ("9", "")  # a click on a line drills to that month's reports


def test_heatmap_rows_columns_gaps_and_cell_ids():
    frame = pd.DataFrame({
        "regulation_ref": ["145.A.30", "145.A.30", "145.A.25", "145.A.25"],
        "month": ["2025-02", "2025-01"] * 2, "audits_12m": [0, 0, 2, 1],
        "audit_ids": [None, None, [3, 4], [3]]})
    figure = charts.figure(COVERAGE, frame)
    cells = figure.data[0]
    assert list(cells.y) == ["145.A.30", "145.A.25"] and list(cells.x) == ["2025-01", "2025-02"]
    assert [list(row) for row in cells.z] == [[0, 0], [1, 2]]
    assert [list(row) for row in cells.customdata] == [["", ""], ["3", "3,4"]]
    assert cells.colorscale[0][1] == cells.colorscale[1][1] == "#e03131"  # a 0 cell is red
    assert cells.colorscale[1][0] == 0.25  # below the colour of 1 audit (of at most 2)
