"""`widget-api settings` shows every value with its source and never a secret, also in URLs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from widget_api.cli import main
from widget_api.settings_view import mask_url

SECRETS = ("s3cret-redis", "hook-pass", "qtoken123", "smtp-pw", "sentinel-pw", "bare-token")


@pytest.fixture
def environment(tmp_path) -> dict[str, str]:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.toml").write_text(
        'STAFF_URL = "https://bare-token@support.example.com/staff"\n', encoding="utf-8"
    )
    return {
        "WIDGET_INSTANCE_PATH": str(instance),
        "WIDGET_RATELIMIT_STORAGE_URI": "redis://:s3cret-redis@redis.internal:6379/0",
        "WIDGET_WEBHOOK_URL": "https://bot:hook-pass@hooks.example/new?api_token=qtoken123&x=1",
        "WIDGET_SMTP_PASSWORD": "smtp-pw",
        "WIDGET_SECRET_KEY": "k" * 64,
    }


def test_settings_masks_passwords_inside_urls(environment):
    result = CliRunner().invoke(main, ["settings"], env=environment)
    assert result.exit_code == 0, result.output
    for secret in (*SECRETS, "k" * 64):
        assert secret not in result.output
    lines = set(result.output.splitlines())
    assert "RATELIMIT_STORAGE_URI = 'redis://:***@redis.internal:6379/0'" in lines
    assert "WEBHOOK_URL = 'https://bot:***@hooks.example/new?api_token=***&x=1'" in lines
    assert "STAFF_URL = 'https://***@support.example.com/staff'" in lines
    assert "SMTP_PASSWORD = '(set)'" in lines and "SECRET_KEY = '(set)'" in lines
    assert "SITE_URL = 'https://shop.example.com'" in lines  # nothing secret: as it is


def test_settings_says_where_each_value_came_from(environment):
    result = CliRunner().invoke(main, ["settings", "--sources"], env=environment)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    source = {line.split(" = ")[0]: line.rsplit("  # ", 1)[1] for line in lines}
    config_file = f"{environment['WIDGET_INSTANCE_PATH']}/config.toml"
    assert source["STAFF_URL"] == f"config file {config_file}"
    assert source["WEBHOOK_URL"] == "environment WIDGET_WEBHOOK_URL"
    assert source["SHOP_NAME"] == "default"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://user:p@ss@host/0", "redis://user:***@host/0"),  # an unencoded "@" too
        (
            "redis+sentinel://:sentinel-pw@h1:26379,h2:26379/mymaster",
            "redis+sentinel://:***@h1:26379,h2:26379/mymaster",
        ),
        ("redis://host:6379/0?password=pw&db=1", "redis://host:6379/0?password=***&db=1"),
        ("memory://", "memory://"),
        ("https://shop.example.com/privacy", "https://shop.example.com/privacy"),
        ("Hello, see https://a:b@c", "Hello, see https://a:b@c"),  # prose, not a URL value
        ("http://[::1", "http://[::1"),  # not parseable: unchanged, no error
    ],
)
def test_mask_url(url, shown):
    assert mask_url(url) == shown
