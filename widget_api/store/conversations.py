"""The conversation store: handoffs and their messages, as visitors create and read them.

Plain functions over a sqlite-utils Database, with no Flask imports. A visitor proves access with
a token of 256 random bits that is returned once and stored only as its sha256; it is compared in
constant time, and an unknown id and a wrong token look the same (None). Nothing about the
visitor is stored beyond what they typed and chose to give: no IP address, no user agent.
Times are ISO 8601 in UTC, to the millisecond, so they sort as text. The staff side of the
store is `staff_queue`; erasure and the lookups for it are `erasure`.

Rows are read as dicts with sqlite-utils' `db.query` (the widget polls these reads, and
`rows_where` would look the table up first on every call); the writes of a handoff stay raw
INSERTs in one `BEGIN IMMEDIATE` transaction, the cheapest way to its one disk sync.
"""

from __future__ import annotations

import base64
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
REPLAY_SECONDS = 300
# The longest replay window the setting allows; the daily purge clears sealed tokens older.
MAX_REPLAY_SECONDS = 3600
# Where the pad that seals a replayable token comes from; a new value if the scheme changes.
_REPLAY_PAD_CONTEXT = b"widget-api handoff replay token v1"
ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_MAX_TOKEN_LENGTH = 200
# Compared against when the id is unknown, so that case costs the same as a wrong token.
_DUMMY_HASH = hashlib.sha256(b"no such conversation").hexdigest()
_MESSAGE_COLUMNS = "id, author, kind, text, created_at, staff_id, in_transcript"


class ConversationNotFound(LookupError):
    """There is no conversation with this id (or it was deleted)."""


class IdempotencyConflict(ValueError):
    """The Idempotency-Key was already used, within 24 hours, with a different body."""


class ReplayRefused(ValueError):
    """A retry came after the replay window, or after the conversation moved on.

    `reason` is `expired` or `moved_on`; either way the retry gets no access.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"this Idempotency-Key can no longer be replayed ({reason})")
        self.reason = reason


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


def _messages(db: Database, conversation_id: str, notes: bool = True) -> list[dict[str, Any]]:
    """A conversation's messages in order (internal notes too unless `notes` is False), as
    the store shows them: `in_transcript` a bool, not SQLite's 0 or 1."""
    only_messages = "" if notes else " AND kind = 'message'"
    rows = db.query(
        f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?{only_messages} "
        "ORDER BY id",
        [conversation_id],
    )
    return [{**row, "in_transcript": bool(row["in_transcript"])} for row in rows]


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
    """Add one message or note and return it as the store shows it; in the caller's transaction.

    Raw SQL, not `table.insert`: a handoff writes one of these per transcript line, and
    sqlite-utils' insert looks the table up and takes a savepoint for every row.
    """
    cursor = db.execute(
        "INSERT INTO messages (conversation_id, author, kind, text, created_at, staff_id, "
        "in_transcript) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [conversation_id, author, kind, text, at, staff_id, int(in_transcript)],
    )
    return {
        "id": cursor.lastrowid,
        "author": author,
        "kind": kind,
        "text": text,
        "created_at": at,
        "staff_id": staff_id,
        "in_transcript": bool(in_transcript),
    }


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
    replay_seconds: int = REPLAY_SECONDS,
) -> CreatedHandoff:
    """Store a new conversation, or answer a retry of the same create with the same answer.

    One `BEGIN IMMEDIATE` transaction: the transcript the bot showed (marked `in_transcript`),
    then the question as the visitor's first message of the thread. Consent is recorded with
    the privacy notice version and the time when a name or e-mail is given. `deliveries` are
    the outbox kinds announcing it (staff e-mail, webhook), written in the same transaction so
    that a stored handoff is never left unannounced; a replay adds none.

    A retry with the same Idempotency-Key and body within `replay_seconds`, while nothing has
    happened to the conversation yet, gets the first answer again, token included: the owner's
    token is never replaced, and nobody gets a second one. Raises ConsentRequired,
    IdempotencyConflict for a used key with a different body, or ReplayRefused after the
    window or once the conversation moved on.
    """
    if (handoff.name or handoff.email) and not handoff.consent:
        raise ConsentRequired("a name or e-mail address needs the visitor's consent")
    moment = now or datetime.now(UTC)
    at = stored_time(moment)
    token_bytes = secrets.token_bytes(32)
    token = _token_text(token_bytes)
    with write_transaction(db):
        purge_idempotency_keys(db, moment, replay_seconds)
        answer: CreatedHandoff | ReplayRefused | None = None
        if idempotency_key is not None:
            window_start = stored_time(moment - timedelta(seconds=replay_seconds))
            answer = _replay(db, idempotency_key, handoff.body_hash(), window_start)
        if answer is None:
            conversation_id = _insert(db, handoff, notice_version, token, at)
            for kind in deliveries:
                outbox.enqueue(db, kind, conversation_id, at)
            if idempotency_key is not None:
                db.execute(
                    "INSERT INTO idempotency_keys (key_hash, body_hash, conversation_id, "
                    "created_at, sealed_token) VALUES (?, ?, ?, ?, ?)",
                    [
                        _sha256(idempotency_key),
                        handoff.body_hash(),
                        conversation_id,
                        at,
                        _seal(token_bytes, idempotency_key),
                    ],
                )
            answer = CreatedHandoff(conversation_id, token, "new")
    # A refusal is raised after the commit, so the purge of expired tokens above is kept.
    if isinstance(answer, ReplayRefused):
        raise answer
    return answer


