"""Settings: declared once, layered in one direction, documented, secrets never defaulted."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from widget_api import create_app
from widget_api.cli import main
from widget_api.settings import (
    SETTINGS,
    SettingsError,
    configuration_markdown,
    ensure_secret_key,
    load_settings,
    write_setting,
)

REPO = Path(__file__).resolve().parents[1]


def test_configuration_reference_is_up_to_date():
    documented = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert documented == configuration_markdown(), (
        "docs/configuration.md is out of date: "
        "run `widget-api settings --markdown > docs/configuration.md`"
    )
    for setting in SETTINGS:
        assert f"`WIDGET_{setting.name}`" in documented


def test_readme_links_the_configuration_reference():
    assert "docs/configuration.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_layers_defaults_file_environment(tmp_path):
    (tmp_path / "config.toml").write_text(
        'SHOP_NAME = "From file"\nMAX_QUESTION_LENGTH = 300\nALLOWED_ORIGINS = ["https://a.example"]\n'
    )
    values = load_settings(str(tmp_path), {"WIDGET_MAX_QUESTION_LENGTH": "200"})
    assert values["SHOP_NAME"] == "From file"
    assert values["MAX_QUESTION_LENGTH"] == 200
    assert values["ALLOWED_ORIGINS"] == ["https://a.example"]
    assert values["RATELIMIT_STORAGE_URI"] == "memory://"
    env = {"WIDGET_ALLOWED_ORIGINS": "https://x.example, https://y.example"}
    assert load_settings(str(tmp_path), env)["ALLOWED_ORIGINS"] == [
        "https://x.example",
        "https://y.example",
    ]
    assert (
        load_settings(str(tmp_path), {"WIDGET_RATELIMIT_ENABLED": "false"})["RATELIMIT_ENABLED"]
        is False
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WIDGET_MAX_QUESTION_LENGTH": "lots"}, "MAX_QUESTION_LENGTH from WIDGET_"),
        ({"WIDGET_RATELIMIT_ENABLED": "maybe"}, "expected true or false"),
    ],
)
def test_bad_values_name_the_setting(tmp_path, env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(str(tmp_path), env)


def test_unknown_key_in_config_file_is_refused(tmp_path):
    (tmp_path / "config.toml").write_text("COLOUR = 'red'\n")
    with pytest.raises(SettingsError, match="unknown setting 'COLOUR'"):
        load_settings(str(tmp_path), {})


def test_secret_key_is_generated_once_with_mode_0600(tmp_path):
    key = ensure_secret_key(str(tmp_path))
    assert len(key) == 64
    assert ensure_secret_key(str(tmp_path)) == key
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


@pytest.mark.parametrize("content", ["", "\n", "   \n", "short-key"])
def test_an_empty_or_short_secret_key_file_stops_the_start(tmp_path, monkeypatch, content):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "secret_key").write_text(content)
    with pytest.raises(SettingsError, match=r"secret_key (is empty|holds only 9 characters)"):
        create_app({"INSTANCE_PATH": str(instance), "DATABASE": str(tmp_path / "w.sqlite3")})
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", str(instance))
    for command in (["staff", "list"], ["serve"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: the secret key ")
        assert "Delete the file to have a new key generated" in result.output
    assert (instance / "secret_key").read_text() == content  # left for the operator to see


def test_the_secret_key_file_is_never_seen_half_written(tmp_path):
    """Processes starting together: each reads one complete key, the same one."""
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: ensure_secret_key(str(tmp_path)), range(64)))
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]


def test_app_uses_instance_folder_and_creates_database(tmp_path, monkeypatch):
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("WIDGET_SHOP_NAME", "Env Shop")
    app = create_app()
    assert app.config["DATABASE"] == str(tmp_path / "inst" / "widget.sqlite3")
    assert Path(app.config["DATABASE"]).exists()
    assert app.config["SHOP_NAME"] == "Env Shop"
    assert app.config["SECRET_KEY"] == (tmp_path / "inst" / "secret_key").read_text()


def test_write_setting_keeps_other_lines(tmp_path):
    (tmp_path / "config.toml").write_text(
        "# my settings\nSHOP_NAME = 'Kept'\nANSWER_THRESHOLD = 0.5\n"
    )
    write_setting(str(tmp_path), "ANSWER_THRESHOLD", 0.71)
    write_setting(str(tmp_path), "SUGGEST_THRESHOLD", 0.3)
    text = (tmp_path / "config.toml").read_text()
    assert text.startswith("# my settings\nSHOP_NAME = 'Kept'\n")
    values = load_settings(str(tmp_path), {})
    assert values["ANSWER_THRESHOLD"] == 0.71 and values["SUGGEST_THRESHOLD"] == 0.3


@pytest.mark.parametrize(
    ("name", "value"),
    [("STAFF_SESSION_HOURS", "0"), ("STAFF_DEVICE_COOKIE_DAYS", "0"), ("MAIL_RETRIES", "-1")],
)
def test_a_setting_below_its_declared_minimum_is_a_clean_cli_error(
    tmp_path, monkeypatch, name, value
):
    """The check is declared with the setting, so every command refuses it the same way."""
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv(f"WIDGET_{name}", value)
    for command in (["staff", "list"], ["settings"], ["purge", "--dry-run"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, (command, result.output)
        assert result.output.startswith(f"Error: {name} must be at least "), result.output
