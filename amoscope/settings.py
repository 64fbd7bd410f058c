"""AMOscope's settings, composed from the sections each layer declares.

Every layer owns a small settings class (``warehouse.settings``, ``etl.settings``,
``auth.settings``, ``dashboards.settings``, ``simulator.settings``); this module reads them all
from ``AMOSCOPE_<NAME>`` environment variables, or from an optional TOML config file named by
``AMOSCOPE_CONFIG`` (environment wins), and hands each layer its section (``settings.etl``,
``settings.dashboards``...).
Each setting has a one-line help text; ``docs/settings.md`` lists them all and a test keeps that
list complete.

Defaults make the embedded demo work with nothing installed: SQLite in ``./var`` and a local
archive folder beside it.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auth.settings import AuthSettings
from dashboards.settings import DashboardsSettings
from etl.settings import EtlSettings
from simulator.settings import SimulatorSettings
from warehouse.settings import (
    ENV_PREFIX,
    SettingsError,
    WarehouseSettings,
    all_setting_fields,
    build_section,
    env_name,
    nested,
    parse_setting,
    setting,
)

__all__ = ["SETTINGS", "Settings", "SettingsError", "settings_table_markdown"]
CONFIG_ENV = "AMOSCOPE_CONFIG"


@dataclass(frozen=True)
class Settings:
    """Every layer's section, plus what only the composition root reads (the log level).

    Build with :meth:`from_env`; :meth:`replace` changes settings by name, whichever section
    owns them. The composition root also reads any setting by name (``settings.archive_url``);
    a layer is handed its section and takes nothing else (see ``warehouse.settings.require``).
    """

    warehouse: WarehouseSettings = nested(WarehouseSettings)
    etl: EtlSettings = nested(EtlSettings)
    auth: AuthSettings = nested(AuthSettings)
    dashboards: DashboardsSettings = nested(DashboardsSettings)
    simulator: SimulatorSettings = nested(SimulatorSettings)
    log_level: str = setting("INFO", "Logging level: DEBUG, INFO, WARNING or ERROR.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read settings from the environment (and ``AMOSCOPE_CONFIG``), then apply overrides.

        Unknown ``AMOSCOPE_*`` variables and config keys are errors, so a typo never silently
        falls back to a default.
        """
        environ = os.environ if environ is None else environ
        raw: dict[str, tuple[Any, str]] = {}  # name -> (raw value, where it came from)
        config_path = environ.get(CONFIG_ENV)
        if config_path:
            raw.update(_read_config_file(Path(config_path)))
        for key, value in environ.items():
            if not key.startswith(ENV_PREFIX) or key == CONFIG_ENV or key.startswith("AMOSCOPE_TEST_"):
                continue
            name = key[len(ENV_PREFIX):].lower()
            if name not in _BY_NAME:
                raise SettingsError(
                    f"{key} is not an AMOscope setting; remove it or see docs/settings.md for the list"
                )
            raw[name] = (value, key)
        values = {name: parse_setting(_BY_NAME[name], value, origin) for name, (value, origin) in raw.items()}
        _check_names(overrides)
        return build_section(cls, {**values, **overrides})

    def replace(self, **overrides: Any) -> Settings:
        """A copy with some settings changed by name, in every section that holds them."""
        _check_names(overrides)
        return build_section(Settings, {**self.values(), **overrides})

    def __getattr__(self, name: str) -> Any:
        if name in _BY_NAME:
            return self.values()[name]
        raise AttributeError(f"no setting named {name!r}")

    def values(self) -> dict[str, Any]:
        """Every setting's value by name."""
        return _values(self)


def _values(section: Any) -> dict[str, Any]:
    found = {}
    for field in dataclasses.fields(section):
        value = getattr(section, field.name)
        found.update(_values(value) if "section" in field.metadata else {field.name: value})
    return found


SETTINGS: tuple[dataclasses.Field, ...] = tuple(all_setting_fields(Settings))
_BY_NAME = {field.name: field for field in SETTINGS}


def _check_names(names: Mapping[str, Any]) -> None:
    unknown = set(names) - set(_BY_NAME)
    if unknown:
        raise SettingsError(f"not AMOscope settings: {', '.join(sorted(unknown))} (see docs/settings.md)")


def _read_config_file(path: Path) -> dict[str, tuple[Any, str]]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{CONFIG_ENV}={path} does not exist; fix the path or unset it") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{CONFIG_ENV}={path} is not valid TOML: {error}") from None
    result = {}
    for key, value in document.items():
        if key not in _BY_NAME:
            raise SettingsError(f"{path}: {key!r} is not an AMOscope setting (see docs/settings.md)")
        result[key] = (value, f"{path}:{key}")
    return result


def settings_table_markdown() -> str:
    """The settings as a Markdown table: the body of ``docs/settings.md``."""
    lines = ["| variable | default | what it does |", "|---|---|---|"]
    for field in SETTINGS:
        default = "(empty)" if field.default == "" else f"`{field.default}`"
        lines.append(f"| `{env_name(field)}` | {default} | {field.metadata['help']} |")
    return "\n".join(lines) + "\n"
