"""What the ask path records: answers, suggestions and handoffs counted per day, and the gaps log.

Both are written on the ask path, so asking must stay cheap and must never fail because of
them. Counting happens in memory and is written in batches, so asking a question costs no
write of its own; a crash loses at most the last few seconds of counts, which a statistics
page can afford. A question the FAQ does not answer at once is written to the gaps log
(`question_log`) before the visitor gets the reply, one row each, so a process crash loses no
row that was answered and a visitor's erasure always finds it.

Both go through `AskRecordWriter`, one long-lived connection per worker process. Opening and
closing a connection per request cost far more than the row: closing a process's last
connection to a WAL database checkpoints the WAL (with a disk sync) and deletes it, and the
next write creates it again. The connection uses `synchronous=NORMAL`: a process crash still
loses nothing in WAL mode; a power cut may lose the last few rows and counts, which the gaps
report and the statistics can afford. Each write holds the database's write lock for
microseconds, not for a disk sync, so workers do not queue behind each other.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlite_utils import Database

from ..store import app_db as db_module
from ..store import ask_stats

FLUSH_SECONDS = 10.0
FLUSH_COUNT = 200
T = TypeVar("T")


class AskCounter:
    """Counts asks per (day, lang, outcome), and per (day, page language, answer language)
    when the widget sent its language, and adds them to the database now and then."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._pairs: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()
        self._flushed_at = time.monotonic()

    def count(self, lang: str, outcome: str, page_lang: str | None = None) -> bool:
        """Count one ask answered in `lang` from a page in `page_lang` (if known); True when
        the batch is large or old enough to be written (`flush`)."""
        day = datetime.now(UTC).date().isoformat()
        with self._lock:
            self._counts[(day, lang, outcome)] += 1
            if page_lang is not None:
                self._pairs[(day, page_lang, lang)] += 1
            return (
                self._counts.total() >= FLUSH_COUNT
                or time.monotonic() - self._flushed_at >= FLUSH_SECONDS
            )

    def flush(self, db: Database) -> None:
        """Write what was counted; on a storage error keep it for the next try and raise."""
        with self._lock:
            batch, self._counts = self._counts, Counter()
            pairs, self._pairs = self._pairs, Counter()
            self._flushed_at = time.monotonic()
        try:
            ask_stats.add_ask_counts(db, dict(batch), dict(pairs))
        except sqlite3.Error:
            with self._lock:
                self._counts.update(batch)
                self._pairs.update(pairs)
            raise


class AskRecordWriter:
    """One connection per worker process for the writes of asking, one thread at a time.

    Opened on first use (the app is built in each worker after the fork, so a connection is
    never shared across processes). On any storage error it is closed, so a failed or
    read-only filesystem is not held open, and the next write opens a new one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._db: Database | None = None
        self._path = ""

    def write(self, database: str, work: Callable[[Database], T]) -> T:
        """`work(db)` on this process's connection to `database`; raises sqlite3.Error."""
        with self._lock:
            try:
                return work(self._connection(database))
            except sqlite3.Error:
                self._close()
                raise

    def close(self) -> None:
        """Close the connection (a later write opens a new one)."""
        with self._lock:
            self._close()

    def _connection(self, database: str) -> Database:
        # Another path (the setting changed, as tests do) means another connection.
        if self._db is not None and self._path != database:
            self._close()
        if self._db is None:
            self._db = db_module.connect(database, synchronous="NORMAL")
            self._path = database
        return self._db

    def _close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            # After a storage fault closing may fail too; there is nothing more to do with it.
            with contextlib.suppress(sqlite3.Error):
                db.close()
