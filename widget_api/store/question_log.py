"""The question log and feedback: what visitors asked and whether an answer helped. Its SQL.

The log feeds the gaps report and `faq eval`; both tables are purged by retention and searched
by `gdpr export`/`erase` by the visitor's own words. Times are stored as ISO 8601 in UTC.
"""

from __future__ import annotations

from sqlite_utils import Database

from .sqlite import stored_time

# The columns read back (by `faq eval`, the gaps report and `gdpr export`), named rather than
# `*` so that a column a later migration adds is not exported unseen.
_COLUMNS = {
    "question_log": "id, question, lang, outcome, best_faq_id, best_score, created_at",
    "feedback": "id, faq_id, helpful, question, lang, created_at",
}


def record_feedback(
    db: Database, faq_id: str, helpful: bool, question: str | None, lang: str | None
) -> int:
    """Store one "did this help?" answer; returns its row id."""
    row = {
        "faq_id": faq_id,
        "helpful": int(helpful),
        "question": question,
        "lang": lang,
        "created_at": stored_time(),
    }
    return db.table("feedback").insert(row).last_rowid


def feedback_counts(db: Database) -> dict[str, dict[str, int]]:
    """Helpful and not-helpful counts per FAQ entry."""
    rows = db.execute(
        "SELECT faq_id, SUM(helpful), SUM(1 - helpful) FROM feedback GROUP BY faq_id"
    ).fetchall()
    return {faq_id: {"helpful": yes, "not_helpful": no} for faq_id, yes, no in rows}


def log_question(
    db: Database,
    question: str,
    lang: str | None,
    outcome: str,
    best_faq_id: str | None,
    best_score: float | None,
) -> int:
    """Keep a question the bot did not answer (or that did not help) for the gaps report.

    One autocommit INSERT. The service writes these through visitor/ask_records.py's
    AskRecordWriter, whose connection skips the disk sync (synchronous=NORMAL): a process crash
    still loses nothing in WAL mode, a power cut may lose the last few rows. Written at once
    rather than batched in memory, so that a visitor's erasure always finds it. Raw SQL, not
    `table.insert`: this is on the ask path, and sqlite-utils' insert looks the table up and
    wraps the row in a transaction of its own, which costs three times the INSERT itself.
    """
    cursor = db.execute(
        "INSERT INTO question_log (question, lang, outcome, best_faq_id, best_score, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [question, lang, outcome, best_faq_id, best_score, stored_time()],
    )
    return cursor.lastrowid


def logged_questions(db: Database, since: str | None = None) -> list[dict]:
    """Logged questions, oldest first, optionally only those at or after `since` (ISO time)."""
    return list(
        db.table("question_log").rows_where(
            "created_at >= ?", [since or ""], select=_COLUMNS["question_log"], order_by="id"
        )
    )


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


def questions_with_texts(db: Database, texts: list[str]) -> dict[str, list[dict]]:
    """The question-log and feedback rows whose question is one of `texts` (a visitor's words)."""
    found: dict[str, list[dict]] = {"question_log": [], "feedback": []}
    for table, wanted in _COLUMNS.items():
        for chunk in _chunks(sorted(set(texts))):
            marks = ", ".join("?" * len(chunk))
            found[table] += db.table(table).rows_where(
                f"question IN ({marks})", chunk, select=wanted, order_by="id"
            )
    return found


def forget_questions(db: Database, texts: list[str]) -> dict[str, int]:
    """Delete question-log and feedback rows whose question is one of `texts`; counts."""
    removed = {"question_log": 0, "feedback": 0}
    for table in removed:
        for chunk in _chunks(sorted(set(texts))):
            marks = ", ".join("?" * len(chunk))
            removed[table] += db.execute(
                f"DELETE FROM {table} WHERE question IN ({marks})", chunk
            ).rowcount
    return removed


def purge_question_log(db: Database, before: str) -> dict[str, int]:
    """Delete logged questions and feedback created before `before` (ISO time); counts."""
    return {
        "question_log": db.execute(
            "DELETE FROM question_log WHERE created_at < ?", [before]
        ).rowcount,
        "feedback": db.execute("DELETE FROM feedback WHERE created_at < ?", [before]).rowcount,
    }
