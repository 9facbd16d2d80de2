"""The staff side of the conversation store: the queues, claims, replies, notes and closing.

All SQL for these is here; the messages they add are written by `conversations.insert_message`,
the same as the visitor's. A claim is one conditional UPDATE, so two staff members claiming at
once cannot both win.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from . import outbox
from .conversations import ID_SHAPE, ConversationNotFound, insert_message
from .sqlite import stored_time, write_transaction

QUEUE_FILTERS = ("new", "mine", "waiting", "closed")
QUEUE_PAGE_SIZE = 50
_STORED_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")
_QUEUE_COLUMNS = (
    "id, status, lang, question, name, email, assigned_to, created_at, updated_at, "
    "last_visitor_at, first_staff_reply_at"
)


class AlreadyClaimed(RuntimeError):
    """Another staff member claimed the conversation first."""


class BadCursor(ValueError):
    """A page cursor that this store did not make (edited by hand, or cut off)."""


@dataclass(frozen=True)
class QueuePage:
    """One page of a queue: its conversations, how many the queue holds in all, and the
    cursor of the next page (None on the last)."""

    items: list[dict[str, Any]]
    total: int
    next_after: str | None


def _queue_where(queue: str, staff_id: int | None) -> tuple[str, list[Any]]:
    if queue not in (*QUEUE_FILTERS, "open", "all"):
        raise ValueError(f"queue must be one of {', '.join(QUEUE_FILTERS)}, open or all")
    if queue == "all":
        return "1", []
    if queue == "mine":
        return "status = 'open' AND assigned_to = ?", [staff_id]
    return "status = ?", [queue]


def cursor_of(item: dict[str, Any]) -> str:
    """The page cursor that continues after this conversation: its last change and its id."""
    return f"{item['updated_at']},{item['id']}"


def parse_cursor(after: str) -> tuple[str, str]:
    """(updated_at, id) from a cursor; raises BadCursor for anything cursor_of did not make."""
    updated_at, _, conversation_id = after.rpartition(",")
    if not _STORED_TIME.fullmatch(updated_at) or not ID_SHAPE.fullmatch(conversation_id):
        raise BadCursor("not a queue page cursor")
    return updated_at, conversation_id


def list_queue(
    db: Database,
    queue: str,
    staff_id: int | None = None,
    limit: int = QUEUE_PAGE_SIZE,
    oldest_first: bool = False,
    after: str | None = None,
) -> list[dict[str, Any]]:
    """One page of a queue: `new` (unclaimed), `mine` (open and assigned to staff_id),
    `waiting` (for the visitor), `closed`, `open` (claimed, anyone's) or `all`.

    Newest activity first, or the longest untouched first with `oldest_first`. Pages are
    cut by keyset (`after` is the cursor of the last item seen, see cursor_of), not by
    offset: a page stays right while new handoffs arrive or others are claimed, and a flood
    of new handoffs cannot push the oldest one out of reach. Raises BadCursor.
    """
    where, params = _queue_where(queue, staff_id)
    direction = "ASC" if oldest_first else "DESC"
    if after is not None:
        where += f" AND (updated_at, id) {'>' if oldest_first else '<'} (?, ?)"
        params = [*params, *parse_cursor(after)]
    return list(
        db.query(
            f"SELECT {_QUEUE_COLUMNS} FROM conversations WHERE {where} "
            f"ORDER BY updated_at {direction}, id {direction} LIMIT ?",
            [*params, limit],
        )
    )


def queue_page(
    db: Database,
    queue: str,
    staff_id: int | None = None,
    limit: int = QUEUE_PAGE_SIZE,
    oldest_first: bool = False,
    after: str | None = None,
) -> QueuePage:
    """list_queue with the queue's size and the next page's cursor, as the inbox shows it."""
    items = list_queue(db, queue, staff_id, limit + 1, oldest_first, after)
    where, params = _queue_where(queue, staff_id)
    (total,) = db.execute(f"SELECT COUNT(*) FROM conversations WHERE {where}", params).fetchone()
    more = len(items) > limit
    items = items[:limit]
    return QueuePage(items, total, cursor_of(items[-1]) if more else None)


def claim_conversation(
    db: Database, conversation_id: str, staff_id: int, now: datetime | None = None
) -> None:
    """Assign an unclaimed conversation to staff_id with one conditional UPDATE.

    Of two claims at once exactly one changes the row; the other raises AlreadyClaimed.
    Claiming one's own conversation again is no error. Raises ConversationNotFound.
    """
    cursor = db.execute(
        "UPDATE conversations SET assigned_to = ?, updated_at = ?, "
        "status = CASE WHEN status = 'new' THEN 'open' ELSE status END "
        "WHERE id = ? AND assigned_to IS NULL",
        [staff_id, stored_time(now), conversation_id],
    )
    if cursor.rowcount == 1:
        return
    row = db.execute(
        "SELECT assigned_to FROM conversations WHERE id = ?", [conversation_id]
    ).fetchone()
    if row is None:
        raise ConversationNotFound(conversation_id)
    if row[0] != staff_id:
        raise AlreadyClaimed(conversation_id)


def add_staff_reply(
    db: Database,
    conversation_id: str,
    staff_id: int,
    text: str,
    now: datetime | None = None,
    mail_visitor: bool = False,
) -> dict[str, Any]:
    """Reply to the visitor; the conversation then waits for them. Claims it if unclaimed.

    With `mail_visitor`, the e-mail to a visitor who left an address with consent is put in
    the outbox in the same transaction, so a stored reply is never left unsent.
    """
    at = stored_time(now)
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE conversations SET status = 'waiting', updated_at = ?, "
            "first_staff_reply_at = COALESCE(first_staff_reply_at, ?), "
            "assigned_to = COALESCE(assigned_to, ?) WHERE id = ?",
            [at, at, staff_id, conversation_id],
        )
        if cursor.rowcount != 1:
            raise ConversationNotFound(conversation_id)
        message = insert_message(db, conversation_id, "staff", text, at, staff_id=staff_id)
        if mail_visitor:
            outbox.enqueue_reply_mail(db, conversation_id, message["id"], at)
        return message


def add_note(
    db: Database, conversation_id: str, staff_id: int, text: str, now: datetime | None = None
) -> dict[str, Any]:
    """An internal note: staff only, never shown to the visitor, does not change the queue."""
    with write_transaction(db):
        if db.execute("SELECT 1 FROM conversations WHERE id = ?", [conversation_id]).fetchone():
            return insert_message(
                db, conversation_id, "staff", text, stored_time(now), kind="note", staff_id=staff_id
            )
    raise ConversationNotFound(conversation_id)


def close_conversation(db: Database, conversation_id: str, now: datetime | None = None) -> None:
    """Move a conversation to `closed`; raises ConversationNotFound."""
    _set_status(db, conversation_id, "'closed'", now)


def reopen_conversation(db: Database, conversation_id: str, now: datetime | None = None) -> None:
    """Back to `open` for its assignee, or `new` when nobody claimed it."""
    _set_status(
        db, conversation_id, "CASE WHEN assigned_to IS NULL THEN 'new' ELSE 'open' END", now
    )


def close_inactive(db: Database, before: str, now: datetime | None = None) -> int:
    """Close conversations without any change since `before`; returns how many."""
    return db.execute(
        "UPDATE conversations SET status = 'closed', updated_at = ? "
        "WHERE status != 'closed' AND updated_at < ?",
        [stored_time(now), before],
    ).rowcount


def _set_status(db: Database, conversation_id: str, status_sql: str, now: datetime | None) -> None:
    cursor = db.execute(
        f"UPDATE conversations SET status = {status_sql}, updated_at = ? WHERE id = ?",
        [stored_time(now), conversation_id],
    )
    if cursor.rowcount != 1:
        raise ConversationNotFound(conversation_id)
