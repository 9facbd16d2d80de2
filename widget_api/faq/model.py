"""The FAQ's data types, shared by the loader, the checker, the matcher and the evaluation.

Plain dataclasses with no Flask imports, so every FAQ component can be used and tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The languages the service speaks are the text catalogue's (widget_api/texts).
from ..texts import LANGUAGES

__all__ = ["LANGUAGES", "Candidate", "FaqEntry", "MatchResult", "Thresholds"]


@dataclass(frozen=True)
class FaqEntry:
    """One question the FAQ answers, with the other ways visitors ask it.

    `answer` is the editor's Markdown; `html` is the sanitised HTML the widget may show
    (empty for entries loaded from JSONL evaluation sets until rendered).
    `source` and `line` say where the entry was written, for messages that point at it.
    `counterpart` is the id of the same topic in another language, when the file names one
    (the help centre links the two pages).
    """

    id: str
    question: str
    answer: str
    lang: str
    alternatives: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    html: str = ""
    source: str = ""
    line: int = 0
    counterpart: str = ""

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The main question first, then every alternative."""
        return (self.question, *self.alternatives)


@dataclass(frozen=True)
class Candidate:
    """One entry the matcher considers, with the evidence for it.

    `score` is from 0 to 1. `matched_phrasing` is the phrasing that matched best and
    `matched_terms` the normalised words it shared with the question, so an editor can see why.
    """

    entry: FaqEntry
    score: float
    matched_phrasing: str = ""
    matched_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Thresholds:
    """When to answer, when to offer suggestions, and when to hand off to a person.

    answer: the best score needed to answer at once.
    margin: the best must lead the second-best entry by at least this much to answer.
    suggest: the lowest score an entry needs to be offered as a suggestion.
    """

    answer: float = 0.62
    margin: float = 0.04
    suggest: float = 0.35


@dataclass(frozen=True)
class MatchResult:
    """The matcher's decision for one question.

    outcome is "answer" (a confident answer), "suggest" (a short list to choose from) or
    "handoff" (nothing fits: offer a person). `candidates` is the full ranked list that
    the decision was made from, best first.
    """

    outcome: str
    answer: Candidate | None
    suggestions: tuple[Candidate, ...]
    candidates: tuple[Candidate, ...] = field(default=())
    generation: str = ""
