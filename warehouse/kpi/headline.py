"""The headline figure a KPI declares: what its card shows, computed from the KPI's own table.

A KPI table answers "which records, per what"; its headline answers "how are we doing" in one
figure a quality manager can quote to the authority: "Audit programme 83 % of plan, target
≥ 95 %", "CAR closure median 41 d, p90 88 d". The KPI module declares it next to its SQL (see
:func:`warehouse.kpi.base.kpi`), so the figure and its definition are versioned together and
every reader (cockpit card, notebook, CLI) shows the same number. Nothing outside computes it.

A :class:`Headline` names an aggregation over columns of the KPI table, optionally over the rows
a ``where`` filter keeps (column → the value or values it must have), with a unit, a target and
the direction that is better. :meth:`Headline.evaluate` gives a :class:`Figure`: the value, its
text and its state (good / warning / alarm / neutral / no data) for the card's colour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

Better = Literal["higher", "lower"] | None
State = Literal["good", "warning", "alarm", "neutral", "no data"]

# aggregation → what it computes over the (filtered) rows
AGGREGATIONS = {
    "count": "number of rows",
    "violations": "number of rows breaking the rule (should be 0)",
    "distinct": "number of distinct ids in an id or id-list column",
    "sum": "sum of a column",
    "rate": "sum of a column ÷ sum of another, as a percentage",
    "ratio": "sum of a column ÷ sum of another",
    "share": "share of rows whose boolean column is true, as a percentage",
    "median": "median of a column's values (id-list cells are flattened)",
    "p90": "90th percentile of a column's values (id-list cells are flattened)",
    "mean": "mean of a column's values",
    "max": "largest value of a column",
    "min": "smallest value of a column",
    "latest": "the column's value in the table's last row",
}


@dataclass(frozen=True)
class Figure:
    """An evaluated headline: the number, its text ("83 %"), the target's text and the state."""

    label: str
    value: float | None
    text: str
    target_text: str
    state: State
    how: str
    also: tuple[Figure, ...] = ()

    @property
    def worst_state(self) -> State:
        """The card's colour: the worst state of this figure and its companions."""
        order = ("alarm", "warning", "good", "neutral", "no data")
        states = [self.state, *(figure.state for figure in self.also)]
        return min(states, key=order.index)


