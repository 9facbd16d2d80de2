"""How the visitor sees the matcher: questions sent from a widget page, counted per group.

`faq eval` scores a question set against the FAQ as a whole. A visitor's question also comes
with the widget's language, which may not be the language typed, and the answer is decided
as the ask view decides it (`FaqIndex.answer_language`, then `FaqIndex.match`). A visitor
question set is JSONL, one question a line: `{"text", "expected", "lang"}`, where `lang` is the
language the question is written in and `expected` the id of the entry (of that language)
that answers it, or null for a question the shop's FAQ does not answer.

Each in-scope question is measured twice: sent from a page in its own language
("in_scope") and from a page in the other language ("other_language"); the right entry is
the same. Out-of-scope questions ("near_miss") are sent from a page in their own language.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .matcher import DEFAULT_THRESHOLDS, FaqIndex
from .model import LANGUAGES, Thresholds

GROUPS = ("in_scope", "other_language", "near_miss")


@dataclass(frozen=True)
class VisitorQuestion:
    """One question as a widget sends it: the text, the page's language, the right entry."""

    text: str
    expected: str | None
    page_lang: str
    group: str


def read_visitor_questions(path: str | Path) -> list[VisitorQuestion]:
    """The questions of a visitor question set, each in-scope one also from the other page."""
    questions = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        text, expected, lang = item["text"], item.get("expected"), item["lang"]
        if lang not in LANGUAGES:
            raise ValueError(f"{path}:{number}: lang must be one of {LANGUAGES}")
        if expected is None:
            questions.append(VisitorQuestion(text, None, lang, "near_miss"))
            continue
        other = next(code for code in LANGUAGES if code != lang)
        questions.append(VisitorQuestion(text, expected, lang, "in_scope"))
        questions.append(VisitorQuestion(text, expected, other, "other_language"))
    return questions


def evaluate_visitor_questions(
    index: FaqIndex,
    questions: Sequence[VisitorQuestion],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> dict[str, dict[str, float | int]]:
    """Per group: the questions, and the shares answered right, reached and answered wrong.

    "Reached" is answered right or the right entry among the suggestions: the visitor gets
    to the answer with at most one more click. For near-miss questions every answer is wrong.
    """
    figures: dict[str, dict[str, float | int]] = {}
    for group in GROUPS:
        items = [q for q in questions if q.group == group]
        right = reached = wrong = 0
        for q in items:
            lang = index.answer_language(q.text, q.page_lang)
            result = index.match(q.text, lang, thresholds)
            if result.outcome == "answer" and result.answer is not None:
                if result.answer.entry.id == q.expected:
                    right += 1
                    reached += 1
                else:
                    wrong += 1
            elif any(c.entry.id == q.expected for c in result.suggestions):
                reached += 1
        n = max(len(items), 1)
        figures[group] = {
            "questions": len(items),
            "answered_right": right / n,
            "reached": reached / n,
            "answered_wrong": wrong / n,
        }
    return figures
