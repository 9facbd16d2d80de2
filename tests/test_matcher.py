"""Ranking and deciding: a small hand-made German and English FAQ, the sample FAQ, clinc150."""

import os
import subprocess
import sys
import threading

import pytest

from tests.conftest import shared_path
from widget_api.faq import matcher
from widget_api.faq.library import build_snapshot
from widget_api.faq.matcher import (
    DEFAULT_THRESHOLDS,
    MAX_SUGGESTIONS,
    FaqIndex,
    correction_trust,
    decide,
)
from widget_api.faq.model import Candidate, FaqEntry, Thresholds
from widget_api.paths import sample_faq_dir


def entry(id_: str, lang: str, question: str, *alternatives: str) -> FaqEntry:
    return FaqEntry(
        id=id_, question=question, answer=f"Answer {id_}", lang=lang, alternatives=alternatives
    )


FAQ = [
    entry(
        "versand-dauer",
        "de",
        "Wie lange dauert der Versand?",
        "Wann kommt meine Bestellung an?",
        "Lieferzeit",
        "Wie lange dauert die Lieferung?",
    ),
    entry(
        "versandkosten",
        "de",
        "Was kostet der Versand?",
        "Versandkosten",
        "Wie hoch sind die Versandkosten?",
        "Ist der Versand kostenlos?",
    ),
    entry(
        "rueckgabe",
        "de",
        "Wie kann ich einen Artikel zurückgeben?",
        "Rücksendung",
        "Retoure anmelden",
        "Ware zurückschicken",
    ),
    entry(
        "groesse", "de", "Welche Größe passt mir?", "Größentabelle", "Fällt die Größe klein aus?"
    ),
    entry(
        "zahlung",
        "de",
        "Welche Zahlungsarten gibt es?",
        "Kann ich mit PayPal bezahlen?",
        "Zahlung auf Rechnung",
    ),
    entry(
        "shipping-time",
        "en",
        "How long does shipping take?",
        "When will my order arrive?",
        "delivery time",
        "How many days does delivery take?",
    ),
    entry(
        "shipping-cost", "en", "How much does shipping cost?", "shipping fees", "Is delivery free?"
    ),
    entry("returns", "en", "How do I return an item?", "send something back", "I want a refund"),
    entry("password", "en", "I forgot my password", "reset password", "I can't log in"),
    entry(
        "delete-account",
        "en",
        "How do I delete my account?",
        "close my account",
        "remove my profile",
    ),
]


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex(FAQ)


def top(index: FaqIndex, question: str, lang: str | None = None) -> str:
    return index.rank(question, lang)[0].entry.id


@pytest.mark.parametrize(
    ("question", "lang", "expected"),
    [
        ("wie lange dauer der versnad", "de", "versand-dauer"),  # typos
        ("wie lange dauer der versnad", None, "versand-dauer"),  # language not given
        ("Wie lange braucht die Lieferung?", "de", "versand-dauer"),
        ("Versandkosten nach Österreich", "de", "versandkosten"),
        ("Was kosten Versand und Verpackung?", "de", "versandkosten"),
        ("Kosten für den Versand", "de", "versandkosten"),  # compound parts meet
        ("Welche Grösse brauche ich", "de", "groesse"),
        ("groesse", "de", "groesse"),
        ("Kann ich per Paypal zahlen?", "de", "zahlung"),
        ("how many days until my order arrives", "en", "shipping-time"),
        ("what are the shipping costs", "en", "shipping-cost"),
        ("i forgot my pasword", "en", "password"),
        ("how can i delete my acount", None, "delete-account"),
        ("I would like to send an item back", "en", "returns"),
    ],
)
def test_rank_finds_the_entry(index, question, lang, expected):
    assert top(index, question, lang) == expected


def test_typo_question_is_answered_with_explanation(index):
    result = index.match("wie lange dauer der versnad", "de")
    assert result.outcome == "answer"
    assert result.answer.entry.id == "versand-dauer"
    assert result.answer.matched_phrasing == "Wie lange dauert der Versand?"
    assert {"lange", "dauer", "versnad"} <= set(result.answer.matched_terms)


def test_two_close_entries_give_suggestions(index):
    result = index.match("Versand", "de")
    assert result.outcome == "suggest"
    assert {c.entry.id for c in result.suggestions} == {"versand-dauer", "versandkosten"}
    result = index.match("shipping", "en")
    assert result.outcome == "suggest"
    assert {c.entry.id for c in result.suggestions} == {"shipping-time", "shipping-cost"}


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Wie wird das Wetter morgen?", "de"),
        ("what is the capital of France", None),
        ("Erzähl mir einen Witz", "de"),
        ("asdf qwertz", "en"),
        ("???", "en"),
        ("", None),
    ],
)
def test_unrelated_question_is_handed_off(index, question, lang):
    assert index.match(question, lang).outcome == "handoff"


