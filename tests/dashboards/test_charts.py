"""Chart conventions on KPI tables: ids survive aggregation, labels are words, counts have whole
ticks, time axes have no gaps, zero is good news, colours are stable, and the risk matrix and
coverage heatmap are grids whose cells drill down."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from dashboards import charts, words
from dashboards.cockpits import Panel
from warehouse.kpi.base import REGISTRY

STOCK = Panel("stock_expiring", "Stock expiring", "bucket", "stock_item_ids", "stock_items", "Expires within",
              "Stock items", y="items", color="location_code")
OVERDUE = Panel("overdue_cars", "Overdue CARs", "car_no", "car_id", "cars", "CAR", "Days overdue (d)",
                y="days_overdue", counts=False)


def test_bars_sum_values_and_carry_the_union_of_ids():
    frame = pd.DataFrame({"bucket": ["90", "30", "30"], "location_code": ["A", "B", "B"], "items": [2, 1, 3],
                          "stock_item_ids": [np.array([5, 6]), [1], None]})
    data = charts.bars(STOCK, frame)
    assert [bar.x for bar in data] == ["30", "90"]  # buckets in their own order
    assert [bar.x_words for bar in data] == ["within 30 d", "61–90 d"]
    assert [bar.value for bar in data] == [4, 2]
    assert [bar.ids for bar in data] == [[1], [5, 6]]


def test_one_record_per_row_keeps_the_kpi_order_and_the_largest_bars():
    frame = pd.DataFrame({"car_no": [f"CAR-{n}" for n in range(40)], "car_id": range(1, 41),
                          "days_overdue": list(range(40, 0, -1))})
    data = charts.bars(OVERDUE, frame)
    assert len(data) == charts.MAX_BARS
    assert [bar.x for bar in data[:2]] == ["CAR-0", "CAR-1"]
    figure = charts.figure(OVERDUE, frame)
    assert figure["data"][0]["customdata"][0] == "1|CAR-0"
    assert figure["layout"]["yaxis"]["title"]["text"] == "Days overdue (d)"
    assert "dtick" not in figure["layout"]["yaxis"]  # days are not a count


def test_ids_become_names_and_codes_become_words():
    panel = Panel("open_findings_by_level", "Open findings", "level", "finding_ids", "findings", "Level",
                  "Open findings", y="open_findings", color="department_id")
    frame = pd.DataFrame({"level": ["L1", "OBS"], "department_id": [3, 3], "open_findings": [2, 1],
                          "finding_ids": [[7, 8], [9]]})
    figure = charts.figure(panel, frame, {"department_id": {3: "Production"}})
    trace = figure["data"][0]
    assert trace["name"] == "Production" and trace["x"] == ["Level 1", "Observation"]
    assert charts.drilled(trace["customdata"][0]) == ("7,8", "Level 1, Production")
    assert figure["layout"]["yaxis"]["tickformat"] == ",d" and figure["layout"]["yaxis"]["dtick"] == 1
    calibration = Panel("calibration_due", "Calibration", "tool_no", "tool_id", "tools", "Tool", "Days",
                        y="days_left", color="overdue", counts=False)
    flagged = pd.DataFrame({"tool_no": ["T1", "T2"], "tool_id": [1, 2], "days_left": [-3, 10],
                            "overdue": [True, False]})
    assert {t["name"] for t in charts.figure(calibration, flagged)["data"]} == {"Overdue", "Due within 30 d"}
    assert words.word("ata_chapter", "21") == "ATA 21"
    assert words.word("wo_type", "NON_ROUTINE") == "Non-routine"
    assert words.word("status", "CRS") == "CRS" and words.word("registration", "D-ABCD") == "D-ABCD"


def test_count_ticks_are_whole_numbers_at_any_scale():
    assert charts._count_ticks(3)["dtick"] == 1
    assert charts._count_ticks(40)["dtick"] == 5
    assert charts._count_ticks(900)["dtick"] == 200
    assert charts._count_ticks(None) == {}


def test_months_without_records_stay_on_the_axis_up_to_the_as_of_month():
    panel = Panel("safety_reports_per_month", "Reports", "month", "report_ids", "safety_reports", "Month",
                  "Reports", y="reports", color="kind")
    frame = pd.DataFrame({"month": ["2025-01", "2025-04"], "kind": ["HAZARD", "HAZARD"], "reports": [1, 2],
                          "report_ids": [[1], [2, 3]]})
    figure = charts.figure(panel, frame, period_end=date(2025, 6, 30))
    months = figure["layout"]["xaxis"]["categoryarray"]
    assert months == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert words.every_period("quarter", ["2024-Q4", "2025-Q2"], None) == ["2024-Q4", "2025-Q1", "2025-Q2"]
    assert words.every_period("week", ["2025-01-06", "2025-01-20"], None) == ["2025-01-06", "2025-01-13",
                                                                             "2025-01-20"]


def test_an_empty_kpi_is_good_news_or_no_data_as_its_headline_says():
    empty = pd.DataFrame(columns=["car_no", "car_id", "days_overdue", "level"])
    zero = charts.figure(OVERDUE, empty, headline=REGISTRY["overdue_cars"].headline.evaluate(empty))
    assert not zero["data"] and zero["layout"]["annotations"][0]["text"] == "✓ 0 overdue CARs"
    assert zero["layout"]["annotations"][0]["font"]["color"] == words.GOOD
    rate = pd.DataFrame(columns=["reports", "on_time", "rate", "late_report_ids"])
    none = charts.figure(OVERDUE, rate, headline=REGISTRY["sdr_timeliness"].headline.evaluate(rate))
    assert none["layout"]["annotations"][0]["text"] == "No data for this period"
    assert none["layout"]["meta"]["zero_state"] == "no data"


def test_a_category_has_one_colour_everywhere():
    assert words.colour("SE-OJP") == words.colour("SE-OJP")  # a stable hash, not Python's salted one
    assert words.colour("Level 1") == words.BAD and words.colour("On time") == words.GOOD
    panel = Panel("x", "x", "month", "ids", "t", "Month", "Records", color="kind")
    one = charts.figure(panel, pd.DataFrame({"month": ["2025-01"], "kind": ["HAZARD"], "ids": [[1]]}))
    two = charts.figure(panel, pd.DataFrame({"month": ["2025-01"] * 2, "kind": ["ERROR", "HAZARD"],
                                             "ids": [[1], [2]]}))
    colours = {trace["name"]: trace["marker"]["color"] for trace in one["data"] + two["data"]}
    assert colours["Hazard"] == one["data"][0]["marker"]["color"] == two["data"][1]["marker"]["color"]


def test_the_risk_matrix_is_a_five_by_five_grid_with_tolerability_colours():
    panel = Panel("risk_matrix", "Risk", "likelihood", "report_ids", "safety_reports", "Likelihood",
                  "Severity", y="reports", color="severity")
    frame = pd.DataFrame({"severity": [5, 1], "likelihood": [4, 2],
                          "tolerability": ["INTOLERABLE", "ACCEPTABLE"], "reports": [3, 1],
                          "open_reports": [1, 0],
                          "report_ids": [[4, 5, 6], [7]]})
    cells = charts.figure(panel, frame)["data"][0]
    assert len(cells["z"]) == 5 and all(len(row) == 5 for row in cells["z"])
    assert cells["y"][4] == "5 Catastrophic" and cells["x"][3] == "4 Occasional"
    assert cells["z"][4][3] == 2 and cells["z"][0][1] == 0 and cells["z"][1][2] == 1  # 20, 2, 6
    assert cells["text"][4][3] == "3 (1 open)" and cells["text"][0][0] == "0"
    assert cells["customdata"][4][3] == "4,5,6|severity 5 Catastrophic, likelihood 4 Occasional"
    assert charts.drilled(cells["customdata"][0][1])[0] == "7"


SPI = Panel("spi_control_chart", "SPI", "month", "report_ids", "safety_reports", "Month", "Rate",
            y="rate_per_1000_mh", color="kind", counts=False)
COVERAGE = Panel("regulation_coverage_by_month", "Coverage", "month", "audit_ids", "audits", "Month",
                 "Part-145 point", y="audits_12m", color="regulation_ref")


def test_control_chart_draws_alert_lines_and_colours_breaches():
    frame = pd.DataFrame({
        "month": ["2025-01", "2025-02"] * 2, "kind": ["OCCURRENCE"] * 2 + ["HAZARD"] * 2,
        "rate_per_1000_mh": [6.0, 1.0, 0.5, np.nan], "mean": [2.0] * 2 + [0.5] * 2,
        "alert_1": [3.0] * 2 + [1.0] * 2, "alert_2": [4.0] * 2 + [1.5] * 2, "alert_3": [5.0] * 2 + [2.0] * 2,
        "target": [1.9] * 2 + [0.5] * 2, "alert_level": [3, 0, 0, np.nan],
        "report_ids": [np.array([4, 5]), None, [9], None]})
    figure = charts.figure(SPI, frame)
    rates = [trace for trace in figure["data"] if trace.get("showlegend") is not False]
    assert [trace["name"] for trace in rates] == ["Occurrence", "Hazard"]
    assert rates[0]["visible"] is True and rates[1]["visible"] == "legendonly"
    assert [charts.drilled(cell)[0] for cell in rates[0]["customdata"]] == ["4,5", ""]
    assert rates[0]["marker"]["color"] == ["#c92a2a", charts.IN_CONTROL]
    lines = {trace["name"]: trace for trace in figure["data"] if trace.get("showlegend") is False}
    assert set(lines) == {f"{kind} {label}" for kind in ("Occurrence", "Hazard")
                          for label in ("target", "mean", "+1 SD", "+2 SD", "+3 SD")}
    assert lines["Occurrence +3 SD"]["y"] == [5.0, 5.0]
    assert lines["Occurrence target"]["y"] == [1.9, 1.9]
    assert [charts.drilled(cell)[0] for cell in lines["Hazard mean"]["customdata"]] == ["9", ""]  # lines too


def test_heatmap_rows_columns_gaps_and_cell_ids():
    frame = pd.DataFrame({
        "regulation_ref": ["145.A.30", "145.A.30", "145.A.25", "145.A.25"],
        "month": ["2025-02", "2025-01"] * 2, "audits_12m": [0, 0, 2, 1],
        "audit_ids": [None, None, [3, 4], [3]]})
    cells = charts.figure(COVERAGE, frame)["data"][0]
    assert cells["y"] == ["145.A.30", "145.A.25"] and cells["x"] == ["2025-01", "2025-02"]
    assert cells["z"] == [[0, 0], [1, 2]]
    ids = [[charts.drilled(cell)[0] for cell in row] for row in cells["customdata"]]
    assert ids == [["", ""], ["3", "3,4"]]
    assert cells["colorscale"][0][1] == cells["colorscale"][1][1] == words.BAD  # a 0 cell is red
    assert cells["colorscale"][1][0] == 0.25  # below the colour of 1 audit (of at most 2)


def test_figures_share_one_template_per_theme():
    one, two = charts.figure(OVERDUE, pd.DataFrame({"car_no": ["C"], "car_id": [1], "days_overdue": [3]})), \
        charts.figure(STOCK, pd.DataFrame({"bucket": ["30"], "location_code": ["A"], "items": [1],
                                           "stock_item_ids": [[1]]}), theme="dark")
    assert one["layout"]["template"] is charts.template("light")
    assert two["layout"]["template"] is charts.template("dark") is not charts.template("light")
    fonts = {theme: charts.template(theme)["layout"]["font"]["color"] for theme in ("light", "dark")}
    assert fonts["light"] != fonts["dark"]
