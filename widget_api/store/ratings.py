"""Satisfaction ratings of conversations (CSAT): their SQL.

A visitor rates a conversation once, after staff answered it (a staff reply) and it was
closed: a score of 1 to 5 with an optional comment, or a "no thanks" (score NULL) so the widget
does not ask again. The row belongs to the conversation and is erased with it (`erasure`), so
the figures reach back as far as closed conversations are kept (`RETENTION_CLOSED_DAYS`).
It counts for the staff account the conversation was assigned to when it was rated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from .sqlite import stored_time, write_transaction

SCORES = (1, 2, 3, 4, 5)
# A conversation may be rated when staff replied, it is closed and it has no rating yet.
_MAY_RATE = "c.status = 'closed' AND c.first_staff_reply_at IS NOT NULL"
_NOT_RATED = "NOT EXISTS (SELECT 1 FROM conversation_ratings AS r WHERE r.conversation_id = c.id)"


class RatingRefused(ValueError):
    """The conversation cannot be rated now.

    `reason` is `not_found`, `already_rated`, `not_closed` or `not_answered` (no staff reply).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"this conversation cannot be rated ({reason})")
        self.reason = reason


def rating_wanted(db: Database, conversation_id: str) -> bool:
    """Whether the visitor should be asked for a rating now (the widget asks when true)."""
    row = db.execute(
        f"SELECT {_MAY_RATE} AND {_NOT_RATED} FROM conversations AS c WHERE c.id = ?",
        [conversation_id],
    ).fetchone()
    return bool(row and row[0])


def rate_conversation(
    db: Database,
    conversation_id: str,
    score: int | None,
    comment: str | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Store the visitor's rating (score None: they declined); returns it as stored.

    One conditional INSERT, so two ratings sent at once cannot both be kept; raises
    RatingRefused with the reason when the conversation cannot be rated now. The staff id is
    the assignee's while that account exists (NULL otherwise).
    """
    if score is not None and score not in SCORES:
        raise ValueError("score must be 1 to 5 or None")
    at = stored_time(now)
    with write_transaction(db):
        inserted = db.execute(
            "INSERT INTO conversation_ratings (conversation_id, score, comment, staff_id, "
            "created_at) SELECT c.id, ?, ?, "
            "(SELECT a.id FROM staff_accounts AS a WHERE a.id = c.assigned_to), ? "
            f"FROM conversations AS c WHERE c.id = ? AND {_MAY_RATE} "
            "ON CONFLICT (conversation_id) DO NOTHING",
            [score, comment, at, conversation_id],
        ).rowcount
        if inserted != 1:
            raise RatingRefused(_refusal(db, conversation_id))
    return {"score": score, "comment": comment, "created_at": at}


def _refusal(db: Database, conversation_id: str) -> str:
    row = db.execute(
        f"SELECT c.status, c.first_staff_reply_at IS NOT NULL, NOT {_NOT_RATED} "
        "FROM conversations AS c WHERE c.id = ?",
        [conversation_id],
    ).fetchone()
    if row is None:
        return "not_found"
    status, _answered, rated = row
    if rated:
        return "already_rated"
    return "not_closed" if status != "closed" else "not_answered"


def rating_of(db: Database, conversation_id: str) -> dict[str, Any] | None:
    """The conversation's rating (score, comment, when), without the staff id; None if none."""
    return next(
        db.query(
            "SELECT score, comment, created_at FROM conversation_ratings WHERE conversation_id = ?",
            [conversation_id],
        ),
        None,
    )


def delete_ratings_of(db: Database, conversation_ids: list[str]) -> int:
    """Delete the ratings of these conversations (at most 500 ids); how many there were."""
    marks = ", ".join("?" * len(conversation_ids))
    return db.execute(
        f"DELETE FROM conversation_ratings WHERE conversation_id IN ({marks})", conversation_ids
    ).rowcount


def daily_scores(db: Database, since: str) -> dict[str, dict[str, int]]:
    """day -> {"count", "total", "declined"} of ratings given at or after `since` (UTC days)."""
    rows = db.execute(
        "SELECT substr(created_at, 1, 10) AS day, COUNT(score), COALESCE(SUM(score), 0), "
        "COUNT(*) - COUNT(score) FROM conversation_ratings WHERE created_at >= ? GROUP BY day",
        [since],
    ).fetchall()
    return {
        day: {"count": count, "total": total, "declined": declined}
        for day, count, total, declined in rows
    }


def scores_per_staff(db: Database, since: str) -> list[dict[str, Any]]:
    """Per staff account (None: none, or deleted): its e-mail, disabled flag, count and mean
    score of the ratings given at or after `since`, by e-mail address."""
    return list(
        db.query(
            "SELECT r.staff_id, a.email, a.disabled_at IS NOT NULL AS disabled, "
            "COUNT(*) AS count, AVG(r.score) AS mean FROM conversation_ratings AS r "
            "LEFT JOIN staff_accounts AS a ON a.id = r.staff_id "
            "WHERE r.created_at >= ? AND r.score IS NOT NULL "
            "GROUP BY r.staff_id ORDER BY a.email IS NULL, a.email",
            [since],
        )
    )


def latest_comments(db: Database, since: str, limit: int = 20) -> list[dict[str, Any]]:
    """The newest comments given at or after `since`, with score, conversation and staff."""
    return list(
        db.query(
            "SELECT r.conversation_id, r.score, r.comment, r.created_at, a.email "
            "FROM conversation_ratings AS r LEFT JOIN staff_accounts AS a ON a.id = r.staff_id "
            "WHERE r.created_at >= ? AND r.comment IS NOT NULL "
            "ORDER BY r.created_at DESC LIMIT ?",
            [since, limit],
        )
    )
