"""What visitors asked that the FAQ did not answer, grouped so editors see the big gaps first.

Questions are grouped greedily by word-set similarity (rapidfuzz token_set_ratio on stemmed,
normalised text, so "canoe rental" meets "rent canoes"): each question joins the most similar
existing group when it is close enough, else it starts a new one. Each group's suggested FAQ
question is its most central member, the one most similar to all the others, so it reads like
a real visitor's question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import Stemmer
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

SAME_GAP = 70.0
_STEMMERS = {"de": Stemmer.Stemmer("german"), "en": Stemmer.Stemmer("english")}


def comparable(question: str, lang: str | None) -> str:
    """The question as grouping compares it: normalised words, stemmed in its language."""
    words = default_process(question).split()
    stemmer = _STEMMERS.get(lang or "en", _STEMMERS["en"])
    return " ".join(stemmer.stemWords(words))


@dataclass
class Gap:
    """One group of similar unanswered questions."""

    questions: list[dict] = field(default_factory=list)
    suggested_question: str = ""

    @property
    def size(self) -> int:
        return len(self.questions)

    @property
    def languages(self) -> list[str]:
        return sorted({q["lang"] for q in self.questions if q.get("lang")})

    @property
    def outcomes(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for question in self.questions:
            counts[question["outcome"]] = counts.get(question["outcome"], 0) + 1
        return counts


def _central(texts: Sequence[str]) -> int:
    """Index of the text with the highest total similarity to the others."""
    if len(texts) <= 2:
        return 0
    scores = [
        sum(
            score
            for _, score, _ in process.extract(text, texts, scorer=fuzz.token_set_ratio, limit=None)
        )
        for text in texts
    ]
    return max(range(len(texts)), key=scores.__getitem__)


def group_gaps(rows: Sequence[dict], threshold: float = SAME_GAP) -> list[Gap]:
    """Group logged questions ({"question", "lang", "outcome", ...}); largest groups first."""
    gaps: list[Gap] = []
    keys: list[str] = []  # one normalised representative per gap (its first question)
    for row in rows:
        text = comparable(row["question"], row.get("lang"))
        if not text:
            continue
        match = (
            process.extractOne(text, keys, scorer=fuzz.token_set_ratio, score_cutoff=threshold)
            if keys
            else None
        )
        if match is None:
            gaps.append(Gap())
            keys.append(text)
            gaps[-1].questions.append(row)
        else:
            gaps[match[2]].questions.append(row)
    for gap in gaps:
        texts = [comparable(q["question"], q.get("lang")) for q in gap.questions]
        gap.suggested_question = gap.questions[_central(texts)]["question"]
    return sorted(gaps, key=lambda gap: (-gap.size, gap.questions[0]["id"]))
