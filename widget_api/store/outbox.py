"""The outbox: notifications waiting to be sent, in the database. All SQL for them is here.

A new handoff's staff e-mail and webhook, and a staff reply's e-mail to the visitor, are rows
written in the same transaction as the handoff or the reply, so what was stored is announced
even when the process dies right after: a restart finds the row. Rows hold ids and a
delivery key only; the e-mail or document is built from the conversation when it is sent,
and erasing the conversation deletes its rows (foreign keys, and `erasure` explicitly).

A worker sends a row only after claiming it with one conditional UPDATE (checked by its row
count) that marks it `sending` under a random claim with a lease. Of several worker processes
exactly one wins a row. Only the claim's holder may finish it: a sent row is deleted, a failed
one goes back to `pending` with a later due time, or to `failed` for good. A claim whose lease
ran out belonged to a process that died mid-send; it is claimed again, so a delivery is sent
at least once, and twice only if a process died after the receiver took it but before the
row was deleted.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from .sqlite import stored_time, write_transaction

KINDS = ("staff_email", "visitor_email", "webhook")
_CLAIMABLE = "((status = 'pending' AND due_at <= ?) OR (status = 'sending' AND lease_until <= ?))"
_COLUMNS = (
    "id, kind, conversation_id, message_id, delivery_key, status, attempts, due_at, "
    "lease_until, last_error, created_at"
)


def enqueue(
    db: Database, kind: str, conversation_id: str, at: str, message_id: int | None = None
) -> int:
    """Add one delivery, due at once; in the caller's transaction. Returns its id."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    cursor = db.execute(
        "INSERT INTO outbox (kind, conversation_id, message_id, delivery_key, due_at, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [kind, conversation_id, message_id, secrets.token_hex(16), at, at],
    )
    return cursor.lastrowid


def enqueue_reply_mail(db: Database, conversation_id: str, message_id: int, at: str) -> bool:
    """Add the e-mail of a staff reply if the visitor left an address with consent.

    Decided by the stored conversation in the same statement, so a reply to a visitor without
    an address (or consent) never becomes a row. True when a row was added.
    """
    cursor = db.execute(
        "INSERT INTO outbox (kind, conversation_id, message_id, delivery_key, due_at, "
        "created_at) SELECT 'visitor_email', id, ?, ?, ?, ? FROM conversations "
        "WHERE id = ? AND email IS NOT NULL AND consent_at IS NOT NULL",
        [message_id, secrets.token_hex(16), at, at, conversation_id],
    )
    return cursor.rowcount == 1


def claim_next(db: Database, now: datetime, lease: timedelta) -> dict[str, Any] | None:
    """Claim the delivery due first, or one whose sender's lease ran out; None if none is.

    The claim is one conditional UPDATE checked by its row count, inside `BEGIN IMMEDIATE`:
    of any number of processes asking at once, exactly one gets each row. The returned row
    carries the `claim` that `finish`, `retry_later` and `give_up` need.
    """
    at = stored_time(now)
    with write_transaction(db):
        found = db.execute(
            f"SELECT id FROM outbox WHERE {_CLAIMABLE} ORDER BY due_at, id LIMIT 1", [at, at]
        ).fetchall()
        if not found:
            return None
        row = found[0]
        claim = secrets.token_hex(16)
        cursor = db.execute(
            "UPDATE outbox SET status = 'sending', claim = ?, lease_until = ?, "
            f"attempts = attempts + 1 WHERE id = ? AND {_CLAIMABLE}",
            [claim, stored_time(now + lease), row[0], at, at],
        )
        if cursor.rowcount != 1:
            return None
        [claimed] = db.query(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", [row[0]])
    return {**claimed, "claim": claim}


def finish(db: Database, delivery_id: int, claim: str) -> bool:
    """A sent delivery is done: its row goes. False if the claim was lost meanwhile."""
    with write_transaction(db):
        cursor = db.execute("DELETE FROM outbox WHERE id = ? AND claim = ?", [delivery_id, claim])
    return cursor.rowcount == 1


def retry_later(db: Database, delivery_id: int, claim: str, due: datetime, error: str) -> bool:
    """Back to `pending`, due at `due`, with the reason of the failed attempt."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE outbox SET status = 'pending', due_at = ?, claim = NULL, lease_until = NULL, "
            "last_error = ? WHERE id = ? AND claim = ?",
            [stored_time(due), error, delivery_id, claim],
        )
    return cursor.rowcount == 1


def give_up(db: Database, delivery_id: int, claim: str, error: str) -> bool:
    """Mark a delivery `failed` for good (kept for admins to see and try again).

    In the caller's transaction (with the audit entry of the failure)."""
    cursor = db.execute(
        "UPDATE outbox SET status = 'failed', claim = NULL, lease_until = NULL, last_error = ? "
        "WHERE id = ? AND claim = ?",
        [error, delivery_id, claim],
    )
    return cursor.rowcount == 1


def next_due(db: Database) -> str | None:
    """When the next delivery becomes claimable (a due time or a lease's end), or None."""
    [(due,)] = db.execute(
        "SELECT MIN(CASE status WHEN 'pending' THEN due_at ELSE lease_until END) FROM outbox "
        "WHERE status IN ('pending', 'sending')"
    ).fetchall()
    return due


def status_counts(db: Database) -> dict[str, int]:
    """How many deliveries are pending, sending and failed."""
    counts = dict.fromkeys(("pending", "sending", "failed"), 0)
    for status, count in db.execute(
        "SELECT status, COUNT(*) FROM outbox GROUP BY status"
    ).fetchall():
        counts[status] = count
    return counts


def deliveries(db: Database, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Deliveries not yet sent, oldest first; only those with `status` when given."""
    where, params = ("status = ?", [status]) if status else ("1", [])
    return list(
        db.query(
            f"SELECT {_COLUMNS} FROM outbox WHERE {where} ORDER BY created_at, id LIMIT ?",
            [*params, limit],
        )
    )


def retry_failed(db: Database, now: datetime, delivery_id: int | None = None) -> int:
    """Make failed deliveries (one, or all) due again with a fresh count; returns how many."""
    where, params = ("status = 'failed'", [])
    if delivery_id is not None:
        where, params = "status = 'failed' AND id = ?", [delivery_id]
    return db.execute(
        f"UPDATE outbox SET status = 'pending', attempts = 0, due_at = ? WHERE {where}",
        [stored_time(now), *params],
    ).rowcount


def delete_for_conversations(db: Database, conversation_ids: list[str]) -> int:
    """Delete the deliveries of these conversations (erasure); returns how many."""
    marks = ", ".join("?" * len(conversation_ids))
    return db.execute(
        f"DELETE FROM outbox WHERE conversation_id IN ({marks})", conversation_ids
    ).rowcount
