"""Self-calibration of the confidence on the FAQ itself, measured without changing the matcher.

    nice -n 10 .venv/bin/python bench/self_calibration.py [EVAL_DIR] [--cached] [--heldout]

Every FAQ carries labelled questions: its own phrasings. For each FAQ (every shared set's
`faq_k5` and `faq_all`, and the sample FAQ per language) this script builds:
- in-scope examples, leave-one-phrasing-out: a sample of at most SAMPLE phrasings (fixed
  seed, entries with two or more phrasings) scored against indexes over the FAQ without
  them, in PHRASING_FOLDS folds (an entry loses at most a share of its sampled phrasings
  per fold); right when the best entry is their own;
- near misses, leave-one-entry-out: the same phrasings scored against indexes over the FAQ
  without their whole entry (in up to ENTRY_FOLDS folds of entries): out-of-scope
  questions in the FAQ's own words.
Every index is built exactly as the matcher builds one (no shortcut), and the signals are
`FaqIndex.signals` of the best entry. From these examples it fits, per FAQ and language, a
logistic model of "the best entry is right" and prints:
1. how long the self-check takes per FAQ (its cost at index build time, CPU seconds), and
   per rule the calibration: the weight of the Naive Bayes share over the log score's,
   the gain in AUROC it gives on the FAQ's own examples, and whether the rule keeps it;
2. AUROC on every shared set's test questions (and clinc150's validation questions) for
   the score today and for several per-FAQ models (in-sample self-gain per FAQ alongside);
3. `evaluate`'s figures (what `widget-api faq eval --json` prints) for each rule (RULES) as
   the matcher would apply it: every candidate's score times a penalty factor from the best
   entry's signals, on the FAQs where the rule keeps a calibration;
4. the sample FAQ's tuning questions under each model's penalty and under each rule;
5. bench/visitor_questions.py's figures today and under the rules that calibrate the
   sample FAQ: the tuning questions, and with --heldout (once) the held-out ones too.
Issue #12 point 6; the figures are in BENCHMARKS.md. `--cached` reuses the examples of
the last run (kept in the system's temporary folder) to print the tables again.
"""

from __future__ import annotations

import math
import pickle
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from confidence_signals import FEATURES, Row, _sigmoid, answered, collect, fit_logistic

from widget_api.faq import library
from widget_api.faq.evaluate import auroc, evaluate
from widget_api.faq.jsonl import read_faq_jsonl, read_labelled_questions
from widget_api.faq.matcher import MAX_SUGGESTIONS, FaqIndex, decide
from widget_api.faq.model import Candidate, FaqEntry, MatchResult, Thresholds
from widget_api.faq.visitor_eval import evaluate_visitor_questions, read_visitor_questions

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO.parent / "shared" / "eval"
CACHE = Path(tempfile.gettempdir()) / "widget_api_self_calibration.pickle"
SETS = ("clinc150", "hint3_sofmattress", "hint3_curekart", "xsid_de")
SAMPLE = 300
SEED = 12
PHRASING_FOLDS = 5
ENTRY_FOLDS = 10
# A rule: the signals of the per-FAQ model, and the gain in AUROC on the FAQ's own examples
# (in-sample) from which on the FAQ keeps it. The first was set before looking at the test
# sets' answers to it (from the first run's self-gains: +0.037 and +0.056 where it helped,
# at most +0.011 elsewhere); the second was chosen after tables 2 and 4 of that run, as the
# one model and gain that meets the sample FAQ's near-miss target: a candidate, checked
# once on the held-out visitor questions (--heldout), not a tuned setting.
RULES: list[tuple[str, list[str], float]] = [
    ("nb, gain>=0.02", ["log score", "naive bayes"], 0.02),
    ("nb+char, gain>=0.01", ["log score", "naive bayes", "character cosine"], 0.01),
]
# The penalty starts below this quantile of the rightly matched in-scope examples' value.
REFERENCE_QUANTILE = 0.25
L2 = 0.01
NOTHING = -1e9  # the confidence of a question nothing matched

SelfData = dict[str, tuple[list[Row], list[Row]]]


