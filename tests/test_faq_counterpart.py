"""The optional `counterpart:` key: read, written back, and checked across languages."""

from __future__ import annotations

from click.testing import CliRunner

from tests.test_faq_files import write
from widget_api.cli import main
from widget_api.faq.check import check_path
from widget_api.faq.files import entry_to_markdown, parse_faq_file

EN = """---
lang: en
---

## How long does shipping take?
id: shipping-time
alt: delivery time

Two days.
"""

DE = """---
lang: de
---

## Wie lange dauert der Versand?
id: versanddauer
counterpart: {counterpart}
alt: Lieferzeit

Zwei Tage.
"""


def test_counterpart_is_read_and_written_back():
    entries, problems = parse_faq_file(DE.format(counterpart="shipping-time"), "de/a.md")
    assert problems == []
    assert entries[0].counterpart == "shipping-time"
    again, _ = parse_faq_file("---\nlang: de\n---\n\n" + entry_to_markdown(entries[0]), "b.md")
    assert again[0].counterpart == "shipping-time"
    assert again[0].alternatives == ("Lieferzeit",)


def test_counterpart_that_is_no_id_is_a_warning_and_ignored():
    entries, problems = parse_faq_file(DE.format(counterpart="../etc"), "de/a.md")
    assert [str(p) for p in problems] == [
        "de/a.md:7: warning: counterpart '../etc' is not an FAQ id"
    ]
    assert entries[0].counterpart == ""


def test_check_names_an_unknown_or_same_language_counterpart_with_file_and_line(tmp_path):
    write(tmp_path, "en/a.md", EN)
    de = write(tmp_path, "de/a.md", DE.format(counterpart="shipping-time"))
    _, problems = check_path(tmp_path)
    assert problems == []

    de.write_text(DE.format(counterpart="no-such-entry"), encoding="utf-8")
    _, problems = check_path(tmp_path)
    assert [str(p) for p in problems] == [
        f"{de}:5: warning: entry 'versanddauer': counterpart 'no-such-entry' is not an "
        "entry in another language (no entry has this id)"
    ]

    de.write_text(DE.format(counterpart="versanddauer"), encoding="utf-8")
    result = CliRunner().invoke(main, ["faq", "check", str(tmp_path)])
    assert result.exit_code == 0  # a warning: the FAQ still loads
    assert (
        f"{de}:5: warning: entry 'versanddauer': counterpart 'versanddauer' is not an entry "
        "in another language (it is in 'de' too)"
    ) in result.output
