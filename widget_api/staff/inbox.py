"""The inbox: the queue, one conversation, and what staff do with it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NoReturn

from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from .. import notifications
from ..input_rules import MAX_STAFF_TEXT_LENGTH, remove_control_characters
from ..store import conversations, drafts, staff_queue
from ..store.app_db import get_db
from . import audit_staff, bp, requires_role
from .faq_answers import insertion, search_answers
from .texts import t


def age(timestamp: str | None) -> str:
    """How long ago, briefly: '5 min', '3 h', '2 d'."""
    if not timestamp:
        return ""
    seconds = (datetime.now(UTC) - datetime.fromisoformat(timestamp)).total_seconds()
    minutes = max(int(seconds // 60), 0)
    if minutes < 60:
        return t("minutes", n=minutes)
    if minutes < 60 * 48:
        return t("hours", n=minutes // 60)
    return t("days", n=minutes // (60 * 24))


def first_line(text: str, limit: int = 90) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


@bp.app_template_filter("age")
def _age_filter(timestamp: str | None) -> str:
    return age(timestamp)


@bp.app_template_filter("first_line")
def _first_line_filter(text: str) -> str:
    return first_line(text)


@bp.get("/")
def index():
    return redirect(url_for("staff.queue"))


@bp.get("/queue")
@requires_role("staff")
def queue():
    """One queue, a page at a time: newest activity first, or the oldest first in one click.

    `after` is the cursor of the last conversation of the previous page; one that was not
    made here (edited by hand) is ignored, and the first page shown.
    """
    view = request.args.get("view", "new")
    if view not in staff_queue.QUEUE_FILTERS:
        view = "new"
    order = "oldest" if request.args.get("order") == "oldest" else "newest"
    after = request.args.get("after") or None
    page = _queue_page(view, order == "oldest", after)
    if page is None:
        after = None
        page = _queue_page(view, order == "oldest", None)
    template = "staff/_queue_table.html" if request.args.get("partial") else "staff/queue.html"
    return render_template(
        template,
        view=view,
        order=order,
        after=after,
        page=page,
        items=page.items,
        views=staff_queue.QUEUE_FILTERS,
    )


def _queue_page(view: str, oldest_first: bool, after: str | None):
    try:
        return staff_queue.queue_page(
            get_db(), view, staff_id=g.staff["id"], oldest_first=oldest_first, after=after
        )
    except staff_queue.BadCursor:
        return None


def _conversation_gone() -> NoReturn:
    """A 404 that staff can read: the conversation is gone, and the way back to the inbox.

    A visitor may delete their conversation while it is open in the inbox (and erasure or
    retention may remove it); whoever follows a link or presses a button then learns why,
    instead of meeting a bare "Not Found". Nothing is left to tell those causes apart.
    """
    abort(make_response(render_template("staff/conversation_gone.html"), 404))


def _load(conversation_id: str) -> dict:
    try:
        return conversations.get_conversation(get_db(), conversation_id)
    except conversations.ConversationNotFound:
        _conversation_gone()


@bp.get("/conversations/<conversation_id>")
@requires_role("staff")
def conversation(conversation_id: str):
    """The conversation, with FAQ answers to insert into the reply (faq_answers.py).

    `partial=answers` is only the answers found, for staff.js. `reply_sent` tells staff.js
    that the reply it kept as a draft arrived, once, on the page the reply's POST led to.
    """
    item = _load(conversation_id)
    search = search_answers(item["lang"])
    if request.args.get("partial") == "answers":
        html = render_template(
            "staff/_faq_answers.html",
            c=item,
            search=search,
            max_text_length=MAX_STAFF_TEXT_LENGTH,
        )
        return make_response(html, search.status)
    entries = current_app.extensions["faq_library"].current().entries.values()
    same_lang = sorted((e for e in entries if e.lang == item["lang"]), key=lambda e: e.question)
    insert = insertion(item["lang"])
    html = render_template(
        "staff/conversation.html",
        c=item,
        faq_entries=same_lang,
        max_text_length=MAX_STAFF_TEXT_LENGTH,
        search=search,
        insert=insert,
        reply_sent=session.pop("reply_sent", None) == conversation_id,
    )
    return make_response(html, max(insert.status, search.status))


def _staff_text(field: str) -> str | None:
    """The posted text, cleaned; None (with a message shown) when empty or too long.

    Browsers send a textarea's line breaks as CRLF but count each as one character for its
    `maxlength`; kept as LF, a text the form allowed is not refused here for its breaks.
    """
    posted = request.form.get(field, "").replace("\r\n", "\n")
    text = remove_control_characters(posted).strip()
    if not text:
        flash(t("empty_text"), "error")
        return None
    if len(text) > MAX_STAFF_TEXT_LENGTH:
        flash(t("text_too_long"), "error")
        return None
    return text


def _back(conversation_id: str):
    return redirect(url_for("staff.conversation", conversation_id=conversation_id))


@bp.post("/conversations/<conversation_id>/claim")
@requires_role("staff")
def claim(conversation_id: str):
    try:
        staff_queue.claim_conversation(get_db(), conversation_id, g.staff["id"])
        audit_staff("conversation.claimed", conversation_id)
        flash(t("claimed"), "info")
    except conversations.ConversationNotFound:
        _conversation_gone()
    except staff_queue.AlreadyClaimed:
        flash(t("claimed_by_other"), "error")
        return conversation(conversation_id), 409
    return _back(conversation_id)


@bp.post("/conversations/<conversation_id>/reply")
@requires_role("staff")
def reply(conversation_id: str):
    _load(conversation_id)
    text = _staff_text("text")
    if text is not None:
        message = staff_queue.add_staff_reply(
            get_db(),
            conversation_id,
            g.staff["id"],
            text,
            mail_visitor=notifications.mails_visitors(),
        )
        audit_staff("conversation.replied", conversation_id, message_id=message["id"])
        notifications.wake_sender()
        flash(t("replied"), "info")
        session["reply_sent"] = conversation_id
    return _back(conversation_id)


@bp.post("/conversations/<conversation_id>/note")
@requires_role("staff")
def note(conversation_id: str):
    _load(conversation_id)
    text = _staff_text("text")
    if text is not None:
        message = staff_queue.add_note(get_db(), conversation_id, g.staff["id"], text)
        audit_staff("conversation.note_added", conversation_id, message_id=message["id"])
        flash(t("noted"), "info")
    return _back(conversation_id)


def _set_state(conversation_id: str, change, done: str):
    """Close or reopen: the change, its audit entry (`conversation.<done>`) and the notice."""
    _load(conversation_id)
    change(get_db(), conversation_id)
    audit_staff(f"conversation.{done}", conversation_id)
    flash(t(done), "info")
    return _back(conversation_id)


@bp.post("/conversations/<conversation_id>/close")
@requires_role("staff")
def close(conversation_id: str):
    return _set_state(conversation_id, staff_queue.close_conversation, "closed")


@bp.post("/conversations/<conversation_id>/reopen")
@requires_role("staff")
def reopen(conversation_id: str):
    return _set_state(conversation_id, staff_queue.reopen_conversation, "reopened")


@bp.post("/conversations/<conversation_id>/link")
@requires_role("staff")
def link_entry(conversation_id: str):
    """Link the question to an FAQ entry: its wording becomes a proposed phrasing there."""
    item = _load(conversation_id)
    faq_id = request.form.get("faq_id", "").strip()
    entry = current_app.extensions["faq_library"].current().entries.get(faq_id)
    if entry is None:
        flash(t("unknown_entry", faq_id=faq_id), "error")
        return _back(conversation_id)
    draft_id = drafts.create_draft(
        get_db(),
        lang=entry.lang,
        question=item["question"],
        conversation_id=conversation_id,
        faq_id=entry.id,
        created_by=g.staff["id"],
    )
    audit_staff("draft.created", conversation_id, draft_id=draft_id, kind="alternative")
    flash(t("linked", faq_id=entry.id), "info")
    return _back(conversation_id)


@bp.post("/conversations/<conversation_id>/draft")
@requires_role("staff")
def save_draft(conversation_id: str):
    """Turn the visitor's question and one staff reply into a draft entry for editors."""
    item = _load(conversation_id)
    replies = {
        str(m["id"]): m["text"]
        for m in item["messages"]
        if m["author"] == "staff" and m["kind"] == "message"
    }
    answer = replies.get(request.form.get("message_id", ""))
    if answer is None:
        abort(400)
    draft_id = drafts.create_draft(
        get_db(),
        lang=item["lang"],
        question=item["question"],
        answer=answer,
        conversation_id=conversation_id,
        created_by=g.staff["id"],
    )
    audit_staff("draft.created", conversation_id, draft_id=draft_id, kind="entry")
    flash(t("draft_saved"), "info")
    return _back(conversation_id)