def without(entries: list[FaqEntry], dropped: set[tuple[int, int]]) -> list[FaqEntry]:
    """The entries with the phrasings (entry number, phrasing number) dropped; an entry that
    would lose every phrasing is left out."""
    kept = []
    for e_idx, entry in enumerate(entries):
        texts = [t for p_idx, t in enumerate(entry.phrasings) if (e_idx, p_idx) not in dropped]
        if texts:
            kept.append(replace(entry, question=texts[0], alternatives=tuple(texts[1:])))
    return kept


def self_examples(entries: list[FaqEntry], lang: str, synonyms=()) -> tuple[list[Row], list[Row]]:
    """In-scope (leave-one-phrasing-out) and near-miss (leave-one-entry-out) examples."""
    rng = random.Random(SEED)
    eligible = [
        (e, p)
        for e, entry in enumerate(entries)
        if len(entry.phrasings) > 1
        for p in range(len(entry.phrasings))
    ]
    chosen = sorted(rng.sample(eligible, min(SAMPLE, len(eligible))))
    by_entry: dict[int, list[int]] = defaultdict(list)
    for e, p in chosen:
        by_entry[e].append(p)
    fold_of = {}
    start = 0
    for e, ps in sorted(by_entry.items()):
        for i, p in enumerate(ps):
            fold_of[(e, p)] = (start + i) % PHRASING_FOLDS
        start += len(ps)
    inside: list[Row] = []
    for fold in range(PHRASING_FOLDS):
        dropped = {k for k, v in fold_of.items() if v == fold}
        if dropped:
            index = FaqIndex(without(entries, dropped), synonyms)
            for e, p in sorted(dropped):
                sig = index.signals(entries[e].phrasings[p], lang)
                inside.append((True, sig is not None and sig["entry"] == entries[e].id, sig))
    outside: list[Row] = []
    entry_order = sorted(by_entry)
    rng.shuffle(entry_order)
    folds = min(len(entry_order), ENTRY_FOLDS)
    for fold in range(folds):
        gone = set(entry_order[fold::folds])
        index = FaqIndex([entry for e, entry in enumerate(entries) if e not in gone], synonyms)
        for e, p in chosen:
            if e in gone:
                outside.append((False, False, index.signals(entries[e].phrasings[p], lang)))
    return inside, outside


def sample_faq() -> tuple[list[FaqEntry], object]:
    """The sample FAQ's entries and synonyms, as the library builds its index."""
    captured = {}

    class Recording(FaqIndex):
        def __init__(self, entries, synonyms=()):
            captured["args"] = (list(entries), synonyms)
            super().__init__(entries, synonyms)

    library.FaqIndex = Recording
    try:
        library._built.clear()
        library.build_snapshot(REPO / "faq")
    finally:
        library.FaqIndex = FaqIndex
    return captured["args"]


def collect_self(eval_dir: Path) -> tuple[SelfData, dict[str, float]]:
    """Every FAQ's self-examples, and how long building them took (seconds)."""
    selfdata: SelfData = {}
    seconds: dict[str, float] = {}
    faqs: list[tuple[str, list[FaqEntry], str, object]] = []
    for name in SETS:
        for faq in ("faq_k5", "faq_all"):
            entries = list(read_faq_jsonl(eval_dir / name / f"{faq}.jsonl"))
            faqs.append((f"{name}/{faq}", entries, entries[0].lang, ()))
    entries, synonyms = sample_faq()
    for lang in ("en", "de"):
        faqs.append((f"sample/{lang}", [e for e in entries if e.lang == lang], lang, synonyms))
    for key, entries, lang, synonyms in faqs:
        started = time.process_time()  # CPU time: the machine is shared, wall time is not
        selfdata[key] = self_examples(entries, lang, synonyms)
        seconds[key] = time.process_time() - started
        inside, outside = selfdata[key]
        phrasings = sum(len(e.phrasings) for e in entries)
        print(
            f"{key:26} {phrasings:6d} phrasings  {len(inside):3d} in scope "
            f"({sum(r[1] for r in inside):3d} right), {len(outside):3d} near misses  "
            f"{seconds[key]:5.1f} CPU s",
            flush=True,
        )
    return selfdata, seconds


