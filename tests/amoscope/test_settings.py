"""Settings: every one documented, a bad one named in the error, the demo defaults work."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from amoscope.cli import main
from amoscope.runtime import check_archive_writable, open_engine
from amoscope.settings import SETTINGS, Settings, SettingsError, settings_table_markdown

DOCS = Path(__file__).parents[2] / "docs" / "settings.md"


def test_docs_list_every_setting_with_its_help():
    text = DOCS.read_text()
    assert settings_table_markdown() in text, "regenerate docs/settings.md: amoscope settings --markdown"
    for setting in SETTINGS:
        assert setting.help and setting.env_name in text


def test_defaults_are_the_embedded_demo():
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.archive_url == "var/archive"


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
