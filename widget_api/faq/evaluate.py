"""Measuring how well the matcher answers a labelled question set, and choosing thresholds.

These are the figures `widget-api faq eval --json` prints and `faq tune` writes, so editors and
the benchmarks judge the matcher by the same numbers. A labelled question has the id of the
entry that answers it, or None when nothing should answer and the visitor should be offered a
person; answering such a question is as wrong as answering with the wrong entry.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .jsonl import LabelledQuestion
from .matcher import DEFAULT_THRESHOLDS, MAX_SUGGESTIONS, decide
from .model import Candidate, Thresholds

WARM_UP_QUESTIONS = 20
# Share of in-scope questions whose right entry may fall below the suggest threshold.
SUGGEST_MISS_SHARE = 0.05


class Ranker(Protocol):
    """Anything with FaqIndex.rank's signature (the benchmarks also pass baselines)."""

    def rank(self, question: str, lang: str | None = None, limit: int = 10) -> list[Candidate]:
        """The best entries for question, best first."""
        ...


@dataclass(frozen=True)
class _Ranked:
    question: LabelledQuestion
    candidates: tuple[Candidate, ...]
    millis: float

    @property
    def best(self) -> float:
        return self.candidates[0].score if self.candidates else 0.0

    @property
    def gap(self) -> float:
        second = self.candidates[1].score if len(self.candidates) > 1 else 0.0
        return self.best - second

    @property
    def top_right(self) -> bool:
        return bool(self.candidates) and self.candidates[0].entry.id == self.question.expected


def _rank_all(index: Ranker, questions: Sequence[LabelledQuestion]) -> list[_Ranked]:
    """Rank every question once, timing each call after warming caches on a few questions."""
    for q in questions[:WARM_UP_QUESTIONS]:
        index.rank(q.text)
    ranked = []
    for q in questions:
        start = time.perf_counter()
        candidates = index.rank(q.text)
        millis = (time.perf_counter() - start) * 1000.0
        ranked.append(_Ranked(q, tuple(candidates), millis))
    return ranked


def auroc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """Chance that a random in-scope question scores above a random out-of-scope one.

    Ties count half (Mann-Whitney U). None when either class is empty, since the figure is
    then undefined rather than perfect or useless.
    """
    if not positives or not negatives:
        return None
    labelled = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum = 0.0
    i = 0
    while i < len(labelled):
        j = i
        while j < len(labelled) and labelled[j][0] == labelled[i][0]:
            j += 1
        mid_rank = (i + j + 1) / 2  # ranks are 1-based; ties share their mean rank
        rank_sum += mid_rank * sum(label for _, label in labelled[i:j])
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _best_answer_cut(ranked: Sequence[_Ranked], max_wrong: float) -> tuple[float, int]:
    """The lowest best-score threshold whose answers are at most max_wrong wrong.

    Returns (threshold, answered count); (1.0, 0) when no threshold is safe enough, which
    means "practically never answer".
    """
    ordered = sorted(ranked, key=lambda r: -r.best)
    best_threshold, best_count = 1.0, 0
    wrong = 0
    for i, r in enumerate(ordered, start=1):
        wrong += not r.top_right
        last_of_tie = i == len(ordered) or ordered[i].best < r.best
        if last_of_tie and wrong <= max_wrong * i and i > best_count:
            best_threshold, best_count = r.best, i
    return best_threshold, best_count


