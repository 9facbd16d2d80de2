"""The sample FAQ as visitors meet it: questions sent from a widget page, figures per group.

    .venv/bin/python bench/visitor_questions.py [--heldout]

The questions are tests/visitor_questions/tuning.jsonl (and with --heldout also
heldout.jsonl, kept back from any tuning): in-scope paraphrases with typos in German and
English, the same questions sent from a page in the other language, and near-miss questions
about things the shop does not do. The answer is decided as the ask view decides it, with
the default thresholds. Prints, per group: answered right, reached (answered right or the
right entry suggested) and answered wrong. Asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from widget_api.faq.library import build_snapshot
from widget_api.faq.visitor_eval import GROUPS, evaluate_visitor_questions, read_visitor_questions

REPO = Path(__file__).resolve().parents[1]
SETS = REPO / "tests" / "visitor_questions"
TARGETS = {
    "in_scope": "target: right >= 75 %, reached >= 90 %, wrong <= 5 %",
    "other_language": "target: right >= 80 %",
    "near_miss": "target: answered <= 6.7 % (1 in 15)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--heldout", action="store_true", help="also the held-out questions")
    args = parser.parse_args()
    snapshot, errors = build_snapshot(REPO / "faq")
    if snapshot is None:
        sys.exit("; ".join(errors))
    names = ["tuning", "heldout"] if args.heldout else ["tuning"]
    print(f"{'set':8} {'group':15} {'questions':>9} {'right %':>8} {'reached %':>9} {'wrong %':>8}")
    for name in names:
        questions = read_visitor_questions(SETS / f"{name}.jsonl")
        figures = evaluate_visitor_questions(snapshot.index, questions)
        for group in GROUPS:
            f = figures[group]
            print(
                f"{name:8} {group:15} {f['questions']:9d} {100 * f['answered_right']:8.1f} "
                f"{100 * f['reached']:9.1f} {100 * f['answered_wrong']:8.1f}   {TARGETS[group]}"
            )


if __name__ == "__main__":
    main()
