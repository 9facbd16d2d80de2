"""Everything the service stores, and the only module (besides migrations) that holds SQL.

Plain functions over a sqlite-utils Database, with no Flask imports, so they can be tested and
benchmarked alone. Times are stored as ISO 8601 in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlite_utils import Database


def utc_now() -> str:
    """The current time as stored: ISO 8601 with offset, UTC, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def record_feedback(
    db: Database, faq_id: str, helpful: bool, question: str | None, lang: str | None
) -> int:
    """Store one "did this help?" answer; returns its row id."""
    cursor = db.execute(
        "INSERT INTO feedback (faq_id, helpful, question, lang, created_at) VALUES (?, ?, ?, ?, ?)",
        [faq_id, int(helpful), question, lang, utc_now()],
    )
    return cursor.lastrowid


def feedback_counts(db: Database) -> dict[str, dict[str, int]]:
    """Helpful and not-helpful counts per FAQ entry."""
    rows = db.execute(
        "SELECT faq_id, SUM(helpful), SUM(1 - helpful) FROM feedback GROUP BY faq_id"
    ).fetchall()
    return {faq_id: {"helpful": yes, "not_helpful": no} for faq_id, yes, no in rows}


def database_status(db: Database) -> dict:
    """What the health endpoint says about the database; raises if it cannot be read."""
    (applied,) = db.execute("SELECT COUNT(*) FROM _migrations").fetchone()
    (journal,) = db.execute("PRAGMA journal_mode").fetchone()
    return {"status": "ok", "migrations": applied, "journal_mode": journal}