def _insert(db: Database, handoff: Handoff, notice_version: str, token: str, at: str) -> str:
    """Insert the conversation, its transcript and question; in the caller's transaction."""
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
    return conversation_id


def _token_text(token_bytes: bytes) -> str:
    """The token as the visitor gets it: URL-safe base64 without padding (43 characters)."""
    return base64.urlsafe_b64encode(token_bytes).rstrip(b"=").decode("ascii")


def _replay_pad(idempotency_key: str) -> bytes:
    # HMAC keyed with the Idempotency-Key: only someone who knows the key can derive the pad,
    # and the stored sha256 of the key does not help (a different function of it).
    return hmac.new(
        idempotency_key.encode("utf-8", "surrogatepass"), _REPLAY_PAD_CONTEXT, hashlib.sha256
    ).digest()


def _seal(token_bytes: bytes, idempotency_key: str) -> str:
    """The token XOR a pad only the key's holder can make, as hex: useless without the key."""
    pad = _replay_pad(idempotency_key)
    return bytes(a ^ b for a, b in zip(token_bytes, pad, strict=True)).hex()


def _unseal(sealed: str, idempotency_key: str) -> bytes:
    pad = _replay_pad(idempotency_key)
    return bytes(a ^ b for a, b in zip(bytes.fromhex(sealed), pad, strict=True))


def _replay(
    db: Database, idempotency_key: str, body_hash: str, window_start: str
) -> CreatedHandoff | ReplayRefused | None:
    """A retry's answer: the first answer again, None when the key is new, or the refusal.

    The sealed token is cleared when the replay window ends (purge_idempotency_keys), so an
    old key finds none. A conversation that changed since it was made (a claim, a reply, a
    visitor message, closing) has moved on: its token is not handed out again, however soon.
    That is read from its state, not only from its times: times are stored to the millisecond,
    and a claim or a message in the same millisecond as the handoff leaves them equal.
    """
    row = db.execute(
        "SELECT k.body_hash, k.conversation_id, k.sealed_token, k.created_at, c.status, "
        "c.status != 'new' OR c.assigned_to IS NOT NULL OR c.updated_at > c.created_at "
        "OR (SELECT COUNT(*) FROM messages AS m WHERE m.conversation_id = c.id "
        "AND m.in_transcript = 0) > 1 "
        "FROM idempotency_keys AS k "
        "JOIN conversations AS c ON c.id = k.conversation_id WHERE k.key_hash = ?",
        [_sha256(idempotency_key)],
    ).fetchone()
    if row is None:
        return None
    stored_body, conversation_id, sealed, created_at, status, moved_on = row
    if not hmac.compare_digest(stored_body, body_hash):
        raise IdempotencyConflict("this Idempotency-Key was used for another body")
    if sealed is None or created_at < window_start:
        return ReplayRefused("expired")
    if moved_on:
        return ReplayRefused("moved_on")
    token = _token_text(_unseal(sealed, idempotency_key))
    return CreatedHandoff(conversation_id, token, status, replayed=True)


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
    conversation = next(
        db.query(
            "SELECT id, status, lang, question, created_at FROM conversations WHERE id = ?",
            [conversation_id],
        ),
        None,
    )
    if conversation is None:
        return None
    messages = _messages(db, conversation_id, notes=False)
    for message in messages:
        del message["staff_id"], message["kind"]
    return {**conversation, "messages": messages}


def get_conversation(db: Database, conversation_id: str) -> dict[str, Any]:
    """Everything about a conversation, notes included, for staff; raises ConversationNotFound."""
    conversation = next(
        db.query("SELECT * FROM conversations WHERE id = ?", [conversation_id]), None
    )
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    del conversation["token_hash"]
    conversation["messages"] = _messages(db, conversation_id)
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


def purge_idempotency_keys(
    db: Database, now: datetime | None = None, replay_seconds: int = MAX_REPLAY_SECONDS
) -> int:
    """Forget Idempotency-Keys older than 24 hours; returns how many.

    A key's sealed token goes once `replay_seconds` have passed (each create passes the
    configured window; the daily purge the longest one allowed, so it never cuts a window
    short). The key itself is kept for the 24 hours so that a late retry is refused (409)
    rather than made a second conversation.
    """
    moment = now or datetime.now(UTC)
    window_start = stored_time(moment - timedelta(seconds=replay_seconds))
    db.execute(
        "UPDATE idempotency_keys SET sealed_token = NULL "
        "WHERE sealed_token IS NOT NULL AND created_at < ?",
        [window_start],
    )
    cutoff = stored_time(moment - timedelta(hours=IDEMPOTENCY_HOURS))
    return db.execute("DELETE FROM idempotency_keys WHERE created_at < ?", [cutoff]).rowcount
