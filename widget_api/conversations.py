"""The conversation store: handoffs and their messages, as visitors create and read them.

Plain functions over a sqlite-utils Database, with no Flask imports. A visitor proves access with
a token of 256 random bits that is returned once and stored only as its sha256; it is compared in
constant time, and an unknown id and a wrong token look the same (None). Nothing about the
visitor is stored beyond what they typed and chose to give: no IP address, no user agent.
Times are ISO 8601 in UTC, to the millisecond, so they sort as text. The staff side of the
store is `staff_queue`; erasure and the lookups for it are `erasure`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from . import outbox
from .sqlite import stored_time, write_transaction

IDEMPOTENCY_HOURS = 24
ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_MAX_TOKEN_LENGTH = 200
# Compared against when the id is unknown, so that case costs the same as a wrong token.
_DUMMY_HASH = hashlib.sha256(b"no such conversation").hexdigest()
_MESSAGE_COLUMNS = "id, author, kind, text, created_at, staff_id, in_transcript"


class ConversationNotFound(LookupError):
    """There is no conversation with this id (or it was deleted)."""


class IdempotencyConflict(ValueError):
    """The Idempotency-Key was already used, within 24 hours, with a different body."""


class ConsentRequired(ValueError):
    """A name or e-mail address was given without consent to store it."""


@dataclass(frozen=True)
class Handoff:
    """What the visitor asked a person, as the API validated it."""

    question: str
    lang: str
    name: str | None = None
    email: str | None = None
    consent: bool = False
    transcript: Sequence[tuple[str, str]] = ()

    def body_hash(self) -> str:
        """A hash of the request's content, to tell a retry from a different request."""
        data = [self.question, self.lang, self.name, self.email, self.consent]
        data.append([list(entry) for entry in self.transcript])
        return _sha256(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


@dataclass(frozen=True)
class CreatedHandoff:
    """The answer to a create: the token is here in plain text once and never again."""

    conversation_id: str
    token: str
    status: str
    replayed: bool = False


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _message(row: tuple) -> dict[str, Any]:
    message_id, author, kind, text, created_at, staff_id, in_transcript = row
    return {
        "id": message_id,
        "author": author,
        "kind": kind,
        "text": text,
        "created_at": created_at,
        "staff_id": staff_id,
        "in_transcript": bool(in_transcript),
    }


def insert_message(
    db: Database,
    conversation_id: str,
    author: str,
    text: str,
    at: str,
    kind: str = "message",
    staff_id: int | None = None,
    in_transcript: bool = False,
) -> dict[str, Any]:
    """Add one message or note and return it as the store shows it; in the caller's transaction."""
    cursor = db.execute(
        "INSERT INTO messages (conversation_id, author, kind, text, created_at, staff_id, "
        "in_transcript) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [conversation_id, author, kind, text, at, staff_id, int(in_transcript)],
    )
    return _message((cursor.lastrowid, author, kind, text, at, staff_id, in_transcript))


def _new_conversation_id() -> str:
    """A random id (about 128 bits) that does not start with `-` or `_`.

    Staff pass ids to `widget-api queue show`, where an id that starts with `-` would be
    taken for an option; one draw in 32 starts with one of the two, and is drawn again.
    """
    while True:
        candidate = secrets.token_urlsafe(16)
        if candidate[0].isalnum():
            return candidate


def create_handoff(
    db: Database,
    handoff: Handoff,
    notice_version: str,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    deliveries: Sequence[str] = (),
) -> CreatedHandoff:
    """Store a new conversation, or answer a retry of the same create with a fresh token.

    One `BEGIN IMMEDIATE` transaction: the transcript the bot showed (marked `in_transcript`),
    then the question as the visitor's first message of the thread. Consent is recorded with
    the privacy notice version and the time when a name or e-mail is given. `deliveries` are
    the outbox kinds announcing it (staff e-mail, webhook), written in the same transaction so
    that a stored handoff is never left unannounced; a replay adds none. Raises
    ConsentRequired, or IdempotencyConflict for a used key with a different body.
    """
    if (handoff.name or handoff.email) and not handoff.consent:
        raise ConsentRequired("a name or e-mail address needs the visitor's consent")
    at = stored_time(now)
    token = secrets.token_urlsafe(32)
    key_hash = _sha256(idempotency_key) if idempotency_key is not None else None
    with write_transaction(db):
        purge_idempotency_keys(db, now)
        replayed = _replay(db, key_hash, handoff.body_hash(), token) if key_hash else None
        if replayed is not None:
            return replayed
        conversation_id = _new_conversation_id()
        contact = bool(handoff.name or handoff.email)
        db.execute(
            "INSERT INTO conversations (id, token_hash, status, lang, question, name, email, "
            "consent_at, consent_notice_version, created_at, updated_at, last_visitor_at) "
            "VALUES (?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                conversation_id,
                _sha256(token),
                handoff.lang,
                handoff.question,
                handoff.name,
                handoff.email,
                at if contact else None,
                notice_version if contact else None,
                at,
                at,
                at,
            ],
        )
        for author, text in handoff.transcript:
            insert_message(db, conversation_id, author, text, at, in_transcript=True)
        insert_message(db, conversation_id, "visitor", handoff.question, at)
        for kind in deliveries:
            outbox.enqueue(db, kind, conversation_id, at)
        if key_hash is not None:
            db.execute(
                "INSERT INTO idempotency_keys (key_hash, body_hash, conversation_id, created_at) "
                "VALUES (?, ?, ?, ?)",
                [key_hash, handoff.body_hash(), conversation_id, at],
            )
    return CreatedHandoff(conversation_id, token, "new")


