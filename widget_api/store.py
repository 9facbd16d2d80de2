"""Everything the service stores, and the only module (besides migrations) that holds SQL.

Plain functions over a sqlite-utils Database, with no Flask imports, so they can be tested and
benchmarked alone. Times are stored as ISO 8601 in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from .sqlite import stored_time, write_transaction


def record_feedback(
    db: Database, faq_id: str, helpful: bool, question: str | None, lang: str | None
) -> int:
    """Store one "did this help?" answer; returns its row id."""
    cursor = db.execute(
        "INSERT INTO feedback (faq_id, helpful, question, lang, created_at) VALUES (?, ?, ?, ?, ?)",
        [faq_id, int(helpful), question, lang, stored_time()],
    )
    return cursor.lastrowid


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

    One autocommit INSERT. The service writes these through stats.StatsWriter, whose connection
    skips the disk sync (synchronous=NORMAL): a process crash still loses nothing in WAL mode,
    a power cut may lose the last few rows. Written at once rather than batched in memory, so
    that a visitor's erasure always finds it.
    """
    cursor = db.execute(
        "INSERT INTO question_log (question, lang, outcome, best_faq_id, best_score, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [question, lang, outcome, best_faq_id, best_score, stored_time()],
    )
    return cursor.lastrowid


def logged_questions(db: Database, since: str | None = None) -> list[dict]:
    """Logged questions, oldest first, optionally only those at or after `since` (ISO time)."""
    cursor = db.execute(
        "SELECT id, question, lang, outcome, best_faq_id, best_score, created_at "
        "FROM question_log WHERE created_at >= ? ORDER BY id",
        [since or ""],
    )
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def add_ask_counts(
    db: Database,
    counts: dict[tuple[str, str, str], int],
    language_pairs: dict[tuple[str, str, str], int] | None = None,
) -> None:
    """Add (day, lang, outcome) -> n and (day, page_lang, answer_lang) -> n to the daily
    statistics, in one transaction (so a failed write can be retried whole)."""
    if not counts and not language_pairs:
        return
    with write_transaction(db):
        for (day, lang, outcome), count in counts.items():
            db.execute(
                "INSERT INTO ask_stats (day, lang, outcome, count) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (day, lang, outcome) DO UPDATE SET count = count + excluded.count",
                [day, lang, outcome, count],
            )
        for (day, page_lang, answer_lang), count in (language_pairs or {}).items():
            db.execute(
                "INSERT INTO ask_language_stats (day, page_lang, answer_lang, count) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (day, page_lang, answer_lang) "
                "DO UPDATE SET count = count + excluded.count",
                [day, page_lang, answer_lang, count],
            )


def language_pair_counts(db: Database, since_day: str) -> dict[tuple[str, str], int]:
    """(page language, answer language) -> asks on or after since_day (YYYY-MM-DD)."""
    rows = db.execute(
        "SELECT page_lang, answer_lang, SUM(count) FROM ask_language_stats WHERE day >= ? "
        "GROUP BY page_lang, answer_lang ORDER BY page_lang, answer_lang",
        [since_day],
    ).fetchall()
    return {(page, answer): count for page, answer, count in rows}


def daily_ask_counts(db: Database, since_day: str) -> dict[str, dict[str, int]]:
    """day -> {outcome: count} for days on or after since_day (YYYY-MM-DD)."""
    result: dict[str, dict[str, int]] = {}
    for day, outcome, count in db.execute(
        "SELECT day, outcome, SUM(count) FROM ask_stats WHERE day >= ? GROUP BY day, outcome",
        [since_day],
    ).fetchall():
        result.setdefault(day, {})[outcome] = count
    return result


def helpful_counts(db: Database, since: str) -> tuple[int, int]:
    """(helpful, not helpful) feedback given at or after `since`."""
    row = db.execute(
        "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM feedback "
        "WHERE created_at >= ?",
        [since],
    ).fetchone()
    return row[0], row[1]


