"""Erasing conversations, and finding which ones to erase. All SQL for that is here.

One deletion serves the visitor's own delete, `gdpr erase` and retention, so all three remove
exactly the same things. Finding by e-mail address or by a text that a message mentions is
here too: `gdpr` decides what to do with what these find.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlite_utils import Database

from . import drafts, outbox, question_log, ratings
from .sqlite import write_transaction


def delete_conversation(db: Database, conversation_id: str) -> bool:
    """Erase one conversation as `erase_conversations` does; False if there was none."""
    return erase_conversations(db, [conversation_id])["conversations"] == 1


def erase_conversations(db: Database, conversation_ids: Sequence[str]) -> dict[str, int]:
    """Erase conversations and everything derived from them; counts per kind, never content.

    The one deletion used by the visitor's own delete, `gdpr erase` and retention: messages
    and notes, idempotency keys, notifications still waiting in the outbox, FAQ drafts made
    from them, their satisfaction ratings, and the question-log and feedback
    rows holding the same words the visitor typed. Runs in the caller's transaction if there
    is one. `secure_delete` (db.connect) zeroes the freed space.
    """
    ids = sorted(set(conversation_ids))
    removed = dict.fromkeys(
        ("conversations", "messages", "notes", "drafts", "ratings", "question_log", "feedback"),
        0,
    )
    if not ids:
        return removed
    with _transaction(db):
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            texts = [
                row[0]
                for row in db.execute(
                    f"SELECT question FROM conversations WHERE id IN ({marks}) UNION "
                    f"SELECT text FROM messages WHERE conversation_id IN ({marks}) "
                    "AND author = 'visitor'",
                    chunk * 2,
                ).fetchall()
            ]
            for kind, count in question_log.forget_questions(db, texts).items():
                removed[kind] += count
            removed["drafts"] += drafts.delete_drafts_of(db, chunk)
            removed["ratings"] += ratings.delete_ratings_of(db, chunk)
            for kind, count in db.execute(
                f"SELECT kind, COUNT(*) FROM messages WHERE conversation_id IN ({marks}) "
                "GROUP BY kind",
                chunk,
            ).fetchall():
                removed["notes" if kind == "note" else "messages"] += count
            # Pending notifications would send the reply to the visitor's address: they go too.
            outbox.delete_for_conversations(db, chunk)
            db.execute(f"DELETE FROM messages WHERE conversation_id IN ({marks})", chunk)
            db.execute(f"DELETE FROM idempotency_keys WHERE conversation_id IN ({marks})", chunk)
            removed["conversations"] += db.execute(
                f"DELETE FROM conversations WHERE id IN ({marks})", chunk
            ).rowcount
    return removed


@contextmanager
def _transaction(db: Database) -> Iterator[Database]:
    """The caller's transaction when one is open, else a new `BEGIN IMMEDIATE` one."""
    if db.conn.in_transaction:
        yield db
    else:
        with write_transaction(db):
            yield db


def conversation_ids_for_id(db: Database, conversation_id: str) -> list[str]:
    """[conversation_id] when that conversation is stored, else []: a request by id is found
    the way a request by address is, as a list."""
    rows = db.table("conversations").rows_where("id = ?", [conversation_id], select="id")
    return [row["id"] for row in rows]


def conversation_ids_for_email(db: Database, email: str) -> list[str]:
    """Conversations whose visitor left this address, compared case-insensitively (Unicode)."""
    wanted = email.strip().casefold()
    rows = db.execute("SELECT id, email FROM conversations WHERE email IS NOT NULL").fetchall()
    return sorted(row[0] for row in rows if row[1].strip().casefold() == wanted)


def conversations_mentioning(db: Database, text: str, exclude: Sequence[str] = ()) -> list[str]:
    """Other conversations whose question or messages contain `text` (ASCII case ignored).

    For a person's request by e-mail: an address typed into a message does not prove the
    conversation is theirs, so these are named for a person to check, never erased blindly.
    """
    needle = text.strip().lower()
    rows = db.execute(
        "SELECT id FROM conversations WHERE instr(lower(question), ?) > 0 OR id IN "
        "(SELECT conversation_id FROM messages WHERE instr(lower(text), ?) > 0)",
        [needle, needle],
    ).fetchall()
    skip = set(exclude)
    return sorted(row[0] for row in rows if row[0] not in skip)


def closed_before(db: Database, before: str) -> list[str]:
    """Closed conversations whose last change is older than `before` (ISO time)."""
    rows = db.execute(
        "SELECT id FROM conversations WHERE status = 'closed' AND updated_at < ?", [before]
    ).fetchall()
    return [row[0] for row in rows]
