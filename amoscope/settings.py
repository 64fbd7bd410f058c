"""The one settings object of AMOscope.

Every setting is read from an ``AMOSCOPE_<NAME>`` environment variable, or from an optional TOML
config file named by ``AMOSCOPE_CONFIG`` (environment wins). Each setting has a one-line help
text; ``docs/settings.md`` lists them all and a test keeps that list complete.

Defaults make the embedded demo work with nothing installed: SQLite in ``./var`` and a local
archive folder beside it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "AMOSCOPE_"
CONFIG_ENV = "AMOSCOPE_CONFIG"


class SettingsError(ValueError):
    """A setting is unknown, malformed or unusable; the message names it and says what to do."""


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected one of true/false/yes/no/on/off/1/0")


def _parse_positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("expected a whole number above 0")
    return value


def _parse_non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("expected a whole number, 0 or more")
    return value


@dataclass(frozen=True)
class Setting:
    """One setting: its name (lower case, without prefix), default, parser and help line."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env_name(self) -> str:
        return ENV_PREFIX + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", "sqlite:///var/amoscope.db",
            "SQLAlchemy URL of the operational database (postgresql+psycopg://… or sqlite:///…)."),
    Setting("archive_url", "var/archive",
            "Where the Parquet archive lives: a local folder or s3://bucket/prefix."),
    Setting("s3_endpoint_url", "",
            "Endpoint of an S3-compatible store for an s3:// archive (empty: the AWS default)."),
    Setting("secret_key", "",
            "Key that signs session cookies and CSRF tokens; required (32+ characters) outside the demo."),
    Setting("demo", False, "Run as the embedded demo: relaxes the secret-key requirement only.",
            _parse_bool),
    Setting("base_url", "http://127.0.0.1:8050",
            "Public address of the dashboards, used in emailed links (never taken from a request)."),
    Setting("signing_key_path", "",
            "Ed25519 private key (PEM) that signs archive manifests; empty: manifests are unsigned."),
    Setting("replay_window_days", 7,
            "Days of events the operational database keeps after archiving (etl prune default).",
            _parse_positive_int),
    Setting("etl_interval_seconds", 5, "Pause between ETL runs in follow mode.", _parse_positive_int),
    Setting("etl_batch_rows", 1_000_000,
            "Most rows per archived batch (one manifest each); smaller batches commit progress sooner.",
            _parse_positive_int),
    Setting("etl_heartbeat_minutes", 60,
            "An ETL run that finds nothing new writes a heartbeat manifest if the last is this old.",
            _parse_non_negative_int),
    Setting("etl_compact_after_batches", 50,
            "In follow mode, compact a table once it has this many new batches (and once at start); "
            "0: only 'amoscope archive compact' compacts.", _parse_non_negative_int),
    Setting("etl_compact_small_file_rows", 100_000,
            "Compaction merges the data files under this many rows that share a partition into one.",
            _parse_positive_int),
    Setting("session_idle_minutes", 30, "A session unused this long is ended.", _parse_positive_int),
    Setting("session_absolute_hours", 8, "A session this old is ended even if in use.",
            _parse_positive_int),
    Setting("password_hash_profile", "rfc9106",
            "Argon2id cost of new password hashes: rfc9106 (m=64 MiB, t=3, p=4) or owasp-minimum "
            "(m=19 MiB, t=2, p=1); hashes made with other costs are rehashed at the next login."),
    Setting("trusted_proxy_count", 0,
            "Number of reverse proxies in front of the app whose X-Forwarded-For is trusted.",
            _parse_non_negative_int),
    Setting("console_row_limit", 10_000, "Most rows an archive console query returns.",
            _parse_positive_int),
    Setting("console_timeout_seconds", 30, "An archive console query running longer is interrupted.",
            _parse_positive_int),
    Setting("console_memory_limit", "1GB", "DuckDB memory limit of the archive console."),
    Setting("console_threads", 2, "DuckDB threads of the archive console.", _parse_positive_int),
    Setting("warehouse_cache_dir", "",
            "Folder of the warehouse's rebuildable local caches (the entity-sorted copy of the archived "
            "events that makes timelines fast); empty: no cache, timelines scan the archive."),
    Setting("log_level", "INFO", "Logging level: DEBUG, INFO, WARNING or ERROR."),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build with :meth:`from_env` or :meth:`for_tests`-style keyword overrides."""

    values: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(f"no setting named {name!r}") from None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read settings from the environment (and ``AMOSCOPE_CONFIG``), then apply overrides.

        Unknown ``AMOSCOPE_*`` variables and config keys are errors, so a typo never silently
        falls back to a default.
        """
        environ = os.environ if environ is None else environ
        raw: dict[str, tuple[str, str]] = {}  # name -> (raw value, where it came from)
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
        values = {setting.name: setting.default for setting in SETTINGS}
        for name, (value, origin) in raw.items():
            values[name] = _parse(_BY_NAME[name], value, origin)
        for name, value in overrides.items():
            if name not in _BY_NAME:
                raise SettingsError(f"{name!r} is not an AMOscope setting (see docs/settings.md)")
            values[name] = value
        return cls(values)

    def replace(self, **overrides: Any) -> Settings:
        """A copy with some settings changed (checked by name)."""
        unknown = set(overrides) - set(_BY_NAME)
        if unknown:
            raise SettingsError(f"not AMOscope settings: {', '.join(sorted(unknown))}")
        return Settings({**self.values, **overrides})

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _parse(setting: Setting, value: Any, origin: str) -> Any:
    if not isinstance(value, str):
        value = str(value).lower() if isinstance(value, bool) else str(value)
    try:
        return setting.parse(value)
    except ValueError as error:
        raise SettingsError(f"{origin}={value!r} is not valid: {error}") from None


def _read_config_file(path: Path) -> dict[str, tuple[str, str]]:
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
    for setting in SETTINGS:
        default = "(empty)" if setting.default == "" else f"`{setting.default}`"
        lines.append(f"| `{setting.env_name}` | {default} | {setting.help} |")
    return "\n".join(lines) + "\n"
