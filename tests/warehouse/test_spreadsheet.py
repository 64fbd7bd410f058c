"""The one formula-injection rule every export uses."""

from __future__ import annotations

import pytest

from warehouse.spreadsheet import defuse_formula


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\0x", '=HYPERLINK("x")'])
def test_text_a_spreadsheet_would_run_gets_a_quote(text):
    assert defuse_formula(text) == "'" + text


@pytest.mark.parametrize("value", ["145.A.40", "", "a=b", 42, -1, 1.5, None, ["=x"]])
def test_everything_else_is_unchanged(value):
    assert defuse_formula(value) == value
