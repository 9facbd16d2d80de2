"""The statistics page: answers, suggestions and handoffs per day, feedback, reply times."""

from __future__ import annotations

import logging
import sqlite3
import statistics
from datetime import UTC, datetime, timedelta

from flask import current_app, render_template

from ..store import ask_stats
from ..store.app_db import get_db
from . import bp, chosen_days, requires_role
from .gaps_views import PERIODS

log = logging.getLogger(__name__)

OUTCOMES = ("answer", "suggest", "handoff")


def _daily_rows(counts: dict[str, dict[str, int]], days: int) -> list[dict]:
    today = datetime.now(UTC).date()
    rows = []
    for offset in range(days - 1, -1, -1):
        day = (today - timedelta(days=offset)).isoformat()
        outcomes = counts.get(day, {})
        rows.append({"day": day, **{k: outcomes.get(k, 0) for k in OUTCOMES}})
    return rows


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
    since = datetime.now(UTC) - timedelta(days=days - 1)
    rows = _daily_rows(ask_stats.daily_ask_counts(db, since.date().isoformat()), days)
    totals = {k: sum(row[k] for row in rows) for k in OUTCOMES}
    asked = sum(totals.values())
    helpful, not_helpful = ask_stats.helpful_counts(db, since.date().isoformat())
    handoffs = ask_stats.handoff_figures(db, since.date().isoformat())
    delays = handoffs["first_reply_seconds"]
    # Questions typed in another language than the widget page's, per pair of languages.
    pairs = ask_stats.language_pair_counts(db, since.date().isoformat())
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
    )
