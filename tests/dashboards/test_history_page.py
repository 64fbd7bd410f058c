"""The activity history page through Dash's real dispatch: keyset blocks for the infinite grid
(in order and out of order), filters, another AMO's events never shown, and exports that hold
exactly the filtered events, audited as EXPORT."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import pytest
from auth_test_support import call, login, make_amo, make_user, sql_count

ROWS = "..history-grid.getRowsResponse...history-cursors.data...history-problem.children.."
EXPORT = "..history-download.data...history-export-problem.children.."


@pytest.fixture
def auditor(app, pg_engine, amo_id):
    make_user(pg_engine, "audit@amo1.example", "auditor")
    other = make_amo(pg_engine, "AMO2")
    with pg_engine.begin() as connection:
        for amo, count, reason in ((amo_id, 1_234, "routine check"), (other, 50, "secret of AMO2")):
            connection.exec_driver_sql(
                "INSERT INTO audit_events "
                "(event_id, occurred_at, amo_id, action, entity_type, entity_id, reason) "
                "SELECT gen_random_uuid()::text, now() - n * interval '1 minute', %s, "
                "CASE WHEN n %% 10 = 0 THEN 'EXPORT' ELSE 'VIEW' END, 'cars', (n %% 7)::text, %s "
                "FROM generate_series(1, %s) AS n", (amo, reason, count))
    client = app.test_client()
    login(client, "audit@amo1.example")
    return client


def _block(client, dash_app, start, end, search="", cursors=None):
    values = {"history-grid.getRowsRequest": {"startRow": start, "endRow": end},
              "history-location.search": search, "history-cursors.data": cursors or {}}
    response = call(client, dash_app, ROWS, values=values)
    assert response.status_code == 200
    payload = response.get_json()["response"]
    return payload["history-grid"]["getRowsResponse"], payload["history-cursors"]["data"]


def test_blocks_are_keyset_pages_in_order_and_out_of_order(auditor, dash_app, pg_engine):
    total = sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE amo_id = "
                                 "(SELECT id FROM amos WHERE code = 'AMO1')")
    seen, cursors, start = [], {}, 0
    while True:
        response, cursors = _block(auditor, dash_app, start, start + 100, cursors=cursors)
        seen += [row["id"] for row in response["rowData"]]
        if response["rowCount"] is not None:
            assert response["rowCount"] == len(seen)
            break
        start += 100
    assert len(seen) == len(set(seen)) == total  # every event once, none of AMO2's
    assert "secret of AMO2" not in str(response)
    jumped, _ = _block(auditor, dash_app, 700, 800)  # no cursor known: walks forward from the top
    assert [row["id"] for row in jumped["rowData"]] == seen[700:800]


def test_filters_and_exports_hold_exactly_the_filtered_events(auditor, dash_app, pg_engine):
    search = "?" + urlencode({"action": "EXPORT", "entity_id": "3"})
    response, _ = _block(auditor, dash_app, 0, 100, search=search)
    expected = sql_count(pg_engine, "SELECT count(*) FROM audit_events a JOIN amos m ON m.id = a.amo_id "
                                    "WHERE m.code = 'AMO1' AND a.action = 'EXPORT' AND a.entity_id = '3'")
    assert expected > 0 and response["rowCount"] == expected
    assert all(row["what"] == "exported" for row in response["rowData"])
    before = sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'EXPORT'")
    result = call(auditor, dash_app, EXPORT, values={"history-export-csv.n_clicks": 1,
                                                     "history-location.search": search},
                  changed=["history-export-csv.n_clicks"]).get_json()["response"]
    header, *rows = list(csv.reader(io.StringIO(result["history-download"]["data"]["content"])))
    assert header == ["id", "when", "who", "what", "record", "department", "reason"]
    assert len(rows) == expected and {row[3] for row in rows} == {"exported"}
    assert sql_count(pg_engine, "SELECT count(*) FROM audit_events WHERE action = 'EXPORT'") == before + 1
    audit = sql_count(pg_engine, "SELECT after::text FROM audit_events WHERE action = 'EXPORT' "
                                 "ORDER BY id DESC LIMIT 1")
    assert f'"rows": {expected}' in audit and '"format": "csv"' in audit
