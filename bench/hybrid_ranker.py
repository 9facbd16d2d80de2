"""A full second lexical ranker fused with the matcher, measured (issue #12 point 6).

    nice -n 10 .venv/bin/python bench/hybrid_ranker.py [EVAL_DIR] [--cached]

For every shared set's FAQ it ranks each question with the matcher (its best 10, as
`faq eval` sees them) and with `lexical_ranker.LexicalRanker` over ALL entries, and prints:
1. the lexical ranker's cost on clinc150 (750 and 15,000 phrasings), exact and fast form;
2. top-1 and AUROC of the fusion (the matcher's score un-stretched, plus a weight times the
   lexical mix) for every weight in WEIGHTS, on every set's test questions and clinc150's
   validation questions (the mix and the power were chosen on those validation questions);
3. the weight chosen PER FAQ by leave-one-phrasing-out top-1 on the FAQ's own phrasings (at
   most SAMPLE of them, FOLDS exact rebuilds of both indexes), and the test figures at it.
Issue #12 point 6; the figures are in BENCHMARKS.md. `--cached` reprints from the last run.
"""

from __future__ import annotations

import pickle
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lexical_ranker import MIX, LexicalRanker
from self_calibration import DEFAULT_EVAL_DIR, SETS, without

from widget_api.faq.evaluate import auroc
from widget_api.faq.jsonl import read_faq_jsonl, read_labelled_questions
from widget_api.faq.matcher import FaqIndex
from widget_api.faq.model import FaqEntry

CACHE = Path(tempfile.gettempdir()) / "widget_api_hybrid_ranker.pickle"
# The matcher's score un-stretched to this power (1 / its CALIBRATION) before the lexical
# MIX (lexical_ranker.py) is added: chosen on clinc150's validation questions.
POWER = 1 / 0.37
WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)
# Leave-one-phrasing-out on the FAQ's own phrasings: at most SAMPLE of them, in FOLDS folds.
SAMPLE = 200
FOLDS = 5
SEED = 12

# One question: expected entry number (None out of scope), the matcher's (entry, score) best
# first, and the lexical scores by entry.
Row = tuple[int | None, list[tuple[int, float]], dict[int, tuple[float, float, float]]]


def _rows(
    entries: list[FaqEntry], questions: list[tuple[str, str | None]], numbers: dict[str, int]
) -> tuple[list[Row], float]:
    """Rows for (text, expected id) questions against indexes over entries, numbered by
    `numbers` (the whole FAQ's), and the CPU seconds of building both indexes."""
    lang = entries[0].lang
    start = time.process_time()
    index = FaqIndex(entries)
    lexical = LexicalRanker(entries, lang)
    built = time.process_time() - start
    own = [numbers[e.id] for e in entries]
    rows: list[Row] = []
    for text, expected in questions:
        ranked = [(numbers[c.entry.id], c.score) for c in index.rank(text, lang)]
        lex = {own[e]: v for e, v in lexical.scores(text).items()}
        rows.append((numbers[expected] if expected else None, ranked, lex))
    return rows, built


def leave_one_out(entries: list[FaqEntry]) -> tuple[list[Row], float]:
    """The FAQ's own phrasings (a sample) ranked by indexes over the FAQ without them."""
    numbers = {e.id: i for i, e in enumerate(entries)}
    eligible = [
        (e, p)
        for e, x in enumerate(entries)
        if len(x.phrasings) > 1
        for p in range(len(x.phrasings))
    ]
    chosen = sorted(random.Random(SEED).sample(eligible, min(SAMPLE, len(eligible))))
    rows: list[Row] = []
    seconds = 0.0
    for fold in range(FOLDS):
        dropped = set(chosen[fold::FOLDS])
        kept = without(entries, dropped)
        asked = [(entries[e].phrasings[p], entries[e].id) for e, p in sorted(dropped)]
        fold_rows, built = _rows(kept, asked, numbers)
        rows += fold_rows
        seconds += built
    return rows, seconds


def collect(eval_dir: Path) -> dict[str, list[Row]]:
    """Every (set, FAQ, split)'s rows, and the FAQ's own phrasings left out ("self")."""
    data: dict[str, list[Row]] = {}
    for name in SETS:
        for faq in ("faq_k5", "faq_all"):
            entries = read_faq_jsonl(eval_dir / name / f"{faq}.jsonl")
            numbers = {e.id: i for i, e in enumerate(entries)}
            splits = ["queries"] + (["queries_val"] if name == "clinc150" else [])
            for split in splits:
                questions = read_labelled_questions(eval_dir / name / f"{split}.jsonl")
                asked = [(q.text, q.expected) for q in questions]
                data[f"{name}/{faq}/{split}"], _ = _rows(entries, asked, numbers)
            start = time.perf_counter()
            data[f"{name}/{faq}/self"], seconds = leave_one_out(entries)
            print(
                f"{name}/{faq}: leave-one-out {len(data[f'{name}/{faq}/self'])} phrasings,"
                f" {FOLDS} rebuilds {seconds:.2f} CPU s, all {time.perf_counter() - start:.2f} s",
                flush=True,
            )
    return data


