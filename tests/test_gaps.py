"""What the FAQ did not answer: logged by the API, grouped, shown to editors and on the CLI."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.test_staff import add_account, sign_in
from widget_api import store
from widget_api.cli import main
from widget_api.db import connect
from widget_api.faq.gaps import group_gaps

UNANSWERED = [
    "Can I rent a canoe from you?",
    "do you rent canoes",
    "rent a canoe please",
    "Where is your store in Berlin?",
    "store in berlin address",
]


def rows(*questions, lang="en"):
    return [
        {"id": i, "question": q, "lang": lang, "outcome": "handoff"}
        for i, q in enumerate(questions)
    ]


def test_similar_questions_form_groups_largest_first():
    gaps = group_gaps(rows(*UNANSWERED, "Hello?"))
    assert [gap.size for gap in gaps] == [3, 2, 1]
    assert gaps[0].suggested_question in UNANSWERED[:3]
    assert {q["question"] for q in gaps[1].questions} == set(UNANSWERED[3:5])
    assert gaps[0].languages == ["en"] and gaps[0].outcomes == {"handoff": 3}


def test_german_inflections_meet():
    gaps = group_gaps(
        rows("Verleiht ihr Kanus?", "Kanu verleihen", "Kann ich ein Kanu leihen", lang="de")
    )
    assert gaps[0].size >= 2


def test_empty_and_punctuation_only_questions_are_ignored():
    assert group_gaps(rows("?!", "   ")) == []


def test_api_logs_unanswered_and_unhelpful_questions_only(app, client):
    client.post("/api/v1/ask", json={"question": "Can I rent a canoe from you?", "lang": "en"})
    client.post("/api/v1/ask", json={"question": "How long does shipping take?", "lang": "en"})
    client.post(
        "/api/v1/feedback",
        json={"faq_id": "shipping-time", "helpful": False, "question": "shipping to Iceland?"},
    )
    client.post(
        "/api/v1/feedback", json={"faq_id": "shipping-time", "helpful": True, "question": "ok"}
    )
    logged = store.logged_questions(connect(app.config["DATABASE"]))
    assert [(r["question"], r["outcome"]) for r in logged] == [
        ("Can I rent a canoe from you?", "handoff"),
        ("shipping to Iceland?", "not_helpful"),
    ]
    assert logged[1]["best_faq_id"] == "shipping-time"
    columns = {c.name for c in connect(app.config["DATABASE"])["question_log"].columns}
    assert columns == {
        "id",
        "question",
        "lang",
        "outcome",
        "best_faq_id",
        "best_score",
        "created_at",
    }


def test_cli_prints_groups(tmp_path, monkeypatch):
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", str(tmp_path / "instance"))
    runner = CliRunner()
    assert runner.invoke(main, ["faq", "gaps"]).exit_code == 0
    db = connect(tmp_path / "instance" / "widget.sqlite3")
    for question in UNANSWERED:
        store.log_question(db, question, "en", "handoff", None, None)
    result = runner.invoke(main, ["faq", "gaps", "--since", "7"])
    assert result.exit_code == 0
    first = result.output.splitlines()[0]
    assert first.startswith("   3 × ") and "canoe" in first.lower()
    data = json.loads(runner.invoke(main, ["faq", "gaps", "--json"]).output)
    assert [gap["size"] for gap in data] == [3, 2]
    assert runner.invoke(main, ["faq", "gaps", "--since", "0"]).exit_code != 0


def test_gaps_page_is_for_editors(app, client):
    for question in UNANSWERED:
        client.post("/api/v1/ask", json={"question": question, "lang": "en"})
    client.post("/api/v1/feedback", json={"faq_id": "shipping-time", "helpful": False})
    app.config["SESSION_COOKIE_SECURE"] = False
    add_account(app, "staff@example.com", "staff")
    add_account(app, "editor@example.com", "editor")
    staff, editor = app.test_client(), app.test_client()
    sign_in(staff, "staff@example.com")
    assert staff.get("/staff/gaps").status_code == 403
    sign_in(editor, "editor@example.com")
    page = editor.get("/staff/gaps?days=7").get_data(as_text=True)
    assert "3 ×" in page and "canoe" in page
    assert "How long does shipping take?" in page  # the entry marked not helpful


def test_gap_logging_leaves_the_connection_durable(app):
    from widget_api.db import connect

    db = connect(app.config["DATABASE"])
    store.log_question(db, "anything at all", "en", "handoff", None, None)
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again afterwards
