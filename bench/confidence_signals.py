"""Other confidences from the signals the matcher already has, measured without changing it.

    .venv/bin/python bench/confidence_signals.py [EVAL_DIR]

The matcher's score of the best entry is its confidence: `faq eval`'s AUROC and the
thresholds use it. This script asks the matcher for the signals behind the best entries of
every question (`FaqIndex.signals`: the score, the second entry's score, the Naive Bayes
share, the character trigram cosine, the share of the question's weight the best phrasing
covers, ...) on every shared set and on the sample FAQ's tuning questions (never the
held-out ones), and prints, for each variant below, the AUROC per set, the share of
clinc150's validation questions (k5) answered right and wrong at the default thresholds,
and the sample FAQ's tuning questions answered right (in scope, other language) and near
misses answered. A variant multiplies every candidate's score of a question by one factor
(so the ranking stays); the logistic variants' weights are fitted here on clinc150's
validation questions. Issue #12, point 6; the figures are in BENCHMARKS.md.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from widget_api.faq.evaluate import auroc
from widget_api.faq.jsonl import read_faq_jsonl, read_labelled_questions
from widget_api.faq.library import build_snapshot
from widget_api.faq.matcher import FaqIndex
from widget_api.faq.visitor_eval import read_visitor_questions

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO.parent / "shared" / "eval"
SETS = ("clinc150", "hint3_sofmattress", "hint3_curekart", "xsid_de")
VAL = "clinc150/faq_k5/val"
ANSWER, MARGIN = 0.62, 0.04  # the default thresholds

Row = tuple[bool, bool, dict | None]  # in scope, best entry right, signals


def _rows(index: FaqIndex, questions: list[tuple[str, str | None, str]]) -> list[Row]:
    rows = []
    for text, expected, lang in questions:
        sig = index.signals(text, lang)
        right = sig is not None and sig["entry"] == expected
        rows.append((expected is not None, right, sig))
    return rows


def collect(eval_dir: Path) -> dict[str, list[Row]]:
    data = {}
    for name in SETS:
        for faq in ("faq_k5", "faq_all"):
            index = FaqIndex(read_faq_jsonl(eval_dir / name / f"{faq}.jsonl"))
            (lang,) = index.languages
            for split, file in (("test", "queries.jsonl"), ("val", "queries_val.jsonl")):
                if (eval_dir / name / file).exists():
                    labelled = read_labelled_questions(eval_dir / name / file)
                    qs = [(q.text, q.expected, lang) for q in labelled]
                    data[f"{name}/{faq}/{split}"] = _rows(index, qs)
    snapshot, errors = build_snapshot(REPO / "faq")
    if snapshot is None:
        sys.exit("; ".join(errors))
    index = snapshot.index
    for q in read_visitor_questions(REPO / "tests" / "visitor_questions" / "tuning.jsonl"):
        lang = index.answer_language(q.text, q.page_lang) or q.page_lang
        data.setdefault(f"sample/{q.group}", []).extend(_rows(index, [(q.text, q.expected, lang)]))
    return data


Factor = Callable[[dict], float]


def answered(row: Row, factor: Factor) -> bool:
    sig = row[2]
    if sig is None:
        return False
    f = factor(sig)
    best, second = min(sig["s1"] * f, 1.0), min(sig["s2"] * f, 1.0)
    return best >= ANSWER and best - second + 1e-9 >= MARGIN


def report(name: str, factor: Factor, data: dict[str, list[Row]], decides: bool = True) -> None:
    """One line: AUROC per set, then (when the factor is meant for the default thresholds)
    what is answered at them."""
    figures = []
    for key, rows in data.items():
        if key.startswith("sample/"):
            continue
        scores = [(r[0], min(r[2]["s1"] * factor(r[2]), 1.0) if r[2] else 0.0) for r in rows]
        figures.append(auroc([s for i, s in scores if i], [s for i, s in scores if not i]))
    val = data[VAL]
    right = sum(1 for r in val if answered(r, factor) and r[0] and r[1]) / len(val)
    wrong = sum(1 for r in val if answered(r, factor) and not (r[0] and r[1])) / len(val)
    sample = [
        sum(1 for r in data[f"sample/{g}"] if answered(r, factor) and (r[1] or not r[0]))
        for g in ("in_scope", "other_language", "near_miss")
    ]
    answers = (
        f"  {100 * right:5.1f} {100 * wrong:4.1f}  {sample[0]:4d} {sample[1]:4d} {sample[2]:3d}"
    )
    print(f"{name:34}" + "".join(f"{a:7.3f}" for a in figures) + (answers if decides else ""))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-max(min(x, 50.0), -50.0)))


def fit_logistic(x: list[list[float]], y: list[float], l2: float = 0.01) -> list[float]:
    """Weights (bias first) of a logistic regression, by Newton's method on standardised
    features with a little L2 (plain Python: a dozen features, a few thousand rows)."""
    n, d = len(x), len(x[0])
    mu = [sum(r[k] for r in x) / n for k in range(d)]
    sd = [math.sqrt(sum((r[k] - mu[k]) ** 2 for r in x) / n) or 1.0 for k in range(d)]
    z = [[1.0] + [(r[k] - mu[k]) / sd[k] for k in range(d)] for r in x]
    w = [0.0] * (d + 1)
    for _ in range(30):
        h = [[l2 * n * (i == j and i > 0) for j in range(d + 1)] for i in range(d + 1)]
        g = [l2 * n * w[i] * (i > 0) for i in range(d + 1)]
        for zi, t in zip(z, y, strict=True):
            p = _sigmoid(sum(a * b for a, b in zip(w, zi, strict=True)))
            for i in range(d + 1):
                g[i] += (p - t) * zi[i]
                for j in range(d + 1):
                    h[i][j] += p * (1 - p) * zi[i] * zi[j]
        step = _solve(h, g)
        w = [a - s for a, s in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-7:
            break
    weights = [w[k + 1] / sd[k] for k in range(d)]
    return [w[0] - sum(weights[k] * mu[k] for k in range(d)), *weights]


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[c][c]:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c], strict=True)]
    return [m[i][n] / (m[i][i] or 1e-12) for i in range(n)]


FEATURES: dict[str, Callable[[dict], float]] = {
    "log score": lambda s: math.log(max(s["s1"], 1e-6)),
    "lead": lambda s: s["s1"] - s["s2"],
    "known share": lambda s: s["known"],
    "guessed share": lambda s: s["guessed"],
    "known words": lambda s: s["known_words"],
    "phrasing coverage": lambda s: s["cover"],
    "entry coverage": lambda s: s["entry_cover"],
    "naive bayes": lambda s: s["nb"],
    "own share": lambda s: s["own"],
    "profile cosine": lambda s: s["cosine"],
    "character cosine": lambda s: s["char"],
}


def logistic_factor(names: list[str], data: dict[str, list[Row]]) -> Factor:
    """In scope or not, fitted on clinc150's validation questions (k5); the factor turns the
    best score into the fitted probability."""
    rows = [r for r in data[VAL] if r[2] is not None]
    x = [[FEATURES[n](r[2]) for n in names] for r in rows]
    w = fit_logistic(x, [1.0 if r[0] else 0.0 for r in rows])
    print(f"  logistic weights ({', '.join(['bias', *names])}): {[round(v, 3) for v in w]}")

    def factor(s: dict) -> float:
        z = w[0] + sum(wk * FEATURES[n](s) for wk, n in zip(w[1:], names, strict=True))
        return _sigmoid(z) / max(s["s1"], 1e-9)

    return factor


def main() -> None:
    eval_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_EVAL_DIR
    data = collect(eval_dir)
    keys = [k for k in data if not k.startswith("sample/")]
    abbreviations = {"clinc150": "cl", "hint3_sofmattress": "so", "hint3_curekart": "cu"}
    short = []
    for key in keys:
        name, faq, split = key.split("/")
        label = abbreviations.get(name, "xs") + faq.removeprefix("faq_")
        short.append(label + ("v" if split == "val" else ""))
    print("AUROC per set (cl clinc150, so sofmattress, cu curekart, xs xsid_de; v: validation)")
    print(f"{'variant':34}" + "".join(f"{k:>7}" for k in short), end="")
    print("  val right/wrong %  sample: in other near-miss answered")
    report("the matcher's score (today)", lambda s: 1.0, data)
    for a, b, c in ((0.2, 0.15, 1.28), (0.2, 0.15, 1.2), (0.1, 0.15, 1.18), (0.2, 0.1, 1.2)):
        report(
            f"{c} * nb^{a} * (char+0.05)^{b}",
            lambda s, a=a, b=b, c=c: c * s["nb"] ** a * (s["char"] + 0.05) ** b,
            data,
        )
    for nf, cf, a, b in ((0.5, 0.4, 0.1, 0.15), (0.5, 0.5, 0.1, 0.1)):
        report(
            f"min(1,nb/{nf})^{a} min(1,char/{cf})^{b}",
            lambda s, nf=nf, cf=cf, a=a, b=b: (
                min(1.0, s["nb"] / nf) ** a * min(1.0, (s["char"] + 0.05) / cf) ** b
            ),
            data,
        )
    for names in (list(FEATURES), ["log score", "lead"], ["log score", "lead", "naive bayes"]):
        # A probability, not a score for the default thresholds: AUROC only.
        report(f"logistic, {len(names)} signals", logistic_factor(names, data), data, False)


if __name__ == "__main__":
    main()
