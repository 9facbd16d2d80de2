"""A person's rights: everything stored about one e-mail address or conversation, and erasure.

A person is found by the address they left (compared case-insensitively) or by a conversation
id. Their data is: those conversations with every message, the bot transcript and staff's
internal notes (staff's words about the person are personal data too), the consent with the
notice version and time, their satisfaction rating with its comment, FAQ drafts made from the
conversations, and question-log and feedback rows holding words they typed. Export and erasure
cover exactly the same set. Staff account ids are left out of an export: they are about staff,
not about the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from ..store import conversations, drafts, erasure, question_log, ratings

EXPORT_FORMAT = "widget-api personal data export"
EXPORT_VERSION = 1


@dataclass(frozen=True)
class Subject:
    """Whose data: an e-mail address or one conversation id (exactly one of them)."""

    email: str | None = None
    conversation_id: str | None = None

    def __post_init__(self) -> None:
        if (self.email is None) == (self.conversation_id is None):
            raise ValueError("give an e-mail address or a conversation id, not both")


def find(db: Database, subject: Subject) -> tuple[list[str], list[str]]:
    """(conversation ids that are the subject's, other ids that merely mention the address)."""
    if subject.conversation_id is not None:
        return erasure.conversation_ids_for_id(db, subject.conversation_id), []
    ids = erasure.conversation_ids_for_email(db, subject.email)
    return ids, erasure.conversations_mentioning(db, subject.email, exclude=ids)


def _export_conversation(db: Database, conversation_id: str) -> dict[str, Any]:
    item = conversations.get_conversation(db, conversation_id)
    return {
        "id": item["id"],
        "status": item["status"],
        "lang": item["lang"],
        "question": item["question"],
        "name": item["name"],
        "email": item["email"],
        "consent": (
            {"given_at": item["consent_at"], "notice_version": item["consent_notice_version"]}
            if item["consent_at"]
            else None
        ),
        "created_at": item["created_at"],
        "updated_at": item["updated_at"],
        "last_visitor_at": item["last_visitor_at"],
        "first_staff_reply_at": item["first_staff_reply_at"],
        "messages": [
            {
                "from": message["author"],
                "kind": message["kind"],
                "shown_by_bot_before_handoff": message["in_transcript"],
                "text": message["text"],
                "created_at": message["created_at"],
            }
            for message in item["messages"]
        ],
        "rating": ratings.rating_of(db, conversation_id),
        "faq_drafts": [
            {
                "kind": draft["kind"],
                "faq_id": draft["faq_id"],
                "question": draft["question"],
                "answer": draft["answer"],
                "status": draft["status"],
                "created_at": draft["created_at"],
            }
            for draft in drafts.drafts_of(db, [conversation_id])
        ],
    }


def export(db: Database, subject: Subject, now: datetime | None = None) -> dict[str, Any]:
    """One JSON-ready document with everything stored about the subject."""
    ids, mentioned = find(db, subject)
    items = [_export_conversation(db, conversation_id) for conversation_id in ids]
    texts = [item["question"] for item in items] + [
        m["text"] for item in items for m in item["messages"] if m["from"] == "visitor"
    ]
    logged = question_log.questions_with_texts(db, texts)
    for rows in logged.values():
        for row in rows:
            del row["id"]
    if subject.email is not None:
        request = {"email": subject.email}
    else:
        request = {"conversation_id": subject.conversation_id}
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds"),
        "request": request,
        "conversations": items,
        "unanswered_questions": logged["question_log"],
        "feedback": logged["feedback"],
        "not_included": {
            "conversations_mentioning_the_address": len(mentioned),
            "note": "Conversations that only mention the address in a message are not "
            "included; check them by id before giving them out.",
        },
    }


def erase(db: Database, subject: Subject) -> tuple[dict[str, int], list[str]]:
    """Erase everything `export` would include; (counts per kind, ids only mentioning it)."""
    ids, mentioned = find(db, subject)
    return erasure.erase_conversations(db, ids), mentioned
