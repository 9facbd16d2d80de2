"""What visitors asked that the FAQ did not answer, grouped so editors see the big gaps first.

Questions are grouped greedily by word-set similarity (rapidfuzz token_set_ratio on stemmed,
normalised text, so "canoe rental" meets "rent canoes"): each question joins the most similar
existing group when it is close enough, else it starts a new one. Each group's suggested FAQ
question is its most central member, the one whose words the others share most, so it reads
like a real visitor's question.

Anyone can fill the question log, so grouping must stay near-linear in the number of
questions whatever they hold: a question is compared only with the few groups that share
the beginning of one of its rarest words (an inverted index from a word's first
`PREFIX` letters to groups, so "Kanus" meets "Kanu" and "verleiht" "verleihen"; looking at no
more than `WINDOW` recent groups per entry and comparing with at most `CANDIDATES`), identical
questions join without a comparison, and the central member is found by counting words, not
by comparing every pair. 1,500 near-identical long questions once took the pairwise version
9-20 s.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import Stemmer
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

SAME_GAP = 70.0
# How many of a question's rarest words look up groups, how many recent groups per word are
# looked at, and how many of the groups sharing most of those words are compared in full.
SIGNATURE_WORDS = 8
PREFIX = 4
# Words of a question that grouping looks at: a visitor's question is rarely longer, and an
# essay (up to MAX_QUESTION_LENGTH characters) costs no more than a question.
MAX_WORDS = 32
WINDOW = 32
CANDIDATES = 6
_STEMMERS = {"de": Stemmer.Stemmer("german"), "en": Stemmer.Stemmer("english")}


def comparable(question: str, lang: str | None) -> str:
    """The question as grouping compares it: its first MAX_WORDS normalised words, stemmed in
    its language."""
    words = default_process(question).split()[:MAX_WORDS]
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


def _central(word_sets: Sequence[frozenset[str]]) -> int:
    """Index of the member whose words the others share most (ties: the earliest).

    A member's score is the average, over its distinct words, of how many members use that
    word: linear in the words of the group, where comparing every pair was quadratic.
    """
    if len(word_sets) <= 2:
        return 0
    first: dict[frozenset[str], int] = {}  # each distinct wording is scored once
    for index, words in enumerate(word_sets):
        first.setdefault(words, index)
    if len(first) == 1:
        return 0
    uses: Counter[str] = Counter()
    for words in word_sets:
        uses.update(words)

    def score(words: frozenset[str]) -> tuple[float, int]:
        return sum(map(uses.__getitem__, words)) / len(words), -first[words]

    return first[max(first, key=score)]


def group_gaps(rows: Sequence[dict], threshold: float = SAME_GAP) -> list[Gap]:
    """Group logged questions ({"question", "lang", "outcome", ...}); largest groups first."""
    prepared = []
    seen: dict[tuple[str, str | None], tuple[str, frozenset[str], frozenset[str]]] = {}
    for row in rows:
        # The same question asked again (common: the same visitor, or a popular gap) is
        # normalised once.
        raw = (row["question"], row.get("lang"))
        if raw not in seen:
            text = comparable(*raw)
            words = frozenset(text.split())
            seen[raw] = (text, words, frozenset(word[:PREFIX] for word in words))
        if seen[raw][0]:
            prepared.append((row, *seen[raw]))
    # How many distinct questions use each word beginning: a question's rarest say most about
    # it (a question asked again does not make its words common).
    frequency: Counter[str] = Counter()
    for text, _, starts in seen.values():
        if text:
            frequency.update(starts)
    gaps: list[Gap] = []
    members: list[list[frozenset[str]]] = []
    keys: list[str] = []  # one normalised representative per gap (its first question)
    by_text: dict[str, int] = {}  # identical normalised questions join without comparing
    by_start: dict[str, list[int]] = defaultdict(list)  # word beginning -> gaps whose key has it
    for row, text, words, starts in prepared:
        index = by_text.get(text)
        if index is None:
            signature = sorted(starts, key=lambda start: (frequency[start], start))
            weighted = [(start, 1 / frequency[start]) for start in signature[:SIGNATURE_WORDS]]
            index = _closest(text, weighted, keys, by_start, threshold)
        if index is None:
            index = len(gaps)
            gaps.append(Gap())
            members.append([])
            keys.append(text)
            for start in starts:
                by_start[start].append(index)
        by_text.setdefault(text, index)
        gaps[index].questions.append(row)
        members[index].append(words)
    for gap, word_sets in zip(gaps, members, strict=True):
        gap.suggested_question = gap.questions[_central(word_sets)]["question"]
    return sorted(gaps, key=lambda gap: (-gap.size, gap.questions[0]["id"]))


def _closest(
    text: str,
    signature: Sequence[tuple[str, float]],
    keys: Sequence[str],
    by_start: dict[str, list[int]],
    threshold: float,
) -> int | None:
    """The most similar gap among those sharing the signature most, if close enough.

    `signature` is (word beginning, weight) with the weight 1 / how many questions use it:
    one rare word shared says more than several common ones, which every group may share.
    """
    shared: defaultdict[int, float] = defaultdict(float)
    for start, weight in signature:
        for index in by_start.get(start, ())[-WINDOW:]:
            shared[index] += weight
    if not shared:
        return None
    candidates = list(shared)
    if len(candidates) > CANDIDATES:
        candidates.sort(key=shared.__getitem__, reverse=True)  # stable: earlier gaps first
        del candidates[CANDIDATES:]
    match = process.extractOne(
        text,
        [keys[index] for index in candidates],
        scorer=fuzz.token_set_ratio,
        score_cutoff=threshold,
    )
    return None if match is None else candidates[match[2]]
