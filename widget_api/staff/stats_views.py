"""The statistics page: answers, suggestions and handoffs per day, feedback, reply times, and
visitors' satisfaction after a person answered (per staff member and comments: admins only)."""

from __future__ import annotations

import logging
import sqlite3
import statistics
from datetime import UTC, datetime, timedelta

from flask import current_app, g, render_template

from ..store import ask_stats, ratings
from ..store.accounts import role_allows
from ..store.app_db import get_db
from . import bp, chosen_days, requires_role
from .gaps_views import PERIODS

log = logging.getLogger(__name__)

OUTCOMES = ("answer", "suggest", "handoff")
# Satisfaction is shown per day up to this period, per week beyond (a day has few ratings).
DAILY_SCORES_UP_TO = 30


def _period(days: int) -> list[str]:
    """The period's UTC days, oldest first, ending today: worked out once per page, so every
    figure on it covers the same days (even when the page is drawn across midnight)."""
    today = datetime.now(UTC).date()
    return [(today - timedelta(days=offset)).isoformat() for offset in range(days - 1, -1, -1)]


def _daily_rows(counts: dict[str, dict[str, int]], period: list[str]) -> list[dict]:
    return [{"day": day, **{k: counts.get(day, {}).get(k, 0) for k in OUTCOMES}} for day in period]


def _score_rows(daily: dict[str, dict[str, int]], period: list[str]) -> list[dict]:
    """Mean score, count and declines per day, or per week (from the period's first day)."""
    step = 1 if len(period) <= DAILY_SCORES_UP_TO else 7
    rows = []
    for start in range(0, len(period), step):
        span = period[start : start + step]
        row = {
            k: sum(daily.get(day, {}).get(k, 0) for day in span)
            for k in ("count", "total", "declined")
        }
        mean = row["total"] / row["count"] if row["count"] else None
        rows.append({**row, "day": span[0], "mean": mean})
    return rows


def _satisfaction(period: list[str]) -> dict:
    """The satisfaction figures for the page; per staff member and comments only for admins
    (left out here, not hidden in the page, so an editor's page never holds them)."""
    db = get_db()
    since = period[0]
    rows = _score_rows(ratings.daily_scores(db, since), period)
    count = sum(row["count"] for row in rows)
    total = sum(row["total"] for row in rows)
    admin = role_allows(g.staff["role"], "admin")
    return {
        "score_rows": rows,
        "score_weekly": len(period) > DAILY_SCORES_UP_TO,
        "ratings_count": count,
        "mean_score": total / count if count else None,
        "ratings_declined": sum(row["declined"] for row in rows),
        "per_staff": ratings.scores_per_staff(db, since) if admin else None,
        "comments": ratings.latest_comments(db, since) if admin else None,
    }


@bp.get("/stats")
@requires_role("editor")
def stats_page():
    days = chosen_days(PERIODS, 30)
    db = get_db()
    # The latest counts, when they can be written; the page shows what is stored either way.
    try:
        current_app.extensions["ask_counter"].flush(db)
    except sqlite3.Error as error:
        log.warning("statistics not written, kept for later: %s", error)
    period = _period(days)
    since = period[0]
    rows = _daily_rows(ask_stats.daily_ask_counts(db, since), period)
    totals = {k: sum(row[k] for row in rows) for k in OUTCOMES}
    asked = sum(totals.values())
    helpful, not_helpful = ask_stats.helpful_counts(db, since)
    handoffs = ask_stats.handoff_figures(db, since)
    delays = handoffs["first_reply_seconds"]
    # Questions typed in another language than the widget page's, per pair of languages.
    pairs = ask_stats.language_pair_counts(db, since)
    from_page = {page: sum(n for (p, _), n in pairs.items() if p == page) for page, _ in pairs}
    other_language = [
        (page, lang, n, n / from_page[page]) for (page, lang), n in pairs.items() if page != lang
    ]
    return render_template(
        "staff/stats.html",
        days=days,
        periods=PERIODS,
        rows=rows,
        peak=max((row["answer"] + row["suggest"] + row["handoff"] for row in rows), default=0),
        asked=asked,
        shares={k: (totals[k] / asked if asked else None) for k in OUTCOMES},
        helpful_ratio=helpful / (helpful + not_helpful) if helpful + not_helpful else None,
        feedback_count=helpful + not_helpful,
        waiting=handoffs["waiting"],
        median_first_reply=statistics.median(delays) if delays else None,
        other_language=other_language,
        **_satisfaction(period),
    )
