"""The "Try a question" page: an editor sees what the matcher ranks, and why, for any question."""

from __future__ import annotations

from flask import current_app, render_template, request

from ..faq.matcher import decide
from ..texts import LANGUAGES
from ..visitor.faq_api import thresholds
from . import bp, requires_role


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
