"""Settings: every one documented, a bad one named in the error, the demo defaults work."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from amoscope.cli import main
from amoscope.runtime import check_archive_writable, open_engine
from amoscope.settings import SETTINGS, Settings, SettingsError, settings_table_markdown
from dashboards import create_app
from etl.run import run_once
from warehouse import Warehouse
from warehouse.settings import env_name

DOCS = Path(__file__).parents[2] / "docs" / "settings.md"


def test_docs_list_every_setting_with_its_help():
    text = DOCS.read_text()
    assert settings_table_markdown() in text, "regenerate docs/settings.md: amoscope settings --markdown"
    for field in SETTINGS:
        assert field.metadata["help"] and env_name(field) in text


def test_defaults_are_the_embedded_demo():
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.archive_url == "var/archive"


def test_each_layer_gets_its_section_read_from_the_same_variables():
    settings = Settings.from_env({"AMOSCOPE_ARCHIVE_URL": "/data/archive", "AMOSCOPE_ETL_BATCH_ROWS": "500",
                                  "AMOSCOPE_SESSION_IDLE_MINUTES": "12"})
    assert settings.warehouse.archive_url == "/data/archive"
    assert settings.etl.warehouse == settings.warehouse == settings.dashboards.warehouse
    assert settings.etl.etl_batch_rows == 500
    assert settings.auth.session_idle_minutes == settings.dashboards.auth.session_idle_minutes == 12
    changed = settings.replace(archive_url="/elsewhere", session_idle_minutes=5)
    assert changed.etl.warehouse.archive_url == changed.dashboards.warehouse.archive_url == "/elsewhere"
    assert changed.dashboards.auth.session_idle_minutes == 5
    assert settings.warehouse.archive_url == "/data/archive"  # the original is unchanged


def test_a_layer_refuses_anything_but_its_own_section(sqlite_engine):
    settings = Settings.from_env({})
    with pytest.raises(TypeError, match="Warehouse takes the WarehouseSettings section"):
        Warehouse(settings, sqlite_engine)
    with pytest.raises(TypeError, match="the archiver takes the EtlSettings section"):
        run_once(settings.warehouse, sqlite_engine)
    with pytest.raises(TypeError, match="create_app takes the DashboardsSettings section"):
        create_app(settings.auth, sqlite_engine)


def test_unknown_variable_is_named():
    with pytest.raises(SettingsError, match="AMOSCOPE_DATABSE_URL is not an AMOscope setting"):
        Settings.from_env({"AMOSCOPE_DATABSE_URL": "sqlite:///x.db"})


@pytest.mark.parametrize(("name", "value"), [
    ("AMOSCOPE_SESSION_IDLE_MINUTES", "0"),
    ("AMOSCOPE_SESSION_IDLE_MINUTES", "ten"),
    ("AMOSCOPE_DEMO", "maybe"),
])
def test_malformed_value_is_named(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_config_file_and_environment_precedence(tmp_path):
    config = tmp_path / "amoscope.toml"
    config.write_text('archive_url = "/data/archive"\nconsole_row_limit = 500\n')
    settings = Settings.from_env({"AMOSCOPE_CONFIG": str(config), "AMOSCOPE_CONSOLE_ROW_LIMIT": "42"})
    assert settings.archive_url == "/data/archive"
    assert settings.console_row_limit == 42
    config.write_text('archive_ur = "/x"\n')
    with pytest.raises(SettingsError, match="'archive_ur' is not an AMOscope setting"):
        Settings.from_env({"AMOSCOPE_CONFIG": str(config)})


def test_unreachable_database_fails_at_start_naming_the_setting():
    settings = Settings.from_env({}, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(SettingsError, match="AMOSCOPE_DATABASE_URL.*Check that the server runs"):
        open_engine(settings)
    settings = Settings.from_env({}, database_url="mysql://x@y/z")
    with pytest.raises(SettingsError, match="supports postgresql and sqlite"):
        open_engine(settings)


def test_unwritable_archive_fails_at_start_naming_the_setting(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = Settings.from_env({}, archive_url=str(blocker / "archive"))
    with pytest.raises(SettingsError, match="AMOSCOPE_ARCHIVE_URL"):
        check_archive_writable(settings)


def test_cli_reports_a_bad_setting_in_one_line():
    result = CliRunner().invoke(main, ["db", "current"], env={"AMOSCOPE_NO_SUCH": "1"})
    assert result.exit_code == 1
    assert "AMOSCOPE_NO_SUCH is not an AMOscope setting" in result.output
    assert "Traceback" not in result.output
