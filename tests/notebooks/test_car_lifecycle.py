"""The CAR lifecycle notebook: its outcome counts, extensions, step-by-step reconstruction and
as-of state agree with the CAR rows and audit events read directly."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pandas as pd

from tests.notebooks.conftest import number, printed


def _outcomes(cars: pd.DataFrame, today: date) -> pd.Series:
    final = cars["extended_due_date"].fillna(cars["due_date"])
    closed = cars["closed_at"].str[:10]
    outcome = pd.Series("open, not yet due", index=cars.index)
    outcome[closed.isna() & (final < str(today))] = "open and overdue"
    outcome[closed.notna() & (closed <= cars["due_date"])] = "closed on time"
    outcome[closed.notna() & (closed > cars["due_date"]) & (closed <= final)] = "closed after an extension"
    outcome[closed.notna() & (closed > final)] = "closed late"
    return outcome


def test_car_lifecycle_agrees_with_the_records_and_the_trail(demo, execute):
    today = datetime.now(UTC).date()
    start = today.replace(year=today.year - 2)
    cars = demo.sql("SELECT * FROM cars WHERE voided_at IS NULL")
    late = cars[cars["extension_count"].gt(0) & (cars["closed_at"].str[:10] > cars["extended_due_date"])]
    chosen = late.sort_values("created_at").iloc[-1]
    out = printed(execute("car_lifecycle", CAR=chosen["car_no"]))

    mine = cars[(cars["amo_id"] == chosen["amo_id"]) & (cars["created_at"].str[:10] >= str(start))]
    outcomes = _outcomes(mine, today).value_counts()
    code = demo.sql("SELECT code FROM amos WHERE id = :id", id=int(chosen["amo_id"]))["code"].iloc[0]
    assert out["overview"].startswith(
        f"{code}: {len(mine)} CARs raised since {start}: {outcomes.get('closed on time', 0)} closed on time, "
        f"{outcomes.get('closed after an extension', 0)} closed after an extension, "
        f"{outcomes.get('closed late', 0)} closed late, "
        f"{outcomes.get('open and overdue', 0)} open and overdue, "
        f"{outcomes.get('open, not yet due', 0)} open and not yet due; "
        f"{int((mine['extension_count'] > 0).sum())} extended at least once")

    events = demo.audit_events()
    car_events = events[(events["entity_type"] == "cars") & events["entity_id"].isin(mine["id"].astype(str))]
    extensions = car_events[(car_events["action"] == "UPDATE") & car_events["changed_fields"].map(
        lambda text: isinstance(text, str) and "extension_count" in json.loads(text))]
    count, extended_cars = map(int, number(r"(\d+) extensions of (\d+) CARs", out["extensions"]))
    assert count == len(extensions) == int(mine["extension_count"].sum())
    assert extended_cars == extensions["entity_id"].nunique()

    of_car = (events["entity_type"] == "cars") & (events["entity_id"] == str(chosen["id"]))
    of_finding = (events["entity_type"] == "findings") & (events["entity_id"] == str(chosen["finding_id"]))
    trail = events[of_car | of_finding]
    finding = demo.sql("SELECT * FROM findings WHERE id = :id", id=int(chosen["finding_id"])).iloc[0]
    closed = date.fromisoformat(chosen["closed_at"][:10])
    days_late = (closed - date.fromisoformat(chosen["extended_due_date"])).days
    assert out["lifecycle"].startswith(
        f"{chosen['car_no']} (finding {finding['finding_no']}, {finding['level']}, ")
    first, last = trail["occurred_at"].min(), trail["occurred_at"].max()
    assert (f"{len(trail)} steps from {first:%Y-%m-%d} to {last:%Y-%m-%d}; due {chosen['due_date']}, "
            f"extended {chosen['extension_count']}× to {chosen['extended_due_date']}; "
            f"closed {closed}, {days_late} days after its final due date") in out["lifecycle"]

    moment = datetime.combine(date.fromisoformat(chosen["due_date"]), time.max, UTC)
    then = json.loads(trail[(trail["entity_type"] == "cars") & (trail["occurred_at"] <= moment)
                            & trail["after"].notna()].iloc[-1]["after"])
    due_then = then["extended_due_date"] or then["due_date"]
    assert out["as-of"].startswith(f"On {chosen['due_date']} {chosen['car_no']} was {then['status']} "
                                   f"with due date {due_then} and {then['extension_count']} extension(s)")
    overdue_next_day = then["status"] != "CLOSED" and due_then < chosen["due_date"]
    assert ("the overdue-CARs KPI listed it" if overdue_next_day else "did not list it") in out["as-of"]