def test_rank_keeps_to_the_language_asked(index):
    assert {c.entry.lang for c in index.rank("Versand shipping", "de")} == {"de"}
    assert {c.entry.lang for c in index.rank("Versand shipping", "en")} == {"en"}
    assert {c.entry.lang for c in index.rank("Versand shipping", None)} == {"de", "en"}
    # A language the FAQ has no entries in gives nothing: a German list never shows English
    # entries. Which language a visitor's question goes to is answer_language's choice.
    only_en = FaqIndex([e for e in FAQ if e.lang == "en"])
    assert only_en.rank("shipping cost", "de") == []
    assert only_en.answer_language("shipping cost", "de") is None
    assert top(only_en, "shipping cost", only_en.answer_language("shipping cost", "de")) == (
        "shipping-cost"
    )


def test_words_of_two_entries_make_a_question_uncertain(index):
    # "reset" belongs to the password entry, "account" to deleting it: neither is answered.
    result = index.match("reset my account", "en")
    assert result.outcome == "suggest"
    assert {c.entry.id for c in result.suggestions} >= {"password", "delete-account"}
    assert index.match("shipping refund", "en").outcome == "suggest"
    mixed = index.rank("reset my account", "en")[0].score
    assert mixed < index.rank("reset my password", "en")[0].score - 0.15


def test_a_name_of_several_unknown_words_counts_as_one_unknown_thing(index):
    # Four unknown words in a row are mostly one name; scattered they are four new topics.
    named = index.rank("reset password for Zorblax Quintor Vemmel Drusk", "en")[0]
    scattered = index.rank("Zorblax reset Quintor password Vemmel for Drusk", "en")[0]
    assert named.entry.id == scattered.entry.id == "password"
    assert named.score > scattered.score + 0.1


def test_a_known_compound_counts_as_one_word_not_as_its_parts_too(index):
    # "Lieferzeit" is a word of the FAQ and splits into "Liefer" and "Zeit", which the FAQ
    # knows too; "Kajaks" is new. Half the question's content is something the FAQ never
    # mentions, and the compound's parts must not make it look mostly known.
    assert index.signals("Lieferzeit Kajaks", "de")["known"] <= 0.5
    # A compound the FAQ does not know is known by its parts alone: they count in full, as
    # if typed apart.
    apart = index.signals("Retoure Versand Kajaks", "de")["known"]
    assert index.signals("Retourenversand Kajaks", "de")["known"] == apart


def test_sharing_only_stop_words_makes_no_candidate(index):
    # "How do I ... my ...?" is how half the FAQ is asked; it says nothing about the topic.
    ranked = index.rank("How do I reset my password?", "en", limit=10)
    assert [c.entry.id for c in ranked] == ["password"]
    # A question of stop words only still finds the entries that share them.
    assert index.rank("how do i", "en")


def test_typo_correction_keeps_the_first_letter(index):
    # "Zustellung" is one letter from "Bestellung", but a different word, not a typo.
    assert index.rank("Zustellung", "de") == []
    assert top(index, "i forgot my pasword", "en") == "password"


def test_scores_are_sorted_floats_between_zero_and_one(index):
    for question in ("Versand", "how long does shipping take?", "Größe", "password reset"):
        scores = [c.score for c in index.rank(question, limit=20)]
        assert scores == sorted(scores, reverse=True)
        assert all(isinstance(s, float) and 0.0 <= s <= 1.0 for s in scores)
    assert len(index.rank("my", "en", limit=2)) <= 2


def test_exact_phrasing_scores_high(index):
    best = index.rank("How do I delete my account?", "en")[0]
    assert best.entry.id == "delete-account" and best.score >= 0.9


def test_signals_describe_the_best_entry_as_ranked(index):
    # bench/confidence_signals.py weighs other confidences from these: its baseline must be
    # the matcher's own score.
    for question, lang in [("How do I delete my account?", "en"), ("reset my account", "en")]:
        signals = index.signals(question, lang)
        ranked = index.rank(question, lang)
        assert signals["entry"] == ranked[0].entry.id
        assert round(signals["s1"], 4) == ranked[0].score
        second = ranked[1].score if len(ranked) > 1 else 0.0
        assert round(signals["s2"], 4) == second
        assert 0.0 <= signals["nb"] <= 1.0 and 0.0 <= signals["known"] <= 1.0
    assert index.signals("zzz qqq", "en") is None
    assert index.signals("Versand", "fr") is None


