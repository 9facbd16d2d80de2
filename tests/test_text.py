"""Normalising, tokenising, stemming, compounds and synonyms for German and English."""

import pytest

from widget_api.faq.text import (
    STOP_WORDS_DE,
    STOP_WORDS_EN,
    Analyser,
    normalise,
    parse_synonyms,
    tokenise,
)


@pytest.mark.parametrize("spelling", ["Größe", "groesse", "grosse", "GRÖSSE", "Grösse"])
def test_german_spellings_of_one_word_meet(spelling):
    assert normalise(spelling, "de") == "grosse"
    assert Analyser("de").terms(spelling) == Analyser("de").terms("Größe")


def test_normalise_folds_width_case_accents_and_apostrophes():
    assert normalise("Ｃafé", "en") == "cafe"
    assert normalise("What’s", "en") == "whats"
    assert normalise("Straße", "en") == "strasse"


def test_digraphs_after_vowels_are_not_umlauts():
    assert tokenise("neue Quelle Bauer", "de") == ["neue", "quelle", "bauer"]
    assert tokenise("Rückgabe Rueckgabe", "de") == ["ruckgabe", "ruckgabe"]


def test_english_keeps_ue_and_oe():
    assert tokenise("blue shoes", "en") == ["blue", "shoes"]


def test_tokenise_splits_on_punctuation_and_keeps_numbers():
    assert tokenise("Order #123, (express)!-delivery; 2.5kg", "en") == [
        "order",
        "123",
        "express",
        "delivery",
        "2",
        "5kg",
    ]
    assert tokenise("snake_case", "en") == ["snake", "case"]


def test_stop_words_are_folded_lists():
    assert "fur" in STOP_WORDS_DE and "the" in STOP_WORDS_EN
    assert all(w == normalise(w, "de") for w in STOP_WORDS_DE)
    assert Analyser("de").words("Was kostet der Versand für mich?") == ["kostet", "versand"]
    assert Analyser("en").words("How do I reset my password?") == ["reset", "password"]
    assert "how" in Analyser("en").words("How do I", keep_stop_words=True)


def test_every_person_of_the_german_auxiliary_verbs_is_a_stop_word():
    # "Habt ihr ...?" and "Könnt ihr ...?" are how a shop is asked: no topic, as "haben" is not.
    for text in ("Habt ihr Zelte?", "Könnt ihr Zelte reparieren?", "Müsst ihr Zelte haben?"):
        assert Analyser("de").words(text)[0].startswith("zelt"), text
    forms = "habt hattet wart werdet wirst könnt müsst sollt dürft wollt möchtet"
    assert {normalise(w, "de") for w in forms.split()} <= STOP_WORDS_DE


def test_numbers_count_like_stop_words():
    # "Tisch für 5" and "Wecker um 5" share a time or an amount, not a topic.
    tokens = Analyser("de").tokens("Tisch für 5 Personen")
    assert [(t.term, t.stop) for t in tokens if t.word in {"5", "tisch"}] == [
        ("tisch", False),
        ("~5", True),
    ]
    assert Analyser("en").terms("order 12345 arrived") == ["order", "arriv"]
    assert Analyser("en").terms("5kg parcel") == ["5kg", "parcel"]  # a measure stays a term


def test_stemming_meets_inflections():
    en, de = Analyser("en"), Analyser("de")
    assert en.terms("shipping") == en.terms("shipped") == en.terms("ships")
    assert en.terms("cancellation")[0] == en.terms("cancel")[0]
    assert de.terms("Lieferungen") == de.terms("Lieferung")
    assert de.terms("Häuser") == de.terms("Haus")


def test_compounds_split_into_words_the_faq_uses():
    de = Analyser("de", compound_vocabulary=["versand", "kosten", "lieferung", "zeit"])
    assert de.split_compound("versandkosten") == ("versand", "kost")
    assert de.terms("Versandkosten") == ["versandkost", "versand", "kost"]
    # A linking "s" between parts, and a part given only by its stem (liefer-ung).
    assert de.split_compound("lieferzeit") == ("liefer", "zeit")
    assert Analyser("de", compound_vocabulary=["arbeit", "zeit"]).split_compound("arbeitszeit") == (
        "arbeit",
        "zeit",
    )


def test_compounds_known_only_in_part_give_their_known_start_and_end():
    de = Analyser("de", compound_vocabulary=["film", "plane", "kino"])
    # "vorstellung" is new: the known head ("pläne") and start ("film") still count.
    assert de.split_compound("filmvorstellungsplane") == ("plan", "film")
    assert de.split_compound("dipsomkino") == ("kino",)
    # Parts shorter than four letters are not looked for inside unknown words.
    assert Analyser("de", compound_vocabulary=["ter"]).split_compound("winterwetter") == ()
    # English words are split whole or not at all.
    en = Analyser("en", compound_vocabulary=["phone"])
    assert en.split_compound("smartphones") == ()


def test_compounds_are_not_split_without_known_parts():
    de = Analyser("de", compound_vocabulary=["versand"])
    assert de.split_compound("kostenvoranschlag") == ()
    assert de.split_compound("kurz") == ()
    assert Analyser("de", compound_vocabulary=["der", "die"]).split_compound("derdiederdie") == ()


def test_english_compounds_need_longer_parts_and_no_linking_letters():
    en = Analyser("en", compound_vocabulary=["cell", "phone", "card", "book"])
    assert en.split_compound("cellphone") == ("cell", "phone")
    assert en.split_compound("cardsbook") == ()
    assert Analyser("en", compound_vocabulary=["pin", "code"]).split_compound("pincode") == ()


def test_parse_synonyms_reads_groups_and_comments():
    text = "# shipping words\nVersand = Lieferung = Zustellung\n\nparcel=package  # boxes\n"
    assert parse_synonyms(text) == [("Versand", "Lieferung", "Zustellung"), ("parcel", "package")]
    assert parse_synonyms("customer  care = hotline") == [("customer care", "hotline")]
    assert parse_synonyms("") == []


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("parcel", "separated by '='"),
        ("parcel = ", "empty word"),
        ("= parcel", "empty word"),
        ("a == b", "empty word"),
        ("Paket = paket", "two different words"),
    ],
)
def test_parse_synonyms_names_the_bad_line(bad, reason):
    with pytest.raises(ValueError, match=rf"^line 3: .*{reason}"):
        parse_synonyms(f"# words\nok = fine\n{bad}\nmore = other\n")


def test_synonyms_become_one_canonical_term():
    groups = parse_synonyms("Versand = Lieferung = Zustellung\nKundenservice = Hotline")
    de = Analyser("de", synonyms=groups)
    assert de.terms("Zustellung") == de.terms("Versand") == de.terms("Lieferungen")
    en = Analyser("en", synonyms=[("customer care", "hotline")])
    assert en.terms("call the customer care team") == en.terms("call the hotline team")