def handoff_figures(db: Database, since: str) -> dict[str, object]:
    """Handoffs waiting for staff now, and the first-reply delays (seconds) since `since`."""
    (waiting,) = db.execute(
        "SELECT COUNT(*) FROM conversations WHERE status IN ('new', 'open')"
    ).fetchone()
    delays = [
        row[0]
        for row in db.execute(
            "SELECT (julianday(first_staff_reply_at) - julianday(created_at)) * 86400 "
            "FROM conversations WHERE first_staff_reply_at IS NOT NULL AND created_at >= ?",
            [since],
        ).fetchall()
    ]
    return {"waiting": waiting, "first_reply_seconds": delays}


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


def questions_with_texts(db: Database, texts: list[str]) -> dict[str, list[dict]]:
    """The question-log and feedback rows whose question is one of `texts` (a visitor's words)."""
    found: dict[str, list[dict]] = {"question_log": [], "feedback": []}
    columns = {
        "question_log": "id, question, lang, outcome, best_faq_id, best_score, created_at",
        "feedback": "id, faq_id, helpful, question, lang, created_at",
    }
    for table, wanted in columns.items():
        for chunk in _chunks(sorted(set(texts))):
            marks = ", ".join("?" * len(chunk))
            cursor = db.execute(
                f"SELECT {wanted} FROM {table} WHERE question IN ({marks}) ORDER BY id", chunk
            )
            names = [column[0] for column in cursor.description]
            found[table] += [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
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


def claim_daily_job(
    db: Database, name: str, now: datetime, lease: timedelta = timedelta(hours=1)
) -> str | None:
    """Claim today's (UTC) run of a maintenance job with one conditional UPDATE.

    Returns the claim's timestamp when this caller won it, None when the job already ran
    today or another process is running it: of any number of processes asking at once,
    exactly one gets it. A claim that was not finished within `lease` belonged to a process
    that died (SIGKILL, power cut), so it is taken over rather than skipping the day.
    """
    now = now.astimezone(UTC)
    stamp = now.isoformat(timespec="microseconds")
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0).isoformat(
        timespec="microseconds"
    )
    stale = (now - lease).isoformat(timespec="microseconds")
    cursor = db.execute(
        "UPDATE maintenance SET last_run = ?, finished = '' WHERE name = ?"
        " AND (last_run < ? OR (finished = '' AND last_run < ?))",
        [stamp, name, day_start, stale],
    )
    return stamp if cursor.rowcount == 1 else None


def finish_daily_job(db: Database, name: str, stamp: str, now: datetime) -> None:
    """Mark the claimed run as done, so no other process takes it over today."""
    db.execute(
        "UPDATE maintenance SET finished = ? WHERE name = ? AND last_run = ?",
        [now.astimezone(UTC).isoformat(timespec="microseconds"), name, stamp],
    )


def release_daily_job(db: Database, name: str, stamp: str) -> None:
    """Give up a claim after a failed run, so the next check tries again."""
    db.execute(
        "UPDATE maintenance SET last_run = '' WHERE name = ? AND last_run = ?", [name, stamp]
    )


def last_job_run(db: Database, name: str) -> str | None:
    """When the job last finished a run (ISO time), or None."""
    row = db.execute("SELECT finished FROM maintenance WHERE name = ?", [name]).fetchone()
    return row[0] if row and row[0] else None


def checkpoint(db: Database, wait_ms: int | None = None) -> bool:
    """Copy the WAL into the database file and truncate it to zero bytes.

    Old page versions (deleted text among them) live on in the -wal file until it is truncated.
    Waits for readers at most `wait_ms` (default: the connection's busy timeout); False when
    some reader kept it from finishing (the next checkpoint catches up).
    """
    if wait_ms is not None:
        (previous,) = db.execute("PRAGMA busy_timeout").fetchone()
        db.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
    try:
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        if wait_ms is not None:
            db.execute(f"PRAGMA busy_timeout = {int(previous)}")
    return busy == 0


def compact_database(db: Database) -> bool:
    """Rewrite the file without free pages (VACUUM), then truncate the WAL.

    With `secure_delete` freed space is zeroed already; VACUUM also drops pages and cell
    gaps left from before, so no deleted text stays in the file. Returns checkpoint's result.
    """
    db.execute("VACUUM")
    return checkpoint(db)
