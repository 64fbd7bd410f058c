"""The users list (filters, paging, AMO boundary) and the user page (facts, histories, the action
panel with its reason, confirmation dialog, audit entry and cleared form), through Dash's real
dispatch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from auth_test_support import call, login, make_amo, make_user, sql_count

USERS = ("..users-table.children...users-summary.children...users-location.search...users-page.data..."
         "users-previous.disabled...users-next.disabled..")
ACT = ("..user-confirm-dialog.is_open...user-confirm-text.children...user-result.children..."
       "user-reason.value...user-subject.value...user-body.value...user-form-key.data...user-refresh.data..")
ACCOUNT = "..user-account-list.children...user-account-cursor.data...user-account-more.disabled.."


@pytest.fixture
def admin(app, pg_engine):
    make_user(pg_engine, "boss@amo1.example", "admin")
    client = app.test_client()
    login(client, "boss@amo1.example")
    return client


def _list(client, dash_app, changed=None, **filters):
    values = {"users-search.value": "", "users-role.value": "any", "users-department.value": "any",
              "users-status.value": "any", "users-login.value": "any", "users-page.data": 1, **filters}
    response = call(client, dash_app, USERS, values=values, changed=changed or list(filters)[:1])
    assert response.status_code == 200
    return response.get_json()["response"]


def test_users_list_filters_pages_and_stays_in_the_amo(admin, dash_app, pg_engine):
    for n in range(30):
        make_user(pg_engine, f"tech{n:02d}@amo1.example", "member", "PROD")
    make_user(pg_engine, "qa.lead@amo1.example", "quality")
    make_amo(pg_engine, "AMO2")
    make_user(pg_engine, "tech99@amo2.example", "member", "PROD", amo="AMO2")
    first = _list(admin, dash_app)
    assert first["users-summary"]["children"] == "32 users · page 1 of 2"
    assert first["users-previous"]["disabled"] is True and first["users-next"]["disabled"] is False
    second = _list(admin, dash_app, **{"users-next.n_clicks": 1})
    assert second["users-summary"]["children"] == "32 users · page 2 of 2"
    assert second["users-location"]["search"] == "?page=2"
    assert "amo2" not in str(first) + str(second)
    found = _list(admin, dash_app, **{"users-search.value": "TECH0"})
    assert found["users-summary"]["children"].startswith("10 users")
    assert found["users-location"]["search"] == "?q=TECH0"
    quality = _list(admin, dash_app, **{"users-role.value": "quality", "users-department.value": "QUAL"})
    assert quality["users-summary"]["children"].startswith("1 user ")
    assert "qa.lead@amo1.example" in str(quality["users-table"])
    assert quality["users-location"]["search"] == "?role=quality&department=QUAL"
    nobody = _list(admin, dash_app, **{"users-status.value": "disabled", "users-role.value": "'; DROP"})
    assert "No user matches" in str(nobody["users-table"])
    never = _list(admin, dash_app, **{"users-login.value": "never"})
    assert never["users-summary"]["children"].startswith("31 users")  # all but the signed-in admin


def _act(client, dash_app, pathname, trigger, **values):
    form = {"url.pathname": pathname, "user-action.value": "user.disable", "user-form-key.data": "key-7",
            "user-refresh.data": 0, f"{trigger}.n_clicks": 1, **values}
    response = call(client, dash_app, ACT, values=form, changed=[f"{trigger}.n_clicks"])
    assert response.status_code == 200
    return response.get_json()["response"]


def test_user_page_disables_with_a_reason_after_confirmation(admin, dash_app, pg_engine):
    target = make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    page = f"/maintenance/AMO1/admin/users/{target}"
    facts = call(admin, dash_app, "user-facts.children", values={"url.pathname": page}).get_data(as_text=True)
    assert "alice@amo1.example" in facts and "Department member" in facts and "Active" in facts
    no_reason = _act(admin, dash_app, page, "user-apply", **{"user-reason.value": "  "})
    assert no_reason["user-confirm-dialog"]["is_open"] is False and "Give a reason" in str(no_reason)
    asked = _act(admin, dash_app, page, "user-apply", **{"user-reason.value": "contract ended"})
    assert asked["user-confirm-dialog"]["is_open"] is True
    assert "Disable the account" in str(asked["user-confirm-text"]) and "contract ended" in str(asked)
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE NOT is_active") == 0  # nothing yet
    done = _act(admin, dash_app, page, "user-confirm", **{"user-reason.value": "contract ended"})
    assert done["user-confirm-dialog"]["is_open"] is False
    assert "alice@amo1.example disabled" in str(done["user-result"])
    audit_id = sql_count(pg_engine, "SELECT id FROM audit_events WHERE action = 'ADMIN_DISABLE'")
    result = str(done["user-result"])
    assert f"Audit entry {audit_id}" in result and "contract ended" in result
    assert done["user-reason"]["value"] == "" and done["user-form-key"]["data"] != "key-7"
    assert done["user-refresh"]["data"] == 1
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE NOT is_active") == 1
    history = str(call(admin, dash_app, ACCOUNT, values={"url.pathname": page}).get_json())
    assert "disabled" in history and "contract ended" in history
    boss = sql_count(pg_engine, "SELECT id FROM users WHERE username = 'boss@amo1.example'")
    assert f"'href': '/maintenance/AMO1/admin/users/{boss}'" in history  # the actor links to their page


def test_user_page_of_another_amo_acts_on_nobody(admin, dash_app, pg_engine):
    make_amo(pg_engine, "AMO2")
    stranger = make_user(pg_engine, "eve@amo2.example", "member", "PROD", amo="AMO2")
    page = f"/maintenance/AMO1/admin/users/{stranger}"
    assert admin.get(page).status_code == 404
    facts = call(admin, dash_app, "user-facts.children", values={"url.pathname": page}).get_data(as_text=True)
    assert "eve@amo2.example" not in facts and "no such user" in facts
    refused = _act(admin, dash_app, page, "user-confirm", **{"user-reason.value": "hostile"})
    assert "no user with id" in str(refused["user-result"])
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE NOT is_active") == 0


def test_user_page_sends_a_message_and_schedules_an_action(admin, dash_app, pg_engine):
    target = make_user(pg_engine, "alice@amo1.example", "member", "PROD")
    page = f"/maintenance/AMO1/admin/users/{target}"
    sent = _act(admin, dash_app, page, "user-confirm", **{
        "user-action.value": "user.notify", "user-reason.value": "audit next week",
        "user-subject.value": "Audit on Monday", "user-body.value": "Please bring your licence."})
    assert sent["user-subject"]["value"] == "" and sent["user-body"]["value"] == ""
    assert sql_count(pg_engine, "SELECT count(*) FROM notifications WHERE subject = 'Audit on Monday'") == 1
    run_at = (datetime.now(UTC) + timedelta(days=30)).replace(second=0, microsecond=0)
    scheduled = _act(admin, dash_app, page, "user-confirm", **{
        "user-action.value": "user.schedule", "user-reason.value": "contract ends",
        "user-form-key.data": "key-8", "user-scheduled-action.value": "disable",
        "user-run-at.value": f"{run_at:%Y-%m-%dT%H:%M}"})
    assert "Audit entry" in str(scheduled["user-result"])
    assert sql_count(pg_engine, "SELECT count(*) FROM scheduled_actions WHERE action = 'disable' "
                                "AND run_at = :run_at", run_at=run_at) == 1
    assert sql_count(pg_engine, "SELECT count(*) FROM users WHERE NOT is_active") == 0
