"""Answer quality of the FAQ matcher and two simple baselines on the shared evaluation sets.

    .venv/bin/python bench/quality.py [EVAL_DIR] [--sets clinc150,xsid_de] [--methods matcher]

For every set and FAQ file it prints top-1 accuracy, AUROC, the answer rate and wrong share at
thresholds chosen for at most 5 % wrong answers, and latency per question. Thresholds are
chosen on queries_val.jsonl where the set has one ("val"), otherwise by 2-fold
cross-calibration on the test questions ("2-fold": tuned on one random half, applied to the
other, counts summed), as the eval README asks. Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from widget_api.faq.evaluate import evaluate, tune_thresholds
from widget_api.faq.jsonl import LabelledQuestion, read_faq_jsonl, read_labelled_questions
from widget_api.faq.matcher import FaqIndex
from widget_api.faq.model import Candidate, FaqEntry

MAX_WRONG = 0.05
DEFAULT_EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"


def _best_per_entry(
    scored: Sequence[tuple[float, int]],
    owners: Sequence[FaqEntry],
    texts: Sequence[str],
    limit: int,
) -> list[Candidate]:
    """Candidates from (score 0-1, phrasing index) pairs, each entry at its best phrasing."""
    best: dict[str, Candidate] = {}
    for score, p_idx in sorted(scored, key=lambda s: -s[0]):
        entry = owners[p_idx]
        if entry.id not in best:
            best[entry.id] = Candidate(entry, round(score, 4), texts[p_idx])
            if len(best) == limit:
                break
    return list(best.values())


class WRatioBaseline:
    """rapidfuzz WRatio of the question against every phrasing (the README's first baseline)."""

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self.owners = [e for e in entries for _ in e.phrasings]
        self.texts = [p for e in entries for p in e.phrasings]
        self.processed = [utils.default_process(t) for t in self.texts]

    def rank(self, question: str, lang: str | None = None, limit: int = 10) -> list[Candidate]:
        found = process.extract(
            utils.default_process(question),
            self.processed,
            scorer=fuzz.WRatio,
            limit=limit * 20,
            processor=None,
        )
        return _best_per_entry([(s / 100, i) for _, s, i in found], self.owners, self.texts, limit)


class TfidfBaseline:
    """TF-IDF cosine over word unigrams and character 3-5-grams, in plain Python.

    The usual scikit-learn recipe (sublinear tf, smoothed idf, L2 norm, char n-grams within
    word boundaries), written out so the benchmark needs no extra dependency.
    """

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self.owners = [e for e in entries for _ in e.phrasings]
        self.texts = [p for e in entries for p in e.phrasings]
        docs = [self.features(t) for t in self.texts]
        df: Counter[str] = Counter(f for d in docs for f in d)
        n = len(docs)
        self.idf = {f: math.log((1 + n) / (1 + c)) + 1 for f, c in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, doc in enumerate(docs):
            for feature, weight in self.vector(doc).items():
                self.postings[feature].append((i, weight))

    @staticmethod
    def features(text: str) -> Counter[str]:
        words = re.findall(r"\w+", text.lower())
        grams: Counter[str] = Counter("w:" + w for w in words)
        for word in words:
            padded = f" {word} "
            for size in (3, 4, 5):
                grams.update(padded[i : i + size] for i in range(len(padded) - size + 1))
        return grams

    def vector(self, counts: Counter[str]) -> dict[str, float]:
        weights = {f: (1 + math.log(c)) * self.idf[f] for f, c in counts.items() if f in self.idf}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {f: w / norm for f, w in weights.items()}

    def rank(self, question: str, lang: str | None = None, limit: int = 10) -> list[Candidate]:
        scores: dict[int, float] = defaultdict(float)
        for feature, weight in self.vector(self.features(question)).items():
            for i, doc_weight in self.postings[feature]:
                scores[i] += weight * doc_weight
        return _best_per_entry([(s, i) for i, s in scores.items()], self.owners, self.texts, limit)


class _Cached:
    """Ranks each question once; threshold tuning and re-evaluation reuse the answers."""

    def __init__(self, ranker: object) -> None:
        self.ranker = ranker
        self.memo: dict[str, list[Candidate]] = {}

    def rank(self, question: str, lang: str | None = None, limit: int = 10) -> list[Candidate]:
        if question not in self.memo:
            self.memo[question] = self.ranker.rank(question, lang, limit)  # type: ignore[attr-defined]
        return self.memo[question]


def _answer_counts(
    ranker: _Cached, tune_on: Sequence[LabelledQuestion], apply_to: Sequence[LabelledQuestion]
) -> tuple[int, int]:
    """(right, wrong) answers on apply_to with thresholds tuned on tune_on."""
    thresholds = tune_thresholds(ranker, tune_on, MAX_WRONG)
    result = evaluate(ranker, apply_to, thresholds)
    return result["counts"]["answered_correct"], result["counts"]["answered_wrong"]


def measure(
    make: Callable[[Sequence[FaqEntry]], object],
    faq: Path,
    test: Sequence[LabelledQuestion],
    val: Sequence[LabelledQuestion] | None,
) -> dict[str, object]:
    """Every figure of one table row."""
    entries = read_faq_jsonl(faq)
    start = time.perf_counter()
    ranker = make(entries)
    build = time.perf_counter() - start
    cached = _Cached(ranker)
    result = evaluate(ranker, test)  # times uncached single questions
    for q in test:
        cached.rank(q.text)  # fill the memo without timing
    if val is not None:
        right, wrong = _answer_counts(cached, val, test)
        source = "val"
    else:
        shuffled = list(test)
        random.Random(0).shuffle(shuffled)
        half = len(shuffled) // 2
        a, b = shuffled[:half], shuffled[half:]
        r1, w1 = _answer_counts(cached, a, b)
        r2, w2 = _answer_counts(cached, b, a)
        right, wrong, source = r1 + r2, w1 + w2, "2-fold"
    return {
        "top1": result["top1_accuracy"],
        "auroc": result["auroc"],
        "answer_rate": (right + wrong) / len(test),
        "wrong_share": wrong / (right + wrong) if right + wrong else 0.0,
        "source": source,
        "median": result["latency_ms"]["median"],
        "p95": result["latency_ms"]["p95"],
        "build": build,
    }


METHODS: dict[str, Callable[[Sequence[FaqEntry]], object]] = {
    "matcher": FaqIndex,
    "tfidf": TfidfBaseline,
    "wratio": WRatioBaseline,
}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--sets", help="comma-separated set names (default: all)")
    parser.add_argument("--faqs", default="faq_k5,faq_all", help="FAQ files to use")
    parser.add_argument("--methods", default=",".join(METHODS), help="matcher,tfidf,wratio")
    args = parser.parse_args(argv)
    sets = sorted(p for p in args.eval_dir.iterdir() if (p / "queries.jsonl").exists())
    if args.sets:
        sets = [p for p in sets if p.name in args.sets.split(",")]
    header = (
        f"{'set':<18} {'faq':<8} {'method':<8} {'top-1 %':>7} {'AUROC':>6} "
        f"{'ans@5%':>7} {'wrong %':>7} {'tuned':>6} {'med ms':>7} {'p95 ms':>7} {'build s':>7}"
    )
    print(header)
    print("-" * len(header))
    for folder in sets:
        test = read_labelled_questions(folder / "queries.jsonl")
        val_path = folder / "queries_val.jsonl"
        val = read_labelled_questions(val_path) if val_path.exists() else None
        for faq_name in args.faqs.split(","):
            faq = folder / f"{faq_name}.jsonl"
            if not faq.exists():
                continue
            for method in args.methods.split(","):
                row = measure(METHODS[method], faq, test, val)
                auroc = "n/a" if row["auroc"] is None else f"{row['auroc']:.3f}"
                print(
                    f"{folder.name:<18} {faq_name:<8} {method:<8} {100 * row['top1']:>7.1f} "
                    f"{auroc:>6} {100 * row['answer_rate']:>7.1f} {100 * row['wrong_share']:>7.1f} "
                    f"{row['source']:>6} {row['median']:>7.3f} {row['p95']:>7.3f} "
                    f"{row['build']:>7.2f}",
                    flush=True,
                )
    print(
        "\nans@5%: share of test questions answered at thresholds chosen for <= 5 % wrong answers;"
        "\nwrong %: share of those answers that were wrong; tuned: where thresholds came from"
        " (val = queries_val.jsonl, 2-fold = cross-calibration on the test questions)."
    )


if __name__ == "__main__":
    main()
