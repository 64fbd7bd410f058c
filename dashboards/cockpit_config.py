"""Per-department cockpit configuration: which panels show, and each KPI's target and alarm level.

Defaults: every panel of :data:`dashboards.cockpits.PANELS` and the thresholds each KPI declares
(:class:`warehouse.kpi.headline.Headline`). An AMO that wants other ones writes a TOML file and
names it in ``AMOSCOPE_COCKPIT_CONFIG``::

    [QUAL]
    hide = ["findings_by_source"]            # KPIs whose card and chart this cockpit leaves out

    [QUAL.thresholds.audit_programme_completion]
    target = 0.90                            # good from here (a rate as a fraction)
    alarm = 0.80                             # red beyond here

A file naming an unknown department, KPI or key is refused with a message saying which, when the
app starts: a typo must not silently fall back to the defaults.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dashboards.cockpits import PANELS
from warehouse.kpi.base import REGISTRY
from warehouse.kpi.headline import Headline


class CockpitConfigError(ValueError):
    """The cockpit configuration file cannot be used as written."""


@dataclass(frozen=True)
class CockpitConfig:
    """One department's choices: KPIs to leave out, and (target, alarm) per KPI."""

    hidden: frozenset[str] = frozenset()
    thresholds: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)

    def shows(self, kpi: str) -> bool:
        return kpi not in self.hidden

    def headline(self, kpi: str) -> Headline:
        """The KPI's headline with this department's thresholds (its own when none are set)."""
        headline = REGISTRY[kpi].headline
        if kpi not in self.thresholds:
            return headline
        target, alarm = self.thresholds[kpi]
        return headline.with_thresholds(target if target is not None else headline.target,
                                        alarm if alarm is not None else headline.alarm)


DEFAULT = CockpitConfig()


def parse(text: str) -> dict[str, CockpitConfig]:
    """Department code → its configuration, from the TOML ``text``; CockpitConfigError when wrong."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CockpitConfigError(f"the cockpit configuration is not valid TOML: {error}") from error
    configs = {}
    for code, section in document.items():
        if code not in PANELS or not isinstance(section, dict):
            raise CockpitConfigError(f"unknown department {code!r}; use one of {', '.join(sorted(PANELS))}")
        unknown = set(section) - {"hide", "thresholds"}
        if unknown:
            raise CockpitConfigError(f"[{code}]: unknown keys {sorted(unknown)}; use hide and thresholds")
        own = {name for name, definition in REGISTRY.items() if definition.department == code}
        hidden = section.get("hide", [])
        if not isinstance(hidden, list) or not set(hidden) <= own:
            raise CockpitConfigError(f"[{code}] hide: {sorted(set(map(str, hidden)) - own)} are not KPIs of "
                                     f"this cockpit")
        thresholds = {}
        for kpi, values in section.get("thresholds", {}).items():
            if kpi not in own or not isinstance(values, dict) or not set(values) <= {"target", "alarm"}:
                raise CockpitConfigError(f"[{code}.thresholds.{kpi}]: not a KPI of this cockpit with "
                                         f"target and/or alarm")
            if not all(isinstance(value, int | float) for value in values.values()):
                raise CockpitConfigError(f"[{code}.thresholds.{kpi}]: target and alarm are numbers")
            if REGISTRY[kpi].headline.better is None:
                raise CockpitConfigError(f"[{code}.thresholds.{kpi}]: this KPI is a volume to watch, "
                                         f"without a direction that is better")
            thresholds[kpi] = (values.get("target"), values.get("alarm"))
        configs[code] = CockpitConfig(frozenset(hidden), thresholds)
    return configs


@lru_cache(maxsize=4)
def load(path: str) -> dict[str, CockpitConfig]:
    """The configuration file at ``path`` (empty: the defaults everywhere), read once."""
    if not path:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CockpitConfigError(f"the cockpit configuration {path!r} cannot be read: {error}") from error
    return parse(text)


def for_department(path: str, code: str) -> CockpitConfig:
    """The configuration of department ``code``."""
    return load(path).get(code, DEFAULT)
