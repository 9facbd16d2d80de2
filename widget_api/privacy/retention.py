"""Retention: what is deleted when, and the daily run that does it exactly once.

`purge` applies the `RETENTION_*` settings in one transaction and returns counts per kind,
never content; with `dry_run` the same transaction is rolled back, so the counts are exactly
what a real run would remove. Deleting goes through `erasure.erase_conversations`, the
same function as a visitor's own delete and `gdpr erase`.

The running service purges by itself: each worker process has a daemon thread that checks every
`MAINTENANCE_CHECK_SECONDS` whether today's (UTC) run is due, and runs it only after claiming
the `maintenance` row with one conditional UPDATE, so of several processes exactly one runs it
a day. A run ends with VACUUM and a WAL truncation, so the file keeps no deleted text. A claim
not marked finished within an hour is taken over: its process was killed mid-run, and purging
again is safe (every step deletes only what is still due).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlite_utils import Database

from ..store import (
    audit,
    conversations,
    erasure,
    faq_versions,
    maintenance,
    question_log,
    staff_queue,
)
from ..store.sqlite import connect, days_ago, write_transaction
from ..store.staff_sessions import SessionLifetimes, purge_expired_sessions

log = logging.getLogger(__name__)
JOB = "purge"


@dataclass(frozen=True)
class RetentionPolicy:
    """Days after which each kind of data goes; 0 turns that rule off."""

    closed_days: int = 90
    inactive_close_days: int = 30
    question_log_days: int = 30
    audit_days: int = 365
    faq_versions_days: int = 365
    # Not days: a staff sign-in's row goes as soon as the sign-in is over.
    sessions: SessionLifetimes = field(default_factory=SessionLifetimes)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RetentionPolicy:
        """The policy the settings describe (checked where they are declared)."""
        names = {
            "closed_days": "RETENTION_CLOSED_DAYS",
            "inactive_close_days": "RETENTION_INACTIVE_CLOSE_DAYS",
            "question_log_days": "RETENTION_QUESTION_LOG_DAYS",
            "audit_days": "RETENTION_AUDIT_DAYS",
            "faq_versions_days": "RETENTION_FAQ_VERSIONS_DAYS",
        }
        values = {key: config[name] for key, name in names.items()}
        return cls(**values, sessions=SessionLifetimes.from_config(config))


def purge(
    db: Database,
    now: datetime | None = None,
    dry_run: bool = False,
    policy: RetentionPolicy | None = None,
) -> dict[str, int]:
    """Delete what the policy says is due; returns counts per kind (nothing is kept on dry_run).

    Closed conversations past `closed_days` go first, then conversations idle for
    `inactive_close_days` are closed (their deletion clock starts now), then old questions,
    feedback, idempotency keys, audit entries, staff sign-ins that are over and old
    versions of FAQ entries. Does not
    compact the file: see `run`.
    """
    now = now or datetime.now(UTC)
    policy = policy or RetentionPolicy()
    counts = dict.fromkeys(
        (
            "conversations_deleted",
            "messages_deleted",
            "notes_deleted",
            "drafts_deleted",
            "ratings_deleted",
            "conversations_closed",
            "questions_deleted",
            "feedback_deleted",
            "idempotency_keys_deleted",
            "audit_entries_deleted",
            "staff_sessions_deleted",
            "faq_versions_deleted",
        ),
        0,
    )
    with write_transaction(db, commit=not dry_run):
        if policy.closed_days:
            ids = erasure.closed_before(db, days_ago(policy.closed_days, now))
            erased = erasure.erase_conversations(db, ids)
            for kind in ("conversations", "messages", "notes", "drafts", "ratings"):
                counts[f"{kind}_deleted"] += erased[kind]
            counts["questions_deleted"] += erased["question_log"]
            counts["feedback_deleted"] += erased["feedback"]
        if policy.inactive_close_days:
            counts["conversations_closed"] = staff_queue.close_inactive(
                db, days_ago(policy.inactive_close_days, now), now
            )
        if policy.question_log_days:
            old = question_log.purge_question_log(db, days_ago(policy.question_log_days, now))
            counts["questions_deleted"] += old["question_log"]
            counts["feedback_deleted"] += old["feedback"]
        counts["idempotency_keys_deleted"] = conversations.purge_idempotency_keys(db, now)
        if policy.audit_days:
            counts["audit_entries_deleted"] = audit.purge(db, days_ago(policy.audit_days, now))
        counts["staff_sessions_deleted"] = purge_expired_sessions(db, now, policy.sessions)
        if policy.faq_versions_days:
            counts["faq_versions_deleted"] = faq_versions.purge(
                db, days_ago(policy.faq_versions_days, now)
            )
    return counts


def run(db: Database, policy: RetentionPolicy, actor: str, now: datetime | None = None) -> dict:
    """Purge, record it in the audit log, and compact the file so no deleted text stays."""
    counts = purge(db, now, policy=policy)
    with write_transaction(db):
        audit.record(db, "retention.purged", actor=actor, details=counts, now=now)
    maintenance.compact_database(db)
    return counts


def run_daily_if_due(
    database: str, policy: RetentionPolicy, now: datetime | None = None
) -> dict[str, int] | None:
    """Run today's purge if no process has yet; the counts, or None when it was not due."""
    now = now or datetime.now(UTC)
    db = connect(database)
    try:
        claim = maintenance.claim_daily_job(db, JOB, now)
        if claim is None:
            return None
        try:
            counts = run(db, policy, "system", now)
        except BaseException:
            maintenance.release_daily_job(db, JOB, claim)
            raise
        maintenance.finish_daily_job(db, JOB, claim, datetime.now(UTC))
        log.info("retention run: %s", audit.describe(counts))
        return counts
    finally:
        db.close()


class DailyMaintenance:
    """A daemon thread per worker process that runs `run_daily_if_due` every few minutes.

    Started on the first request, not in create_app, so a process forked after create_app
    (gunicorn's workers) starts its own; the row claim keeps the run to one a day.
    """

    def __init__(self, database: str, policy: RetentionPolicy, interval: float) -> None:
        self.database, self.policy, self.interval = database, policy, interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._checked = threading.Condition()
        self.checks = 0  # checks finished in this process, run or not

    def ensure_started(self) -> None:
        """Start this process's thread unless it runs already."""
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid == os.getpid() and self._thread and self._thread.is_alive():
                return
            self._stop.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._loop, name="maintenance", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Stop the thread (after a run in progress finishes)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run_daily_if_due(self.database, self.policy)
            except Exception:  # the thread must outlive a failed run; the next check retries
                log.exception("retention run failed; it is tried again at the next check")
            with self._checked:
                self.checks += 1
                self._checked.notify_all()
            self._stop.wait(self.interval)

    def wait_for_checks(self, count: int, timeout: float) -> bool:
        """Wait until this process has finished `count` checks; False if `timeout` passed first.

        Lets a caller (a test, an operator's script) know a check happened instead of guessing
        from elapsed time.
        """
        with self._checked:
            return self._checked.wait_for(lambda: self.checks >= count, timeout)


def init_app(app: Flask) -> None:
    """Start the daily maintenance with the first request (unless it is off, or testing)."""
    policy = RetentionPolicy.from_config(app.config)
    interval = app.config["MAINTENANCE_CHECK_SECONDS"]
    if not interval or app.testing:
        return
    maintenance = DailyMaintenance(app.config["DATABASE"], policy, interval)
    app.extensions["maintenance"] = maintenance
    app.before_request(maintenance.ensure_started)
