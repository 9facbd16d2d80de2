"""Ask statistics: answers, suggestions and handoffs counted per day and language. Its SQL.

Counts only, never a question's words (and the handoff figures the statistics page shows), so
they may be kept longer than the question log. The ask path adds counts in batches.
"""

from __future__ import annotations

from sqlite_utils import Database

from .sqlite import write_transaction


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