def fit(names: list[str], inside: list[Row], outside: list[Row]) -> list[float]:
    """A logistic model of "the best entry is right" on the named signals."""
    rows = [r for r in inside + outside if r[2] is not None]
    x = [[FEATURES[n](r[2]) for n in names] for r in rows]
    return fit_logistic(x, [1.0 if r[0] and r[1] else 0.0 for r in rows], L2)


def probability(w: list[float], names: list[str], sig: dict) -> float:
    return _sigmoid(w[0] + sum(wk * FEATURES[n](sig) for wk, n in zip(w[1:], names, strict=True)))


def _auroc(rows: list[Row], conf: Callable[[dict], float]) -> float:
    scores = [(r[0], conf(r[2]) if r[2] is not None else NOTHING) for r in rows]
    return auroc([s for i, s in scores if i], [s for i, s in scores if not i]) or 0.5


def penalty(names: list[str], inside: list[Row], outside: list[Row]) -> tuple:
    """The calibration as the matcher would apply it: a factor of at most 1 on every
    candidate's score, from the fitted model's other signals in units of the log score,
    starting below REFERENCE_QUANTILE of the rightly matched in-scope examples; with the
    in-sample AUROC gain on the FAQ's own examples, and the log score's weight."""
    w = fit(names, inside, outside)

    def extra(s: dict) -> float:
        return sum(wk * FEATURES[n](s) for wk, n in zip(w[2:], names[1:], strict=True)) / w[1]

    values = sorted(extra(r[2]) for r in inside if r[1])
    reference = values[int(REFERENCE_QUANTILE * (len(values) - 1))]
    rows = inside + outside
    gain = _auroc(rows, lambda s: math.log(s["s1"]) + extra(s)) - _auroc(rows, lambda s: s["s1"])
    if w[1] <= 0:
        gain = float("-inf")  # a model that does not rise with the score cannot be applied

    def factor(s: dict) -> float:
        return math.exp(min(0.0, extra(s) - reference))

    return factor, gain, w


MODELS: list[tuple[str, list[str]]] = [
    ("log score, nb", ["log score", "naive bayes"]),
    ("log score, lead", ["log score", "lead"]),
    ("log score, lead, nb", ["log score", "lead", "naive bayes"]),
    ("log score, nb, known share", ["log score", "naive bayes", "known share"]),
    ("log score, nb, character cosine", ["log score", "naive bayes", "character cosine"]),
    ("all eleven signals", list(FEATURES)),
]


def _faq_of(key: str) -> str:
    name, faq, _ = key.split("/")
    return f"{name}/{faq}"


def report_calibrations(selfdata: SelfData, seconds: dict[str, float]) -> list[dict]:
    """Table 1: per FAQ and rule, the calibration and whether the rule keeps it."""
    print("\n1. per FAQ: the self-check's CPU time; per rule, the weight k of the Naive Bayes")
    print("   share over the log score's, the in-sample self gain and whether it is kept")
    head = "".join(f"  {name:>27}" for name, _, _ in RULES)
    print(f"{'faq':26} {'CPU s':>6}{head}")
    kept: list[dict] = [{} for _ in RULES]
    for key, (inside, outside) in selfdata.items():
        cells = []
        for r, (_, names, min_gain) in enumerate(RULES):
            factor, gain, w = penalty(names, inside, outside)
            if gain >= min_gain:
                kept[r][key] = factor
            k = w[2] / w[1] if w[1] else float("nan")
            cells.append(f"k {k:6.2f} gain {gain:+7.3f} {'kept' if gain >= min_gain else 'no':>4}")
        print(f"{key:26} {seconds.get(key, 0.0):6.1f}" + "".join(f"  {c:>27}" for c in cells))
    return kept


