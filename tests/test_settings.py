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
    RULES,
    SETTINGS,
    SettingsError,
    check_settings,
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


COMMANDS = (["staff", "list"], ["queue", "list"], ["settings"], ["purge", "--dry-run"], ["health"])


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        # choices
        ("DEFAULT_LANG", "fr", "DEFAULT_LANG must be de or en (is 'fr')"),
        ("WIDGET_POSITION", "top", "WIDGET_POSITION must be left or right (is 'top')"),
        # minimum and maximum, minimum alone, more than
        (
            "RATELIMIT_IPV6_PREFIX",
            "16",
            "RATELIMIT_IPV6_PREFIX must be a whole number from 32 to 128 (is 16)",
        ),
        ("PROXY_COUNT", "-1", "PROXY_COUNT must be at least 0 (is -1)"),
        ("HEALTH_MIN_FREE_MB", "-5", "HEALTH_MIN_FREE_MB must be at least 0 (is -5)"),
        ("RETENTION_AUDIT_DAYS", "-1", "RETENTION_AUDIT_DAYS must be at least 0 (is -1)"),
        (
            "NOTIFY_RETRY_DELAY_SECONDS",
            "0",
            "NOTIFY_RETRY_DELAY_SECONDS must be more than 0 (is 0.0)",
        ),
        # parsers
        (
            "SERVICE_HOURS",
            "mon-fri 9-5",
            "SERVICE_HOURS: cannot read service hours 'mon-fri 9-5': write e.g. "
            "'mon-fri 09:00-17:00'",
        ),
        (
            "CLOSED_DAYS",
            "2026-12-24,24.12.2026",
            "CLOSED_DAYS: cannot read closed day '24.12.2026': write e.g. '2026-12-24'",
        ),
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE: unknown time zone 'Mars/Olympus'"),
        ("THEME_COLOR", "url(x)", "THEME_COLOR: 'url(x)' is not a hex colour such as '#1d4ed8'"),
        # flask-limiter would skip a limit it cannot read, so the typo would switch it off.
        (
            "RATELIMIT_ASK",
            "lots",
            "RATELIMIT_ASK: 'lots' is not a rate limit such as '30 per minute;500 per day'",
        ),
        (
            "RATELIMIT_LOGIN_ACCOUNT",
            "5 per fortnight",
            "RATELIMIT_LOGIN_ACCOUNT: '5 per fortnight' is not a rate limit such as "
            "'30 per minute;500 per day'",
        ),
        (
            "WEBHOOK_URL",
            "ftp://hooks.example.com/x",
            "WEBHOOK_URL: 'ftp://hooks.example.com/x' is not an http:// or https:// URL",
        ),
        (
            "SECRET_KEY",
            "hunter2-but-longer",
            "SECRET_KEY: it holds only 18 characters; give a random key of at least 32, "
            "or none to have one generated",
        ),
        # CORS compares origins as text: these would never match a browser's Origin header.
        (
            "ALLOWED_ORIGINS",
            "https://shop.example.com/",
            "ALLOWED_ORIGINS: 'https://shop.example.com/' would never match; write it as "
            "'https://shop.example.com'",
        ),
        (
            "ALLOWED_ORIGINS",
            "https://a.example,https://Shop.Example:443",
            "ALLOWED_ORIGINS: 'https://Shop.Example:443' would never match; write it as "
            "'https://shop.example'",
        ),
        (
            "ALLOWED_ORIGINS",
            "shop.example.com",
            "ALLOWED_ORIGINS: 'shop.example.com' is not an http(s) origin (scheme://host[:port])",
        ),
        (
            "ALLOWED_ORIGINS",
            "http://shop.example:99999",
            "ALLOWED_ORIGINS: 'http://shop.example:99999' is not an http(s) origin "
            "(scheme://host[:port])",
        ),
        ("SMTP_PORT", "0", "SMTP_PORT must be a whole number from 1 to 65535 (is 0)"),
        ("ANSWER_THRESHOLD", "62", "ANSWER_THRESHOLD must be at most 1 (is 62.0)"),
        ("SUGGEST_THRESHOLD", "1.5", "SUGGEST_THRESHOLD must be at most 1 (is 1.5)"),
        # a rule between settings
        (
            "STAFF_NOTIFY_EMAIL",
            "team@example.com",
            "STAFF_NOTIFY_EMAIL needs STAFF_URL, the inbox's address as staff open it (e.g. "
            "https://support.example.com/staff): links in e-mails are never built from a "
            "request's Host header",
        ),
        # a value that is not of the setting's type
        (
            "MAX_QUESTION_LENGTH",
            "lots",
            "MAX_QUESTION_LENGTH from WIDGET_MAX_QUESTION_LENGTH: invalid literal for int() "
            "with base 10: 'lots'",
        ),
    ],
)
def test_a_bad_setting_is_the_same_one_line_error_from_every_command(
    tmp_path, name, value, expected
):
    """Checked where it is declared, so the service and every command refuse it alike, with
    one line and no traceback (a bad SERVICE_HOURS used to end `health` in a traceback)."""
    env = {"WIDGET_INSTANCE_PATH": str(tmp_path / "inst"), f"WIDGET_{name}": value}
    for command in COMMANDS:
        result = CliRunner().invoke(main, command, env=env)
        assert result.exit_code == 1, (command, result.output)
        assert result.output == f"Error: {expected}\n", command
        assert isinstance(result.exception, SystemExit)
    with pytest.MonkeyPatch.context() as patch:
        for key, text in env.items():
            patch.setenv(key, text)
        with pytest.raises(SettingsError) as refused:
            create_app({"TESTING": True})
    assert str(refused.value) == expected


