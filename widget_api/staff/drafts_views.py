"""The editors' review of FAQ drafts: accept or reject; an accepted one opens in the FAQ editor
(or is taken as file text)."""

from __future__ import annotations

from flask import Response, abort, g, redirect, render_template, url_for

from ..store import drafts
from ..store.app_db import get_db
from . import audit_staff, bp, requires_role
from .faq_history import draft_editor_url


@bp.get("/drafts")
@requires_role("editor")
def drafts_page():
    items = drafts.list_drafts(get_db(), status=None)
    for item in items:
        item["file_text"] = drafts.draft_as_faq_file(item)
        item["editor_url"] = draft_editor_url(item) if item["status"] == "accepted" else None
    return render_template("staff/drafts.html", items=items)


def _review(draft_id: int, status: str):
    """Record the review; an accepted draft opens in the FAQ editor, filled in, to save."""
    try:
        drafts.review_draft(get_db(), draft_id, status, g.staff["id"])
    except drafts.DraftNotFound:
        abort(404)
    audit_staff(f"draft.{status}", draft_id)
    if status == "accepted":
        target = draft_editor_url(drafts.get_draft(get_db(), draft_id))
        if target:
            return redirect(target)
    return redirect(url_for("staff.drafts_page"))


@bp.post("/drafts/<int:draft_id>/accept")
@requires_role("editor")
def accept_draft(draft_id: int):
    return _review(draft_id, "accepted")


@bp.post("/drafts/<int:draft_id>/reject")
@requires_role("editor")
def reject_draft(draft_id: int):
    return _review(draft_id, "rejected")


@bp.get("/drafts/<int:draft_id>.md")
@requires_role("editor")
def draft_file(draft_id: int):
    """An accepted draft as FAQ file text, to save into the FAQ folder."""
    try:
        draft = drafts.get_draft(get_db(), draft_id)
    except drafts.DraftNotFound:
        abort(404)
    if draft["status"] != "accepted":
        abort(404)
    return Response(
        drafts.draft_as_faq_file(draft),
        mimetype="text/markdown",
        headers={"Content-Disposition": f'attachment; filename="draft-{draft_id}.md"'},
    )
