"""What comes with an FAQ editor's write, and what prefills the editor's form.

After a write: a version kept in the database (faq_versions, account ids only) and, when the
FAQ folder is a git repository, a commit with the editor as author. Before: the form filled
from a kept version ("restore"), an accepted draft, or a gap question to add as a phrasing;
the editor sees the result and saves it (or not) as any other change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, g, request, url_for

from ..faq.editing import MAX_PHRASING_LENGTH, WriteResult
from ..faq.files import entry_to_markdown, one_line, parse_faq_file
from ..faq.git import commit_file
from ..faq.model import FaqEntry
from ..store import drafts, faq_versions
from ..store.app_db import get_db
from ..store.sqlite import MAX_INTEGER


def after_write(
    result: WriteResult, action: str, entry: FaqEntry, old_id: str | None = None
) -> None:
    """Keep the version and, under git, commit the file. `entry` is what was written (for a
    deletion, the entry as it was)."""
    db = get_db()
    staff_id = g.staff["id"]
    old_id = old_id or entry.id
    if result.old_markdown and not faq_versions.versions_of(db, entry.lang, old_id):
        # The first change made here: keep what the file said before, so it can be restored.
        faq_versions.record_version(
            db,
            entry_id=old_id,
            lang=entry.lang,
            action="before",
            markdown=result.old_markdown,
            staff_id=None,
        )
    markdown = result.old_markdown if action == "deleted" else entry_to_markdown(entry)
    faq_versions.record_version(
        db,
        entry_id=entry.id,
        lang=entry.lang,
        action=action,
        markdown=markdown,
        staff_id=staff_id,
    )
    author = (f"staff account {staff_id}", g.staff["email"])
    commit_file(
        Path(current_app.config["FAQ_DIR"]),
        result.relative,
        author,
        f"FAQ: {action} entry {entry.id} (staff area)",
    )


def form_values(entry: FaqEntry) -> dict[str, str]:
    """The editor form's fields for an entry, as the form holds them (one phrasing a line)."""
    return {
        "id": entry.id,
        "question": entry.question,
        "phrasings": "\n".join(entry.alternatives),
        "tags": ", ".join(entry.tags),
        "answer": entry.answer,
        "counterpart": entry.counterpart,
    }


def versions_for_page(lang: str, entry_id: str) -> list[dict[str, Any]]:
    return faq_versions.versions_of(get_db(), lang, entry_id)


def entry_from_markdown(markdown: str, lang: str) -> FaqEntry | None:
    """A kept version read back as the file reader reads it."""
    entries, _ = parse_faq_file(f"---\nlang: {lang}\n---\n\n{markdown}", "version")
    return entries[0] if entries else None


def _phrasings_with(values: dict[str, str], phrasing: str) -> dict[str, str]:
    """The form's phrasings with one more at the end, unless it is there already."""
    phrasing = one_line(phrasing)[:MAX_PHRASING_LENGTH]
    lines = [line for line in values["phrasings"].splitlines() if line.strip()]
    if not phrasing or phrasing in lines or phrasing == values["question"]:
        return values
    return {**values, "phrasings": "\n".join([*lines, phrasing])}


def _accepted_draft() -> dict[str, Any] | None:
    """The accepted draft `?draft=` names: only accepted ones go into the editor."""
    draft_id = request.args.get("draft", type=int)
    if draft_id is None or not 0 < draft_id <= MAX_INTEGER:
        return None
    try:
        draft = drafts.get_draft(get_db(), draft_id)
    except drafts.DraftNotFound:
        return None
    return draft if draft["status"] == "accepted" else None


def prefill_existing(values: dict[str, str], lang: str, entry_id: str) -> dict[str, str]:
    """The form of an existing entry, with `?version=` restored into it, or with a new
    phrasing from `?draft=` (an accepted draft for this entry) or `?phrasing=` (a gap)."""
    version_id = request.args.get("version", type=int)
    if version_id is not None and 0 < version_id <= MAX_INTEGER:
        version = faq_versions.get_version(get_db(), version_id)
        if version and version["lang"] == lang:
            restored = entry_from_markdown(version["markdown"], lang)
            if restored is not None:
                values = {**form_values(restored), "id": values["id"]}
    draft = _accepted_draft()
    if draft and draft["kind"] == "alternative" and draft["faq_id"] == entry_id:
        values = _phrasings_with(values, draft["question"])
    if request.args.get("phrasing"):
        values = _phrasings_with(values, request.args["phrasing"])
    return values


def prefill_new(values: dict[str, str]) -> dict[str, str]:
    """A new entry's form, filled from an accepted draft (`?draft=`) when one is named."""
    draft = _accepted_draft()
    if draft is None or draft["kind"] != "entry":
        return values
    return {
        **values,
        "id": drafts.suggested_id(draft["question"], draft["id"]),
        "question": one_line(draft["question"])[:MAX_PHRASING_LENGTH],
        "answer": draft["answer"].strip(),
    }


def draft_editor_url(draft: dict[str, Any]) -> str | None:
    """Where an accepted draft opens in the editor: a new entry, or its entry with the draft's
    question as a new phrasing; None when that entry is no longer in service."""
    if draft["kind"] == "entry":
        return url_for("staff.faq_new", lang=draft["lang"], draft=draft["id"])
    entry = current_app.extensions["faq_library"].current().entries.get(draft["faq_id"])
    if entry is None:
        return None
    return url_for("staff.faq_entry", lang=entry.lang, entry_id=entry.id, draft=draft["id"])
