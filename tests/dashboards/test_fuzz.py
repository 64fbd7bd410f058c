"""Hypothesis over every public endpoint and every Dash callback, per role: whatever arrives,
the answer is never a 500 (an unhandled exception is one) and never a traceback (checklist G54's
fuzzing figure: 10,000 examples in all, through the real app in-process)."""

from __future__ import annotations

import json
import string
from urllib.parse import quote

import pytest
from auth_test_support import callback_body, csrf_of, login, make_user
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auth.policy import ROLES, may_call
from dashboards.routes import ROUTES

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
FUZZ = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
PEOPLE = {"superuser": ("root@amo1.example", None), "admin": ("boss@amo1.example", None),
          "quality": ("qa@amo1.example", None), "auditor": ("audit@amo1.example", None),
          "member": ("prod@amo1.example", "PROD")}

# Text an attacker would try: control characters, NUL, lone surrogates, paths of another AMO,
# other departments, ids, SQL, very long values.
NASTY = st.sampled_from([
    "\x00", "\ud800", "\r\n", "../../etc/passwd", "/maintenance/AMO2/admin", "/maintenance/AMO1/quality",
    "/maintenance/AMO1/cars/1", "/maintenance/AMO1/findings", "?ids=1,2,3&kpi=overdue_cars", "?ids=%00",
    "user.disable", "2025H1", "9999-12-31", "1' OR '1'='1", "SELECT * FROM users", "{}", "[]", "é" * 300,
    "x" * 5000, "", " ", "NaN", "-1", "0",
])
TEXT = st.one_of(NASTY, st.text(max_size=20), st.text(alphabet=string.printable, max_size=20))
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT)
JSON = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                    st.dictionaries(TEXT, inner, max_size=4)), max_leaves=6)
# Values of the right kind for each property, half the time, so callbacks run past the edge check.
PAGES = sorted({f"/maintenance/AMO1/{pattern}".replace("<entity_type>", kind).replace("<id>", "1")
                for pattern in ROUTES for kind in ("cars", "findings")})
WELL_TYPED = {
    "pathname": st.one_of(st.none(), NASTY, st.sampled_from(PAGES)),
    "search": st.one_of(st.none(), NASTY, st.text(max_size=40).map(lambda t: "?" + t)),
    "n_clicks": st.one_of(st.none(), st.integers(min_value=0)),
    "n_intervals": st.one_of(st.none(), st.integers(min_value=0)),
    "value": st.one_of(st.none(), TEXT, st.integers(), st.floats(), st.lists(TEXT, max_size=4)),
    "data": JSON,
    "selectedRows": st.one_of(st.none(), st.lists(st.dictionaries(TEXT, JSON, max_size=3), max_size=3)),
    "hash": st.one_of(st.none(), NASTY, st.text(max_size=20).map(lambda t: "#feed=" + t)),
    "is_open": st.one_of(st.none(), st.booleans()),
    "filterModel": st.one_of(st.none(), st.dictionaries(TEXT, JSON, max_size=3)),
    "getRowsRequest": st.one_of(st.none(), st.fixed_dictionaries(
        {"startRow": st.integers(), "endRow": st.integers()},
        optional={"sortModel": JSON, "filterModel": JSON})),
    "columnState": st.one_of(st.none(), st.lists(st.dictionaries(TEXT, JSON, max_size=3), max_size=3)),
    "cellClicked": st.one_of(st.none(), st.dictionaries(st.sampled_from(["rowId", "colId", "value"]), JSON)),
    "clickData": st.one_of(st.none(), st.dictionaries(TEXT, JSON, max_size=3)),
}


@pytest.fixture
def people(app, pg_engine):
    """A signed-in client per role. The throwaway database commits without waiting for the disk
    (every request writes its session or an audit row), which makes the run several times faster."""
    with pg_engine.begin() as connection:
        connection.exec_driver_sql(f"ALTER DATABASE {pg_engine.url.database} SET synchronous_commit TO off")
    pg_engine.dispose()
    clients = {}
    for n, (role, (email, department)) in enumerate(PEOPLE.items()):
        make_user(pg_engine, email, role, department)
        client = app.test_client()
        assert login(client, email, environ_base={"REMOTE_ADDR": f"10.9.0.{n + 1}"}).status_code == 303
        clients[role] = client
    return clients


