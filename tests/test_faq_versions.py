"""FAQ editor history: audit entries without content, versions kept and restored, git commits."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import make_app
from tests.test_faq_editor_pages import form_of, signed_in
from tests.test_staff import add_account
from widget_api.privacy import retention
from widget_api.store import faq_versions
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
    assert eve.post(f"/staff/faq/en/{entry_id}", data={**form, **changes}).status_code == 302


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
    assert eve.post("/staff/faq/en/shipping-time", data=form).status_code == 302
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


def test_in_a_git_work_tree_a_save_is_a_commit_by_the_editor(editor_app, faq_copy):
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


def test_without_git_the_save_works_and_says_so_in_the_log(
    editor_app, faq_copy, monkeypatch, caplog
):
    monkeypatch.setenv("PATH", "/nonexistent")
    eve = signed_in(editor_app, "eve@example.com")
    save(eve, "shipping-time", answer="No git here.")
    assert "not committed: git is not installed" in caplog.text
    assert "No git here." in (faq_copy / "en" / "shipping.md").read_text()