def timing(eval_dir: Path) -> None:
    """The lexical ranker's build and per-question time on clinc150 (750 and 15,000
    phrasings), exact (`scores`) and in its fast form (`combined`), and the fast form's
    top-1 / AUROC fused at weight 1 against the exact one's, on the validation questions."""
    for faq in ("faq_k5", "faq_all"):
        entries = read_faq_jsonl(eval_dir / "clinc150" / f"{faq}.jsonl")
        numbers = {e.id: i for i, e in enumerate(entries)}
        index = FaqIndex(entries)
        start = time.process_time()
        lexical = LexicalRanker(entries, "en")
        build = time.process_time() - start
        exact_ms, fast_ms = [], []
        exact_rows: list[Row] = []
        fast_rows: list[Row] = []
        for q in read_labelled_questions(eval_dir / "clinc150" / "queries_val.jsonl"):
            ranked = [(numbers[c.entry.id], c.score) for c in index.rank(q.text, "en")]
            expected = numbers[q.expected] if q.expected else None
            start = time.perf_counter()
            exact = lexical.scores(q.text)
            exact_ms.append(1000 * (time.perf_counter() - start))
            start = time.perf_counter()
            fast = lexical.combined(q.text, [e for e, _ in ranked])
            fast_ms.append(1000 * (time.perf_counter() - start))
            exact_rows.append((expected, ranked, exact))
            # the combined score as the first of three parts, so `fused` reads it with (1, 0, 0)
            fast_rows.append((expected, ranked, {e: (v, 0.0, 0.0) for e, v in fast.items()}))
        for label, took in (("exact", exact_ms), ("fast", fast_ms)):
            took.sort()
            print(
                f"clinc150/{faq} {label:5}: lexical build {build:.2f} CPU s, per question"
                f" median {took[len(took) // 2]:.3f} ms, p95 {took[int(0.95 * len(took))]:.3f} ms"
            )
        top1, area = figures(exact_rows, 1.0, MIX)
        fast_top1, fast_area = figures(fast_rows, 1.0, (1.0, 0.0, 0.0))
        print(
            f"clinc150/{faq} val fused at weight 1: exact {top1:.1f} / {area:.3f},"
            f" fast {fast_top1:.1f} / {fast_area:.3f}",
            flush=True,
        )


def fused(row: Row, weight: float, mix: tuple[float, float, float]) -> list[tuple[float, int]]:
    """(score, entry) best first: the matcher's score plus weight times the lexical mix."""
    _, ranked, lex = row
    scores = {e: s**POWER for e, s in ranked}
    for e, parts in lex.items():
        lexical = sum(m * p for m, p in zip(mix, parts, strict=True))
        scores[e] = scores.get(e, 0.0) + weight * lexical
    return sorted(((s, e) for e, s in scores.items()), key=lambda x: (-x[0], x[1]))


def figures(rows: list[Row], weight: float, mix: tuple[float, float, float]) -> tuple[float, float]:
    """Top-1 % and AUROC of the fused best score."""
    right = 0
    pos, neg = [], []
    for row in rows:
        ranking = fused(row, weight, mix) if weight else [(s, e) for e, s in row[1]]
        best = ranking[0] if ranking else (0.0, -1)
        if row[0] is None:
            neg.append(best[0])
        else:
            right += best[1] == row[0]
            pos.append(best[0])
    return 100 * right / max(len(pos), 1), auroc(pos, neg) or 0.0


def chosen_weight(rows: list[Row]) -> float:
    """The weight with the best top-1 on the FAQ's own left-out phrasings (ties: the smaller)."""
    return max(WEIGHTS, key=lambda w: (figures(rows, w, MIX)[0], -w))


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    eval_dir = Path(args[0]) if args else DEFAULT_EVAL_DIR
    if "--cached" in argv and CACHE.exists():
        data = pickle.loads(CACHE.read_bytes())
    else:
        timing(eval_dir)
        data = collect(eval_dir)
        CACHE.write_bytes(pickle.dumps(data))
    keys = [k for k in data if not k.endswith("/self")]
    short = {k: k.replace("hint3_", "").replace("/queries", "").replace("faq_", "") for k in keys}
    print("\nTop-1 % / AUROC: the matcher, and its score to the power POWER plus weight times")
    print(f"the lexical mix {MIX} (best phrasing, whole entry, characters)")
    print("weight         " + " ".join(f"{short[k]:>16}" for k in keys))
    for weight in WEIGHTS:
        cells = [figures(data[k], weight, MIX) for k in keys]
        print(f"{weight:5.2f}          " + " ".join(f"{t:7.1f} / {a:.3f}" for t, a in cells))
    print("\nPer FAQ: top-1 % of its own left-out phrasings per weight, the weight chosen")
    cells = []
    for k in keys:
        faq = k.rsplit("/", 1)[0]
        own = data[f"{faq}/self"]
        weight = chosen_weight(own)
        tops = " ".join(f"{figures(own, w, MIX)[0]:5.1f}" for w in WEIGHTS)
        print(f"{short[k]:18} {tops}   chosen {weight}")
        cells.append(figures(data[k], weight, MIX))
    print("per FAQ        " + " ".join(f"{t:7.1f} / {a:.3f}" for t, a in cells))


if __name__ == "__main__":
    main(sys.argv[1:])
