"""Chart bars and KPI card figures from KPI tables: ids survive aggregation, order and caps hold."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboards import charts, cockpits
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


def test_card_figures():
    rate = pd.DataFrame({"closed": [10], "on_time": [7], "rate": [0.7], "late_car_ids": [[1, 2, 3]]})
    assert cockpits.headline(rate, "On-time closure rate") == "70%"
    assert cockpits.headline(pd.DataFrame({"rate": [np.nan]}), "Rate") == "–"
    lists = pd.DataFrame({"finding_ids": [[1, 2], [2, 3], None]})
    assert cockpits.headline(lists, "Open findings") == "3"
    flagged = pd.DataFrame({"tool_id": [1, 2, 3], "overdue": [True, False, True]})
    title = "Calibration overdue (should be 0) and due within 30 days"
    assert cockpits.headline(flagged, title) == "2" and cockpits.violations(flagged) == 2
    assert cockpits.headline(pd.DataFrame({"audit_id": [4]}), "Violations (should be 0)") == "1"
