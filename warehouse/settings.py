"""The warehouse's settings section, and the small vocabulary every layer declares its settings in.

A layer says what it needs as a frozen dataclass whose fields are made with :func:`setting`
(default, one help line, an optional lower bound); a section the layer hands on to a layer below
is a :func:`nested` field. The composition root (``amoscope.settings``) fills every section from the
``AMOSCOPE_*`` environment and hands each layer its own, so no layer reads the environment or
imports the layer above it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

ENV_PREFIX = "AMOSCOPE_"
Section = TypeVar("Section")


class SettingsError(ValueError):
    """A setting is unknown, malformed or unusable; the message names it and says what to do."""


def setting(default: Any, help: str, *, minimum: int | None = None) -> Any:  # noqa: A002
    """A settings field: ``AMOSCOPE_<FIELD NAME>`` in the environment, documented by ``help``."""
    return dataclasses.field(default=default, metadata={"help": help, "minimum": minimum})


def nested(section: type) -> Any:
    """A field holding another layer's section (e.g. the warehouse's inside the ETL's)."""
    return dataclasses.field(default_factory=section, metadata={"section": section})


def setting_fields(section: type) -> list[dataclasses.Field]:
    """The fields of a section class that are settings (not nested sections), in declared order."""
    return [field for field in dataclasses.fields(section) if "help" in field.metadata]


def section_fields(section: type) -> list[dataclasses.Field]:
    """The fields of a section class that are nested sections."""
    return [field for field in dataclasses.fields(section) if "section" in field.metadata]


def require(settings: Any, section: type[Section], where: str) -> Section:
    """``settings`` if it is a ``section``; anything else (the whole application's settings, say)
    is a TypeError saying which section ``where`` takes, so a layer never reads beyond its own."""
    if not isinstance(settings, section):
        raise TypeError(f"{where} takes the {section.__name__} section, not {type(settings).__name__}")
    return settings


def env_name(field: dataclasses.Field) -> str:
    """The environment variable of a setting: ``AMOSCOPE_`` and its name in upper case."""
    return ENV_PREFIX + field.name.upper()


def parse_setting(field: dataclasses.Field, raw: Any, origin: str) -> Any:
    """``raw`` (text from the environment, or a TOML value) as the field's type.

    A value that does not parse is a :class:`SettingsError` naming ``origin`` (the variable or
    config key it came from) and what was expected.
    """
    try:
        return _parse(field, raw)
    except ValueError as error:
        raise SettingsError(f"{origin}={raw!r} is not valid: {error}") from None


def build_section(section: type[Section], values: Mapping[str, Any]) -> Section:
    """An instance of ``section`` (nested sections too) from parsed values by setting name;
    a setting missing from ``values`` keeps its default."""
    kwargs = {field.name: values[field.name] for field in setting_fields(section) if field.name in values}
    for field in section_fields(section):
        kwargs[field.name] = build_section(field.metadata["section"], values)
    return section(**kwargs)


def section_from_env(section: type[Section], environ: Mapping[str, str] | None = None) -> Section:
    """``section`` read from its own ``AMOSCOPE_*`` variables only: for a layer used on its own (a
    notebook's ``Warehouse.open()``); the application composes all sections in ``amoscope.settings``."""
    environ = os.environ if environ is None else environ
    values = {}
    for field in all_setting_fields(section):
        if env_name(field) in environ:
            values[field.name] = parse_setting(field, environ[env_name(field)], env_name(field))
    return build_section(section, values)


def all_setting_fields(section: type) -> list[dataclasses.Field]:
    """The settings of a section's nested sections, then its own, each once, in declared order."""
    found: dict[str, dataclasses.Field] = {}
    for field in section_fields(section):
        for inner in all_setting_fields(field.metadata["section"]):
            found.setdefault(inner.name, inner)
    found.update((field.name, field) for field in setting_fields(section))
    return list(found.values())


def _parse(field: dataclasses.Field, raw: Any) -> Any:
    kind = type(field.default)
    text = str(raw).lower() if isinstance(raw, bool) else str(raw)
    if kind is bool:
        lowered = text.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError("expected one of true/false/yes/no/on/off/1/0")
    if kind in (int, float):
        value = kind(text)
        minimum = field.metadata["minimum"]
        if minimum is not None and value < minimum:
            raise ValueError("expected a number above 0" if minimum > 0 else "expected a number, 0 or more")
        return value
    return text


@dataclass(frozen=True)
class WarehouseSettings:
    """Where the operational database and the archive are, and the bounds of the SQL console."""

    database_url: str = setting(
        "sqlite:///var/amoscope.db",
        "SQLAlchemy URL of the operational database (postgresql+psycopg://… or sqlite:///…).")
    archive_url: str = setting("var/archive", "Where the Parquet archive lives: a local folder or s3://bucket/prefix.")
    s3_endpoint_url: str = setting(
        "", "Endpoint of an S3-compatible store for an s3:// archive (empty: the AWS default).")
    console_row_limit: int = setting(10_000, "Most rows an archive console query returns.", minimum=1)
    console_byte_limit: int = setting(8 * 2**20, "Most bytes (as Arrow holds them) of an archive console "
                                      "result; cells are cut at 10,000 characters.", minimum=1)
    console_timeout_seconds: int = setting(30, "An archive console query running longer is interrupted.",
                                           minimum=1)
    console_memory_limit: str = setting("1GB", "DuckDB memory limit of the archive console.")
    console_threads: int = setting(2, "DuckDB threads of the archive console.", minimum=1)
    warehouse_cache_dir: str = setting(
        "", "Folder of the warehouse's rebuildable local caches (the entity-sorted copy of the archived "
        "events that makes timelines fast); empty: no cache, timelines scan the archive.")
    kpi_cache_entries: int = setting(
        64, "Cockpit KPI snapshots kept in memory per process, least recently used out (0: none); "
        "new data replaces them, see warehouse/data_version.py.", minimum=0)
    kpi_cache_live_seconds: int = setting(
        60, "How long a cached snapshot of today's cockpit serves figures that move with the clock alone "
        "(hours waiting, days overdue); new data replaces it at once.", minimum=1)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WarehouseSettings:
        """The warehouse settings from ``AMOSCOPE_*`` variables (see :func:`section_from_env`)."""
        return section_from_env(cls, environ)
