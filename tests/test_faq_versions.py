"""FAQ editor history (audit, versions, git) and the ways into it: drafts, gaps, try-it."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import make_app
from tests.test_faq_editor_pages import ask, form_of, signed_in
from tests.test_staff import add_account, csrf_of
from widget_api.privacy import retention
from widget_api.store import drafts, faq_versions
from widget_api.store.app_db import connect


@pytest.fixture
def editor_app(tmp_path, faq_copy):
    app = make_app(tmp_path, FAQ_DIR=str(faq_copy), SECURE_COOKIES=False)
    add_account(app, "eve@example.com", "editor")
    return app


@pytest.fixture(autouse=True)
def _close_databases():
    yield
    for db in _opened:
        db.close()
    _opened.clear()


_opened: list = []


def database(app):
    """A connection closed when the test ends."""
    db = connect(app.config["DATABASE"])
    _opened.append(db)
    return db


def save(eve, entry_id: str, **changes) -> None:
    form = form_of(eve.get(f"/staff/faq/en/{entry_id}").get_data(as_text=True))
    assert eve.post(f"/staff/faq/save/en/{entry_id}", data={**form, **changes}).status_code == 302


def test_saves_are_audited_without_content_and_versions_can_be_restored(editor_app):
    original = (Path(editor_app.config["FAQ_DIR"]) / "en" / "shipping.md").read_bytes()
    eve = signed_in(editor_app, "eve@example.com")
    save(eve, "shipping-time", answer="First new answer.")
    save(eve, "shipping-time", answer="Second new answer.")
    db = database(editor_app)
    rows = db.execute(
        "SELECT action, target, details, staff_id FROM audit_log WHERE action LIKE 'faq.%'"
    ).fetchall()
    assert [(row[0], row[1]) for row in rows] == [("faq.entry_saved", "shipping-time")] * 2
    dump = "\n".join(db.conn.iterdump())
    audit_dump = json.dumps(rows)
    assert "new answer" not in audit_dump and "eve@example.com" not in audit_dump
    versions = faq_versions.versions_of(db, "en", "shipping-time")
    assert [v["action"] for v in versions] == ["saved", "saved", "before"]
    assert "1–2 working days" in versions[-1]["markdown"] and versions[-1]["staff_id"] is None
    assert "eve@example.com" not in str(versions) and "eve@" not in dump.split("faq_versions")[-1]
    listed = eve.get("/staff/faq/en/shipping-time").get_data(as_text=True)
    assert "Earlier versions" in listed and f"version={versions[-1]['id']}" in listed
    page = eve.get(f"/staff/faq/en/shipping-time?version={versions[-1]['id']}")
    form = form_of(page.get_data(as_text=True))
    assert "1–2 working days" in form["answer"]  # the old text, in the form, not yet saved
    shipping = Path(editor_app.config["FAQ_DIR"]) / "en" / "shipping.md"
    assert "Second new answer." in shipping.read_text()
    assert eve.post("/staff/faq/save/en/shipping-time", data=form).status_code == 302
    assert shipping.read_bytes() == original  # restored byte for byte


def test_versions_are_purged_by_retention(editor_app):
    db = database(editor_app)
    old = datetime.now(UTC) - timedelta(days=400)
    faq_versions.record_version(
        db, entry_id="x", lang="en", action="saved", markdown="## X", staff_id=1, now=old
    )
    faq_versions.record_version(
        db, entry_id="x", lang="en", action="saved", markdown="## Y", staff_id=1
    )
    counts = retention.purge(db, policy=retention.RetentionPolicy.from_config(editor_app.config))
    assert counts["faq_versions_deleted"] == 1
    assert [v["markdown"] for v in faq_versions.versions_of(db, "en", "x")] == ["## Y"]
    for number in range(faq_versions.KEPT_PER_ENTRY + 5):
        faq_versions.record_version(
            db, entry_id="x", lang="en", action="saved", markdown=str(number), staff_id=1
        )
    assert len(faq_versions.versions_of(db, "en", "x")) == faq_versions.KEPT_PER_ENTRY


def git(folder, *args) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True
    ).stdout


def test_in_a_git_repository_a_save_is_a_commit_by_the_editor(editor_app, faq_copy):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git(faq_copy, "init", "-q")
    git(faq_copy, "-c", "user.name=Op", "-c", "user.email=op@example.com", "add", ".")
    git(faq_copy, "-c", "user.name=Op", "-c", "user.email=op@example.com", "commit", "-qm", "FAQ")
    (faq_copy / "en" / "care.md").write_text((faq_copy / "en" / "care.md").read_text() + "\n")
    eve = signed_in(editor_app, "eve@example.com")
    save(eve, "shipping-time", answer="Committed answer.")
    log = git(faq_copy, "log", "-1", "--format=%an <%ae>|%s", "--name-only")
    account = (
        connect(editor_app.config["DATABASE"])
        .execute("SELECT id FROM staff_accounts WHERE email = 'eve@example.com'")
        .fetchone()[0]
    )
    assert log.startswith(
        f"staff account {account} <eve@example.com>|FAQ: saved entry shipping-time"
    )
    assert log.strip().endswith("en/shipping.md")  # only the saved file; care.md stays changed
    assert "en/care.md" in git(faq_copy, "status", "--porcelain")


def test_a_faq_folder_inside_another_repository_gets_no_commit(editor_app, faq_copy):
    """The sample faq/ in a clone of this project: a demo save is no commit on that branch."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    outer = faq_copy.parent
    git(outer, "init", "-q")
    git(outer, "-c", "user.name=Op", "-c", "user.email=op@example.com", "add", ".")
    git(outer, "-c", "user.name=Op", "-c", "user.email=op@example.com", "commit", "-qm", "all")
    eve = signed_in(editor_app, "eve@example.com")
    save(eve, "shipping-time", answer="Saved, not committed.")
    assert git(outer, "rev-list", "--count", "HEAD").strip() == "1"
    assert "shipping.md" in git(outer, "status", "--porcelain")


