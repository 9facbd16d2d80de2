"""FAQ answers for a staff reply: search them in the conversation's language, insert one.

The search is the matcher's own (the FAQ index in service, as the FAQ page and "Try a
question" use it). An answer goes into the reply box as readable plain text
(faq/plain_text.py), since the visitor reads staff replies as text. Both work on the
conversation page's address (`?faq_q=` and `?insert=<lang>/<id>`), so a GET form and a link do
it without JavaScript; staff.js fetches the same results (`partial=answers`) and inserts at the
cursor instead. Nothing here changes state: the staff member still edits and sends the reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, request

from ..faq.model import FaqEntry
from ..faq.plain_text import answer_as_plain_text
from ..faq.render import render_answer
from .texts import t

MAX_RESULTS = 5


@dataclass(frozen=True)
class FaqAnswer:
    """One entry as offered for a reply: what to show and what `?insert=` names it by."""

    entry: FaqEntry
    text: str

    @property
    def insert_key(self) -> str:
        return f"{self.entry.lang}/{self.entry.id}"


@dataclass(frozen=True)
class AnswerSearch:
    """The search on a conversation page: the query, the answers found, or why none."""

    query: str = ""
    answers: list[FaqAnswer] = field(default_factory=list)
    problem: str = ""
    status: int = 200


@dataclass(frozen=True)
class Insertion:
    """What `?insert=` puts into the reply box, or why nothing (with the page's status)."""

    text: str = ""
    question: str = ""
    problem: str = ""
    status: int = 200


def as_reply_text(entry: FaqEntry) -> FaqAnswer:
    """The entry with its answer as the plain text a reply carries; from the sanitised HTML
    the widget shows for it, so nothing the sanitiser removed comes back."""
    html = entry.html or render_answer(entry.answer)[0]
    return FaqAnswer(entry=entry, text=answer_as_plain_text(html))


def search_answers(lang: str) -> AnswerSearch:
    """The matcher's best entries in `lang` for `?faq_q=`; none for an empty or long query."""
    query = request.args.get("faq_q", "").strip()
    limit = current_app.config["MAX_QUESTION_LENGTH"]
    if not query:
        return AnswerSearch()
    if len(query) > limit:
        return AnswerSearch(
            query=query[:limit], problem=t("answers_query_too_long", limit=limit), status=400
        )
    index = current_app.extensions["faq_library"].current().index
    answers = [as_reply_text(c.entry) for c in index.rank(query, lang=lang, limit=MAX_RESULTS)]
    if not answers:
        return AnswerSearch(query=query, problem=t("answers_none", query=query))
    return AnswerSearch(query=query, answers=answers)


def insertion(lang: str) -> Insertion:
    """The answer `?insert=<lang>/<id>` names, when it is an entry in service in `lang`."""
    wanted = request.args.get("insert", "")
    if not wanted:
        return Insertion()
    entry_lang, _, entry_id = wanted.partition("/")
    entry = current_app.extensions["faq_library"].current().entries.get(entry_id)
    if entry is None or entry.lang != entry_lang:
        shown = wanted[:80]
        return Insertion(problem=t("insert_unknown", faq_id=shown), status=404)
    if entry.lang != lang:
        problem = t("insert_other_language", faq_id=entry.id, entry_lang=entry.lang.upper())
        return Insertion(problem=problem, status=400)
    return Insertion(text=as_reply_text(entry).text, question=entry.question)