def test_a_setting_given_by_test_config_is_checked_too(tmp_path):
    with pytest.raises(SettingsError, match=r"^SERVICE_HOURS: impossible time"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SERVICE_HOURS": "mon 25:00-26:00"})


def test_a_secret_setting_is_never_quoted_in_its_error(tmp_path):
    result = CliRunner().invoke(
        main,
        ["settings"],
        env={"WIDGET_INSTANCE_PATH": str(tmp_path), "WIDGET_SECRET_KEY": "  s3cr3t-value  "},
    )
    assert result.exit_code == 1
    assert "s3cr3t" not in result.output
    assert "only 12 characters" in result.output  # counted as the key file is: spaces off


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("THEME_COLOR", "#0f766e"),
        ("THEME_COLOR", "#ABC"),
        ("THEME_COLOR", "#0f766ecc"),
        ("WIDGET_POSITION", "left"),
        ("DEFAULT_LANG", "de"),
        ("SECRET_KEY", "x" * 32),
        ("SERVICE_HOURS", "mon-thu 08:30-17:00; fri 9:00-14:00"),
        ("SERVICE_HOURS", ""),
        ("CLOSED_DAYS", ["2026-12-24", "2026-12-31"]),
        ("TIMEZONE", "America/New_York"),
        ("WEBHOOK_URL", "https://hooks.example.com/x"),
        ("NOTIFY_RETRY_DELAY_SECONDS", 0.5),
        ("RATELIMIT_IPV6_PREFIX", 128),
        ("PROXY_COUNT", 0),
        ("RATELIMIT_HANDOFF", "2 per hour"),
        ("RATELIMIT_ASK", "30/minute;500 per day"),
        ("ALLOWED_ORIGINS", ["https://shop.example.com", "http://127.0.0.1:5001"]),
        ("ALLOWED_ORIGINS", ["http://[::1]:8080", "https://xn--bcher-kva.example"]),
        ("ALLOWED_ORIGINS", []),
        ("ANSWER_THRESHOLD", 1.0),
        ("ANSWER_THRESHOLD", -1.0),
        ("SMTP_PORT", 465),
    ],
)
def test_good_values_pass_the_declared_checks(tmp_path, name, value):
    values = load_settings(str(tmp_path), {})
    values[name] = value
    check_settings(values)
    assert values[name] == value  # checked, not rewritten: the settings page shows the text


def test_every_rule_between_settings_is_checked():
    base = load_settings("/nonexistent", {})
    broken = [
        {"SMTP_HOST": "mail.example.com"},
        {
            "SMTP_HOST": "m",
            "SMTP_FROM": "a@example.com",
            "SMTP_USERNAME": "u",
            "SMTP_STARTTLS": False,
        },
        {"STAFF_NOTIFY_EMAIL": "team@example.com", "STAFF_URL": "support.example.com/staff"},
        {"SMTP_TIMEOUT_SECONDS": 200.0},
    ]
    assert len(broken) == len(RULES)
    for rule, change in zip(RULES, broken, strict=True):
        with pytest.raises(SettingsError) as refused:
            check_settings({**base, **change})
        assert str(refused.value) == rule.message
    fixed = {"SMTP_PORT": 465, "STAFF_URL": "https://support.example.com/staff"}
    check_settings({**base, **broken[1], **broken[2], **fixed})


def test_the_reference_shows_what_each_setting_takes():
    reference = configuration_markdown()
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in reference.splitlines()
        if line.startswith("| `")
    }
    assert "| `de` or `en` |" in rows["DEFAULT_LANG"]
    assert "| a whole number from 32 to 128 |" in rows["RATELIMIT_IPV6_PREFIX"]
    assert "| more than 0 |" in rows["NOTIFY_RETRY_DELAY_SECONDS"]
    for setting in SETTINGS:
        if setting.choices or setting.parse or setting.minimum is not None:
            assert setting.allowed() and f"| {setting.allowed()} |" in rows[setting.name]
    rules = reference.split("## Rules between settings")[1].replace("`", "")
    for rule in RULES:
        assert f"- {rule.message}." in rules


def test_settings_are_checked_in_settings_py_alone():
    """A check elsewhere would stop the service but not the commands, or word it otherwise."""
    package = REPO / "widget_api"
    raising = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if "SettingsError(" in path.read_text(encoding="utf-8")
    ]
    assert raising == ["settings.py"]