def _replay(db: Database, key_hash: str, body_hash: str, token: str) -> CreatedHandoff | None:
    """A retry's answer: the earlier conversation under a new token (the old one stops working)."""
    row = db.execute(
        "SELECT body_hash, conversation_id FROM idempotency_keys WHERE key_hash = ?", [key_hash]
    ).fetchone()
    if row is None:
        return None
    if not hmac.compare_digest(row[0], body_hash):
        raise IdempotencyConflict("this Idempotency-Key was used for another body")
    db.execute("UPDATE conversations SET token_hash = ? WHERE id = ?", [_sha256(token), row[1]])
    (status,) = db.execute("SELECT status FROM conversations WHERE id = ?", [row[1]]).fetchone()
    return CreatedHandoff(row[1], token, status, replayed=True)


def visitor_may_access(db: Database, conversation_id: str, token: str) -> bool:
    """Whether the token opens this conversation; False alike for unknown id and wrong token."""
    if not isinstance(token, str) or len(token) > _MAX_TOKEN_LENGTH:
        token = ""
    row = None
    if isinstance(conversation_id, str) and ID_SHAPE.fullmatch(conversation_id):
        row = db.execute(
            "SELECT token_hash FROM conversations WHERE id = ?", [conversation_id]
        ).fetchone()
    stored = row[0] if row else _DUMMY_HASH
    matches = hmac.compare_digest(_sha256(token).encode(), stored.encode())
    return matches and row is not None and bool(token)


def get_conversation_for_visitor(
    db: Database, conversation_id: str, token: str
) -> dict[str, Any] | None:
    """The conversation as its visitor may see it, or None (unknown id or wrong token).

    Only messages, never internal notes, and no staff account ids.
    """
    if not visitor_may_access(db, conversation_id, token):
        return None
    row = db.execute(
        "SELECT id, status, lang, question, created_at FROM conversations WHERE id = ?",
        [conversation_id],
    ).fetchone()
    if row is None:
        return None
    rows = db.execute(
        f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND kind = 'message' "
        "ORDER BY id",
        [conversation_id],
    ).fetchall()
    messages = []
    for message in map(_message, rows):
        del message["staff_id"], message["kind"]
        messages.append(message)
    keys = ("id", "status", "lang", "question", "created_at")
    return {**dict(zip(keys, row, strict=True)), "messages": messages}


def get_conversation(db: Database, conversation_id: str) -> dict[str, Any]:
    """Everything about a conversation, notes included, for staff; raises ConversationNotFound."""
    db_rows = db.execute("SELECT * FROM conversations WHERE id = ?", [conversation_id])
    names = [column[0] for column in db_rows.description]
    row = db_rows.fetchone()
    if row is None:
        raise ConversationNotFound(conversation_id)
    conversation = dict(zip(names, row, strict=True))
    del conversation["token_hash"]
    rows = db.execute(
        f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id",
        [conversation_id],
    ).fetchall()
    conversation["messages"] = [_message(r) for r in rows]
    return conversation


def add_visitor_message(
    db: Database, conversation_id: str, text: str, now: datetime | None = None
) -> dict[str, Any]:
    """Add the visitor's follow-up; a waiting or closed conversation comes back to the queue.

    It becomes `open` for the staff member it is assigned to, or `new` when nobody claimed it.
    """
    at = stored_time(now)
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE conversations SET updated_at = ?, last_visitor_at = ?, status = CASE "
            "WHEN status IN ('waiting', 'closed') AND assigned_to IS NOT NULL THEN 'open' "
            "WHEN status IN ('waiting', 'closed') THEN 'new' ELSE status END WHERE id = ?",
            [at, at, conversation_id],
        )
        if cursor.rowcount != 1:
            raise ConversationNotFound(conversation_id)
        return insert_message(db, conversation_id, "visitor", text, at)


def purge_idempotency_keys(db: Database, now: datetime | None = None) -> int:
    """Forget Idempotency-Keys older than 24 hours; returns how many."""
    cutoff = stored_time((now or datetime.now(UTC)) - timedelta(hours=IDEMPOTENCY_HOURS))
    return db.execute("DELETE FROM idempotency_keys WHERE created_at < ?", [cutoff]).rowcount
