"""The ``amoscope`` subcommands, one module per group, and what they share."""

from __future__ import annotations

import re
from datetime import timedelta

import click

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``5m``, ``12h``, ``7d`` (a bare number is seconds) as a timedelta."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text or "")
    if not match:
        raise click.BadParameter(f"{text!r} is not a duration like 5s, 10m, 12h or 7d")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2) or "s"])