def report_aurocs(data: dict[str, list[Row]], selfdata: SelfData, kept: list[dict]) -> None:
    """Table 2: AUROC per shared set for the score today and per-FAQ models."""
    keys = [k for k in data if not k.startswith("sample/")]
    short = []
    for key in keys:
        name, faq, split = key.split("/")
        label = {"clinc150": "cl", "hint3_sofmattress": "so", "hint3_curekart": "cu"}
        short.append(
            label.get(name, "xs") + faq.removeprefix("faq_") + ("v" if split == "val" else "")
        )
    faqs = [k for k in selfdata if not k.startswith("sample/")]
    print("\n2. AUROC on the test questions (v: clinc150 validation); then the in-sample gain")
    print("   on each FAQ's own examples, in the order of the columns (k5, all per set)")
    print(f"{'confidence':34}" + "".join(f"{k:>7}" for k in short))

    def line(label: str, conf: Callable[[str, dict], float], gains: list[float]) -> None:
        figures = [_auroc(data[k], lambda s, k=k: conf(_faq_of(k), s)) for k in keys]
        gain_text = " ".join(f"{g:+.3f}" for g in gains)
        print(f"{label:34}" + "".join(f"{a:7.3f}" for a in figures) + "   " + gain_text)

    line("the matcher's score (today)", lambda faq, s: s["s1"], [])
    for label, names in MODELS:
        fits = {faq: fit(names, *selfdata[faq]) for faq in faqs}
        gains = []
        for faq in faqs:
            rows = selfdata[faq][0] + selfdata[faq][1]
            plain = _auroc(rows, lambda s: s["s1"])
            fitted = _auroc(rows, lambda s, w=fits[faq], n=names: probability(w, n, s))
            gains.append(fitted - plain)
        line(
            label,
            lambda faq, s, fits=fits, names=names: probability(fits[faq], names, s),
            gains,
        )
    for (name, _, _), factors in zip(RULES, kept, strict=True):
        line(
            f"rule {name} (penalty)",
            lambda faq, s, f=factors: s["s1"] * f[faq](s) if faq in f else s["s1"],
            [],
        )


class Penalised:
    """A ranker: FaqIndex.rank with every candidate's score times the factor (from the best
    entry's signals), as the matcher would apply a calibration; the order stays."""

    def __init__(self, index: FaqIndex, lang: str, factor: Callable[[dict], float]):
        self.index, self.lang, self.factor = index, lang, factor

    def rank(self, question: str, lang: str | None = None, limit: int = 10) -> list[Candidate]:
        candidates = self.index.rank(question, lang, limit)
        sig = self.index.signals(question, self.lang)
        if not candidates or sig is None:
            return candidates
        f = self.factor(sig)
        return [replace(c, score=round(c.score * f, 4)) for c in candidates]


def report_evaluations(eval_dir: Path, kept: list[dict]) -> None:
    """Table 3: faq eval's figures, today and with the calibration, where a rule keeps it."""
    print("\n3. `faq eval` figures (default thresholds) where a rule keeps a calibration")
    columns = ("top1_accuracy", "answered_correct", "answered_wrong", "suggested")
    columns += ("suggested_right", "handed_off", "auroc")
    print(f"{'faq':26} {'':7}" + "".join(f"{c[:12]:>13}" for c in columns))
    shared = sorted({k for factors in kept for k in factors if not k.startswith("sample/")})
    for key in shared:
        name, faq = key.split("/")
        entries = read_faq_jsonl(eval_dir / name / f"{faq}.jsonl")
        index = FaqIndex(entries)
        questions = read_labelled_questions(eval_dir / name / "queries.jsonl")
        rankers: list[tuple[str, object]] = [("today", index)]
        for r, factors in enumerate(kept):
            if key in factors:
                rankers.append((f"rule {r + 1}", Penalised(index, entries[0].lang, factors[key])))
        for label, ranker in rankers:
            result = evaluate(ranker, questions)
            shown = [result[c] if c == "auroc" else 100 * result[c] for c in columns]
            print(f"{key:26} {label:7}" + "".join(f"{v:13.3f}" for v in shown))


def report_sample(data: dict[str, list[Row]], selfdata: SelfData, kept: list[dict]) -> None:
    """Table 4: the sample FAQ's tuning questions under each model's penalty, forced on
    (whatever the rule says): in scope and other language answered right, near misses
    answered (of 115, 115, 50)."""
    entries, _ = sample_faq()
    lang_of = {e.id: e.lang for e in entries}
    print("\n4. sample FAQ tuning questions with the penalty forced on: right in scope, right")
    print("   from the other page, near misses answered; self gain en / de")
    print(f"{'today':34} " + " ".join(f"{n:4d}" for n in _sample_counts(data, lang_of, {})))
    for label, names in MODELS:
        factors, gains = {}, []
        for lang in ("en", "de"):
            factor, gain, _ = penalty(names, *selfdata[f"sample/{lang}"])
            factors[lang] = factor
            gains.append(gain)
        counts = _sample_counts(data, lang_of, factors)
        print(
            f"{label:34} "
            + " ".join(f"{n:4d}" for n in counts)
            + "   "
            + " / ".join(f"{g:+.3f}" for g in gains)
        )
    for (name, _, _), factors in zip(RULES, kept, strict=True):
        langs = {k.split("/")[1]: f for k, f in factors.items() if k.startswith("sample/")}
        counts = _sample_counts(data, lang_of, langs)
        print(f"{'rule ' + name:34} " + " ".join(f"{n:4d}" for n in counts), sorted(langs))


