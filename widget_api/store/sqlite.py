"""Opening the SQLite file and writing to it in one transaction, with no Flask imports.

`connect` is the only place that opens a connection: the service's requests (app_db.py), the
ask path's writer, the outbox sender, retention, the CLI and backup and restore all come
through it, so every connection has the same pragmas. The conversation store, the migrations
and retention use these directly, so they stay plain Python that can be tested and benchmarked
alone; app_db.py adds the per-request connection.
WAL lets readers and the one writer work side by side across worker processes;
`synchronous=FULL` makes an acknowledged write survive a crash or power loss; the busy timeout
makes a writer wait for another process's transaction instead of failing at once.
`secure_delete` zeroes whatever a delete or an update frees, on every connection, so deleted
text is not left behind in the file's free space (privacy/retention.py compacts the file daily too).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

BUSY_TIMEOUT_MS = 10_000
# The largest INTEGER SQLite stores; a larger Python int cannot even be bound to a query.
MAX_INTEGER = 2**63 - 1
# FULL everywhere but on the ask path's writer, which uses NORMAL (see connect).
SYNCHRONOUS_MODES = ("FULL", "NORMAL")


def stored_time(moment: datetime | None = None) -> str:
    """A moment (default: now) as every table stores times: ISO 8601 in UTC, to the
    millisecond, so that stored times compare and sort correctly as text."""
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds")


def days_ago(days: int, now: datetime | None = None) -> str:
    """The moment `days` days before `now` (default: now), as stored times are written."""
    return stored_time((now or datetime.now(UTC)) - timedelta(days=days))


def connect(
    path: str | Path, *, synchronous: str = "FULL", busy_timeout_ms: int = BUSY_TIMEOUT_MS
) -> Database:
    """Open the database with this project's pragmas; autocommit unless a transaction is begun.

    A `path` starting with `file:` is opened as an SQLite URI: `file:/srv/w.sqlite3?mode=ro`
    opens the database read-only (the storage-fault tests use that for a read-only database).
    `synchronous="NORMAL"` is for the ask path's writer only (visitor/ask_records.py says why
    it may skip the disk sync); a shorter `busy_timeout_ms` is for restore's check that no
    other process has the file open, which must not wait 10 seconds to find out.
    """
    if synchronous not in SYNCHRONOUS_MODES:
        raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}")
    conn = sqlite3.connect(
        str(path),
        timeout=busy_timeout_ms / 1000,
        isolation_level=None,
        check_same_thread=False,
        uri=str(path).startswith("file:"),
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
    except BaseException:
        # A storage fault (file unreadable, read-only or full filesystem) can fail these. Close
        # now: the traceback would keep the file open until the garbage collector runs, so a
        # read-only mount could not even be unmounted (tests/test_faults.py).
        conn.close()
        raise
    return Database(conn)


@contextmanager
def write_transaction(db: Database, commit: bool = True) -> Iterator[Database]:
    """`BEGIN IMMEDIATE` ... `COMMIT`: takes the write lock first, so no upgrade deadlock.

    Not sqlite-utils' `db.atomic()`: that begins with a plain (deferred) `BEGIN`, and a
    transaction that reads before it writes can then fail with SQLITE_BUSY at its first
    write, whatever the busy timeout, when another process wrote in between. Inside this
    transaction sqlite-utils' own writes (`table.insert`) nest as savepoints.

    With commit=False the work is rolled back at the end instead (a dry run that counts
    exactly what a real run would do).
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.conn.execute("COMMIT" if commit else "ROLLBACK")
    except BaseException:
        # SQLite has already rolled back after some errors (SQLITE_FULL, SQLITE_IOERR: a full
        # disk); a ROLLBACK then fails with "no transaction is active" and hides the real
        # error from the log. A COMMIT that failed (the disk filled up while the WAL was
        # written) is rolled back here too, not left open on the connection.
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
