"""The database in the app: created and migrated at start-up, one connection per request.

How a connection is opened (the pragmas) and how a write transaction works is in sqlite.py.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlite_utils import Database
from werkzeug.routing import IntegerConverter, ValidationError

from .migrations import init_database
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
