"""Spreadsheet formula injection (OWASP "CSV injection"): one rule for every export.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or NUL may be
run as a formula when an exported CSV or XLSX file is opened; a leading ``'`` makes the
spreadsheet show it as typed. The record lists' CSV, ``amoscope archive query`` and the
half-yearly XLSX pack all go through :func:`defuse_formula`.
"""

from __future__ import annotations

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


def defuse_formula(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
