"""The routing table with path parameters: role × route × own/foreign/unknown id → status, the
same answer drawn inside the shell by the router, identical answers for another AMO's id and an
id that does not exist, checked path parameters, and earlier link forms redirected."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from auth_test_support import call, login, make_amo, make_user

from dashboards.routes import ROUTES
from warehouse.schema import departments, findings

PEOPLE = {  # username → (role, department)
    "root@amo1.example": ("superuser", None),
    "boss@amo1.example": ("admin", None),
    "qa@amo1.example": ("quality", None),
    "audit@amo1.example": ("auditor", None),
    "prod@amo1.example": ("member", "PROD"),
    "stores@amo1.example": ("member", "STOR"),
}
ROUTER = "page-content.children"
UNKNOWN_ID = 987654321


def _finding(engine, amo_id: int, number: str) -> int:
    with engine.begin() as connection:
        prod = connection.execute(sa.select(departments.c.id).where(
            departments.c.amo_id == amo_id, departments.c.code == "PROD")).scalar_one()
        return connection.execute(findings.insert().values(
            amo_id=amo_id, finding_no=number, source="INTERNAL_AUDIT", level="L2", regulation_ref="145.A.30",
            department_id=prod, description="Tool control lapse", raised_at=datetime.now(UTC), status="OPEN",
        ).returning(findings.c.id)).scalar_one()


@pytest.fixture
def world(app, pg_engine, amo_id):
    """Six signed-in users of AMO1; a user and a finding in AMO1 (PROD) and in AMO2."""
    clients = {}
    for n, (username, (role, department)) in enumerate(PEOPLE.items()):
        make_user(pg_engine, username, role, department)
        client = app.test_client()
        assert login(client, username, environ_base={"REMOTE_ADDR": f"10.3.0.{n + 1}"}).status_code == 303
        clients[username] = client
    other_amo = make_amo(pg_engine, "AMO2")
    ids = {
        "user_id": {"own": make_user(pg_engine, "alice@amo1.example", "member", "PROD"),
                    "foreign": make_user(pg_engine, "eve@amo2.example", "member", "PROD", amo="AMO2")},
        "id": {"own": _finding(pg_engine, amo_id, "F-0001"),
               "foreign": _finding(pg_engine, other_amo, "F-9001")},
    }
    return clients, ids


def _path(pattern: str, ids: dict, which: str) -> str:
    """A concrete path of ``pattern`` naming the own, foreign or unknown object."""
    parts = []
    for part in pattern.split("/"):
        if part == "<entity_type>":
            parts.append("findings")
        elif part.startswith("<"):
            parts.append(str(UNKNOWN_ID if which == "unknown" else ids[part.strip("<>")][which]))
        else:
            parts.append(part)
    return "/maintenance/AMO1/" + "/".join(parts)


def _expected(role: str, department: str | None, pattern: str, which: str) -> int:
    """Written out from the policy, independently of the code under test."""
    admins = role in {"superuser", "admin"}
    if pattern.startswith("admin/users") and not admins:
        return 403
    if which != "own":
        return 404
    if pattern == "<entity_type>/<id>" and role == "member" and department != "PROD":
        return 403  # a PROD finding; findings drill from QUAL only, so STOR is out of scope
    return 200


def _drawn(client, dash_app, path: str) -> str:
    response = call(client, dash_app, ROUTER, values={"url.pathname": path})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_role_route_id_matrix(world, dash_app):
    clients, ids = world
    patterns = [pattern for pattern in ROUTES if "<id>" in pattern or "<user_id>" in pattern]
    assert patterns
    for username, client in clients.items():
        role, department = PEOPLE[username]
        for pattern in patterns:
            answers = {}
            for which in ("own", "foreign", "unknown"):
                path = _path(pattern, ids, which)
                status = client.get(path).status_code
                assert status == _expected(role, department, pattern, which), (username, path)
                drawn = _drawn(client, dash_app, path)
                if status == 200:
                    assert "page-status-" not in drawn, (username, path)
                else:
                    assert f"page-status-{status}" in drawn, (username, path)
                answers[which] = (status, drawn)
            assert answers["foreign"] == answers["unknown"], (username, pattern)


def test_another_amos_path_is_refused_whatever_it_names(world):
    clients, ids = world
    client = clients["boss@amo1.example"]
    for path in ("admin", f"findings/{ids['id']['foreign']}", f"findings/{UNKNOWN_ID}", "findings"):
        assert client.get(f"/maintenance/AMO2/{path}").status_code == 403, path


@pytest.mark.parametrize("rest", ["findings/0", "findings/007", "findings/x", "findings/-3", "findings/1/2",
                                  "nonsense/1", "nonsense", "Findings/1", "findings/" + "9" * 19,
                                  "findings/%C2%B2"])
def test_bad_path_parameters_are_not_found(world, dash_app, rest):
    clients, _ids = world
    client = clients["boss@amo1.example"]
    response = client.get(f"/maintenance/AMO1/{rest}")
    assert response.status_code == 404
    assert "_dash-config" in response.get_data(as_text=True)  # drawn inside the shell
    assert "page-status-404" in _drawn(client, dash_app, f"/maintenance/AMO1/{rest}")


def test_earlier_link_forms_redirect_to_their_route(world):
    clients, ids = world
    client = clients["qa@amo1.example"]
    own = ids["id"]["own"]
    redirects = {
        f"/maintenance/AMO1/records?kind=findings&ids={own},5&kpi=open_findings":
            f"/maintenance/AMO1/findings?ids={own}%2C5&kpi=open_findings",
        f"/maintenance/AMO1/entity?type=findings&id={own}": f"/maintenance/AMO1/findings/{own}",
        "/maintenance/AMO1/auditor": "/maintenance/AMO1/console",
    }
    for old, new in redirects.items():
        response = client.get(old)
        assert response.status_code == 302 and response.headers["Location"] == new, old
    assert client.get(f"/maintenance/AMO1/findings/{own}").status_code == 200
    for broken in ("/maintenance/AMO1/records?kind=nope", "/maintenance/AMO1/entity?type=findings&id=x"):
        assert client.get(broken).status_code == 404, broken