def _sendable(text: str) -> str:
    """What a client can send of ``text``: lone surrogates become U+FFFD on the wire anyway."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _assert_handled(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert "Traceback" not in response.get_data(as_text=True)


@st.composite
def dispatch_bodies(draw, dash_app):
    """A callback the role may call, with values of the right kind or anything at all, and
    sometimes a part of the body replaced by arbitrary JSON."""
    role = draw(st.sampled_from(ROLES))
    output = draw(st.sampled_from(sorted(o for o in dash_app.callback_map if may_call(role, o))))
    spec = dash_app.callback_map[output]
    values = {}
    for item in [*spec["inputs"], *spec.get("state", [])]:
        if item["id"].startswith("{"):
            kpi = draw(st.one_of(TEXT, st.sampled_from(["overdue_cars", "task_card_burndown"])))
            values[f"{item['id']}.{item['property']}"] = [
                {"id": {"type": "cockpit-chart", "kpi": kpi}, "property": item["property"],
                 "value": draw(WELL_TYPED[item["property"]])}]
            continue
        strategy = WELL_TYPED[item["property"]] if draw(st.booleans()) else JSON
        if item["id"] == "cockpit-as-of":  # a valid date computes every KPI (a second): seeded tests do that
            strategy = strategy.filter(lambda value: value not in (None, ""))
        values[f"{item['id']}.{item['property']}"] = draw(strategy)
    body = callback_body(dash_app, output, values=values)
    if draw(st.integers(0, 4)) == 0:
        body[draw(st.sampled_from(["outputs", "inputs", "state", "changedPropIds", "extra"]))] = draw(JSON)
    return role, body


@settings(FUZZ, max_examples=7000)
@given(data=st.data())
def test_fuzz_every_callback_per_role(people, dash_app, data):
    role, body = data.draw(dispatch_bodies(dash_app))
    client = people[role]
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                           headers={"X-CSRFToken": csrf_of(client)})
    _assert_handled(response)


@settings(FUZZ, max_examples=1000)
@given(raw=st.one_of(st.binary(max_size=200), JSON.map(lambda v: json.dumps(v).encode())),
       role=st.sampled_from(ROLES))
def test_fuzz_raw_dispatch_bodies(people, raw, role):
    client = people[role]
    response = client.post("/_dash-update-component", data=raw, content_type="application/json",
                           headers={"X-CSRFToken": csrf_of(client)})
    _assert_handled(response)


@settings(FUZZ, max_examples=1200)
@given(path=st.one_of(NASTY, st.text(max_size=30)), query=st.one_of(NASTY, st.text(max_size=30)),
       prefix=st.sampled_from(["/", "/login", "/maintenance/AMO1/", "/_dash-component-suites/dash/",
                               "/assets/", "/reset/", "/_dash-layout", "/forgot"]),
       role=st.sampled_from([*ROLES, None]))
def test_fuzz_every_address_per_role(app, people, path, query, prefix, role):
    """GET of any path and query below every public and signed-in prefix, anonymous and per role."""
    client = people[role] if role else app.test_client()
    url = quote(_sendable(prefix + path.lstrip("/")), safe="/%") + "?" + quote(_sendable(query), safe="=&%")
    response = client.get(url)
    _assert_handled(response)


@settings(FUZZ, max_examples=800)
@given(endpoint=st.sampled_from(["/login", "/forgot", "/reset/"]), token=TEXT, username=TEXT, password=TEXT,
       next_value=TEXT, csrf=st.one_of(st.none(), TEXT), ip=st.integers(1, 250))
def test_fuzz_login_and_reset_forms(app, endpoint, token, username, password, next_value, csrf, ip):
    """Anonymous form posts with any field, a valid or forged CSRF token, from many addresses."""
    client = app.test_client()
    client.get("/login")
    fields = {"username": username, "password": password, "next": next_value,
              "csrf_token": csrf_of(client) if csrf is None else csrf}
    form = {key: _sendable(value) for key, value in fields.items()}
    path = endpoint + (token.replace("/", "") or "t" if endpoint == "/reset/" else "")
    response = client.post(path, data=form, environ_base={"REMOTE_ADDR": f"10.10.{ip % 5}.{ip}"})
    _assert_handled(response)
