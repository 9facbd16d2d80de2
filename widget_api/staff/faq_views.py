"""The FAQ editor: the entries per language, one entry's page, creating, saving, deleting.

The files stay the one source of truth: every change goes through `faq/editing.py` (one entry
written, the checker first, a conflict when the file changed since it was opened), then the
service reloads at once. Every signed-in account reads; editors and admins change (checked
here on the server: a staff-role account gets 403 on every POST). Pages work without
JavaScript; staff.js only adds the live preview, which the "Preview" button also gives.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import NotFound

from ..faq.editing import (
    MAX_ANSWER_LENGTH,
    MAX_ID_LENGTH,
    MAX_PHRASING_LENGTH,
    EditRefused,
    EntryNotFound,
    FileConflict,
    OpenedEntry,
    WriteResult,
    content_hash,
    files_of_language,
    open_entry,
    open_entry_in,
    write_entry,
)
from ..faq.files import entry_to_markdown, one_line
from ..faq.model import FaqEntry
from ..faq.render import render_answer
from ..paths import PACKAGE
from ..store.accounts import role_allows
from ..texts import LANGUAGES
from . import audit_staff, bp, requires_role
from .faq_history import (
    after_write,
    form_values,
    prefill_existing,
    prefill_new,
    versions_for_page,
)
from .texts import staff_lang, t

LIST_LIMIT = 500
_AUDIT_ID_LENGTH = 64


def faq_folder() -> Path:
    return Path(current_app.config["FAQ_DIR"])


def _in_folder(message: str) -> str:
    """A checker message with file names relative to the FAQ folder, as the pages show them
    (an editor need not see, nor an attacker learn, where the folder is on the server)."""
    return message.replace(str(faq_folder()) + "/", "")


def editable() -> bool:
    """False when the FAQ folder is the sample inside an installed package: nothing is ever
    written there (paths.py); the operator sets FAQ_DIR to a folder of their own."""
    return not faq_folder().resolve().is_relative_to(PACKAGE)


def can_edit() -> bool:
    return role_allows(g.staff["role"], "editor") and editable()


def audit_id(entry_id: str) -> str:
    """The entry id as the audit log's target: ids that are not a short token (an old id with
    '/', a very long one) are named by a hash, since the log takes identifiers only."""
    if len(entry_id) <= _AUDIT_ID_LENGTH and all(c.isalnum() or c in "_.:-" for c in entry_id):
        return entry_id
    return "sha256:" + hashlib.sha256(entry_id.encode()).hexdigest()[:16]


def _lang_or_404(lang: str) -> str:
    if lang not in LANGUAGES:
        abort(404)
    return lang


@bp.get("/faq")
@requires_role("staff")
def faq_list():
    """Entries of one language as served now, searched by the matcher, filtered by tag."""
    lang = request.args.get("lang", "")
    lang = lang if lang in LANGUAGES else staff_lang()
    query = request.args.get("q", "").strip()[: current_app.config["MAX_QUESTION_LENGTH"]]
    tag = request.args.get("tag", "")
    snapshot = current_app.extensions["faq_library"].current()
    entries = [entry for entry in snapshot.entries.values() if entry.lang == lang]
    tags = sorted({tag for entry in entries for tag in entry.tags})
    if query:
        entries = [c.entry for c in snapshot.index.rank(query, lang=lang, limit=LIST_LIMIT)]
    else:
        entries.sort(key=lambda entry: (entry.source, entry.line))
    if tag:
        entries = [entry for entry in entries if tag in entry.tags]
    return render_template(
        "staff/faq_list.html",
        lang=lang,
        languages=LANGUAGES,
        query=query,
        tag=tag,
        tags=tags,
        entries=entries[:LIST_LIMIT],
        folder=str(faq_folder()) + "/",
        can_edit=can_edit(),
    )


def _form_entry(lang: str) -> FaqEntry:
    """The entry the form describes. Phrasings are one a line; empty lines are dropped."""
    form = request.form
    phrasings = [one_line(line) for line in form.get("phrasings", "").splitlines()]
    tags = [one_line(tag) for tag in form.get("tags", "").split(",")]
    return FaqEntry(
        id=form.get("id", "").strip(),
        question=one_line(form.get("question", "")),
        answer=form.get("answer", "").replace("\r\n", "\n").strip(),
        lang=lang,
        alternatives=tuple(dict.fromkeys(p for p in phrasings if p)),
        tags=tuple(dict.fromkeys(tag for tag in tags if tag)),
        counterpart=one_line(form.get("counterpart", "")),
    )


def _page(
    lang: str,
    *,
    opened: OpenedEntry | None,
    values: dict[str, str],
    file_hash: str,
    relative: str,
    status: int = 200,
    **extra: Any,
):
    """The entry page (new when `opened` is None) with the form filled from `values`."""
    preview = render_answer(values["answer"])[0] if values.get("answer") else ""
    context = {
        "lang": lang,
        "opened": opened,
        "values": values,
        "file_hash": file_hash,
        "relative": relative,
        "files": files_of_language(faq_folder(), lang) if opened is None else [],
        "preview": preview,
        "can_edit": can_edit(),
        "editable": editable(),
        "max_answer": MAX_ANSWER_LENGTH,
        "max_phrasing": MAX_PHRASING_LENGTH,
        "max_id": MAX_ID_LENGTH,
        "versions": versions_for_page(lang, opened.entry.id) if opened else [],
        "problems": [],
        "reasons": [],
        "warnings": [],
        "conflict": None,
        **extra,
    }
    return render_template("staff/faq_entry.html", **context), status


def _opened_or_404(lang: str, entry_id: str) -> OpenedEntry:
    try:
        opened = open_entry(faq_folder(), entry_id)
    except EntryNotFound:
        abort(404)
    if opened.entry.lang != lang:
        abort(404)
    return opened


@bp.get("/faq/<lang>/<path:entry_id>")
@requires_role("staff")
def faq_entry(lang: str, entry_id: str):
    """One entry as its file holds it now; `version`, `draft` and `phrasing` prefill the form."""
    opened = _opened_or_404(_lang_or_404(lang), entry_id)
    values = form_values(opened.entry)
    values = prefill_existing(values, lang, entry_id)
    return _page(
        lang,
        opened=opened,
        values=values,
        file_hash=opened.file_hash,
        relative=opened.relative,
        prefilled=values != form_values(opened.entry),
    )


@bp.get("/faq/new/<lang>")
@requires_role("editor")
def faq_new(lang: str):
    lang = _lang_or_404(lang)
    values = prefill_new(
        {"id": "", "question": "", "phrasings": "", "tags": "", "answer": "", "counterpart": ""}
    )
    return _page(lang, opened=None, values=values, file_hash="", relative="")


def _written(result: WriteResult, lang: str, entry_id: str, key: str) -> Any:
    """After a write: serve it now, keep the version, say so, show the entry."""
    current_app.extensions["faq_library"].reload()
    flash(t(key, id=entry_id), "ok")
    for warning in result.warnings:
        flash(_in_folder(warning), "warning")
    if entry_id:
        return redirect(url_for("staff.faq_entry", lang=lang, entry_id=entry_id))
    return redirect(url_for("staff.faq_list", lang=lang))


def _refused(lang: str, opened: OpenedEntry | None, entry: FaqEntry, error: EditRefused):
    """The form again with what stopped the save; on a conflict, both versions and the hash
    of the file as it is now, so saving again is a decision made after seeing them."""
    relative = request.form.get("file", "")
    file_hash = request.form.get("file_hash", "")
    conflict = None
    status = 400
    if isinstance(error, FileConflict):
        status, file_hash = 409, error.disk_hash
        on_disk = ""
        if opened is not None:
            try:
                path = faq_folder() / relative
                on_disk = open_entry_in(
                    faq_folder(), path, error.disk_text, opened.entry.id
                ).markdown
            except EntryNotFound:
                on_disk = ""
        conflict = {"yours": entry_to_markdown(entry), "on_disk": on_disk}
    return _page(
        lang,
        opened=opened,
        values=form_values(entry),
        file_hash=file_hash,
        relative=relative,
        status=status,
        reasons=[t(error.reason, **error.values)] if error.reason and not conflict else [],
        problems=[_in_folder(problem) for problem in error.problems],
        conflict=conflict,
    )


def _refuse_if_removed_meanwhile(lang: str, entry: FaqEntry) -> None:
    """An entry the editor opened that a change on disk removed is a conflict, not a 404:
    the form comes back (as a new entry) with the editor's version and the note that the
    entry is gone from its file."""
    relative = request.form.get("file", "")
    if relative not in files_of_language(faq_folder(), lang):
        return
    data = (faq_folder() / relative).read_bytes()
    if content_hash(data) == request.form.get("file_hash", ""):
        return
    disk_text = data.decode("utf-8", errors="replace")
    page = _refused(lang, None, entry, FileConflict(disk_text, content_hash(data)))
    abort(make_response(*page))


def _refuse_unless_editable() -> None:
    if not editable():
        abort(403)


@bp.post("/faq/save/<lang>/<path:entry_id>")
@requires_role("editor")
def faq_save(lang: str, entry_id: str):
    _refuse_unless_editable()
    _lang_or_404(lang)
    entry = _form_entry(lang)
    try:
        opened = _opened_or_404(lang, entry_id)
    except NotFound:
        _refuse_if_removed_meanwhile(lang, entry)
        raise
    if request.form.get("action") == "preview":
        return _page(
            lang,
            opened=opened,
            values=form_values(entry),
            file_hash=request.form.get("file_hash", ""),
            relative=opened.relative,
        )
    try:
        result = write_entry(
            faq_folder(), opened.relative, request.form.get("file_hash", ""), entry_id, entry
        )
    except EntryNotFound:
        abort(404)
    except EditRefused as error:
        return _refused(lang, opened, entry, error)
    audit_staff("faq.entry_saved", audit_id(entry.id), renamed=entry.id != entry_id)
    after_write(result, "saved", entry, old_id=entry_id)
    return _written(result, lang, entry.id, "faq_saved")


@bp.post("/faq/new/<lang>")
@requires_role("editor")
def faq_create(lang: str):
    _refuse_unless_editable()
    lang = _lang_or_404(lang)
    entry = _form_entry(lang)
    relative = request.form.get("file", "")
    if request.form.get("action") == "preview":
        return _page(lang, opened=None, values=form_values(entry), file_hash="", relative=relative)
    folder = faq_folder()
    if relative not in files_of_language(folder, lang):
        return _refused(lang, None, entry, EditRefused("faq_no_such_file"))
    # A new entry is added to the file as it is now: nothing of it was shown to the editor.
    file_hash = content_hash((folder / relative).read_bytes())
    try:
        result = write_entry(folder, relative, file_hash, None, entry)
    except EditRefused as error:
        return _refused(lang, None, entry, error)
    audit_staff("faq.entry_created", audit_id(entry.id))
    after_write(result, "created", entry)
    return _written(result, lang, entry.id, "faq_created")


@bp.get("/faq/delete/<lang>/<path:entry_id>")
@requires_role("editor")
def faq_delete_confirm(lang: str, entry_id: str):
    """Deleting asks first: this page names the entry and holds the one button that does it."""
    opened = _opened_or_404(_lang_or_404(lang), entry_id)
    return render_template("staff/faq_delete.html", lang=lang, opened=opened, editable=editable())


@bp.post("/faq/delete/<lang>/<path:entry_id>")
@requires_role("editor")
def faq_delete(lang: str, entry_id: str):
    _refuse_unless_editable()
    opened = _opened_or_404(_lang_or_404(lang), entry_id)
    try:
        result = write_entry(
            faq_folder(), opened.relative, request.form.get("file_hash", ""), entry_id, None
        )
    except EditRefused as error:
        reason = "faq_conflict_short" if isinstance(error, FileConflict) else error.reason
        messages = [t(reason, **error.values)] if reason else []
        messages += [_in_folder(problem) for problem in error.problems]
        status = 409 if isinstance(error, FileConflict) else 400
        return render_template(
            "staff/faq_delete.html",
            lang=lang,
            opened=opened,
            editable=editable(),
            messages=messages,
        ), status
    audit_staff("faq.entry_deleted", audit_id(entry_id))
    after_write(result, "deleted", opened.entry)
    return _written(result, lang, "", "faq_deleted")


@bp.post("/faq/preview")
@requires_role("editor")
def faq_preview():
    """The answer as the widget would show it: the same render and sanitising, for staff.js."""
    answer = request.form.get("answer", "")[: MAX_ANSWER_LENGTH + 1]
    html = render_answer(answer)[0] if answer.strip() else ""
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.get("/faq/add-phrasing")
@requires_role("editor")
def faq_add_phrasing():
    """From the gaps page: the entry the editor picked opens with the question as a phrasing."""
    entry_id = request.args.get("entry", "").strip()
    entry = current_app.extensions["faq_library"].current().entries.get(entry_id)
    if entry is None:
        abort(404)
    phrasing = request.args.get("phrasing", "")[:MAX_PHRASING_LENGTH]
    return redirect(
        url_for("staff.faq_entry", lang=entry.lang, entry_id=entry.id, phrasing=phrasing)
    )