def _sample_counts(data: dict[str, list[Row]], lang_of: dict, factors: dict) -> list[int]:
    counts = []
    for group in ("in_scope", "other_language", "near_miss"):
        n = 0
        for row in data[f"sample/{group}"]:
            if row[2] is None:
                continue
            factor = factors.get(lang_of[row[2]["entry"]], lambda s: 1.0)
            if answered(row, factor) and (row[1] or not row[0]):
                n += 1
        counts.append(n)
    return counts


class PenalisedSample:
    """The sample FAQ's index as the ask view uses it (`answer_language`, `match`), with a
    rule's factor on every candidate's score in the languages the rule calibrates."""

    def __init__(self, index: FaqIndex, factors: dict[str, Callable[[dict], float]]):
        self.index, self.factors = index, factors

    def answer_language(self, question: str, page_lang: str | None) -> str | None:
        return self.index.answer_language(question, page_lang)

    def match(self, question: str, lang: str | None, thresholds: Thresholds) -> MatchResult:
        candidates = self.index.rank(question, lang, limit=MAX_SUGGESTIONS)
        sig = self.index.signals(question, lang) if lang in self.factors else None
        if sig is not None and candidates:
            f = self.factors[lang](sig)
            candidates = [replace(c, score=round(c.score * f, 4)) for c in candidates]
        return decide(candidates, thresholds)


def report_visitors(kept: list[dict], heldout: bool) -> None:
    """Table 5: bench/visitor_questions.py's figures, today and under each rule that
    calibrates a language of the sample FAQ (held-out questions only with --heldout)."""
    snapshot, errors = library.build_snapshot(REPO / "faq")
    if snapshot is None:
        sys.exit("; ".join(errors))
    print("\n5. the sample FAQ as visitors meet it: right %, reached %, wrong % per group")
    variants: list[tuple[str, object]] = [("today", snapshot.index)]
    for (name, _, _), factors in zip(RULES, kept, strict=True):
        langs = {k.split("/")[1]: f for k, f in factors.items() if k.startswith("sample/")}
        if langs:
            variants.append((f"rule {name}", PenalisedSample(snapshot.index, langs)))
    for set_name in ["tuning", "heldout"] if heldout else ["tuning"]:
        path = REPO / "tests" / "visitor_questions" / f"{set_name}.jsonl"
        questions = read_visitor_questions(path)
        for label, index in variants:
            figures = evaluate_visitor_questions(index, questions)  # type: ignore[arg-type]
            cells = [
                f"{g} {100 * f['answered_right']:5.1f} {100 * f['reached']:5.1f} "
                f"{100 * f['answered_wrong']:5.1f}"
                for g, f in figures.items()
            ]
            print(f"{set_name:8} {label:22} " + "  ".join(cells))


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    eval_dir = Path(args[0]) if args else DEFAULT_EVAL_DIR
    if "--cached" in sys.argv and CACHE.exists():
        data, selfdata, seconds = pickle.loads(CACHE.read_bytes())
    else:
        started = time.perf_counter()
        data = collect(eval_dir)
        print(f"test questions' signals collected in {time.perf_counter() - started:.1f} s")
        selfdata, seconds = collect_self(eval_dir)
        CACHE.write_bytes(pickle.dumps((data, selfdata, seconds)))
    kept = report_calibrations(selfdata, seconds)
    report_aurocs(data, selfdata, kept)
    report_evaluations(eval_dir, kept)
    report_sample(data, selfdata, kept)
    report_visitors(kept, "--heldout" in sys.argv)


if __name__ == "__main__":
    main()