def test_synonyms_connect_words_the_faq_does_not_use():
    plain = FaqIndex(FAQ)
    assert top(plain, "Was kostet die Zustellung?", "de") == "versandkosten"
    with_synonyms = FaqIndex(FAQ, synonyms=[("Versand", "Zustellung", "Porto")])
    # Without the group "Zustellung" is a word the FAQ never uses (at most a weak candidate).
    plain_best = max((c.score for c in plain.rank("Zustellung", "de")), default=0.0)
    assert with_synonyms.rank("Zustellung", "de")[0].score > plain_best
    assert top(with_synonyms, "Wie teuer ist das Porto?", "de") == "versandkosten"


def test_entries_and_languages(index):
    assert index.entries == tuple(FAQ)
    assert set(index.languages) == {"de", "en"}
    empty = FaqIndex([])
    assert empty.rank("anything") == [] and empty.match("anything").outcome == "handoff"


def test_concurrent_reads_agree(index):
    expected = [c.entry.id for c in index.rank("wie lange dauer der versnad")]
    results: list[list[str]] = []

    def work() -> None:
        for _ in range(50):
            results.append([c.entry.id for c in index.rank("wie lange dauer der versnad")])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 200 and all(r == expected for r in results)


def cand(id_: str, score: float) -> Candidate:
    return Candidate(entry=entry(id_, "en", f"question {id_}"), score=score)


THRESHOLDS = Thresholds(answer=0.6, margin=0.1, suggest=0.3)


def test_decide_answers_a_clear_leader():
    result = decide([cand("a", 0.8), cand("b", 0.5)], THRESHOLDS)
    assert result.outcome == "answer" and result.answer.entry.id == "a"
    assert result.suggestions == () and len(result.candidates) == 2


def test_decide_boundaries_are_inclusive():
    assert decide([cand("a", 0.6), cand("b", 0.5)], THRESHOLDS).outcome == "answer"
    assert decide([cand("a", 0.3)], THRESHOLDS).outcome == "suggest"


def test_decide_suggests_when_the_lead_is_too_small():
    result = decide([cand("a", 0.8), cand("b", 0.75), cand("c", 0.2)], THRESHOLDS)
    assert result.outcome == "suggest" and result.answer is None
    assert [c.entry.id for c in result.suggestions] == ["a", "b"]


def test_decide_limits_and_sorts_suggestions():
    ranked = [cand("d", 0.31), cand("a", 0.5), cand("b", 0.45), cand("c", 0.4)]
    result = decide(ranked, THRESHOLDS, max_suggestions=3)
    assert [c.entry.id for c in result.suggestions] == ["a", "b", "c"]
    assert decide(ranked, THRESHOLDS, max_suggestions=1).suggestions[0].entry.id == "a"


def test_decide_hands_off_when_nothing_fits():
    assert decide([cand("a", 0.29)], THRESHOLDS).outcome == "handoff"
    result = decide([], THRESHOLDS)
    assert result.outcome == "handoff" and result.answer is None and result.candidates == ()


def test_decide_single_candidate_leads_by_its_score():
    assert decide([cand("a", 0.65)], THRESHOLDS).outcome == "answer"
    assert decide([cand("a", 0.65)], Thresholds(answer=0.6, margin=0.7)).outcome == "suggest"


def test_match_decides_as_on_the_full_ranking():
    """`match` ranks only as deep as `decide` looks; what the visitor gets must not change."""
    snapshot, errors = build_snapshot(sample_faq_dir())
    assert snapshot is not None, errors
    sample = snapshot.index
    questions = [(p, e.lang) for e in snapshot.entries.values() for p in e.phrasings[:2]]
    questions += [(q, None) for q in ("Versand", "shipping", "Rückgabe Kosten", "Paket")]
    suggested = 0
    for question, lang in questions:
        quick = sample.match(question, lang)
        full = decide(sample.rank(question, lang, limit=10), DEFAULT_THRESHOLDS)
        assert (quick.outcome, quick.answer, quick.suggestions) == (
            full.outcome,
            full.answer,
            full.suggestions,
        ), question
        suggested += len(full.suggestions) == MAX_SUGGESTIONS
    assert suggested, "no question got the most suggestions: the test would prove nothing"


RANK_IN_A_SUBPROCESS = """
import json, sys
from widget_api.faq.jsonl import read_faq_jsonl, read_labelled_questions
from widget_api.faq.matcher import FaqIndex
index = FaqIndex(read_faq_jsonl(sys.argv[1]))
questions = read_labelled_questions(sys.argv[2])[:200]
for q in questions:
    print(json.dumps([(c.entry.id, c.score, c.matched_phrasing) for c in index.rank(q.text)]))
"""


