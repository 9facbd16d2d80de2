"""The matcher's shortcut for a question's fit: adding up only the candidate entries must find
the same profile fits, Naive Bayes logits and likeliest entries as adding up every entry."""

from pathlib import Path

import pytest

from widget_api.faq import matcher
from widget_api.faq.library import build_snapshot
from widget_api.faq.matcher import FaqIndex
from widget_api.faq.model import FaqEntry
from widget_api.faq.visitor_eval import read_visitor_questions
from widget_api.paths import sample_faq_dir

TUNING = Path(__file__).resolve().parent / "visitor_questions" / "tuning.jsonl"


def entry(id_: str, question: str, *alternatives: str) -> FaqEntry:
    return FaqEntry(
        id=id_, question=question, answer=f"Answer {id_}", lang="en", alternatives=alternatives
    )


# "how do i" in every phrasing of one entry and in none of the other's: a question asking
# "how do i" about the other entry's topic makes the first likely by Naive Bayes, though it
# shares no content word and so is no candidate.
STOP_HEAVY = [
    entry("how-to", "How do I do it?", "How do I start?", "How do I use it?", "How do I?"),
    entry("password", "Reset password", "Password forgotten", "New password"),
    entry("invoice", "Invoice copy", "Where is my invoice"),
    entry("opening", "Opening hours", "When are you open"),
]


def every_entry_fit(index, weights: dict[str, float]) -> tuple[list, list, list]:
    """Every entry's profile fit and tempered logit and the likeliest entries, added up the
    plain way: every posting of every term of the question, in the question's order."""
    profile = [0.0] * len(index.entries)
    sums = [0.0] * len(index.entries)
    mass = 0.0
    for term, weight in weights.items():
        mass += matcher._nb_weight(term)
        for e_idx, share, gain in index.entry_postings[term]:
            profile[e_idx] += weight * share
            sums[e_idx] += gain
    logits = [
        (v - mass * b) / matcher.NB_TEMPERATURE for v, b in zip(sums, index.nb_base, strict=True)
    ]
    rivals = sorted(range(len(logits)), key=lambda e: -logits[e])[: matcher.NB_RIVALS]
    return profile, logits, rivals


def check_fit(index, question: str) -> bool | None:
    """Assert the shortcut's figures equal the plain ones, to the last bit; returns whether
    a likeliest entry was no candidate (None when the question has no candidate)."""
    weights, _, _ = matcher._question_weights(index.query_terms(question))
    content = matcher._content_terms(weights)
    candidates = {e_idx for t in content for e_idx in index.postings[t]}
    if not candidates:
        return None
    profile, logits, rivals = index._fit(weights, candidates)
    every_profile, every_logit, every_rival = every_entry_fit(index, weights)
    assert rivals == every_rival, question
    for e_idx in candidates | set(rivals):
        assert repr(logits[e_idx]) == repr(every_logit[e_idx]), question
    for e_idx in candidates:
        assert repr(profile[e_idx]) == repr(every_profile[e_idx]), question
    return any(r not in candidates for r in rivals)


def test_an_entry_sharing_only_stop_words_is_found_among_the_likeliest():
    english = FaqIndex(STOP_HEAVY)._indexes["en"]
    assert check_fit(english, "How do I reset my password?") is True
    assert check_fit(english, "password, invoice or opening hours") is False


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_shortcut_fits_as_every_entry_does_on_the_sample_faq(lang):
    snapshot, errors = build_snapshot(sample_faq_dir())
    assert snapshot is not None, errors
    index = snapshot.index._indexes[lang]
    questions = [q.text for q in read_visitor_questions(TUNING)]
    outcomes = [check_fit(index, q) for q in questions]
    assert outcomes.count(False) > len(questions) / 2  # the shortcut taken mostly
