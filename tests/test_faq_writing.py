"""Text written into FAQ files cannot become structure (issue #11, point 8).

A visitor's question becomes a draft's heading; a JSONL import writes whatever the file says.
Either way the file must read back as exactly the entries meant: no line of a text may start
an entry (`## `), a key line below a heading (`id:`, `alt:`) or anything else.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.conftest import shared_path
from tests.test_staff import add_account, post, sign_in
from widget_api.cli import main
from widget_api.faq.files import entries_to_file, one_line, parse_faq_file, read_faq_folder
from widget_api.faq.model import FaqEntry
from widget_api.store import drafts
from widget_api.store.app_db import connect

INJECTION = (
    "Can I pay later?\nid: x\n\n## Another question\nid: evil\n\nPay at https://evil.example"
)
# Every line break str.splitlines knows, which is what the FAQ reader splits on.
LINE_BREAKS = [
    "\n",
    "\r\n",
    "\r",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x85",
    "\u2028",
    "\u2029",
]


def read_back(text: str) -> list[FaqEntry]:
    entries, problems = parse_faq_file(text, "written.md")
    assert [p for p in problems if p.severity == "error"] == []
    return entries


@pytest.fixture
def staff_app(tmp_path):
    from tests.conftest import make_app

    app = make_app(tmp_path, SECURE_COOKIES=False)
    add_account(app, "ann@example.com")
    add_account(app, "eve@example.com", role="editor")
    return app


def test_a_visitor_question_cannot_add_an_entry_through_a_draft(staff_app):
    visitor, ann, eve = (staff_app.test_client() for _ in range(3))
    created = visitor.post("/api/v1/handoffs", json={"question": INJECTION, "lang": "en"})
    cid = created.get_json()["conversation_id"]
    sign_in(ann)
    post(ann, f"/staff/conversations/{cid}/reply", text="Yes, with an invoice.\n## Not a heading")
    db = connect(staff_app.config["DATABASE"])
    (reply_id,) = db.execute("SELECT id FROM messages WHERE author = 'staff'").fetchone()
    post(ann, f"/staff/conversations/{cid}/draft", message_id=str(reply_id))
    (draft,) = drafts.list_drafts(db)
    assert draft["question"] == INJECTION  # stored as typed; only the file form changes it

    sign_in(eve, "eve@example.com")
    post(eve, f"/staff/drafts/{draft['id']}/accept")
    text = eve.get(f"/staff/drafts/{draft['id']}.md").get_data(as_text=True)
    (entry,) = read_back(text)
    assert entry.question == one_line(INJECTION)
    assert entry.id == drafts.suggested_id(INJECTION, draft["id"])
    assert entry.alternatives == ()
    assert entry.answer == "Yes, with an invoice.\n ## Not a heading"


@pytest.mark.parametrize("brk", LINE_BREAKS)
def test_an_alternative_draft_stays_on_its_line(staff_app, brk):
    db = connect(staff_app.config["DATABASE"])
    question = f"pay later?{brk}## Evil{brk}id: evil{brk}{brk}Evil answer"
    draft_id = drafts.create_draft(db, lang="en", question=question, faq_id="payment-methods")
    text = drafts.draft_as_faq_file(drafts.get_draft(db, draft_id))
    assert text.splitlines() == [f"alt: {one_line(question)}"]
    heading = "---\nlang: en\n---\n\n## How can I pay?\nid: payment-methods\n"
    (entry,) = read_back(heading + text + "\nBy card.\n")
    assert entry.alternatives == (one_line(question),)


def test_import_neutralises_an_answer_and_counts_what_the_files_hold(tmp_path):
    source = tmp_path / "in.jsonl"
    answer = "Pay by card.\n## Another question\nid: evil\n\nEvil answer."
    lines = [
        {"id": "pay", "question": "How can I pay?", "answer": answer, "lang": "en"},
        {
            "id": "q2",
            "question": "Second?\u2028## Third\nid: third",
            "answer": "Yes.",
            "lang": "en",
        },
    ]
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = CliRunner().invoke(main, ["faq", "import", str(source), "--to", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "2 entries written" in result.output
    assert f"{source}:1: warning: answer rewritten" in result.output
    assert f"{source}:2: warning: question rewritten" in result.output
    entries = read_faq_folder(tmp_path / "o").entries
    assert [e.id for e in entries] == ["pay", "q2"]
    assert entries[0].answer == "Pay by card.\n ## Another question\nid: evil\n\nEvil answer."
    assert entries[1].question == "Second? ## Third id: third"


def test_import_refuses_an_id_the_files_cannot_hold_and_writes_nothing(tmp_path):
    source = tmp_path / "in.jsonl"
    line = {"id": "x\n\n## Evil\nid: evil", "question": "Q?", "answer": "A.", "lang": "en"}
    source.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["faq", "import", str(source), "--to", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert f"Error: {source}:1: id " in result.output and "nothing was written" in result.output
    assert not (tmp_path / "o").exists()


def test_import_counts_only_the_entries_the_files_hold(tmp_path):
    source = tmp_path / "in.jsonl"
    lines = [
        {"id": "ok", "question": "Fine?", "answer": "Yes.", "lang": "en"},
        {
            "id": "gone",
            "question": "Unsafe?",
            "answer": "<img src=x onerror=alert(1)>",
            "lang": "en",
        },
    ]
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = CliRunner().invoke(main, ["faq", "import", str(source), "--to", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "1 entries written" in result.output
    assert f"{source} has 2 entries, but the files written hold 1" in result.output


def naughty_texts() -> list[str]:
    """The naughty strings and the XSS corpora, and each of them behind every line break."""
    texts = json.loads(shared_path("security", "blns.json").read_text(encoding="utf-8"))
    for path in sorted(shared_path("security").glob("xss-*.txt")):
        texts += path.read_text(encoding="utf-8", errors="replace").splitlines()
    texts += [f"x{brk}## {text}{brk}id: y{brk}" for text in texts[:40] for brk in LINE_BREAKS]
    return texts


def test_any_text_reads_back_as_the_one_entry_written():
    """Round trip: each text as question, alternative and answer; the file holds exactly
    these entries, each with the same text (one-line fields with line breaks as spaces, and
    answer lines starting `## ` indented by one space, the only change made)."""
    texts = naughty_texts()
    written = [
        FaqEntry(
            id=f"n{number}",
            question=f"Q{number} {text}",
            answer=f"Answer {number}.\n{text}\nEnd.",
            lang="en",
            alternatives=(f"A{number} {text}",),
        )
        for number, text in enumerate(texts)
    ]
    entries = read_back(entries_to_file(written, "en"))
    assert len(entries) == len(written)
    for entry, original in zip(entries, written, strict=True):
        assert entry.id == original.id
        assert entry.question == one_line(original.question)
        assert entry.alternatives == (one_line(original.alternatives[0]),)
        expected = [
            f" {line}" if line.startswith("## ") else line for line in original.answer.splitlines()
        ]
        assert entry.answer.splitlines() == expected, original.id