def evaluate(
    index: Ranker,
    questions: Sequence[LabelledQuestion],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    max_wrong: float = 0.05,
) -> dict[str, Any]:
    """Every figure of `faq eval` for one index, question set and thresholds.

    Shares are of ALL questions, except `top1_accuracy` (of in-scope questions, ignoring the
    thresholds). `answer_rate_at_max_wrong` is the best answer share any threshold on the best
    score reaches on THIS set with at most `max_wrong` of the answers wrong: a property of the
    scores, optimistic as a forecast (choose real thresholds on other questions).
    """
    ranked = _rank_all(index, questions)
    counts = dict.fromkeys(
        ("answered_correct", "answered_wrong", "suggested", "suggested_right", "handed_off"), 0
    )
    predictions = []
    for r in ranked:
        result = decide(r.candidates, thresholds)
        expected = r.question.expected
        if result.outcome == "answer":
            right = result.answer is not None and result.answer.entry.id == expected
            counts["answered_correct" if right else "answered_wrong"] += 1
        elif result.outcome == "suggest":
            counts["suggested"] += 1
            counts["suggested_right"] += any(c.entry.id == expected for c in result.suggestions)
        else:
            counts["handed_off"] += 1
        top = r.candidates[0] if r.candidates else None
        predictions.append(
            {
                "text": r.question.text,
                "expected": expected,
                "predicted": top.entry.id if top else None,
                "score": top.score if top else 0.0,
                "outcome": result.outcome,
            }
        )
    in_scope = [r for r in ranked if r.question.expected is not None]
    out_of_scope = [r for r in ranked if r.question.expected is None]
    total = max(len(ranked), 1)
    millis = sorted(r.millis for r in ranked)
    return {
        "questions": len(ranked),
        "in_scope": len(in_scope),
        "out_of_scope": len(out_of_scope),
        "top1_accuracy": sum(r.top_right for r in in_scope) / len(in_scope) if in_scope else None,
        **{name: count / total for name, count in counts.items()},
        "counts": counts,
        "auroc": auroc([r.best for r in in_scope], [r.best for r in out_of_scope]),
        "max_wrong": max_wrong,
        "answer_rate_at_max_wrong": _best_answer_cut(ranked, max_wrong)[1] / total,
        "thresholds": {
            "answer": thresholds.answer,
            "margin": thresholds.margin,
            "suggest": thresholds.suggest,
        },
        "latency_ms": {
            "median": statistics.median(millis) if millis else 0.0,
            "p95": millis[min(len(millis) - 1, int(0.95 * len(millis)))] if millis else 0.0,
        },
        "predictions": predictions,
    }


MARGINS = tuple(m / 100 for m in range(0, 21))


def tune_thresholds(
    index: Ranker, questions: Sequence[LabelledQuestion], max_wrong: float = 0.05
) -> Thresholds:
    """Thresholds that answer as many questions as possible with at most max_wrong wrong.

    For each margin on a small grid, the lowest safe answer threshold is found among the
    questions whose lead is at least that margin; the pair answering most wins (ties go to the
    smaller margin). The suggest threshold keeps the right entry of all but
    SUGGEST_MISS_SHARE of the in-scope questions whose right entry is in the top 3, so
    suggestions rarely hide the right entry while clearly unrelated questions go to a person.
    """
    ranked = _rank_all(index, questions)
    best = (-1, 1.0, 1.0)  # answered count, threshold, margin
    for margin in MARGINS:
        eligible = [r for r in ranked if r.gap >= margin]
        threshold, count = _best_answer_cut(eligible, max_wrong)
        if count > best[0]:
            best = (count, threshold, margin)
    _, answer, margin = best
    if best[0] == 0:
        answer, margin = 1.0, 1.0
    right_scores = sorted(
        c.score
        for r in ranked
        for c in r.candidates[:MAX_SUGGESTIONS]
        if c.entry.id == r.question.expected
    )
    if right_scores:
        suggest = right_scores[int(SUGGEST_MISS_SHARE * len(right_scores))]
    else:
        suggest = Thresholds().suggest
    return Thresholds(answer=answer, margin=margin, suggest=min(suggest, answer))


def format_report(result: dict[str, Any]) -> str:
    """A short human-readable summary of `evaluate`'s figures, for the CLI without --json."""

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:5.1f} %"

    t = result["thresholds"]
    lines = [
        f"questions: {result['questions']} ({result['in_scope']} in scope, "
        f"{result['out_of_scope']} out of scope)",
        f"top-1 accuracy (in scope):  {pct(result['top1_accuracy'])}",
        f"answered correctly:         {pct(result['answered_correct'])}",
        f"answered wrongly:           {pct(result['answered_wrong'])}",
        f"suggestions shown:          {pct(result['suggested'])}"
        f" (right entry among them: {pct(result['suggested_right'])})",
        f"handed to a person:         {pct(result['handed_off'])}",
        "AUROC in/out of scope:      "
        + ("n/a" if result["auroc"] is None else f"{result['auroc']:.3f}"),
        f"best answer rate at <= {100 * result['max_wrong']:.0f} % wrong: "
        f"{pct(result['answer_rate_at_max_wrong'])} (on this set)",
        f"thresholds: answer {t['answer']:.3f}, margin {t['margin']:.3f}, "
        f"suggest {t['suggest']:.3f}",
        f"latency per question: median {result['latency_ms']['median']:.2f} ms, "
        f"p95 {result['latency_ms']['p95']:.2f} ms",
    ]
    return "\n".join(lines)
