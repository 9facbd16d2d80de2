"""The audit log: what staff, the CLI and visitors do is recorded, never with personal content."""

from __future__ import annotations

import json

import pytest

from tests.conftest import make_app
from tests.test_cli import FAQ, QUESTIONS, write_jsonl
from tests.test_staff import PASSWORD, add_account, hand_off, post, sign_in
from widget_api.store import audit
from widget_api.store.app_db import connect

MARKER = "Quokka-81HZ-audit-marker"


@pytest.fixture
def staff_app(tmp_path):
    app = make_app(tmp_path, SECURE_COOKIES=False)
    add_account(app)
    add_account(app, "eve@example.com", role="editor")
    add_account(app, "root@example.com", role="admin")
    return app


def everything_in(db) -> str:
    return json.dumps(db.execute("SELECT * FROM audit_log").fetchall(), ensure_ascii=False)


def test_staff_work_is_recorded_without_text_or_typed_addresses(staff_app):
    db = connect(staff_app.config["DATABASE"])
    client = staff_app.test_client()
    created = hand_off(
        client,
        {"question": f"Snowshoes {MARKER}?", "lang": "en", "email": "v@ex.org", "consent": True},
    )
    conversation = created["conversation_id"]
    assert sign_in(client, "typo-" + MARKER + "@example.com").status_code == 401
    assert sign_in(client, "ann@example.com", "wrong password!").status_code == 401
    assert sign_in(client).status_code == 302
    base = f"/staff/conversations/{conversation}"
    assert post(client, f"{base}/claim").status_code == 302
    assert post(client, f"{base}/reply", text=f"Reply {MARKER}").status_code == 302
    assert post(client, f"{base}/note", text=f"Note {MARKER}").status_code == 302
    reply_id = db.execute("SELECT id FROM messages WHERE author = 'staff'").fetchone()[0]
    assert post(client, f"{base}/draft", message_id=str(reply_id)).status_code == 302
    assert post(client, f"{base}/close").status_code == 302
    assert post(client, f"{base}/reopen").status_code == 302
    assert post(client, "/staff/logout").status_code == 302
    editor = staff_app.test_client()
    sign_in(editor, "eve@example.com")
    assert post(editor, "/staff/drafts/1/accept").status_code == 302

    ann = db.execute("SELECT id FROM staff_accounts WHERE email = 'ann@example.com'").fetchone()[0]
    rows = [(e["action"], e["staff_id"], e["target"]) for e in reversed(audit.entries(db))]
    assert rows == [
        ("staff.sign_in_failed", None, None),
        ("staff.sign_in_failed", ann, None),
        ("staff.signed_in", ann, None),
        ("conversation.claimed", ann, conversation),
        ("conversation.replied", ann, conversation),
        ("conversation.note_added", ann, conversation),
        ("draft.created", ann, conversation),
        ("conversation.closed", ann, conversation),
        ("conversation.reopened", ann, conversation),
        ("staff.signed_out", ann, None),
        ("staff.signed_in", ann + 1, None),
        ("draft.accepted", ann + 1, "1"),
    ]
    recorded = everything_in(db)
    assert MARKER not in recorded and "v@ex.org" not in recorded and "@" not in recorded
    assert PASSWORD not in recorded and "wrong password" not in recorded


def test_the_audit_page_is_for_admins_only(staff_app):
    for email in ("ann@example.com", "eve@example.com"):
        client = staff_app.test_client()
        sign_in(client, email)
        assert client.get("/staff/audit").status_code == 403
        assert "/staff/audit" not in client.get("/staff/queue").get_data(as_text=True)
    admin = staff_app.test_client()
    sign_in(admin, "root@example.com")
    assert 'href="/staff/audit"' in admin.get("/staff/queue").get_data(as_text=True)
    page = admin.get("/staff/audit?days=1", headers={"Accept-Language": "de"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Protokoll" in text and "staff.signed_in" in text and "root@example.com" in text
    english = admin.get("/staff/audit").get_data(as_text=True)
    assert "Audit log" in english and "eve@example.com" in english


def test_command_line_changes_are_recorded_and_listed(cli, tmp_path):
    cli(
        "staff",
        "add",
        "ann@example.com",
        "--role",
        "admin",
        "--password-stdin",
        input="x" * 12,
        check=True,
    )
    cli("staff", "disable", "ann@example.com", check=True)
    cli("staff", "disable", "ann@example.com", "--enable", check=True)
    cli(
        "staff", "reset-password", "ann@example.com", "--password-stdin", input="y" * 12, check=True
    )
    faq = write_jsonl(tmp_path / "faq.jsonl", FAQ)
    queries = write_jsonl(tmp_path / "q.jsonl", QUESTIONS)
    cli("faq", "tune", "--faq", str(faq), "--queries", str(queries), "--write", check=True)

    listed = cli("audit", "--since", "1", check=True).output
    for action in (
        "account.created",
        "account.disabled",
        "account.enabled",
        "account.password_reset",
        "settings.changed",
    ):
        assert action in listed
    assert "role=admin" in listed and "ANSWER_THRESHOLD=" in listed
    rows = [json.loads(line) for line in cli("audit", "--json", check=True).stdout.splitlines()]
    assert rows[-1]["action"] == "account.created" and rows[-1]["actor"] == "cli"
    assert rows[-1]["staff_id"] is None and rows[-1]["target"] == "1"
    db = connect(cli.database)
    assert "ann@example.com" not in everything_in(db)


@pytest.mark.parametrize(
    "details",
    [
        {"email": "ann@example.com"},
        {"text": "Where is my parcel"},
        {"nested": {"note": "a b"}},
        {"many": ["ok", "not ok"]},
    ],
)
def test_record_refuses_anything_that_could_be_personal(staff_app, details):
    db = connect(staff_app.config["DATABASE"])
    with pytest.raises(audit.UnsafeAuditDetail):
        audit.record(db, "x.y", actor="cli", details=details)
    with pytest.raises(audit.UnsafeAuditDetail):
        audit.record(db, "x.y", actor="cli", target="ann@example.com")
    assert db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == 0
