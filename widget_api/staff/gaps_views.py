"""The gaps page: what the FAQ did not answer, grouped, and which answers did not help."""

from __future__ import annotations

from flask import current_app, render_template

from ..faq.gaps import group_gaps
from ..store import question_log
from ..store.app_db import get_db
from ..store.sqlite import days_ago
from . import bp, chosen_days, requires_role

PERIODS = (7, 30, 90)
# The largest groups shown on the page; the rest are counted (`widget-api faq gaps` lists
# them all). Thousands of one-question groups, which anyone can cause, would make a page of
# megabytes that helps nobody.
GAPS_SHOWN = 100


@bp.get("/gaps")
@requires_role("editor")
def gaps_page():
    days = chosen_days(PERIODS, 30)
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
        periods=PERIODS,
        unhelpful=unhelpful,
        entry_ids=sorted(entries),
    )
