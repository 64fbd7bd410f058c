"""What a Dash dispatch body (``POST /_dash-update-component``) must look like before any
callback runs.

The renderer sends ``{"output", "outputs", "inputs", "state", "changedPropIds"}``; each input
and state names a component property the callback declared, with its value. A body is
checked against the callback's own declaration in ``app.callback_map``: the same outputs,
the same inputs and states in the same order, changed ids among its inputs, and each value
of the kind its property holds (:data:`PROPERTY_KINDS`, or :data:`COMPONENT_KINDS` for a
component that holds another). Every string is storable (no NUL, no
lone surrogate) and nothing is nested deeper than :data:`MAX_DEPTH`. So a callback never sees
a dict where its code expects text, and Dash's own dispatch never meets a body it cannot read.

A callback whose inputs or states use a property missing from :data:`PROPERTY_KINDS` is refused
until its row is added here (tests walk ``app.callback_map`` for that).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from dash._utils import stringify_id

from auth.edge import NOT_TEXT, BadInput

MAX_DEPTH = 32


def _none_or(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or check(value)


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


PROPERTY_KINDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "pathname": ("text", _none_or(lambda v: isinstance(v, str))),
    "search": ("text", _none_or(lambda v: isinstance(v, str))),
    "n_clicks": ("a count", _none_or(_is_count)),
    "n_intervals": ("a count", _none_or(_is_count)),
    "value": ("text", _none_or(lambda v: isinstance(v, str))),  # inputs, text areas, dropdowns, dates
    "data": ("JSON data", lambda v: True),  # dcc.Store: whatever the page kept; callbacks parse it
    "selectedRows": ("a list of rows", _none_or(lambda v: isinstance(v, list)
                                                and all(isinstance(row, dict) for row in v))),
    "hash": ("text", _none_or(lambda v: isinstance(v, str))),
    "is_open": ("true or false", _none_or(lambda v: isinstance(v, bool))),
    "cellClicked": ("a cell", _none_or(lambda v: isinstance(v, dict))),
    "filterModel": ("a grid filter", _none_or(lambda v: isinstance(v, dict))),
    "getRowsRequest": ("a grid rows request", _none_or(lambda v: isinstance(v, dict))),
    "columnState": ("a list of columns", _none_or(lambda v: isinstance(v, list)
                                                 and all(isinstance(column, dict) for column in v))),
    "clickData": ("a click", _none_or(lambda v: isinstance(v, dict))),
}


# Components whose property holds another kind than the property's usual one.
COMPONENT_KINDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "feed-chips.value": ("a list of choices", _none_or(lambda v: isinstance(v, list)
                                                      and all(isinstance(i, str) for i in v))),
    "console-all-amos.value": ("true or false", _none_or(lambda v: isinstance(v, bool))),
}


def parse(data: bytes) -> Any:
    """The JSON of a dispatch body; :class:`BadInput` (400) when it is not JSON or too deep."""
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        raise BadInput("The request body is not valid JSON (or is nested too deeply).") from None
    _check_values(body)
    return body


def _check_values(body: Any) -> None:
    """Depth and storable strings everywhere (keys included), without recursion."""
    pending = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise BadInput(f"The request body is nested deeper than {MAX_DEPTH} levels.", 422)
        if isinstance(value, str):
            if NOT_TEXT.search(value):
                raise BadInput("The request body contains a NUL byte or a lone surrogate.", 422)
        elif isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)


def problem(callback_map: dict, body: dict) -> BadInput | None:
    """Why ``body`` does not fit the callback it names (422), or None. The output id has been
    checked against the policy already, so it is a key of ``callback_map``."""
    spec = callback_map[body["output"]]
    if "callback" not in spec:
        return _refuse("This callback runs in the browser, not on the server.")
    try:
        _check_outputs(body["output"], body.get("outputs"))
        inputs = _check_dependencies("input", spec["inputs"], body.get("inputs"))
        _check_dependencies("state", spec.get("state", []), body.get("state", []))
        _check_changed(body.get("changedPropIds", []), inputs)
    except BadInput as bad:
        return bad
    return None


def _refuse(message: str) -> BadInput:
    return BadInput(message, 422)


def _declared_outputs(output: str) -> list[tuple[str, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [tuple(part.rsplit(".", 1)) for part in parts]


def _check_outputs(output: str, outputs: Any) -> None:
    declared = _declared_outputs(output)
    sent = outputs if isinstance(outputs, list) else [outputs]
    if output.startswith("..") != isinstance(outputs, list) or len(sent) != len(declared):
        raise _refuse("The outputs do not match the callback.")
    for item, (component, prop) in zip(sent, declared, strict=True):
        if (not isinstance(item, dict) or stringify_id(item.get("id")) != component
                or item.get("property") != prop):
            raise _refuse("The outputs do not match the callback.")


def _check_dependencies(what: str, declared: list[dict], sent: Any) -> list[str]:
    """Check the inputs or states; return the prop ids they name (for ``changedPropIds``)."""
    if not isinstance(sent, list) or len(sent) != len(declared):
        raise _refuse(f"Each {what} of the callback must be sent once, in order.")
    names = []
    for item, spec in zip(sent, declared, strict=True):
        wildcard = spec["id"].startswith("{")
        items = item if wildcard and isinstance(item, list) else [item]
        if wildcard != isinstance(item, list):
            raise _refuse(f"The {what} {spec['id']}.{spec['property']} has the wrong shape.")
        for one in items:
            names.append(_check_dependency(what, spec, one, wildcard))
    return names


def _check_dependency(what: str, spec: dict, item: Any, wildcard: bool) -> str:
    name = f"{spec['id']}.{spec['property']}"
    if not isinstance(item, dict) or item.get("property") != spec["property"]:
        raise _refuse(f"The {what} {name} has the wrong shape.")
    component = item.get("id")
    if wildcard:
        pattern = json.loads(spec["id"])
        if not isinstance(component, dict) or set(component) != set(pattern) or not all(
                isinstance(v, str | int | float | bool) for v in component.values()):
            raise _refuse(f"The {what} {name} has the wrong shape.")
    elif component != spec["id"]:
        raise _refuse(f"The {what} {name} has the wrong shape.")
    label, check = COMPONENT_KINDS.get(name) or PROPERTY_KINDS.get(spec["property"], ("", lambda v: False))
    if not check(item.get("value")):  # the renderer leaves out the value of an unset property
        raise _refuse(f"The {what} {name} must be {label or 'absent: the property is not allowed'}.")
    return f"{stringify_id(component)}.{spec['property']}"


def _check_changed(changed: Any, inputs: list[str]) -> None:
    if not isinstance(changed, list) or not all(isinstance(name, str) and name in inputs for name in changed):
        raise _refuse("changedPropIds must name inputs of the callback.")
