"""One catalogue of texts (issue #13, point 5): every key and placeholder in every language, the
widget's own labels for every language, and no text that only works for German or English."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime

import pytest

from widget_api.faq.model import LANGUAGES as FAQ_LANGUAGES
from widget_api.notifications.mail import question_date
from widget_api.paths import static_dir
from widget_api.texts import CATALOGUE, LANGUAGES, text, widget_texts
from widget_api.visitor.service_hours import ServiceHours, availability, expected_reply

WIDGET = (static_dir() / "widget.js").read_text(encoding="utf-8")
HOURS = ServiceHours.parse("mon-fri 09:00-17:00; sat 10:00-14:00", [], "Europe/Berlin")


def placeholders(template: str) -> set[str]:
    """The fields a text fills; a date may name its month or give its number, as the language
    writes dates."""
    fields = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    return {"month" if field == "month_number" else field for field in fields}


def test_every_language_has_every_key_with_the_same_placeholders():
    """A key missing in one language, or a translation that drops `{email}`, fails here."""
    assert set(LANGUAGES) >= {"de", "en"}
    english = CATALOGUE["en"]
    for lang, texts in CATALOGUE.items():
        assert set(texts) == set(english), (lang, set(texts) ^ set(english))
        for key, template in texts.items():
            assert placeholders(template) == placeholders(english[key]), (lang, key)


def test_the_languages_the_service_speaks_are_the_catalogues(client):
    assert FAQ_LANGUAGES == LANGUAGES
    body = client.get("/api/v1/widget-config?lang=de").get_json()
    assert body["languages"] == list(LANGUAGES)


def widget_labels() -> dict[str, set[str]]:
    """The label keys of each language block in widget.js's TEXTS."""
    source = re.search(r"\n  var TEXTS = \{\n(.*?)\n  \};\n", WIDGET, re.S)
    assert source, "widget.js has no TEXTS block"
    blocks = re.split(r"\n    (\w+): \{\n", "\n" + source.group(1))
    return {
        lang: set(re.findall(r"(?:^ +|', )(\w+): ", body, re.M))
        for lang, body in zip(blocks[1::2], blocks[2::2], strict=True)
    }


def test_the_widget_has_its_labels_for_every_language_and_no_server_texts():
    labels = widget_labels()
    assert set(labels) == set(LANGUAGES)
    for lang, keys in labels.items():
        assert keys == labels["en"], (lang, keys ^ labels["en"])
    # The greeting, the privacy notice and the contact text come from widget-config only.
    assert not {"greeting", "notice", "contact"} & labels["en"]


@pytest.fixture
def third_language(monkeypatch):
    """A language the code has never seen: English texts, each marked, under the code `xx`."""
    monkeypatch.setitem(CATALOGUE, "xx", {key: f"«{t}»" for key, t in CATALOGUE["en"].items()})
    return "xx"


def test_a_third_language_needs_texts_only(app, third_language):
    """No wording is chosen by `if lang == "de"`: a new block of texts is all a language needs."""
    texts = widget_texts(app.config, third_language)
    assert texts["greeting"].startswith("«") and texts["contact"]["text"].startswith("«")
    assert texts["privacy"]["notice"].startswith("«")
    saturday_evening = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)
    said = availability(HOURS, saturday_evening, third_language)
    assert "«Monday»" in said["weekly"] and "«Saturday»" in said["weekly"]
    assert said["text"].startswith("«")
    assert expected_reply(HOURS, saturday_evening, third_language)["text"].startswith("«")
    assert question_date("2026-03-14T10:00:00+00:00", "Europe/Berlin", third_language) == (
        "«14 «March» 2026»"
    )


def test_lookup_fills_placeholders_and_refuses_unknown_keys():
    assert text("en", "hours.today_at", clock="9:00") == "today at 9:00"
    assert text("de", "mail.date", day=4, month="März", month_number=3, year=2026) == ("04.03.2026")
    with pytest.raises(KeyError):
        text("en", "no.such.key")
