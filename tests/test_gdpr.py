"""A person's rights on a real database: `gdpr export`, `gdpr erase` and the visitor's delete."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.conftest import make_app
from widget_api.store import (
    accounts,
    audit,
    conversations,
    drafts,
    erasure,
    question_log,
    staff_queue,
)
from widget_api.store.app_db import connect
from widget_api.store.conversations import Handoff

MARKER = "Okapi-5JX2-gdpr-marker"
ADDRESS = "Ann.Example@Example.COM"


@pytest.fixture
def instance(cli) -> Path:
    return cli.instance


@pytest.fixture
def db(cli, instance):
    assert cli("purge", "--dry-run").exit_code == 0  # creates and migrates the database
    database = connect(cli.database)
    yield database
    database.close()


def hand_off(db, question: str, **changes) -> str:
    fields = {
        "question": question,
        "lang": "en",
        "transcript": (("visitor", question), ("bot", "I could not find that.")),
    }
    fields.update(changes)
    return conversations.create_handoff(db, Handoff(**fields), "4").conversation_id


@pytest.fixture
def people(db) -> dict[str, str]:
    """Two conversations of Ann (address in two spellings), one of Bob, one that mentions Ann."""
    accounts.create_account(db, "staff@shop.test", "a long password", "staff")
    first = hand_off(
        db, f"Where is parcel {MARKER}?", name="Ann", email="ann.example@example.com", consent=True
    )
    staff_queue.add_staff_reply(db, first, 1, "It is on its way.")
    staff_queue.add_note(db, first, 1, "Ann called about this too.")
    drafts.create_draft(
        db,
        lang="en",
        question=f"Where is parcel {MARKER}?",
        answer="On its way.",
        conversation_id=first,
        created_by=1,
    )
    question_log.log_question(db, f"Where is parcel {MARKER}?", "en", "handoff", None, None)
    second = hand_off(db, "Can I pay by invoice?", email=ADDRESS.upper(), consent=True)
    conversations.add_visitor_message(db, second, f"Follow-up {MARKER}")
    bob = hand_off(db, "Bob's question", email="bob@example.com", consent=True)
    question_log.log_question(db, "Bob's question", "en", "handoff", None, None)
    mention = hand_off(db, "My wife ann.example@example.com ordered this")
    return {"first": first, "second": second, "bob": bob, "mention": mention}


def db_bytes(instance: Path) -> bytes:
    files = [instance / "widget.sqlite3", instance / "widget.sqlite3-wal"]
    return b"".join(f.read_bytes() for f in files if f.exists())


def audit_text(db) -> str:
    return json.dumps(db.execute("SELECT * FROM audit_log").fetchall())


def test_export_by_email_writes_everything_about_the_address(cli, db, people, instance):
    out = instance / "export.json"
    result = cli("gdpr", "export", "--email", ADDRESS, "--output", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "1 other conversation(s) mention the address" in result.output
    assert people["mention"] in result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["format"] == "widget-api personal data export"
    by_id = {c["id"]: c for c in document["conversations"]}
    assert set(by_id) == {people["first"], people["second"]}
    first = by_id[people["first"]]
    assert first["name"] == "Ann" and first["email"] == "ann.example@example.com"
    assert first["consent"]["notice_version"] == "4" and first["consent"]["given_at"]
    kinds = [(m["from"], m["kind"], m["shown_by_bot_before_handoff"]) for m in first["messages"]]
    assert kinds == [
        ("visitor", "message", True),
        ("bot", "message", True),
        ("visitor", "message", False),
        ("staff", "message", False),
        ("staff", "note", False),
    ]
    assert first["faq_drafts"][0]["answer"] == "On its way."
    assert [q["question"] for q in document["unanswered_questions"]] == [
        f"Where is parcel {MARKER}?"
    ]
    assert "bob@example.com" not in out.read_text() and "staff_id" not in out.read_text()
    (entry,) = audit.entries(db)
    assert entry["action"] == "gdpr.exported" and entry["details"]["conversations"] == 2
    assert "example" not in audit_text(db).lower() and MARKER not in audit_text(db)


def test_export_by_conversation_to_standard_output(cli, db, people):
    result = cli("gdpr", "export", "--conversation", people["bob"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [c["email"] for c in document["conversations"]] == ["bob@example.com"]
    assert document["request"] == {"conversation_id": people["bob"]}


def test_erase_by_email_removes_it_all_and_keeps_the_others(cli, db, people, instance):
    result = cli("gdpr", "erase", "--email", ADDRESS)
    assert result.exit_code == 0, result.output
    assert "conversations: 2" in result.output and "notes: 1" in result.output
    assert "drafts: 1" in result.output and "question_log: 1" in result.output
    assert MARKER not in result.output
    remaining = {row[0] for row in db.execute("SELECT id FROM conversations").fetchall()}
    assert remaining == {people["bob"], people["mention"]}
    assert db.execute("SELECT COUNT(*) FROM faq_drafts").fetchone()[0] == 0
    assert [q["question"] for q in question_log.logged_questions(db)] == ["Bob's question"]
    data = db_bytes(instance)
    assert MARKER.encode() not in data and b"Ann called about this" not in data
    assert b"bob@example.com" in data
    (entry,) = audit.entries(db)
    assert entry["action"] == "gdpr.erased" and entry["details"]["conversations"] == 2
    assert entry["details"]["by"] == "email" and entry["actor"] == "cli"
    assert "ann" not in audit_text(db).lower() and MARKER not in audit_text(db)
    export = cli("gdpr", "export", "--email", ADDRESS)
    assert json.loads(export.stdout)["conversations"] == []


def test_erase_by_conversation(cli, db, people):
    result = cli("gdpr", "erase", "--conversation", people["bob"])
    assert result.exit_code == 0 and "conversations: 1" in result.output
    assert "question_log: 1" in result.output
    with pytest.raises(conversations.ConversationNotFound):
        conversations.get_conversation(db, people["bob"])
    (entry,) = audit.entries(db)
    assert entry["target"] == people["bob"]


def test_nothing_stored_and_usage_errors(cli, db):
    result = cli("gdpr", "erase", "--email", "nobody@example.com")
    assert result.exit_code == 0 and "nothing stored" in result.output
    assert cli("gdpr", "erase").exit_code == 2
    both = cli("gdpr", "export", "--email", "a@example.com", "--conversation", "x" * 22)
    assert both.exit_code == 2 and "one of them" in both.output


def test_email_matching_ignores_unicode_case(db):
    hand_off(db, "Frage", email="Jürgen@Beispiel.de", consent=True)
    assert len(erasure.conversation_ids_for_email(db, " JÜRGEN@beispiel.DE ")) == 1


def test_visitors_delete_is_the_same_erasure_and_is_audited(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    client.post("/api/v1/ask", json={"question": f"Zither lessons {MARKER}?", "lang": "en"})
    created = client.post(
        "/api/v1/handoffs",
        json={
            "question": f"Zither lessons {MARKER}?",
            "lang": "en",
            "email": "zither@example.com",
            "consent": True,
        },
    ).get_json()
    db = connect(app.config["DATABASE"])
    drafts.create_draft(
        db, lang="en", question="Zither?", answer="No.", conversation_id=created["conversation_id"]
    )
    assert question_log.logged_questions(db)
    response = client.delete(
        f"/api/v1/conversations/{created['conversation_id']}",
        headers={"Authorization": f"Bearer {created['token']}"},
    )
    assert response.status_code == 204
    assert question_log.logged_questions(db) == []
    assert db.execute("SELECT COUNT(*) FROM faq_drafts").fetchone()[0] == 0
    (entry,) = audit.entries(db)
    assert entry["action"] == "conversation.deleted" and entry["actor"] == "visitor"
    assert entry["details"]["conversations"] == 1 and entry["details"]["drafts"] == 1
    assert "zither" not in audit_text(db).lower()
    path = Path(app.config["DATABASE"])
    data = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    assert MARKER.encode() not in data and b"zither@example.com" not in data
