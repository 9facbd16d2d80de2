"""How the matcher scales: build time, memory and latency for FAQs of growing size.

    .venv/bin/python bench/matcher_scale.py [EVAL_DIR] [--sizes 100,1000,10000,100000]

FAQs of the given numbers of phrasings are made from the clinc150 faq_all phrasings: entries
of 10 phrasings, each drawn from one clinc150 intent, under new ids (intent#copy), replicated
as often as needed. Questions are the clinc150 test questions. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from widget_api.faq.jsonl import read_faq_jsonl, read_labelled_questions
from widget_api.faq.matcher import FaqIndex
from widget_api.faq.model import FaqEntry

DEFAULT_EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
PHRASINGS_PER_ENTRY = 10
QUESTIONS = 1000
WARM_UP = 50


def synthetic_faq(source: list[FaqEntry], phrasings: int, seed: int = 0) -> list[FaqEntry]:
    """An FAQ of about `phrasings` phrasings, cycling through the source entries."""
    rng = random.Random(seed)
    entries = []
    for number in range(max(1, phrasings // PHRASINGS_PER_ENTRY)):
        base = source[number % len(source)]
        pool = list(base.phrasings)
        size = min(PHRASINGS_PER_ENTRY, len(pool), phrasings)
        chosen = rng.sample(pool, size)
        entries.append(
            FaqEntry(
                id=f"{base.id}#{number // len(source)}",
                question=chosen[0],
                answer=base.answer,
                lang=base.lang,
                alternatives=tuple(chosen[1:]),
            )
        )
    return entries


def measure(entries: list[FaqEntry], questions: list[str]) -> dict[str, float]:
    """Build time, traced memory of the index, and latency per question."""
    gc.collect()
    start = time.perf_counter()
    index = FaqIndex(entries)
    build = time.perf_counter() - start
    for question in questions[:WARM_UP]:
        index.rank(question)
    millis = []
    for question in questions:
        start = time.perf_counter()
        index.rank(question)
        millis.append((time.perf_counter() - start) * 1000)
    millis.sort()
    del index
    gc.collect()
    tracemalloc.start()
    kept = FaqIndex(entries)  # held while measuring, so nothing is freed yet
    memory, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    return {
        "build": build,
        "memory_mb": memory / 1e6,
        "median": statistics.median(millis),
        "p95": millis[int(0.95 * (len(millis) - 1))],
        "max": millis[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    args = parser.parse_args()
    clinc = args.eval_dir / "clinc150"
    source = read_faq_jsonl(clinc / "faq_all.jsonl")
    questions = [q.text for q in read_labelled_questions(clinc / "queries.jsonl")]
    random.Random(1).shuffle(questions)
    questions = questions[:QUESTIONS]
    print(
        f"{'phrasings':>10} {'entries':>8} {'build s':>8} {'memory MB':>10} "
        f"{'median ms':>10} {'p95 ms':>8} {'max ms':>8}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        entries = synthetic_faq(source, size)
        count = sum(len(e.phrasings) for e in entries)
        row = measure(entries, questions)
        print(
            f"{count:>10} {len(entries):>8} {row['build']:>8.2f} {row['memory_mb']:>10.1f} "
            f"{row['median']:>10.3f} {row['p95']:>8.3f} {row['max']:>8.2f}",
            flush=True,
        )
    print(f"\nlatency over {len(questions)} clinc150 test questions after {WARM_UP} warm-up ones;")
    print("memory: Python allocations traced while building the index (tracemalloc).")


if __name__ == "__main__":
    main()
