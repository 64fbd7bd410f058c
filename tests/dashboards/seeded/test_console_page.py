"""The auditors' console page over the seeded archive: only auditors (and admins) reach it, a
SELECT comes back in a grid with its row count and truncated flag, anything else is refused
with the warehouse's message, and every query is audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from auth_test_support import call, login, make_app

from tests.dashboards.seeded_support import AMO, USERS, result_rows, result_token

RESULT = "console-result.children"



def _client(app, username: str, n: int):
    client = app.test_client()
    assert login(client, username, environ_base={"REMOTE_ADDR": f"10.9.0.{n}"}).status_code == 303
    return client


@pytest.fixture(scope="module")
def clients(app):
    return {username: _client(app, username, n + 1) for n, username in enumerate(USERS)}


def _run(client, dash_app, sql):
    return call(client, dash_app, RESULT, values={"console-run.n_clicks": 1, "console-sql.value": sql})


def _console_audits(world, email: str) -> list[dict]:
    with world.engine.connect() as connection:
        return [dict(row) for row in connection.execute(sa.text(
            "SELECT a.outcome, a.reason, a.after FROM audit_events a JOIN users u ON u.id = a.actor_user_id "
            "WHERE a.action = 'CONSOLE_QUERY' AND u.email = :email ORDER BY a.id"),
            {"email": email}).mappings()]


def test_non_auditors_are_refused_the_page_and_the_callback(world, clients, dash_app):
    for username in ("qa@nam.example", "prod@nam.example"):
        client = clients[username]
        assert client.get(f"/maintenance/{AMO}/console").status_code == 403
        assert _run(client, dash_app, "SELECT 1 AS one").status_code == 403
        assert _console_audits(world, username) == []
    assert clients["audit@nam.example"].get(f"/maintenance/{AMO}/console").status_code == 200


def test_an_auditor_runs_a_select_and_it_is_audited(world, clients, dash_app):
    before = len(_console_audits(world, "audit@nam.example"))
    response = _run(clients["audit@nam.example"], dash_app,
                    "SELECT action, count(*) AS events FROM audit_events GROUP BY action ORDER BY action")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "console-grid" in text and "console-truncated" not in text
    rows = result_rows(clients["audit@nam.example"], dash_app, result_token(response))
    assert [row["c0"] for row in rows["rowData"]] == sorted(row["c0"] for row in rows["rowData"])
    assert {"CREATE", "STATE_CHANGE"} <= {row["c0"] for row in rows["rowData"]}
    audits = _console_audits(world, "audit@nam.example")
    assert len(audits) == before + 1 and audits[-1]["outcome"] == "SUCCESS"


@pytest.mark.parametrize("sql", ["DROP TABLE audit_events", "SELECT 1; SELECT 2",
                                 "COPY audit_events TO '/tmp/out.csv'"])
def test_anything_but_one_select_is_refused_with_a_message_and_audited(world, clients, dash_app, sql):
    before = len(_console_audits(world, "audit@nam.example"))
    text = _run(clients["audit@nam.example"], dash_app, sql).get_data(as_text=True)
    assert "console-error" in text and "console-grid" not in text
    audits = _console_audits(world, "audit@nam.example")
    assert len(audits) == before + 1 and audits[-1]["outcome"] != "SUCCESS"


def test_empty_or_oversized_sql_gets_a_clear_message(clients, dash_app):
    for sql in ("", "   ", None, "SELECT " + "1" * 20_001):
        text = _run(clients["audit@nam.example"], dash_app, sql).get_data(as_text=True)
        assert "Write one SELECT statement" in text


def test_a_result_over_the_row_limit_shows_the_truncated_flag(world):
    app = make_app(world.settings.replace(console_row_limit=3), world.engine)
    client = _client(app, "audit@nam.example", 99)
    text = _run(client, app.extensions["dash_app"], "SELECT id FROM audit_events").get_data(as_text=True)
    assert "console-truncated" in text and "3 rows" in text
