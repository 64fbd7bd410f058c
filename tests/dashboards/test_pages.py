"""The admin command center page and the department feed, through Dash's real dispatch."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from auth_test_support import call, login, make_user, sql_count

from warehouse.events import record_activity

APPLY = "..admin-result.children...admin-form-key.data...admin-refresh.data.."
FEED = "..feed-list.children...feed-cursor.data...feed-pin-signal.data...feed-url.hash.."
PRODUCTION = "/maintenance/AMO1/production"


@pytest.fixture
def admin(app, pg_engine):
    make_user(pg_engine, "boss@amo1.example", "admin")
    client = app.test_client()
    login(client, "boss@amo1.example")
    return client


def _apply(client, dash_app, **values):
    form = {"admin-apply.n_clicks": 1, "admin-form-key.data": "key-1", "admin-refresh.data": 0, **values}
    return call(client, dash_app, APPLY, values=form, changed=["admin-apply.n_clicks"])


def test_admin_disables_a_user_from_the_page(admin, dash_app, pg_engine):
    target = make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    values = {"admin-users.selectedRows": [{"id": target}], "admin-action.value": "user.disable",
              "admin-reason.value": "contract ended"}
    response = _apply(admin, dash_app, **values)
    assert response.status_code == 200
    payload = response.get_json()["response"]
    assert "alice@amo1.example disabled" in str(payload["admin-result"])
    assert payload["admin-form-key"]["data"] != "key-1" and payload["admin-refresh"]["data"] == 1
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE NOT is_active") == 1
    retry = _apply(admin, dash_app, **values)  # the same form submitted twice acts once
    assert "Already done" in str(retry.get_json()["response"]["admin-result"])
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'ADMIN_DISABLE'") == 1
    response = call(admin, dash_app, "admin-timeline.rowData").get_json()["response"]
    timeline = response["admin-timeline"]["rowData"]
    boss = sql_count(pg_engine, "SELECT id FROM users WHERE username = 'boss@amo1.example'")
    assert [(row["action"], row["actor"], row["entity_id"], row["reason"]) for row in timeline] == [
        ("ADMIN_DISABLE", f"[boss@amo1.example](/maintenance/AMO1/admin/users/{boss})",
         f"[{target}](/maintenance/AMO1/admin/users/{target})", "contract ended")]


def test_admin_page_refuses_without_reason_or_selection(admin, dash_app, pg_engine):
    target = make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    no_reason = _apply(admin, dash_app, **{"admin-users.selectedRows": [{"id": target}],
                                           "admin-action.value": "user.disable", "admin-reason.value": ""})
    assert "A reason is required" in no_reason.get_data(as_text=True)
    no_selection = _apply(admin, dash_app,
                          **{"admin-action.value": "user.disable", "admin-reason.value": "x"})
    assert "Select one user first" in no_selection.get_data(as_text=True)
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE NOT is_active") == 0


def test_admin_kpis_and_users_list(admin, dash_app, pg_engine):
    make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    with pg_engine.begin() as connection:
        connection.exec_driver_sql("UPDATE users SET left_at = now() - interval '1 day' "
                                   "WHERE username = 'alice@amo1.example'")
    login(admin.application.test_client(), "alice@amo1.example", "wrong password!")
    kpis_json = call(admin, dash_app, "admin-kpis.children").get_json()
    kpis = str(kpis_json)
    for label in ("Active users", "Sessions now", "Failed logins 24 h", "Leavers still active", "Dormant",
                  "MFA coverage"):
        assert label in kpis
    values = {item["props"]["id"]: item["props"]["children"] for item in _kpi_values(kpis_json)}
    assert values == {"kpi-active": "2", "kpi-disabled": "0", "kpi-sessions_now": "1",
                      "kpi-failed_logins_24h": "1", "kpi-leavers_still_active": "1", "kpi-dormant_90d": "0",
                      "kpi-mfa_coverage_pct": "0"}
    users = call(admin, dash_app, "admin-users.rowData").get_json()["response"]["admin-users"]["rowData"]
    assert {row["username"] for row in users} == {"boss@amo1.example", "alice@amo1.example"}
    assert all("password_hash" not in row and "session_version" not in row for row in users)
    boss = next(row for row in users if row["username"] == "boss@amo1.example")
    assert boss["sessions"] == 1


def test_feed_appends_with_patch_and_resets_a_bad_cursor(app, dash_app, pg_engine, amo_id):
    make_user(pg_engine, "prod@amo1.example", "member", "PROD")
    client = app.test_client()
    login(client, "prod@amo1.example")
    with pg_engine.connect() as connection:
        production = connection.exec_driver_sql("SELECT id FROM departments WHERE code = 'PROD'").scalar_one()

    def event(summary):
        with pg_engine.begin() as connection:
            record_activity(connection, amo_id=amo_id, kind="wo.closed", summary=summary,
                            department_id=production)

    def poll(cursor):
        response = call(client, dash_app, FEED, changed=["feed-interval.n_intervals"],
                        values={"url.pathname": PRODUCTION, "feed-cursor.data": cursor,
                                "feed-chips.value": []})
        assert response.status_code in (200, 204)
        return response.get_json()["response"] if response.status_code == 200 else {"feed-list": ""}

    def poll_until(cursor, expected: str) -> dict:
        """The horizon waits for every older transaction of the cluster, so the event may need a
        few polls to become readable (other suites share this PostgreSQL server)."""
        deadline = time.monotonic() + 60
        while True:
            response = poll(cursor)
            if expected in str(response["feed-list"]) or time.monotonic() > deadline:
                return response
            time.sleep(0.2)

    event("WO-1 closed")
    first = poll_until(None, "WO-1")
    cursor = first["feed-cursor"]["data"]
    assert "WO-1" in str(first["feed-list"]) and {"txid", "id"} <= set(cursor)
    assert poll(cursor) == {"feed-list": ""}  # nothing new: 204, no data sent
    assert "__dash_patch_update" not in str(first["feed-list"])
    event("WO-2 closed")
    second = poll_until(cursor, "WO-2")
    assert "__dash_patch_update" in str(second["feed-list"]) and "WO-2" in str(second["feed-list"])
    assert "WO-1" not in str(second["feed-list"])
    assert second["feed-cursor"]["data"]["id"] > cursor["id"]
    for bad in ({"txid": "x", "id": 1}, {"txid": 0, "id": 10**12}, "garbage", {"txid": -1, "id": 0}):
        reset = poll(bad)
        assert "__dash_patch_update" not in str(reset["feed-list"])
        assert "WO-1" in str(reset["feed-list"]) and "WO-2" in str(reset["feed-list"])


def test_inbox_shows_own_notifications_only(app, dash_app, pg_engine):
    from auth.command_center import Actor, perform
    alice = make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    bob = make_user(pg_engine, "bob@amo1.example", "member", "PROD")
    system = Actor.system("https://amoscope.example")
    perform(pg_engine, system, "user.notify", alice, "x", params={"subject": "For Alice", "body": "a"})
    perform(pg_engine, system, "user.notify", bob, "x", params={"subject": "For Bob", "body": "<b>b</b>"})
    client = app.test_client()
    login(client, "bob@amo1.example")
    text = call(client, dash_app, "..inbox-list.children...inbox-state.data..").get_data(as_text=True)
    assert "For Bob" in text and "For Alice" not in text


def _kpi_values(node):
    """The KPI value components (id ``kpi-…``) anywhere in a callback response."""
    if isinstance(node, dict):
        if str(node.get("props", {}).get("id", "")).startswith("kpi-"):
            yield node
        for value in node.values():
            yield from _kpi_values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _kpi_values(value)


def test_admin_schedules_and_cancels_from_the_page(admin, dash_app, pg_engine):
    target = make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    when = (datetime.now(UTC) + timedelta(days=30)).replace(second=0, microsecond=0)
    scheduled = _apply(admin, dash_app, **{
        "admin-users.selectedRows": [{"id": target}], "admin-action.value": "user.schedule",
        "admin-reason.value": "contract ends", "admin-scheduled-action.value": "disable",
        "admin-run-at.value": when.strftime("%Y-%m-%dT%H:%M")})
    expected = f"Disable of alice@amo1.example scheduled for {when:%Y-%m-%d %H:%M} UTC"
    assert expected in scheduled.get_data(as_text=True)
    response = call(admin, dash_app, "admin-schedules.rowData").get_json()["response"]
    rows = response["admin-schedules"]["rowData"]
    assert [(row["action"], row["target"]) for row in rows] == [("disable", "alice@amo1.example")]
    bad_time = _apply(admin, dash_app, **{
        "admin-users.selectedRows": [{"id": target}], "admin-action.value": "user.schedule",
        "admin-reason.value": "x", "admin-scheduled-action.value": "disable", "admin-run-at.value": "soon",
        "admin-form-key.data": "key-2"})
    assert "date and time" in bad_time.get_data(as_text=True)
    cancelled = _apply(admin, dash_app, **{
        "admin-schedules.selectedRows": [{"id": rows[0]["id"]}], "admin-action.value": "user.cancel_schedule",
        "admin-reason.value": "extended", "admin-form-key.data": "key-3"})
    assert "cancelled" in cancelled.get_data(as_text=True)
    assert sql_count(pg_engine, "SELECT count(*) FROM scheduled_actions WHERE status = 'CANCELLED'") == 1


def test_the_admin_grids_are_headed_in_words(admin, dash_app):
    """Column titles read as words ("Last login (UTC)"), not as the field names behind them."""
    response = call(admin, dash_app, "page-content.children",
                    values={"url.pathname": "/maintenance/AMO1/admin", "url.search": ""})
    text = response.get_data(as_text=True)
    headers = re.findall(r'"headerName":\s*"([^"]+)"', text)
    assert {"Name", "Active", "Last login (UTC)", "Record type", "When (UTC)"} <= set(headers)
    assert len(re.findall(r'"field":', text)) == len(headers)  # every column has its words
    assert not [header for header in headers if "_" in header]
