"""Pages for editors: what the FAQ did not answer (gaps) and which answers did not help."""

from __future__ import annotations

import logging
import sqlite3
import statistics
from datetime import UTC, datetime, timedelta

from flask import current_app, render_template, request

from ..faq.gaps import group_gaps
from ..faq.matcher import decide
from ..store import ask_stats, question_log
from ..store.app_db import get_db
from ..store.sqlite import days_ago
from ..texts import LANGUAGES
from ..visitor.faq_api import thresholds
from . import bp, requires_role

log = logging.getLogger(__name__)

GAP_PERIODS = (7, 30, 90)
# The largest groups shown on the page; the rest are counted (`widget-api faq gaps` lists
# them all). Thousands of one-question groups, which anyone can cause, would make a page of
# megabytes that helps nobody.
GAPS_SHOWN = 100
OUTCOMES = ("answer", "suggest", "handoff")


@bp.get("/gaps")
@requires_role("editor")
def gaps_page():
    days = request.args.get("days", type=int)
    days = days if days in GAP_PERIODS else 30
    since = days_ago(days)
    db = get_db()
    gaps = group_gaps(question_log.logged_questions(db, since=since))
    hidden = gaps[GAPS_SHOWN:]
    entries = current_app.extensions["faq_library"].current().entries
    unhelpful = sorted(
        (
            (counts["not_helpful"], counts["helpful"], faq_id, entries.get(faq_id))
            for faq_id, counts in question_log.feedback_counts(db).items()
            if counts["not_helpful"]
        ),
        key=lambda row: (-row[0], row[2]),
    )
    return render_template(
        "staff/gaps.html",
        gaps=gaps[:GAPS_SHOWN],
        hidden_groups=len(hidden),
        hidden_questions=sum(gap.size for gap in hidden),
        days=days,
        periods=GAP_PERIODS,
        unhelpful=unhelpful,
    )


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
    days = request.args.get("days", type=int)
    days = days if days in GAP_PERIODS else 30
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
        periods=GAP_PERIODS,
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


@bp.get("/try")
@requires_role("editor")
def try_page():
    """Type a question, see the ranked entries, their scores, the thresholds and why."""
    question = request.args.get("q", "").strip()[: current_app.config["MAX_QUESTION_LENGTH"]]
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else None
    limits = thresholds()  # exactly what the visitor API decides with
    ranked, result = [], None
    if question:
        snapshot = current_app.extensions["faq_library"].current()
        ranked = snapshot.index.rank(question, lang=lang, limit=10)
        result = decide(ranked, limits)
    return render_template(
        "staff/try.html",
        question=question,
        lang=lang,
        languages=LANGUAGES,
        ranked=ranked,
        result=result,
        thresholds=limits,
    )
