"""The settings in effect as people may see them: secrets masked, each with where it came from.

`widget-api settings` and the admin settings page both show settings through `shown_settings`,
so they hide the same things: the secret settings whole, and in every other value the parts
of a URL that carry a secret: the password of `scheme://user:password@host` (or a user name
alone, `https://TOKEN@host`, which is how some services pass a token), and query parameters
named like a secret (`?password=`, `?token=`, `?api_key=`, which Redis URLs and webhook
receivers accept). A webhook that keeps its secret in the path (`/hooks/T0/B0/XXXX`) cannot
be told apart from an ordinary path and is shown; docs/security.md says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .settings import SETTINGS, Setting

SECRET_SETTINGS = frozenset(setting.name for setting in SETTINGS if setting.secret)
MASK = "***"
SET = "(set)"
_SECRET_PARAM = re.compile(r"pass|pwd|secret|token|key|auth|sig|credential", re.IGNORECASE)
_PARAM = re.compile(r"(?P<name>[^&;=]+)=(?P<value>[^&;]*)")


@dataclass(frozen=True)
class ShownSetting:
    """One setting as shown: the value with secrets masked, where it came from, its help
    (with the values it takes, as the configuration reference gives them)."""

    name: str
    value: Any
    source: str
    help: str


def mask_url(text: str) -> str:
    """`text` with a URL's password (or lone user name) and secret query values as `***`.

    Text that is no URL comes back unchanged.
    """
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced "[" in the host: no URL we could mask
        return text
    if not parts.scheme or not (parts.netloc or parts.query):
        return text
    netloc = parts.netloc
    userinfo, at, host = netloc.rpartition("@")
    if at:
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{host}" if colon else f"{MASK}@{host}"
    query = _PARAM.sub(
        lambda m: f"{m['name']}={MASK}" if _SECRET_PARAM.search(m["name"]) else m[0],
        parts.query,
    )
    if (netloc, query) == (parts.netloc, parts.query):
        return text
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def shown_value(name: str, value: Any) -> Any:
    """A setting's value fit to print or show on a page: every secret in it masked."""
    if name in SECRET_SETTINGS:
        return SET if value else value
    if isinstance(value, str):
        return mask_url(value)
    if isinstance(value, list):
        return [mask_url(item) if isinstance(item, str) else item for item in value]
    return value


def shown_settings(config: Mapping[str, Any], sources: Mapping[str, str]) -> list[ShownSetting]:
    """Every declared setting in declaration order, masked, with its source ("default" if
    unknown)."""
    return [
        ShownSetting(
            setting.name,
            shown_value(setting.name, config.get(setting.name, setting.default)),
            sources.get(setting.name, "default"),
            _help(setting),
        )
        for setting in SETTINGS
    ]


def _help(setting: Setting) -> str:
    allowed = setting.allowed()
    return f"{setting.help} Allowed: {allowed}." if allowed else setting.help
