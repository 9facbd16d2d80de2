"""How the bot is doing: answers, suggestions and handoffs counted per day, without any text.

Counting happens in memory and is written in batches, so asking a question costs no write of
its own (every write is a synced commit under synchronous=FULL). A crash loses at most the
last few seconds of counts, which a statistics page can afford.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import Counter
from datetime import UTC, datetime

from sqlite_utils import Database

from . import store

log = logging.getLogger(__name__)
FLUSH_SECONDS = 10.0
FLUSH_COUNT = 200


class AskCounter:
    """Counts asks per (day, lang, outcome) and adds them to the database now and then."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()
        self._flushed_at = time.monotonic()

    def count(self, lang: str, outcome: str, db_factory) -> None:
        """Count one ask; write the batch when it is large or old enough."""
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        with self._lock:
            self._counts[(day, lang, outcome)] += 1
            due = (
                sum(self._counts.values()) >= FLUSH_COUNT
                or time.monotonic() - self._flushed_at >= FLUSH_SECONDS
            )
        if due:
            try:
                db = db_factory()
            except sqlite3.Error as error:
                # Counting must never cost a visitor their answer; try again next time.
                log.warning("statistics not written, kept for later: %s", error)
                return
            self.flush(db)

    def flush(self, db: Database) -> None:
        """Write what was counted; on a storage error keep it for the next try."""
        with self._lock:
            batch, self._counts = self._counts, Counter()
            self._flushed_at = time.monotonic()
        try:
            store.add_ask_counts(db, dict(batch))
        except sqlite3.Error as error:
            log.warning("statistics not written, kept for later: %s", error)
            with self._lock:
                self._counts.update(batch)
