"""The matcher's rankings, fingerprinted, so that reshaping its code cannot change one score.

tests/matcher_rankings.json holds, for every FAQ and question set pair, a sha256 over every
question's ranking: the entries' ids, their scores (`repr`, every digit), the phrasing shown
and the words that explain it, plus the language `answer_language` picks and the unrounded
scores and signals of `FaqIndex.signals`. The pairs are the sample FAQ with
tests/visitor_questions/tuning.jsonl (always run) and every set and FAQ file of
../shared/eval with its test questions (skipped where ../shared is absent, as in a user's
clone). A refactoring must leave every fingerprint as it is; a deliberate change of the
matcher regenerates the file in the same commit:

    .venv/bin/python -m tests.test_matcher_rankings
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SHARED, shared_path
from widget_api.faq.jsonl import read_faq_jsonl, read_labelled_questions
from widget_api.faq.library import build_snapshot
from widget_api.faq.matcher import FaqIndex
from widget_api.faq.visitor_eval import read_visitor_questions
from widget_api.paths import sample_faq_dir

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "matcher_rankings.json"
EVAL = SHARED / "eval"
SAMPLE_PAIR = "sample/tuning"
# The shared sets and FAQ files; clinc150's 5,500 questions take seconds per FAQ file.
SETS = ("clinc150", "hint3_curekart", "hint3_sofmattress", "xsid_de")
FAQ_FILES = ("faq_k5", "faq_all")
SLOW_SETS = {"clinc150"}
LIMIT = 10
REGENERATE = "regenerate with: .venv/bin/python -m tests.test_matcher_rankings"


def _ranking(index: FaqIndex, question: str, lang: str | None) -> list:
    """One ranking as plain data: id, score (every digit), phrasing shown, words shown."""
    return [
        [c.entry.id, repr(c.score), c.matched_phrasing, list(c.matched_terms)]
        for c in index.rank(question, lang, limit=LIMIT)
    ]


def _sample_records() -> Iterator[list]:
    """The sample FAQ as the ask view uses it: each tuning question from its widget page
    (in-scope ones from both pages), answered in the language `answer_language` picks; also
    ranked against every language, as `faq eval` does."""
    snapshot, errors = build_snapshot(sample_faq_dir())
    assert snapshot is not None, errors
    index = snapshot.index
    for q in read_visitor_questions(TESTS / "visitor_questions" / "tuning.jsonl"):
        answer_lang = index.answer_language(q.text, q.page_lang)
        yield [
            q.text,
            q.page_lang,
            answer_lang,
            _ranking(index, q.text, answer_lang),
            _ranking(index, q.text, None),
            index.signals(q.text, q.page_lang),
        ]


def _shared_records(set_name: str, faq_file: str) -> Iterator[list]:
    """A shared set's test questions against one of its FAQ files, in the FAQ's language."""
    entries = read_faq_jsonl(EVAL / set_name / f"{faq_file}.jsonl")
    index = FaqIndex(entries)
    lang = entries[0].lang
    for q in read_labelled_questions(EVAL / set_name / "queries.jsonl"):
        yield [
            q.text,
            lang,
            index.answer_language(q.text, lang),
            _ranking(index, q.text, lang),
            index.signals(q.text, lang),
        ]


def fingerprint(records: Iterator[list]) -> dict[str, object]:
    """How many questions, and a sha256 over their records (one JSON line each; json writes
    floats as `repr` does, so the signals' scores count to the last digit)."""
    digest = hashlib.sha256()
    count = 0
    for record in records:
        line = json.dumps(record, ensure_ascii=False, sort_keys=True)
        digest.update(line.encode("utf-8") + b"\n")
        count += 1
    return {"questions": count, "sha256": digest.hexdigest()}


def _records(pair: str) -> Iterator[list]:
    if pair == SAMPLE_PAIR:
        return _sample_records()
    set_name, faq_file = pair.split("/")
    return _shared_records(set_name, faq_file)


SHARED_PAIRS = [f"{s}/{f}" for s in SETS for f in FAQ_FILES]


def _param(pair: str):
    marks = [pytest.mark.slow] if pair.split("/")[0] in SLOW_SETS else []
    return pytest.param(pair, marks=marks, id=pair)


@pytest.mark.parametrize("pair", [_param(p) for p in [SAMPLE_PAIR, *SHARED_PAIRS]])
def test_rankings_match_their_fingerprint(pair):
    """Every ranking, score and signal as recorded: a change of the matcher's code that was
    meant to keep them (a refactoring) must not move one."""
    if pair != SAMPLE_PAIR:
        shared_path("eval", f"{pair}.jsonl")  # skips in a user's clone, fails in CI
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))["pairs"]
    assert pair in golden, f"{pair} has no fingerprint; {REGENERATE}"
    assert fingerprint(_records(pair)) == golden[pair], (
        f"the matcher ranks {pair} differently than recorded; if that is meant, {REGENERATE}"
    )


def write_golden() -> None:
    """Record every pair's fingerprint (all of ../shared/eval must be present)."""
    pairs = {}
    for pair in [SAMPLE_PAIR, *SHARED_PAIRS]:
        pairs[pair] = fingerprint(_records(pair))
        print(pair, pairs[pair], flush=True)
    document = {
        "comment": (
            "sha256 per FAQ/question pair over every question's ranking, scores (repr) and "
            "signals; see tests/test_matcher_rankings.py. Regenerate with "
            "`.venv/bin/python -m tests.test_matcher_rankings` only for a deliberate change "
            "of the matcher, in the same commit, and say why in its message."
        ),
        "pairs": pairs,
    }
    GOLDEN.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(write_golden())
