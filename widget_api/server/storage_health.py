"""What `GET /api/v1/health` says about storage, so a monitor sees a failing disk early.

Reading the database proves little: a read-only mount or a full disk still reads fine while
every handoff answers 503. So the database counts as "degraded" when, in this process, a
write failed within the last `RECENT_FAILURE_SECONDS` (each worker process keeps its own
record: the database is the shared place and is what failed), or when the filesystem that
holds it has less than `HEALTH_MIN_FREE_MB` left. The record holds the error's kind and
time, never request content. It clears by itself: a fault that is gone stops producing
failures, and the record ages out.

Anyone may ask `GET /api/v1/health`, so it answers with status words only (`public_health`):
the free bytes, SQLite's error text, the schema steps and the FAQ's errors would tell an
attacker when the disk is nearly full or what failed. The whole report (`health_report`) is
for the admin settings page and `widget-api health`.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlite_utils import Database

from ..store.maintenance import database_facts

RECENT_FAILURE_SECONDS = 60.0


class StorageHealth:
    """The last storage failure of this process, and the storage status built from it.

    `clock` (default `time.monotonic`) decides when a failure has aged out; tests pass one
    they move, instead of sleeping past `RECENT_FAILURE_SECONDS`.
    """

    def __init__(self, min_free_bytes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.min_free_bytes = min_free_bytes
        self.clock = clock
        self._lock = threading.Lock()
        self._failed_at: float | None = None  # clock() at the last failure
        self._last_error: dict[str, str] | None = None

    def record_failure(self, error: sqlite3.Error) -> None:
        """Remember that storage failed now (the message is SQLite's, e.g. 'disk is full')."""
        with self._lock:
            self._failed_at = self.clock()
            self._last_error = {
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "message": str(error)[:200],
            }

    def status(self, db: Database) -> dict[str, Any]:
        """The database part of the health answer; raises sqlite3.Error if it cannot be read."""
        facts = database_facts(db)
        file = facts["file"]
        free = shutil.disk_usage(Path(file).parent).free if file else None
        with self._lock:
            failed_at, last_error = self._failed_at, self._last_error
        problems = []
        if failed_at is not None and self.clock() - failed_at < RECENT_FAILURE_SECONDS:
            problems.append("recent_write_failure")
        if free is not None and free < self.min_free_bytes:
            problems.append("low_disk_space")
        return {
            "status": "degraded" if problems else "ok",
            "problems": problems,
            "free_bytes": free,
            "last_error": last_error,
            "migrations": facts["migrations"],
            "journal_mode": facts["journal_mode"],
        }


def storage_health() -> StorageHealth:
    """This app's storage health record."""
    return current_app.extensions["storage_health"]


def health_report(db: Database) -> dict[str, Any]:
    """Everything about the service's health, for admins and the CLI (not for visitors).

    Raises sqlite3.Error when the database cannot be read (the API answers 503 then).
    """
    faq = current_app.extensions["faq_library"].status()
    database = storage_health().status(db)
    status = "ok" if faq["status"] == "ok" and database["status"] == "ok" else "degraded"
    return {"status": status, "database": database, "faq": faq}


def public_health(report: Mapping[str, Any]) -> dict[str, Any]:
    """What anyone may see of a report: the status words and nothing else."""
    return {
        "status": report["status"],
        "database": {"status": report["database"]["status"]},
        "faq": {"status": report["faq"]["status"]},
    }


def init_app(app: Flask) -> None:
    """Create the record the error handlers fill and the health endpoint reads."""
    minimum = app.config["HEALTH_MIN_FREE_MB"]
    app.extensions["storage_health"] = StorageHealth(int(minimum * 1024 * 1024))
