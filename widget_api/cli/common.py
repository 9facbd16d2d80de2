"""What every `widget-api` command needs: the checked settings, the database, the audit log.

Commands read the settings and open the database directly: no Flask app is built only to find
a file. Library errors become click.ClickException (a message and exit status 1), never a
traceback.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlite_utils import Database

from .. import settings
from ..store import audit
from ..store.migrations import init_database
from ..store.sqlite import connect


def since_option(what: str):
    """`--since DAYS` (default 30) for commands that list recent things."""
    return click.option(
        "--since",
        "days",
        type=click.IntRange(min=1),
        default=30,
        show_default=True,
        help=f"Only {what} of the last DAYS days.",
    )


def load_config(sources: dict[str, str] | None = None) -> dict:
    """The settings as the service would see them, checked, without creating anything.

    Every check the service makes at its start is made here too (a key file it would refuse
    included), so every command stops on a bad setting with the service's own message.
    `sources` is filled with where each value came from (see settings.load_settings).
    """
    instance_path = settings.resolve_instance_path()
    try:
        config = settings.load_settings(instance_path, sources=sources)
        settings.check_settings(config)
        if not config["SECRET_KEY"]:
            settings.check_secret_key_file(instance_path)
        return config
    except settings.SettingsError as error:
        raise click.ClickException(str(error)) from None


def database_path(config: dict | None = None) -> Path:
    """The configured database file, as the service resolves it, without opening it (from
    `config` when the command has loaded the settings already)."""
    config = config if config is not None else load_config()
    return Path(settings.database_path(config, settings.resolve_instance_path()))


def open_database() -> Database:
    """The service's database, created and migrated first if needed (as at the service's start)."""
    path = database_path()
    init_database(path)
    return connect(path)


def record_audit(db: Database, action: str, target: str | int | None = None, **details) -> None:
    """Record a command's change in the audit log (ids and counts only)."""
    audit.record(db, action, actor="cli", target=target, details=details)