@pytest.mark.slow
def test_ranking_does_not_change_with_the_string_hash_seed():
    """Python's string hashing, and with it the order of sets, changes from run to run; the
    scores are sums over sets of terms, and a different order broke exact ties differently."""
    faq = shared_path("eval", "clinc150", "faq_all.jsonl")
    questions = shared_path("eval", "clinc150", "queries.jsonl")
    outputs = set()
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", RANK_IN_A_SUBPROCESS, str(faq), str(questions)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


@pytest.mark.parametrize(
    ("question", "page_lang", "expected"),
    [
        ("Wie lange dauert der Versand?", "en", "de"),
        ("wie lange dauer der versnad", "en", "de"),  # typos: corrected words count half
        ("How long does shipping take?", "de", "en"),
        ("i forgot my pasword", "de", "en"),
        ("Wie lange dauert der Versand?", "de", "de"),
        ("How long does shipping take?", "en", "en"),
        # Nothing tells the languages apart: the page's language stays.
        ("12345", "en", "en"),
        ("12345", "de", "de"),
        ("PayPal", "en", "en"),
        ("PayPal", "de", "de"),
        ("Gore-Tex 2", "de", "de"),
        ("Monty Python", "de", "de"),
        # No page language: every language is asked, as before.
        ("Wie lange dauert der Versand?", None, None),
    ],
)
def test_answer_language_follows_the_words_typed(index, question, page_lang, expected):
    assert index.answer_language(question, page_lang) == expected


def test_answer_language_keeps_a_page_language_the_faq_does_not_have():
    only_en = FaqIndex([e for e in FAQ if e.lang == "en"])
    assert only_en.answer_language("Wie lange dauert der Versand?", "en") == "en"
    assert only_en.answer_language("How long does shipping take?", "fr") is None


@pytest.fixture(scope="module")
def sample() -> FaqIndex:
    snapshot, errors = build_snapshot(sample_faq_dir())
    assert snapshot is not None, errors
    return snapshot.index


def test_correction_trust_weighs_what_a_correction_may_change():
    assert correction_trust("sell", "seller") == 1.0  # only the ending differs
    assert correction_trust("kost", "kostet") == 1.0
    assert correction_trust("cars", "cards") < 0.5  # a short word: many real neighbours
    assert correction_trust("shiping", "shipping") == 1.0


@pytest.mark.parametrize(("question", "lang"), [("Do you sell cars?", "en")])
def test_a_real_word_corrected_into_another_topic_is_not_answered(sample, question, lang):
    result = sample.match(question, lang)
    assert result.outcome != "answer", result.candidates[:1]


def test_a_match_resting_on_a_correction_scores_below_the_same_match_typed(sample):
    typed = sample.rank("Do you sell cards?", "en", limit=1)[0]
    corrected = sample.rank("Do you sell cars?", "en", limit=1)[0]
    assert typed.entry.id == corrected.entry.id == "gift-cards"
    assert corrected.score < typed.score - 0.1


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Chan ich mini Bstellig stornierä?", "bestellung-stornieren"),
        ("wos kost da Versand", "versandkosten"),
    ],
)
def test_regional_spellings_reach_the_entry(sample, question, expected):
    assert expected in [c.entry.id for c in sample.match(question, "de").candidates[:3]]


def test_a_trigram_guess_keeps_the_first_letter(sample):
    german = sample._indexes["de"]
    assert german.correct("zahlig") is None  # too far for a typo ...
    assert german.resemble("zahlig")[0].startswith("zahl")  # ... not for the trigrams
    # "suche" shares the trigrams "uch", "che", "he#" with "buche"; a different first letter
    # more likely means a different word.
    assert german.resemble("ruckgabe")[0][0] == "r"
    assert german.resemble("xuckgabe") is None


def test_a_word_that_defines_another_entry_lowers_the_confidence(monkeypatch):
    # "delete" is the reminder entry's word, "alarms" the alarm list's: "delete all alarms"
    # asks a neighbouring task neither entry answers, whichever of the two ranks first.
    faq = FaqIndex(
        [
            entry("show-alarms", "en", "Show all alarms", "List my alarms", "Which alarms"),
            entry("delete-reminder", "en", "Delete a reminder", "Delete all reminders"),
        ]
    )
    mixed = faq.rank("delete all alarms", "en")[0]
    plain = faq.rank("show all my alarms", "en")[0]
    monkeypatch.setattr(matcher, "ELSEWHERE_STRENGTH", 0.0)
    assert faq.rank("delete all alarms", "en")[0].score > mixed.score + 0.02
    # A question with no other entry's word keeps its score; unknown words are no one's.
    assert faq.rank("show all my alarms", "en")[0].score == plain.score
    unknown = faq.rank("show all alarms in Zorblax", "en")[0].score
    monkeypatch.setattr(matcher, "ELSEWHERE_STRENGTH", 1.0)
    assert faq.rank("show all alarms in Zorblax", "en")[0].score == unknown
