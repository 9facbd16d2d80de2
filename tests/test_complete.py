"""Type-ahead completion: every typed word begins a word of some phrasing."""

from __future__ import annotations

from widget_api.faq.complete import CompletionTable
from widget_api.faq.model import FaqEntry

ENTRIES = [
    FaqEntry("ship", "How long does shipping take?", "", "en", ("delivery time",)),
    FaqEntry("cost", "How much does shipping cost?", "", "en", ("postage",)),
    FaqEntry("ret", "How do I return an item?", "", "en", ("send back my order",)),
    FaqEntry("versand", "Wie lange dauert der Versand?", "", "de", ("Lieferzeit",)),
]


def ids(entries):
    return [entry.id for entry in entries]


def test_cut_off_last_word_completes():
    table = CompletionTable.build(ENTRIES)
    assert ids(table.complete("shipp", "en")) == ["ship", "cost"]
    assert ids(table.complete("how do I retu", "en")) == ["ret"]
    assert ids(table.complete("send ba", "en")) == ["ret"]


def test_language_filter_and_nothing_found():
    table = CompletionTable.build(ENTRIES)
    assert ids(table.complete("Liefer", "de")) == ["versand"]
    assert table.complete("Liefer", "en") == []
    assert table.complete("zzz") == []
    assert table.complete("  ?! ") == []


def test_own_question_ranks_before_alternatives():
    table = CompletionTable.build(ENTRIES)
    # "how" begins three questions: shorter ones first, equal lengths in FAQ order.
    assert ids(table.complete("how", "en")) == ["ship", "cost", "ret"]
    # "time" is only in an alternative.
    assert ids(table.complete("time", "en")) == ["ship"]
