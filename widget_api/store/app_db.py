"""The database in the app: created and migrated at start-up, one connection per request.

How a connection is opened (the pragmas) and how a write transaction works is in sqlite.py.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g
from sqlite_utils import Database
from werkzeug.routing import IntegerConverter, ValidationError

from ..privacy.private_files import create_private_file, warn_if_readable_by_others
from . import migrations
from .sqlite import BUSY_TIMEOUT_MS, MAX_INTEGER, connect, write_transaction

__all__ = ["BUSY_TIMEOUT_MS", "close_db", "connect", "get_db", "init_app", "write_transaction"]


class RowIdConverter(IntegerConverter):
    """`<int:...>` in a route: a number SQLite cannot store names no row, so it is a 404.

    Without this bound, /staff/drafts/99999999999999999999999/accept reached the store and
    sqlite3 raised OverflowError: a 500. Registered as the app's `int` converter, it covers
    every route with an integer id, present and future.
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if not -MAX_INTEGER - 1 <= number <= MAX_INTEGER:
            raise ValidationError()
        return number


def init_database(path: str | Path) -> list[str]:
    """Create the file, switch it to WAL and apply every migration not yet applied.

    A database this creates is 0600 in a 0700 folder (privacy/private_files.py), and so are the
    `-wal` and `-shm` files SQLite makes beside it. A database that exists keeps its mode (a
    warning names it when others can read it); a `file:` URI is opened as it is.
    """
    if not str(path).startswith("file:") and not create_private_file(path):
        warn_if_readable_by_others(path)
    db = connect(path)
    try:
        db.conn.execute("PRAGMA journal_mode = WAL")
        return migrations.migrate(db)
    finally:
        db.close()


def get_db() -> Database:
    """The request's connection, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_error: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    """Create or migrate the database at start-up and close connections after each request."""
    init_database(app.config["DATABASE"])
    app.teardown_appcontext(close_db)
