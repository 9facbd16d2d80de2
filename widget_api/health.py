"""What `GET /api/v1/health` says about storage, so a monitor sees a failing disk early.

Reading the database proves little: a read-only mount or a full disk still reads fine while
every handoff answers 503. So the database counts as "degraded" when, in this process, a
write failed within the last `RECENT_FAILURE_SECONDS` (each worker process keeps its own
record: the database is the shared place and is what failed), or when the filesystem that
holds it has less than `HEALTH_MIN_FREE_MB` left. The record holds the error's kind and
time, never request content. It clears by itself: a fault that is gone stops producing
failures, and the record ages out.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlite_utils import Database

from .settings import SettingsError

RECENT_FAILURE_SECONDS = 60.0


class StorageHealth:
    """The last storage failure of this process, and the storage status built from it."""

    def __init__(self, min_free_bytes: int) -> None:
        self.min_free_bytes = min_free_bytes
        self._lock = threading.Lock()
        self._failed_at: float | None = None  # time.monotonic() of the last failure
        self._last_error: dict[str, str] | None = None

    def record_failure(self, error: sqlite3.Error) -> None:
        """Remember that storage failed now (the message is SQLite's, e.g. 'disk is full')."""
        with self._lock:
            self._failed_at = time.monotonic()
            self._last_error = {
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "message": str(error)[:200],
            }

    def status(self, db: Database) -> dict[str, Any]:
        """The database part of the health answer; raises sqlite3.Error if it cannot be read."""
        (applied,) = db.execute("SELECT COUNT(*) FROM _migrations").fetchone()
        (journal,) = db.execute("PRAGMA journal_mode").fetchone()
        file = next(row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main")
        free = shutil.disk_usage(Path(file).parent).free if file else None
        with self._lock:
            failed_at, last_error = self._failed_at, self._last_error
        problems = []
        if failed_at is not None and time.monotonic() - failed_at < RECENT_FAILURE_SECONDS:
            problems.append("recent_write_failure")
        if free is not None and free < self.min_free_bytes:
            problems.append("low_disk_space")
        return {
            "status": "degraded" if problems else "ok",
            "problems": problems,
            "free_bytes": free,
            "last_error": last_error,
            "migrations": applied,
            "journal_mode": journal,
        }


def storage_health() -> StorageHealth:
    """This app's storage health record."""
    return current_app.extensions["storage_health"]


def init_app(app: Flask) -> None:
    """Create the record the error handlers fill and the health endpoint reads."""
    minimum = app.config["HEALTH_MIN_FREE_MB"]
    if minimum < 0:
        raise SettingsError("HEALTH_MIN_FREE_MB must be 0 (off) or a number of megabytes")
    app.extensions["storage_health"] = StorageHealth(int(minimum * 1024 * 1024))
