"""The headline figure a KPI declares: each aggregation over a KPI table, its text, its target
and the state that colours the card; and every registered KPI declares one that reads only
columns its table has."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from warehouse.kpi.base import REGISTRY
from warehouse.kpi.headline import Headline


def test_a_rate_is_a_percentage_of_sums_with_its_target():
    headline = Headline("Audit programme", "rate", column="performed", per="planned", context="of plan",
                        target=0.95, alarm=0.85, better="higher", how="performed ÷ planned")
    frame = pd.DataFrame({"performed": [4, 6], "planned": [5, 7]})
    figure = headline.evaluate(frame)
    assert figure.value == pytest.approx(10 / 12)
    assert figure.text == "83 % of plan" and figure.target_text == "target ≥ 95 %"
    assert figure.state == "alarm"  # below the 85 % alarm level
    assert headline.state(0.9) == "warning" and headline.state(0.95) == "good"
    assert headline.evaluate(frame.iloc[:0]).text == "no data"  # no plan: no rate, not 0 %


def test_median_and_p90_are_taken_over_every_value_of_list_cells():
    headline = Headline("CAR closure median", "median", column="days", unit="d", how="median",
                        also=(Headline("p90", "p90", column="days", unit="d", target=90, alarm=120,
                                       better="lower", how="p90"),))
    frame = pd.DataFrame({"level": ["L1", "L2"], "days": [[10, 20], np.array([30, 40, 200])]})
    figure = headline.evaluate(frame)
    assert figure.text == "30 d"  # the median of all five CARs, not the median of the group medians (72.5)
    assert figure.also[0].value == pytest.approx(np.quantile([10, 20, 30, 40, 200], 0.9))
    assert figure.also[0].state == "alarm" and figure.worst_state == "alarm" and figure.state == "neutral"


def test_violations_count_the_rows_a_filter_keeps_and_zero_is_good():
    headline = Headline("Overdue ADs", "violations", where={"overdue": True}, how="overdue ADs")
    frame = pd.DataFrame({"overdue": [True, False, True]})
    assert headline.evaluate(frame).text == "2" and headline.evaluate(frame).state == "alarm"
    empty = headline.evaluate(frame.iloc[:0])
    assert empty.text == "0" and empty.state == "good" and empty.target_text == "target 0"


def test_ratio_distinct_share_latest_and_sum_with_units():
    ratio = Headline("Non-routine ratio", "ratio", column="nr", per="r", decimals=2, how="nr ÷ r")
    assert ratio.evaluate(pd.DataFrame({"nr": [3.0, None], "r": [5.0, 2.0]})).text == "0.43"
    distinct = Headline("Reports", "distinct", column="ids", how="distinct")
    assert distinct.evaluate(pd.DataFrame({"ids": [[1, 2], [2, 3], None]})).text == "3"
    share = Headline("On time", "share", column="on_time", how="share")
    assert share.evaluate(pd.DataFrame({"on_time": [True, False, True, None]})).text == "67 %"
    latest = Headline("Dispatch", "latest", column="r", unit="%", decimals=2, how="latest")
    assert latest.evaluate(pd.DataFrame({"r": [97.0, 98.654]})).text == "98.65 %"
    summed = Headline("Delays", "sum", column="rate", unit="per 100 departures", decimals=2,
                      where={"ata": ("32", "05")}, how="sum")
    assert summed.evaluate(pd.DataFrame({"ata": ["21", "32"], "rate": [1.0, 0.25]})).text == \
        "0.25 per 100 departures"
    slip = Headline("slip", "median", column="d", unit="d", decimals=1, how="median")
    assert slip.evaluate(pd.DataFrame({"d": [-0.01, 0.01]})).text == "0.0 d"  # never "-0.0"


def test_a_headline_without_its_columns_or_with_an_unknown_aggregation_is_refused():
    with pytest.raises(ValueError, match="needs column and per"):
        Headline("x", "rate", how="x")
    with pytest.raises(ValueError, match="unknown headline aggregation"):
        Headline("x", "average", column="y", how="x")


def test_department_thresholds_replace_the_defaults():
    headline = REGISTRY["audit_programme_completion"].headline.with_thresholds(0.8, 0.6)
    assert headline.target_text() == "target ≥ 80 %" and headline.state(0.7) == "warning"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_kpi_declares_a_headline_with_a_label_and_how_it_is_computed(name):
    headline = REGISTRY[name].headline
    assert headline.label and headline.how and not headline.how.endswith(".")
    assert headline.better in ("higher", "lower", None)
    if headline.target is not None:
        assert headline.better is not None, "a target needs the direction that is better"
