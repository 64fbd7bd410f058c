"""The repeat defects notebook: its report rates, repeat groups, rectifications without a part and
MTBUR agree with the defects, task cards, part movements, removals and utilisation read directly."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from tests.notebooks.conftest import number, printed


def _at(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(frame[column], utc=True, format="ISO8601")


def test_repeat_defects_and_mtbur(demo, execute):
    out = printed(execute("repeat_defects"))
    now = datetime.now(UTC)
    year_ago = now - pd.DateOffset(months=12)
    defects = demo.sql("SELECT d.*, a.registration, a.amo_id FROM defects d "
                       "JOIN aircraft a ON a.id = d.aircraft_id WHERE d.voided_at IS NULL")
    defects["reported"] = _at(defects, "reported_at")

    grouped = defects[defects["repeat_group_id"].notna()]
    recent = grouped.loc[grouped["reported"] >= year_ago, "repeat_group_id"].unique()
    active = grouped[grouped["repeat_group_id"].isin(recent)]
    ranking = active.groupby("registration")["repeat_group_id"].nunique().reset_index().sort_values(
        ["repeat_group_id", "registration"], ascending=[False, True])
    registration = ranking["registration"].iloc[0]
    mine = active[active["registration"] == registration]
    amo_id = int(mine["amo_id"].iloc[0])

    month_start = (now - pd.DateOffset(months=11)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    pireps = defects[(defects["amo_id"] == amo_id) & (defects["source"] == "PIREP")
                     & (defects["reported"] >= month_start)]
    use = demo.sql("SELECT u.day, u.fh FROM aircraft_utilisation u JOIN aircraft a ON a.id = u.aircraft_id "
                   "WHERE a.amo_id = :amo", amo=amo_id)
    days = pd.to_datetime(use["day"])
    today = pd.Timestamp(now.date())
    fleet_fh = use.loc[(days >= month_start.tz_localize(None)) & (days <= today), "fh"].sum()
    chapters, hours = number(r"PIREP rates of (\d+) ATA chapters over ([\d,]+) fleet flight", out["alerts"])
    assert int(chapters) == pireps["ata_chapter"].nunique()
    assert hours == f"{fleet_fh:,.0f}"

    cards = demo.sql("SELECT id, source, source_ref FROM task_cards WHERE voided_at IS NULL")
    moves = demo.sql("SELECT task_card_id FROM part_movements WHERE task_card_id IS NOT NULL")
    with_parts = set(moves["task_card_id"])
    without = 0
    for defect in mine[mine["rectified_at"].notna()].itertuples():
        rectifying = (cards["id"] == defect.rectification_task_card_id) | (
            (cards["source"] == "DEFECT") & (cards["source_ref"] == defect.defect_no))
        used = set(cards.loc[rectifying, "id"])
        without += not (used & with_parts)
    assert out["repeats"].startswith(
        f"{registration}: {mine['repeat_group_id'].nunique()} repeat groups with {len(mine)} defects active "
        f"in the last 12 months; {without} of them were rectified without a part replaced")

    plane = int(mine["aircraft_id"].iloc[0])
    components = demo.sql("SELECT id, part_no, description, qpa, installed_aircraft_id FROM components "
                          "WHERE voided_at IS NULL")
    installed = components[components["installed_aircraft_id"] == plane]
    removals = demo.sql("SELECT r.component_id, r.aircraft_id, r.removed_at FROM component_removals r "
                        "JOIN aircraft a ON a.id = r.aircraft_id WHERE a.amo_id = :amo AND r.is_unscheduled "
                        "AND r.voided_at IS NULL", amo=amo_id)
    removals = removals[_at(removals, "removed_at") > now - pd.DateOffset(months=12)].merge(
        components[["id", "part_no", "qpa"]], left_on="component_id", right_on="id")
    year_fh = use.loc[(days > today - pd.DateOffset(months=12)) & (days <= today), "fh"].sum()
    per_part = removals.groupby("part_no").agg(removals=("id", "size"), qpa=("qpa", "max"))
    per_part["mtbur"] = (year_fh * per_part["qpa"] / per_part["removals"]).round(1)
    rated = per_part[per_part.index.isin(installed["part_no"])].sort_values("mtbur")
    expected = (f"{len(installed)} components ({installed['part_no'].nunique()} part numbers) installed on "
                f"{registration}; {len(rated)} part numbers had unscheduled removals across the fleet in 12 "
                "months")
    assert out["mtbur"].startswith(expected)
    if len(rated):
        lowest = rated.index[0]
        description = installed.loc[installed["part_no"] == lowest, "description"].iloc[0]
        hours = f"{rated['mtbur'].iloc[0]:,.0f}"
        assert f"the shortest MTBUR: {lowest} ({description}), {hours} FH" in out["mtbur"]
    own = int((removals["aircraft_id"] == plane).sum())
    assert f"; {own} unscheduled removals from {registration} itself" in out["mtbur"]
