"""Pages for editors: what the FAQ did not answer (gaps) and which answers did not help."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app, render_template, request

from .. import store
from ..db import get_db
from ..faq.gaps import group_gaps
from . import bp, requires_role

GAP_PERIODS = (7, 30, 90)


@bp.get("/gaps")
@requires_role("editor")
def gaps_page():
    days = request.args.get("days", type=int)
    days = days if days in GAP_PERIODS else 30
    since = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="milliseconds")
    db = get_db()
    gaps = group_gaps(store.logged_questions(db, since=since))
    entries = current_app.extensions["faq_library"].current().entries
    unhelpful = sorted(
        (
            (counts["not_helpful"], counts["helpful"], faq_id, entries.get(faq_id))
            for faq_id, counts in store.feedback_counts(db).items()
            if counts["not_helpful"]
        ),
        key=lambda row: (-row[0], row[2]),
    )
    return render_template(
        "staff/gaps.html", gaps=gaps, days=days, periods=GAP_PERIODS, unhelpful=unhelpful
    )