def test_without_git_the_save_works_and_says_so_in_the_log(
    editor_app, faq_copy, monkeypatch, caplog
):
    monkeypatch.setenv("PATH", "/nonexistent")
    eve = signed_in(editor_app, "eve@example.com")
    save(eve, "shipping-time", answer="No git here.")
    assert "not committed: git is not installed" in caplog.text
    assert "No git here." in (faq_copy / "en" / "shipping.md").read_text()


def test_an_accepted_draft_opens_in_the_editor_filled_in(editor_app, faq_copy):
    db = database(editor_app)
    new = drafts.create_draft(db, lang="en", question="Do you sell maps?", answer="Yes, **maps**.")
    phrasing = drafts.create_draft(
        db, lang="en", question="parcel taking forever", faq_id="shipping-time"
    )
    eve = signed_in(editor_app, "eve@example.com")
    token = csrf_of(eve, "/staff/queue")
    accepted = eve.post(f"/staff/drafts/{new}/accept", data={"csrf_token": token})
    assert accepted.headers["Location"] == f"/staff/faq/new/en?draft={new}"
    form = form_of(eve.get(accepted.headers["Location"]).get_data(as_text=True))
    assert form["question"] == "Do you sell maps?" and form["answer"] == "Yes, **maps**."
    assert form["id"] == drafts.suggested_id("Do you sell maps?", new)
    created = eve.post("/staff/faq/new/en", data={**form, "file": "en/orders.md"})
    assert created.status_code == 302
    assert ask(editor_app, "Do you sell maps?")["answer"]["id"] == form["id"]

    accepted = eve.post(f"/staff/drafts/{phrasing}/accept", data={"csrf_token": token})
    assert accepted.headers["Location"] == f"/staff/faq/en/shipping-time?draft={phrasing}"
    form = form_of(eve.get(accepted.headers["Location"]).get_data(as_text=True))
    assert form["phrasings"].splitlines()[-1] == "parcel taking forever"
    assert eve.post("/staff/faq/save/en/shipping-time", data=form).status_code == 302
    assert "alt: parcel taking forever\n" in (faq_copy / "en" / "shipping.md").read_text()
    # A draft not accepted fills nothing in.
    proposed = drafts.create_draft(db, lang="en", question="Not reviewed", answer="No.")
    page = eve.get(f"/staff/faq/new/en?draft={proposed}").get_data(as_text=True)
    assert "Not reviewed" not in page
    assert "Open in the FAQ editor" in eve.get("/staff/drafts").get_data(as_text=True)


def test_a_gap_question_becomes_a_phrasing_of_the_entry_the_editor_picks(editor_app, faq_copy):
    visitor = editor_app.test_client()
    visitor.post("/api/v1/ask", json={"question": "Can I rent a canoe from you?", "lang": "en"})
    eve = signed_in(editor_app, "eve@example.com")
    gaps = eve.get("/staff/gaps").get_data(as_text=True)
    assert 'list="faq-entry-ids"' in gaps and '<option value="shipping-time">' in gaps
    assert 'name="phrasing" value="Can I rent a canoe from you?"' in gaps
    picked = eve.get(
        "/staff/faq/add-phrasing?entry=shipping-pickup&phrasing=Can+I+rent+a+canoe+from+you%3F"
    )
    assert picked.status_code == 302
    form = form_of(eve.get(picked.headers["Location"]).get_data(as_text=True))
    assert form["phrasings"].splitlines()[-1] == "Can I rent a canoe from you?"
    assert eve.post("/staff/faq/save/en/shipping-pickup", data=form).status_code == 302
    assert "alt: Can I rent a canoe from you?\n" in (faq_copy / "en" / "shipping.md").read_text()
    assert eve.get("/staff/faq/add-phrasing?entry=nope&phrasing=x").status_code == 404


def test_try_a_question_links_to_the_entry_it_matched(editor_app):
    eve = signed_in(editor_app, "eve@example.com")
    page = eve.get("/staff/try?q=how+long+does+shipping+take&lang=en").get_data(as_text=True)
    assert '<a href="/staff/faq/en/shipping-time">How long does shipping take?</a>' in page
