"""FAQ drafts that staff propose from real conversations. All SQL for drafts is here.

A draft lives only in the database, linked to its conversation, so retention and erasure reach
it. The service never answers from a draft; an editor reviews it and only then gets it as FAQ
file text (which `faq check` accepts) to put into the FAQ folder.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlite_utils import Database

from ..faq.files import entries_to_file, one_line
from ..faq.model import FaqEntry
from .sqlite import stored_time

DRAFT_STATUSES = ("proposed", "accepted", "rejected")
_COLUMNS = (
    "id, conversation_id, kind, faq_id, lang, question, answer, status, created_by, "
    "reviewed_by, created_at, reviewed_at"
)


class DraftNotFound(LookupError):
    """There is no draft with this id."""


def _rows(
    db: Database,
    where: str | None = None,
    params: list[Any] | None = None,
    order_by: str = "id DESC",
) -> list[dict[str, Any]]:
    """Drafts as dicts, newest first unless `order_by` says otherwise; `where` is a condition
    on faq_drafts with its `params`."""
    return list(
        db.table("faq_drafts").rows_where(where, params, select=_COLUMNS, order_by=order_by)
    )


def create_draft(
    db: Database,
    *,
    lang: str,
    question: str,
    answer: str = "",
    conversation_id: str | None = None,
    faq_id: str | None = None,
    created_by: int | None = None,
) -> int:
    """Propose a new entry (no faq_id) or a new phrasing for entry faq_id; returns the id."""
    kind = "alternative" if faq_id else "entry"
    if kind == "entry" and not answer.strip():
        raise ValueError("a new FAQ entry needs an answer")
    row = {
        "conversation_id": conversation_id,
        "kind": kind,
        "faq_id": faq_id,
        "lang": lang,
        "question": question,
        "answer": answer,
        "created_by": created_by,
        "created_at": stored_time(),
    }
    return db.table("faq_drafts").insert(row).last_rowid


def list_drafts(db: Database, status: str | None = "proposed") -> list[dict[str, Any]]:
    """Drafts with one status (all when None), newest first."""
    if status is None:
        return _rows(db)
    if status not in DRAFT_STATUSES:
        raise ValueError(f"status must be one of {', '.join(DRAFT_STATUSES)}")
    return _rows(db, "status = ?", [status])


def get_draft(db: Database, draft_id: int) -> dict[str, Any]:
    """One draft; raises DraftNotFound."""
    rows = _rows(db, "id = ?", [draft_id])
    if not rows:
        raise DraftNotFound(draft_id)
    return rows[0]


def review_draft(db: Database, draft_id: int, status: str, reviewer: int | None) -> None:
    """An editor accepts or rejects a draft; raises DraftNotFound."""
    if status not in ("accepted", "rejected"):
        raise ValueError("a review accepts or rejects")
    cursor = db.execute(
        "UPDATE faq_drafts SET status = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?",
        [status, reviewer, stored_time(), draft_id],
    )
    if cursor.rowcount != 1:
        raise DraftNotFound(draft_id)


def suggested_id(question: str, draft_id: int) -> str:
    """A readable, valid entry id from the question: ascii words joined by '-', then the id."""
    ascii_text = unicodedata.normalize("NFKD", question.replace("ß", "ss"))
    ascii_text = ascii_text.encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)[:6]
    return "-".join([*words, f"draft{draft_id}"])


def draft_as_faq_file(draft: dict[str, Any]) -> str:
    """A new entry as a whole FAQ file, or an alternative as the line to add to its entry.

    The question is the visitor's text: written through the FAQ file writer, it stays on its
    heading or `alt:` line whatever line breaks it holds (no second, visitor-written entry).
    """
    if draft["kind"] == "alternative":
        return f"alt: {one_line(draft['question'])}\n"
    entry = FaqEntry(
        id=suggested_id(draft["question"], draft["id"]),
        question=draft["question"],
        answer=draft["answer"].strip(),
        lang=draft["lang"],
    )
    return entries_to_file([entry], draft["lang"])


def drafts_of(db: Database, conversation_ids: list[str]) -> list[dict[str, Any]]:
    """The drafts made from these conversations, oldest first."""
    marks = ", ".join("?" * len(conversation_ids))
    return _rows(db, f"conversation_id IN ({marks})", list(conversation_ids), order_by="id")


def delete_drafts_of(db: Database, conversation_ids: list[str]) -> int:
    """Delete the drafts made from these conversations (the cascade would too); how many."""
    marks = ", ".join("?" * len(conversation_ids))
    return db.execute(
        f"DELETE FROM faq_drafts WHERE conversation_id IN ({marks})", list(conversation_ids)
    ).rowcount