@dataclass(frozen=True)
class Headline:
    """How a KPI's table becomes its headline figure.

    ``column`` is the value column (the numerator for ``rate`` and ``ratio``, the id column for
    ``distinct``, the boolean for ``share``), ``per`` the denominator column. ``where`` keeps
    the rows whose columns hold the given values (``{"overdue": True}``,
    ``{"status": ("OPEN", "IN_WORK")}``). ``scale``
    multiplies the value for display (100 for a rate). ``target`` is where good begins, ``alarm``
    where red begins (between them: amber); ``better`` says which way is good (None: a volume
    to watch, never coloured). ``also`` are companion figures shown after it ("p90 88 d").
    """

    label: str
    aggregation: str
    how: str
    column: str | None = None
    per: str | None = None
    where: Mapping[str, object] | None = None
    unit: str = ""
    context: str = ""  # words after the unit: "of plan", "in 12 months"
    decimals: int = 0
    scale: float = 1.0
    target: float | None = None
    alarm: float | None = None
    better: Better = None
    also: tuple[Headline, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(f"unknown headline aggregation {self.aggregation!r}; use one of "
                             f"{', '.join(AGGREGATIONS)}")
        if self.aggregation == "violations":
            object.__setattr__(self, "better", "lower")
            if self.target is None:
                object.__setattr__(self, "target", 0.0)
            if self.alarm is None:
                object.__setattr__(self, "alarm", 0.0)
        if self.aggregation == "rate" and self.scale == 1.0:
            object.__setattr__(self, "scale", 100.0)
            object.__setattr__(self, "unit", self.unit or "%")
        if self.aggregation == "share" and self.scale == 1.0:
            object.__setattr__(self, "scale", 100.0)
            object.__setattr__(self, "unit", self.unit or "%")
        needs = {"rate": ("column", "per"), "ratio": ("column", "per")}.get(self.aggregation, ())
        if self.aggregation not in ("count", "violations"):
            needs = needs or ("column",)
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"headline {self.label!r} ({self.aggregation}) needs {' and '.join(missing)}")

    def with_thresholds(self, target: float | None, alarm: float | None) -> Headline:
        """The same headline with another target and alarm (a department's own thresholds)."""
        return replace(self, target=target, alarm=alarm)

    def columns(self) -> set[str]:
        """The KPI table columns this headline reads (checked against the table in tests)."""
        named = {name for name in (self.column, self.per) if name} | set(self.where or {})
        return named.union(*(companion.columns() for companion in self.also))

    def value(self, frame: pd.DataFrame) -> float | None:
        """The headline value (unscaled) over ``frame``; None when there is nothing to compute it from."""
        rows = frame
        for column, wanted in (self.where or {}).items():
            rows = rows[rows[column].isin(wanted if isinstance(wanted, tuple) else (wanted,))]
        kind = self.aggregation
        if kind in ("count", "violations"):
            return float(len(rows))
        if kind == "distinct":
            return float(len({i for cell in rows[self.column] for i in _items(cell)}))
        if kind == "sum":
            return float(pd.to_numeric(rows[self.column], errors="coerce").fillna(0).sum())
        if kind in ("rate", "ratio"):
            denominator = float(pd.to_numeric(rows[self.per], errors="coerce").fillna(0).sum())
            numerator = float(pd.to_numeric(rows[self.column], errors="coerce").fillna(0).sum())
            return numerator / denominator if denominator else None
        if kind == "share":
            flags = rows[self.column].dropna()
            return float(flags.astype(bool).mean()) if len(flags) else None
        if kind == "latest":
            if rows.empty or pd.isna(rows[self.column].iloc[-1]):
                return None
            return float(rows[self.column].iloc[-1])
        values = np.array([float(v) for cell in rows[self.column] for v in _items(cell)], dtype=float)
        if values.size == 0:
            return None
        return float({"median": np.median, "mean": np.mean, "max": np.max, "min": np.min,
                      "p90": lambda v: np.quantile(v, 0.9)}[kind](values))

    def state(self, value: float | None) -> State:
        """good / warning / alarm against the target and alarm levels; neutral without a target."""
        if value is None:
            return "no data"
        if self.better is None or self.target is None:
            return "neutral"
        sign = 1 if self.better == "higher" else -1
        if sign * value >= sign * self.target:
            return "good"
        if self.alarm is not None and sign * value < sign * self.alarm:
            return "alarm"
        return "warning"

    def evaluate(self, frame: pd.DataFrame) -> Figure:
        """The figure of this headline over the KPI table ``frame``."""
        value = self.value(frame)
        return Figure(self.label, value, self.format(value), self.target_text(), self.state(value), self.how,
                      tuple(companion.evaluate(frame) for companion in self.also))

    def format(self, value: float | None) -> str:
        """The value in words: "83 %", "41 d", "0.42", or "no data"."""
        if value is None:
            return "no data"
        shown = round(value * self.scale, self.decimals) + 0.0  # + 0.0: no "-0.0"
        number = f"{shown:,.{self.decimals}f}" if self.decimals else f"{int(shown):,}"
        return " ".join(part for part in (number, self.unit, self.context) if part)

    def target_text(self) -> str:
        """"target ≥ 95 %", "target 0", or "" when the KPI has no target."""
        if self.target is None or self.better is None:
            return ""
        shown = round(self.target * self.scale, self.decimals)
        number = f"{shown:,.{self.decimals}f}" if self.decimals else f"{int(shown):,}"
        if self.aggregation == "violations" or (self.target == 0 and self.better == "lower"):
            return "target 0"
        sign = "≥" if self.better == "higher" else "≤"
        return f"target {sign} {number}{' ' + self.unit if self.unit else ''}"


def _items(cell) -> list:
    """The values of a cell: a list cell's items, or the cell itself; missing values dropped."""
    if cell is None or isinstance(cell, str):
        return [] if cell is None else [cell]
    items = list(cell) if hasattr(cell, "__len__") else [cell]
    return [item for item in items if not pd.isna(item)]
