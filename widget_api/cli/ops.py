"""Operators' commands on `widget-api`: serve in production, back up, restore, health.

Added to the `main` group in main.py.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click

from ..server import serving
from ..settings import SettingsError, ensure_secret_key, resolve_instance_path
from ..store.backup import BackupFailed, RestoreRefused, check_backup, make_backup, restore_backup
from .common import database_path, load_config, open_database, record_audit


def _count(default: int, help_text: str) -> dict:
    """A whole number of at least 1, with its default shown."""
    return {
        "type": click.IntRange(min=1),
        "default": default,
        "show_default": True,
        "help": help_text,
    }


@click.command()
@click.option(
    "--bind",
    default=serving.DEFAULT_BIND,
    show_default=True,
    help="Address:port to listen on (behind a reverse proxy: a local address).",
)
@click.option(
    "--workers",
    **_count(
        serving.DEFAULT_WORKERS, "Worker processes; more than 1 needs Redis for the rate limits."
    ),
)
@click.option("--threads", **_count(serving.DEFAULT_THREADS, "Threads per worker process."))
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Also write gunicorn's access log to stdout (method, path without query, status, "
    "duration, worker pid). The service logs each request to stderr either way.",
)
def serve(bind: str, workers: int, threads: int, access_log: bool) -> None:
    """Run the service under gunicorn for production (behind a reverse proxy)."""
    options = serving.ServeOptions(bind, workers, threads, access_log)
    config = load_config()
    try:
        if not config["SECRET_KEY"]:
            # Here, not only in each worker: an unusable key file stops the start with one
            # clear line instead of workers that fail to boot.
            ensure_secret_key(resolve_instance_path())
        serving.serve(options, config, database_path(config))
    except (serving.ServeRefused, SettingsError) as error:
        raise click.ClickException(str(error)) from None


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def backup(path: Path, force: bool) -> None:
    """Write a consistent copy of the database to PATH (a file, or a folder for a dated file).

    Safe while the service runs. The copy holds personal data: keep it private.
    """
    try:
        info = make_backup(database_path(), path, force=force)
    except BackupFailed as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup written to {info.path} ({info.size} bytes, checked)")


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--check", "check_only", is_flag=True, help="Only check PATH; replace nothing.")
def restore(path: Path, check_only: bool) -> None:
    """Replace the database with the backup at PATH, after checking it.

    Stop the service first: restore refuses while it runs. Data erased since the backup was
    made comes back with it; repeat those erasures (see docs/deploy.md).
    """
    try:
        if check_only:
            info = check_backup(path)
            click.echo(f"{path}: ok ({len(info.migrations)} schema steps)")
            return
        database = database_path()
        info = restore_backup(path, database)
    except RestoreRefused as error:
        raise click.ClickException(f"{error}; nothing was changed") from None
    click.echo(f"{database} restored from {path} ({info.size} bytes); start the service again")


@click.group("outbox")
def outbox_group() -> None:
    """Notifications (e-mails, webhooks) waiting to be sent, and those that failed."""


@outbox_group.command("list")
@click.option(
    "--status",
    type=click.Choice(["pending", "sending", "failed"]),
    help="Only deliveries in this state.",
)
def outbox_list(status: str | None) -> None:
    """Deliveries not yet sent, oldest first: id, state, kind, conversation, attempts, error."""
    from ..store import outbox

    rows = outbox.deliveries(open_database(), status, limit=-1)
    for row in rows:
        line = (
            f"{row['id']:>6}  {row['status']:<8} {row['kind']:<14} {row['conversation_id']}  "
            f"attempts {row['attempts']}  due {row['due_at'][:19]}  {row['last_error'] or ''}"
        )
        click.echo(line.rstrip())
    if not rows:
        click.echo("nothing is waiting and nothing failed", err=True)


@outbox_group.command("retry")
@click.argument("delivery_id", type=int, required=False)
@click.option("--all-failed", is_flag=True, help="Every failed delivery.")
def outbox_retry(delivery_id: int | None, all_failed: bool) -> None:
    """Try a failed delivery (or --all-failed) again; the running service sends it."""
    from datetime import UTC, datetime

    from ..store import outbox

    if (delivery_id is None) == (not all_failed):
        raise click.UsageError("give one DELIVERY_ID or --all-failed")
    db = open_database()
    count = outbox.retry_failed(db, datetime.now(UTC), delivery_id)
    if delivery_id is not None and not count:
        raise click.ClickException(f"no failed delivery {delivery_id}")
    record_audit(db, "notification.retried", delivery_id, n=count)
    click.echo(f"{count} delivery(ies) will be tried again")


@click.command()
def health() -> None:
    """Print the whole health report as JSON; exit status 1 when it is degraded.

    `GET /api/v1/health` tells anyone only ok or degraded; this says what is wrong (free
    space, schema steps, FAQ errors), for the operator on the server and for monitoring run
    there. It checks from a process of its own: a write failure a running worker saw is on
    the admin settings page in the browser.
    """
    from .. import create_app
    from ..server.storage_health import health_report
    from ..store.app_db import connect

    try:
        app = create_app()
        with app.app_context():
            db = connect(app.config["DATABASE"])
            try:
                report = health_report(db)
            finally:
                db.close()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    except sqlite3.Error as error:
        raise click.ClickException(f"the database cannot be read: {error}") from None
    click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    if report["status"] != "ok":
        raise SystemExit(1)
