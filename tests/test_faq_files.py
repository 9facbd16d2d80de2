"""The FAQ file format, the loader and the checker: every problem named with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_visitor_api import TOO_DEEP
from widget_api.cli import main
from widget_api.faq.check import check_path
from widget_api.faq.files import parse_faq_file, read_faq_folder
from widget_api.faq.jsonl import read_faq_jsonl
from widget_api.paths import sample_faq_dir

GOOD = """---
lang: en
tags: shipping
---

# Notes for editors are ignored

## How long does shipping take?
id: shipping-time
alt: When will my order arrive?
alt: delivery time
tags: delivery

Orders leave within **2 days**. See [costs](https://shop.example.com/shipping).

## Can I pick up my order?
id: pickup
alt: collect my parcel myself

No, we only ship.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def messages(problems) -> list[str]:
    return [str(problem) for problem in problems]


def test_entries_are_read_with_their_fields_and_lines(tmp_path):
    entries, problems = parse_faq_file(GOOD, "faq/en/shipping.md")
    assert problems == []
    first, second = entries
    assert first.id == "shipping-time"
    assert first.question == "How long does shipping take?"
    assert first.alternatives == ("When will my order arrive?", "delivery time")
    assert first.tags == ("shipping", "delivery")
    assert first.lang == "en"
    assert first.line == 8
    assert "<strong>2 days</strong>" in first.html
    assert 'rel="noopener noreferrer nofollow"' in first.html
    assert second.line == 16 and second.answer == "No, we only ship."


def test_every_problem_names_file_and_line(tmp_path):
    bad = """---
lang: fr
colour: blue
---

##\x20
id: empty-question

Some answer.

## No id here
alt: something

Answer.

## No answer
id: no-answer

## Bad key
id: bad-key
answer: this is not a key

Text.
"""
    _, problems = parse_faq_file(bad, "bad.md")
    text = messages(problems)
    assert "bad.md:3: broken front matter: 'colour: blue' (allowed keys: lang, tags)" in text
    assert "bad.md:2: unknown language 'fr': use de or en" in text
    assert any(m.startswith("bad.md:6: empty question") for m in text)
    assert "bad.md:11: entry 'No id here' has no 'id:' line" in text
    assert "bad.md:16: entry 'no-answer' has no answer" in text
    assert any(m.startswith("bad.md:21: unknown line 'answer: this is not a key'") for m in text)


def test_missing_front_matter_is_an_error():
    _, problems = parse_faq_file("## Question?\nid: q\n\nAnswer.\n", "x.md")
    assert messages(problems)[0].startswith("x.md:1: missing front matter")


def test_unsafe_html_is_removed_and_reported():
    text = """---
lang: en
---

## Is this safe?
id: unsafe
alt: safe or not

Hello <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>
"""
    entries, problems = parse_faq_file(text, "u.md")
    html = entries[0].html
    assert "<script" not in html and "<img" not in html and "javascript:" not in html.split("[")[0]
    notes = messages(problems)
    assert any("unsafe HTML removed" in m and "<script>" in m for m in notes)
    assert any("link to 'javascript:alert(1'" in m for m in notes)
    assert all(problem.severity == "warning" for problem in problems)


def test_checker_finds_duplicates_across_files(tmp_path):
    write(tmp_path, "en/a.md", GOOD)
    write(
        tmp_path,
        "en/b.md",
        """---
lang: en
---

## How long does shipping take?
id: shipping-duration
alt: totally different

Again.

## Where is my parcel?
id: tracking
alt: When will my order arrive!

Track it.

## Something else entirely
id: shipping-time
alt: an unrelated phrase

Text.
""",
    )
    _, problems = check_path(tmp_path)
    text = messages(problems)
    b = str(tmp_path / "en/b.md")
    assert any(m.startswith(f"{b}:17: duplicate id 'shipping-time'") for m in text)
    assert any(
        m.startswith(f"{b}:5: entry 'shipping-duration' has the same question as 'shipping-time'")
        for m in text
    )
    assert any(
        m.startswith(f"{b}:11: entry 'tracking' has the same question as 'shipping-time'")
        for m in text
    )


def test_near_identical_question_is_reported(tmp_path):
    write(tmp_path, "a.md", GOOD)
    write(
        tmp_path,
        "b.md",
        "---\nlang: en\n---\n\n## Delivery times\nid: times\nalt: x y z\n\nAnswer.\n",
    )
    _, problems = check_path(tmp_path)
    assert any("nearly identical question" in m for m in messages(problems))


def test_same_question_in_two_languages_is_fine(tmp_path):
    write(tmp_path, "en.md", "---\nlang: en\n---\n\n## Newsletter\nid: nl-en\n\nYes.\n")
    write(tmp_path, "de.md", "---\nlang: de\n---\n\n## Newsletter\nid: nl-de\n\nJa.\n")
    _, problems = check_path(tmp_path)
    assert problems == []


def test_bad_synonyms_line_is_reported(tmp_path):
    write(tmp_path, "a.md", GOOD)
    write(tmp_path, "synonyms.txt", "# words\nparcel = package\nlonely\n")
    _, problems = check_path(tmp_path)
    assert any(m.startswith(f"{tmp_path / 'synonyms.txt'}:3:") for m in messages(problems))


def test_sample_faq_is_clean_and_large_enough():
    files, problems = check_path(sample_faq_dir())
    assert [str(p) for p in problems if p.severity == "error"] == []
    by_lang = {"de": [], "en": []}
    for entry in files.entries:
        by_lang[entry.lang].append(entry)
    assert len(by_lang["de"]) >= 40 and len(by_lang["en"]) >= 40
    assert all(len(entry.alternatives) >= 3 for entry in files.entries)
    assert read_faq_folder(sample_faq_dir()).synonyms_text


def test_cli_check_exit_status(tmp_path):
    from click.testing import CliRunner

    runner = CliRunner()
    write(tmp_path / "good", "a.md", GOOD)
    result = runner.invoke(main, ["faq", "check", str(tmp_path / "good")])
    assert result.exit_code == 0, result.output
    write(tmp_path / "bad", "a.md", "---\nlang: xx\n---\n\n## Q\nid: q\n\nA.\n")
    result = runner.invoke(main, ["faq", "check", str(tmp_path / "bad")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'bad' / 'a.md'}:2: unknown language 'xx'" in result.output


def test_export_and_import_round_trip(tmp_path):
    from click.testing import CliRunner

    runner = CliRunner()
    write(tmp_path / "src", "en/a.md", GOOD)
    out = tmp_path / "faq.jsonl"
    result = runner.invoke(main, ["faq", "export", str(out), "--faq", str(tmp_path / "src")])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0] == {
        "id": "shipping-time",
        "question": "How long does shipping take?",
        "alternatives": ["When will my order arrive?", "delivery time"],
        "answer": "Orders leave within **2 days**. See [costs](https://shop.example.com/shipping).",
        "lang": "en",
        "tags": ["shipping", "delivery"],
    }
    result = runner.invoke(main, ["faq", "import", str(out), "--to", str(tmp_path / "dst")])
    assert result.exit_code == 0, result.output
    again = read_faq_folder(tmp_path / "dst").entries
    original = read_faq_jsonl(out)
    assert [(e.id, e.question, e.alternatives, e.answer, e.lang) for e in again] == [
        (e.id, e.question, e.alternatives, e.answer, e.lang) for e in original
    ]


def test_import_refuses_bad_jsonl_with_line(tmp_path):
    from click.testing import CliRunner

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "q", "answer": "a"}\n{"id": 3}\n')
    result = CliRunner().invoke(main, ["faq", "import", str(bad), "--to", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert f"{bad}:2: " in result.output


@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        (b'{"id": "b\xff"}', "not UTF-8 text"),
        (TOO_DEEP.encode(), "nested too deeply"),
    ],
)
def test_import_refuses_undecodable_jsonl_with_line(tmp_path, second_line, message):
    from click.testing import CliRunner

    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": "a", "question": "q", "answer": "a"}\n' + second_line + b"\n")
    result = CliRunner().invoke(main, ["faq", "import", str(bad), "--to", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert f"{bad}:2: " in result.output and message in result.output


def test_a_file_that_is_not_utf8_is_named_with_the_line_of_the_bad_byte(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "shop.md").write_bytes(GOOD.encode().replace(b"\n", b"\n\xe4", 1))
    (tmp_path / "synonyms.txt").write_bytes(b"# ok\nparcel = package\nGr\xf6\xdfe = size\n")
    problems = read_faq_folder(tmp_path).problems
    assert [(Path(p.source).name, p.line) for p in problems] == [
        ("shop.md", 2),
        ("synonyms.txt", 3),
    ]
    assert all("not UTF-8" in p.message for p in problems)
