"""Sending what the outbox holds: one daemon thread per worker process.

The thread claims due rows one at a time (`outbox.claim_next`, so several workers never send
one row at once), sends each through the `Notifier`, and then deletes the row, puts it back
with a doubled wait, or marks it failed for good, with an audit entry admins see. It sleeps
until the next row is due, a request of its own process wakes it after a commit that added
rows, or at most `POLL_SECONDS` pass (rows another process wrote and could not send, leases
of a killed process). Times come from `clock`, so tests drive `run_once` with chosen moments.

A graceful stop must not leave a sent delivery behind as `sending` (it would be sent again
once its lease ran out). So at SIGTERM the thread claims nothing more (`stop`, server/serving.py),
and the worker does not exit before the delivery in progress is done and its outcome written
(`close`): an attempt is bounded by its timeout (cutoff.py), so that wait is bounded too, and
gunicorn's graceful timeout is made long enough for it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlite_utils import Database

from ..store import audit, outbox
from ..store.conversations import ConversationNotFound
from ..store.sqlite import BUSY_TIMEOUT_MS, connect, write_transaction
from .notifier import NotConfigured, Notifier, reason, transient

# The notify logger: the operator's log says in one place what happened to notifications.
log = logging.getLogger("widget_api.notifications.notifier")
POLL_SECONDS = 30.0
ERROR_PAUSE_SECONDS = 5.0
MIN_PAUSE_SECONDS = 0.01
STOP_MARGIN_SECONDS = 2.0


def stop_seconds(attempt_seconds: float) -> float:
    """How long a stop waits for the delivery in progress: one attempt (its whole timeout,
    cutoff.py) and one write of its outcome, which may wait for the database's lock."""
    return attempt_seconds + BUSY_TIMEOUT_MS / 1000 + STOP_MARGIN_SECONDS


def _utc_now() -> datetime:
    return datetime.now(UTC)


class OutboxSender:
    """Sends the outbox's deliveries on a daemon thread started per worker process."""

    def __init__(
        self, notifier: Notifier, database: str, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self.notifier, self.database, self.clock = notifier, database, clock
        # Tests that drive run_once themselves turn this off, so no thread competes.
        self.autostart = True
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._progress = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def ensure_started(self) -> None:
        """Start this process's thread unless it runs already (or nothing is ever sent)."""
        if not (self.autostart and self.notifier.enabled) or self._stop.is_set():
            return
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid == os.getpid() and self._thread and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._loop, name="outbox", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Look at the outbox now: rows were just committed."""
        self.ensure_started()
        self._wake.set()

    def stop(self) -> None:
        """Claim nothing more; the delivery in progress is finished and its outcome stored.

        Returns at once, so a signal handler can call it (server/serving.py, at SIGTERM).
        """
        self._stop.set()
        self._wake.set()

    @property
    def stop_seconds(self) -> float:
        """How long the delivery in progress may still take, with writing down its outcome."""
        return stop_seconds(self.notifier.attempt_seconds)

    def close(self, timeout: float | None = None) -> bool:
        """Stop, and wait until the delivery in progress is done (at most `stop_seconds`).

        False if the thread still runs: a process exiting then leaves that delivery `sending`
        until its lease runs out, and it may be sent twice.
        """
        self.stop()
        thread = self._thread
        if thread is None or thread.ident == threading.get_ident():
            return True
        thread.join(self.stop_seconds if timeout is None else timeout)
        if thread.is_alive():
            log.error("outbox: a delivery was still being sent at the stop; it may be sent twice")
            return False
        return True

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until nothing is pending or being sent (for tests); False on timeout."""
        self.wake()
        db = connect(self.database)
        try:

            def idle() -> bool:
                counts = outbox.status_counts(db)
                return counts["pending"] + counts["sending"] == 0

            with self._progress:
                return self._progress.wait_for(idle, timeout)
        finally:
            db.close()

    def run_once(self, db: Database, now: datetime | None = None) -> bool:
        """Claim one due delivery and attempt it; False when none was due at `now`."""
        now = now or self.clock()
        row = outbox.claim_next(db, now, self.notifier.lease)
        if row is None:
            return False
        self._attempt(db, row, now)
        return True

    def _attempt(self, db: Database, row: dict, now: datetime) -> None:
        kind, cid = row["kind"], row["conversation_id"]
        label = "webhook" if kind == "webhook" else "e-mail"
        try:
            self.notifier.deliver(db, row)
        except ConversationNotFound:
            outbox.finish(db, row["id"], row["claim"])  # erased meanwhile: nobody to tell
            return
        except Exception as error:  # the sender must outlive every failure
            why = reason(error)
            if transient(error) and row["attempts"] < self.notifier.max_attempts(kind):
                log.warning("%s for conversation %s failed: %s; will try again", label, cid, why)
                due = now + self.notifier.backoff(row["attempts"])
                outbox.retry_later(db, row["id"], row["claim"], due, why)
                return
            refused = isinstance(error, NotConfigured) or why.startswith("refused")
            log.log(
                logging.ERROR if refused else logging.WARNING,
                "%s for conversation %s %s",
                label,
                cid,
                why if refused else f"failed: {why}",
            )
            with write_transaction(db):
                if outbox.give_up(db, row["id"], row["claim"], why):
                    audit.record(
                        db,
                        "notification.failed",
                        actor="system",
                        target=cid,
                        details={"kind": kind, "delivery": row["id"], "attempts": row["attempts"]},
                    )
            return
        if outbox.finish(db, row["id"], row["claim"]):
            log.info("%s for conversation %s sent", label, cid)
        else:
            # Its lease ran out during the send, so another sender may send it again.
            log.warning(
                "%s for conversation %s sent, but its claim had lapsed; it may be sent twice",
                label,
                cid,
            )

    def _loop(self) -> None:
        db: Database | None = None
        while not self._stop.is_set():
            self._wake.clear()
            pause = POLL_SECONDS
            try:
                db = db or connect(self.database)
                while not self._stop.is_set() and self.run_once(db):
                    self._notify_progress()
                due = outbox.next_due(db)
                if due is not None:
                    left = (datetime.fromisoformat(due) - self.clock()).total_seconds()
                    pause = min(pause, max(left, MIN_PAUSE_SECONDS))
            except Exception:  # storage trouble: keep the thread, look again shortly
                log.exception("outbox: sending interrupted; trying again shortly")
                if db is not None:
                    db.close()
                db = None
                pause = ERROR_PAUSE_SECONDS
            self._notify_progress()
            self._wake.wait(pause)
        if db is not None:
            db.close()

    def _notify_progress(self) -> None:
        with self._progress:
            self._progress.notify_all()
