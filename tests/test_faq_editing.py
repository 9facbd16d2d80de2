"""Writing one FAQ entry into its file: only that entry changes, atomically, after the checker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from widget_api.faq.check import check_path
from widget_api.faq.editing import (
    MAX_ANSWER_LENGTH,
    EditRefused,
    EntryNotFound,
    FileConflict,
    content_hash,
    files_of_language,
    open_entry,
    write_entry,
)
from widget_api.faq.library import FaqLibrary
from widget_api.faq.model import FaqEntry


def file_hash(path: Path) -> str:
    return content_hash(path.read_bytes())


def entry_blocks(text: str) -> list[str]:
    """The file split at entry headings: the front matter first, then one block per entry."""
    blocks, current = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith("## ") and current:
            blocks.append("".join(current))
            current = []
        current.append(line)
    return [*blocks, "".join(current)]


def test_a_save_changes_only_that_entry_byte_for_byte(faq_copy):
    path = faq_copy / "en" / "shipping.md"
    before = path.read_bytes()
    opened = open_entry(faq_copy, "shipping-time")
    assert opened.relative == "en/shipping.md"
    assert opened.file_hash == content_hash(before)
    changed = replace(opened.entry, answer="Three days, **always**.", alternatives=("days?",))
    result = write_entry(faq_copy, opened.relative, opened.file_hash, "shipping-time", changed)
    after = path.read_bytes()
    assert result.file_hash == content_hash(after)
    old_blocks, new_blocks = entry_blocks(before.decode()), entry_blocks(after.decode())
    assert len(old_blocks) == len(new_blocks)
    differing = [i for i, (a, b) in enumerate(zip(old_blocks, new_blocks, strict=True)) if a != b]
    assert len(differing) == 1 and "id: shipping-time" in new_blocks[differing[0]]
    assert "Three days, **always**." in new_blocks[differing[0]]
    assert open_entry(faq_copy, "shipping-time").entry.alternatives == ("days?",)
    assert [p for p in check_path(faq_copy)[1] if p.severity == "error"] == []
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []


def test_insert_and_delete_leave_the_other_entries_as_they_were(faq_copy):
    path = faq_copy / "en" / "shipping.md"
    before = path.read_text()
    entry = FaqEntry(id="gift-wrap", question="Do you wrap gifts?", answer="Yes, free.", lang="en")
    added = write_entry(faq_copy, "en/shipping.md", file_hash(path), None, entry)
    text = path.read_text()
    assert text.startswith(before) and text.endswith(
        "## Do you wrap gifts?\nid: gift-wrap\n\nYes, free.\n"
    )
    write_entry(faq_copy, "en/shipping.md", added.file_hash, "gift-wrap", None)
    assert path.read_text() == before + "\n"
    opened = open_entry(faq_copy, "shipping-pickup")
    write_entry(faq_copy, "en/shipping.md", file_hash(path), "shipping-pickup", None)
    assert "id: shipping-pickup" not in path.read_text()
    blocks = [b for b in entry_blocks(before) if "id: shipping-pickup" not in b]
    assert path.read_text() == "".join(blocks) + "\n"
    with pytest.raises(EntryNotFound):
        open_entry(faq_copy, "shipping-pickup")
    assert opened.entry.question


def test_a_file_changed_on_disk_is_a_conflict_and_is_left_alone(faq_copy):
    opened = open_entry(faq_copy, "shipping-time")
    path = faq_copy / opened.relative
    path.write_text(path.read_text().replace("1–2 working days", "2–3 working days"))
    on_disk = path.read_bytes()
    with pytest.raises(FileConflict) as refused:
        write_entry(faq_copy, opened.relative, opened.file_hash, "shipping-time", opened.entry)
    assert "2–3 working days" in refused.value.disk_text
    assert refused.value.disk_hash == content_hash(on_disk)
    assert path.read_bytes() == on_disk


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"id": "../../etc/passwd"}, "faq_id_unsafe"),
        ({"id": "en/shipping"}, "faq_id_unsafe"),
        ({"id": "a..b"}, "faq_id_unsafe"),
        ({"id": "/abs"}, "faq_id_unsafe"),
        ({"id": ""}, "faq_id_unsafe"),
        ({"answer": "x" * (MAX_ANSWER_LENGTH + 1)}, "faq_answer_too_long"),
        ({"answer": "  "}, "faq_answer_missing"),
        ({"question": ""}, "faq_question_missing"),
    ],
)
def test_bad_entries_are_refused_before_anything_is_read(faq_copy, change, reason):
    opened = open_entry(faq_copy, "shipping-time")
    before = (faq_copy / opened.relative).read_bytes()
    with pytest.raises(EditRefused) as refused:
        write_entry(
            faq_copy,
            opened.relative,
            opened.file_hash,
            "shipping-time",
            replace(opened.entry, **change),
        )
    assert refused.value.reason == reason
    assert (faq_copy / opened.relative).read_bytes() == before


def test_the_checker_blocks_errors_and_keeps_the_old_file(faq_copy):
    opened = open_entry(faq_copy, "shipping-time")
    path = faq_copy / opened.relative
    before = path.read_bytes()
    duplicate = replace(opened.entry, id="shipping-pickup")  # an id another entry has
    with pytest.raises(EditRefused) as refused:
        write_entry(faq_copy, opened.relative, opened.file_hash, "shipping-time", duplicate)
    assert any("duplicate id 'shipping-pickup'" in problem for problem in refused.value.problems)
    same_question = replace(opened.entry, alternatives=("Can I pick up my order myself?",))
    with pytest.raises(EditRefused) as refused:
        write_entry(faq_copy, opened.relative, opened.file_hash, "shipping-time", same_question)
    assert any("the same question" in problem for problem in refused.value.problems)
    only_script = replace(opened.entry, answer="<img src=x onerror=alert(1)>")
    with pytest.raises(EditRefused) as refused:
        write_entry(faq_copy, opened.relative, opened.file_hash, "shipping-time", only_script)
    assert any("empty once unsafe HTML is removed" in p for p in refused.value.problems)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_unsafe_html_is_a_warning_and_the_answer_is_served_sanitised(faq_copy):
    library = FaqLibrary(faq_copy, reload_seconds=0)
    opened = open_entry(faq_copy, "shipping-time")
    risky = replace(
        opened.entry, answer='Soon. <img src=x onerror="alert(1)"> [x](javascript:alert(1))'
    )
    result = write_entry(faq_copy, opened.relative, opened.file_hash, "shipping-time", risky)
    assert any("unsafe HTML removed" in warning for warning in result.warnings)
    assert library.reload()
    html = library.current().entries["shipping-time"].html
    assert "<img" not in html and "onerror" not in html and 'href="javascript' not in html


def test_an_answer_cannot_start_a_second_entry_or_a_key_line(faq_copy):
    opened = open_entry(faq_copy, "shipping-time")
    sneaky = replace(
        opened.entry,
        question="Shipping?\nid: evil",
        answer="Fine.\n## Injected\nid: injected\n\nboo",
        alternatives=("a\nalt: b",),
    )
    write_entry(faq_copy, opened.relative, opened.file_hash, "shipping-time", sneaky)
    files, _ = check_path(faq_copy)
    ids = {entry.id for entry in files.entries}
    assert "injected" not in ids and "evil" not in ids and "shipping-time" in ids


def test_only_files_of_the_faq_folder_can_be_written(faq_copy, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("---\nlang: en\n---\n\n## Q\nid: q\n\nA\n")
    entry = FaqEntry(id="new-one", question="New?", answer="Yes.", lang="en")
    for relative in ("../outside.md", str(outside), "en/../../outside.md", "synonyms.txt"):
        with pytest.raises(EditRefused) as refused:
            write_entry(faq_copy, relative, file_hash(outside), None, entry)
        assert refused.value.reason == "faq_no_such_file"
    assert files_of_language(faq_copy, "en")[0].startswith("en/")
    assert all(name.startswith("de/") for name in files_of_language(faq_copy, "de"))


def test_a_failed_write_leaves_no_temp_file_and_the_old_content(faq_copy, monkeypatch):
    opened = open_entry(faq_copy, "shipping-time")
    path = faq_copy / opened.relative
    before = path.read_bytes()

    def refuse(*args):
        raise OSError("disk full")

    monkeypatch.setattr("widget_api.faq.editing.os.replace", refuse)
    with pytest.raises(OSError):
        write_entry(faq_copy, opened.relative, opened.file_hash, "shipping-time", opened.entry)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_crlf_files_keep_their_line_ends(faq_copy):
    path = faq_copy / "en" / "shipping.md"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    before = path.read_bytes()
    opened = open_entry(faq_copy, "shipping-pickup")
    write_entry(
        faq_copy,
        opened.relative,
        opened.file_hash,
        "shipping-pickup",
        replace(opened.entry, answer="Yes."),
    )
    after = path.read_bytes()
    assert b"\n" not in after.replace(b"\r\n", b"")
    assert after.split(b"## Can I pick up")[0] == before.split(b"## Can I pick up")[0]


def test_an_error_anywhere_in_the_folder_blocks_the_save_as_faq_check_would(faq_copy):
    broken = faq_copy / "en" / "care.md"
    broken.write_text("no front matter\n\n## Q\nid: q\n\nA\n")
    opened = open_entry(faq_copy, "shipping-time")
    before = (faq_copy / opened.relative).read_bytes()
    with pytest.raises(EditRefused) as refused:
        write_entry(faq_copy, opened.relative, opened.file_hash, "shipping-time", opened.entry)
    expected = [str(p) for p in check_path(faq_copy)[1] if p.severity == "error"]
    assert refused.value.problems == expected
    assert refused.value.problems[0].startswith(f"{broken}:1: missing front matter")
    assert (faq_copy / opened.relative).read_bytes() == before
