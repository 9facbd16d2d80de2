"""`widget-api staff ...` and `widget-api queue ...` on a real database."""

from __future__ import annotations

from widget_api.store.app_db import connect
from widget_api.store.conversations import Handoff, create_handoff
from widget_api.store.staff_queue import add_note


def test_staff_accounts_lifecycle(cli):
    result = cli(
        "staff",
        "add",
        "ann@example.com",
        "--role",
        "editor",
        "--password-stdin",
        input="a long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "ann@example.com (editor)" in result.output
    listed = cli("staff", "list")
    assert "ann@example.com" in listed.output and "editor" in listed.output
    assert "active" in listed.output

    again = cli("staff", "add", "ann@example.com", "--password-stdin", input="a long password\n")
    assert again.exit_code == 1 and "exists already" in again.output
    short = cli("staff", "add", "bob@example.com", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    bad = cli("staff", "add", "not-an-address", "--password-stdin", input="a long password\n")
    assert bad.exit_code == 1 and "is not an e-mail address" in bad.output

    assert cli("staff", "disable", "ann@example.com").exit_code == 0
    assert "disabled" in cli("staff", "list").output
    assert cli("staff", "disable", "ann@example.com", "--enable").exit_code == 0
    reset = cli(
        "staff",
        "reset-password",
        "ann@example.com",
        "--password-stdin",
        input="another long password\n",
    )
    assert reset.exit_code == 0
    from widget_api.store.accounts import authenticate

    db = connect(cli.database)
    assert authenticate(db, "ann@example.com", "another long password") is not None
    assert cli("staff", "disable", "nobody@example.com").exit_code == 1


def test_prompted_password_must_be_confirmed(cli):
    result = cli("staff", "add", "ann@example.com", input="a long password\na long password\n")
    assert result.exit_code == 0, result.output


def test_queue_list_and_show(cli):
    assert cli("queue", "list").output.strip() == "the queue is empty"
    db = connect(cli.database)
    created = create_handoff(
        db,
        Handoff(
            "Can I rent a tent?",
            "en",
            email="v@example.com",
            consent=True,
            transcript=[("bot", "No answer found.")],
        ),
        notice_version="1",
    )
    add_note(db, created.conversation_id, 1, "ask the warehouse")
    listed = cli("queue", "list")
    assert created.conversation_id in listed.output and "Can I rent a tent?" in listed.output
    shown = cli("queue", "show", created.conversation_id)
    assert "shown by bot: bot: No answer found." in shown.output
    assert "note: ask the warehouse" in shown.output and "v@example.com" in shown.output
    assert created.token not in shown.output
    missing = cli("queue", "show", "nope")
    assert missing.exit_code == 1 and "no conversation nope" in missing.output


def test_queue_show_reaches_an_id_that_starts_with_a_dash(cli):
    """Ids drawn by earlier builds could start with `-`; the command's help says to use `--`."""
    assert cli("queue", "list").exit_code == 0
    db = connect(cli.database)
    created = create_handoff(db, Handoff("Can I rent a tent?", "en"), notice_version="1")
    legacy = "-" + created.conversation_id[1:]
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("UPDATE conversations SET id = ? WHERE id = ?", [legacy, created.conversation_id])
    db.execute(
        "UPDATE messages SET conversation_id = ? WHERE conversation_id = ?",
        [legacy, created.conversation_id],
    )
    assert "widget-api queue show -- -AbC" in cli("queue", "show", "--help").output
    shown = cli("queue", "show", "--", legacy)
    assert shown.exit_code == 0, shown.output
    assert "Can I rent a tent?" in shown.output


def test_faq_drafts_list_review_and_file_text(cli, tmp_path):
    from widget_api.store import drafts

    assert cli("faq", "drafts").exit_code == 0
    db = connect(cli.database)
    created = create_handoff(db, Handoff("Do you rent canoes?", "en"), notice_version="1")
    draft_id = drafts.create_draft(
        db,
        lang="en",
        question="Do you rent canoes?",
        answer="No, we only sell them.",
        conversation_id=created.conversation_id,
    )
    listed = cli("faq", "drafts")
    assert f"{draft_id:>4}  proposed" in listed.output and "new entry" in listed.output
    shown = cli("faq", "drafts", "--show", str(draft_id))
    assert (
        shown.output.startswith("---\nlang: en\n---\n") and "## Do you rent canoes?" in shown.output
    )
    accepted = cli("faq", "drafts", "--accept", str(draft_id))
    assert accepted.exit_code == 0 and "No, we only sell them." in accepted.output
    assert "accepted" in cli("faq", "drafts", "--status", "accepted").output
    faq = tmp_path / "faq"
    faq.mkdir()
    (faq / "draft.md").write_text(accepted.stdout)
    assert cli("faq", "check", str(faq)).exit_code == 0
    missing = cli("faq", "drafts", "--show", "999")
    assert missing.exit_code == 1 and "no draft 999" in missing.output
