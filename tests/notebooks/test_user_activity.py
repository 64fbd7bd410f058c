"""The user activity notebook finds a night's export burst and session revocation that only the
hot tail holds, beside the archived history, and its counts match the events read directly."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pandas as pd

from tests.notebooks.conftest import EXPORT_BURST, number, printed


def _window() -> tuple[datetime, datetime]:
    today = datetime.now(UTC).date()
    return (datetime.combine(today - timedelta(days=89), time.min, UTC),
            datetime.combine(today + timedelta(days=1), time.min, UTC))


def _burst_members(moments: list[pd.Timestamp], minutes: int, count: int) -> int:
    """How many events lie in some window of ``minutes`` holding ``count`` or more (brute force)."""
    span = pd.Timedelta(minutes=minutes)
    members = set()
    for start in moments:
        inside = [i for i, moment in enumerate(moments) if start <= moment <= start + span]
        if len(inside) >= count:
            members.update(inside)
    return len(members)


def test_user_activity_sees_archive_and_hot_tail(demo, execute):
    suspect = demo.suspect
    out = printed(execute("user_activity", USER=suspect["username"]))
    assert out["user"].startswith(f"Investigating {suspect['full_name']} ({suspect['username']}, ")

    since, until = _window()
    events = demo.audit_events()
    window = events[(events["occurred_at"] >= since) & (events["occurred_at"] < until)]
    mine = window[window["actor_user_id"] == suspect["id"]]
    audit, _activity = number(r"(\d+) audit events and (\d+) activity events by", out["did"])
    assert int(audit) == len(mine)
    assert mine["occurred_at"].min() < datetime.now(UTC) - timedelta(days=30)  # some only archived

    admin = demo.admin["full_name"]
    assert f"{demo.night + timedelta(minutes=25):%Y-%m-%d %H:%M} ADMIN_REVOKE by {admin}: Sessions revoked" \
        in out["account"]

    actions = mine["action"]
    privileged = mine[actions.str.startswith("ADMIN_") | actions.isin(["VOID", "CONSOLE_QUERY"])]
    hours = privileged["occurred_at"].dt
    late = ((hours.hour < 7) | (hours.hour >= 19) | (hours.day_of_week >= 5)).sum()
    late_count, total = number(r"(\d+) of (\d+) privileged actions", out["off-hours"])
    assert (int(late_count), int(total)) == (late + 1, len(privileged) + 1)  # + the revocation at 02:35
    assert f"{demo.night + timedelta(minutes=25):%a %Y-%m-%d %H:%M} ADMIN_REVOKE to their account" \
        in out["off-hours"]

    reads = mine[mine["action"].isin(["VIEW", "EXPORT", "DOWNLOAD"])].sort_values("occurred_at")
    bursts, in_bursts, all_reads = map(int, number(r"(\d+) bursts: (\d+) of (\d+) views", out["bursts"]))
    assert all_reads == len(reads)
    assert in_bursts == _burst_members(reads["occurred_at"].tolist(), 10, 10) >= EXPORT_BURST
    assert bursts >= 1
    assert f"{demo.night:%Y-%m-%d %H:%M}-{demo.night + timedelta(seconds=30 * (EXPORT_BURST - 1)):%H:%M}: " \
           f"{EXPORT_BURST} events (0 views, {EXPORT_BURST} exports, 0 downloads)" in out["bursts"]


def test_the_busiest_user_is_chosen_without_a_user(demo, execute):
    out = printed(execute("user_activity", WINDOW_DAYS="7"))
    today = datetime.now(UTC).date()
    events = demo.audit_events()
    week = events[(events["occurred_at"] >= datetime.combine(today - timedelta(days=6), time.min, UTC))]
    noteworthy = week[week["action"].str.startswith("ADMIN_") | week["action"].isin(
        ["VOID", "CONSOLE_QUERY", "VIEW", "EXPORT", "DOWNLOAD"])]
    busiest = int(noteworthy["actor_user_id"].dropna().astype(int).value_counts().index[0])
    name = demo.sql("SELECT full_name FROM users WHERE id = :id", id=busiest)["full_name"].iloc[0]
    assert out["user"].startswith(f"Investigating {name} (")
