"""Retention on a real SQLite file: what goes when, dry runs, the file's bytes, once a day."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import make_app
from widget_api.privacy import retention
from widget_api.settings import SettingsError
from widget_api.store import audit, conversations, drafts, maintenance, question_log, staff_queue
from widget_api.store.app_db import connect
from widget_api.store.conversations import Handoff

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
MARKER = "Zebrafink-7Q3X-purge-marker"


@pytest.fixture
def db_path(tmp_path) -> Path:
    app = make_app(tmp_path)
    return Path(app.config["DATABASE"])


@pytest.fixture
def db(db_path):
    database = connect(db_path)
    yield database
    database.close()


def hand_off(db, at: datetime, question="Where is my parcel?", **changes) -> str:
    fields = {"question": question, "lang": "en", "transcript": (("visitor", question),)}
    fields.update(changes)
    created = conversations.create_handoff(db, Handoff(**fields), "1", now=at)
    return created.conversation_id


def closed_at(db, at: datetime, **changes) -> str:
    conversation_id = hand_off(db, at - timedelta(days=3), **changes)
    staff_queue.close_conversation(db, conversation_id, now=at)
    return conversation_id


def age_rows(db, table: str, at: datetime) -> None:
    db.execute(f"UPDATE {table} SET created_at = ?", [at.isoformat(timespec="milliseconds")])


def table_counts(db) -> dict[str, int]:
    tables = ("conversations", "messages", "faq_drafts", "question_log", "feedback")
    return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def file_bytes(path: Path) -> bytes:
    files = [path, path.with_name(path.name + "-wal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_purge_applies_each_rule_and_a_dry_run_changes_nothing(db):
    old_closed = closed_at(db, NOW - timedelta(days=91), question=f"Old question {MARKER}")
    staff_queue.add_note(db, old_closed, 1, "Customer sounded upset", now=NOW)
    drafts.create_draft(db, lang="en", question="Old", answer="A", conversation_id=old_closed)
    recent_closed = closed_at(db, NOW - timedelta(days=89))
    idle = hand_off(db, NOW - timedelta(days=31))
    active = hand_off(db, NOW - timedelta(days=29))
    question_log.log_question(db, "old gap", "en", "handoff", None, None)
    question_log.record_feedback(db, "ship", False, "old feedback", "en")
    age_rows(db, "question_log", NOW - timedelta(days=31))
    age_rows(db, "feedback", NOW - timedelta(days=31))
    question_log.log_question(db, f"Old question {MARKER}", "en", "handoff", None, None)
    question_log.log_question(db, "recent gap", "en", "suggest", None, None)
    db.execute(
        "UPDATE question_log SET created_at = ? WHERE question = 'recent gap'", [NOW.isoformat()]
    )
    before = table_counts(db)

    planned = retention.purge(db, NOW, dry_run=True)
    assert table_counts(db) == before
    assert conversations.get_conversation(db, idle)["status"] == "new"

    done = retention.purge(db, NOW)
    assert done == planned
    assert done["conversations_deleted"] == 1 and done["notes_deleted"] == 1
    assert done["messages_deleted"] == 2 and done["drafts_deleted"] == 1
    assert done["conversations_closed"] == 1
    # The old gap and feedback by age, the purged conversation's question by its words.
    assert done["questions_deleted"] == 2 and done["feedback_deleted"] == 1
    with pytest.raises(conversations.ConversationNotFound):
        conversations.get_conversation(db, old_closed)
    assert conversations.get_conversation(db, recent_closed)["status"] == "closed"
    assert conversations.get_conversation(db, idle)["status"] == "closed"
    assert conversations.get_conversation(db, active)["status"] == "new"
    assert [q["question"] for q in question_log.logged_questions(db)] == ["recent gap"]
    assert db.execute("SELECT COUNT(*) FROM faq_drafts").fetchone()[0] == 0
    # Closing starts the deletion clock: the idle conversation is not deleted the same day.
    assert retention.purge(db, NOW)["conversations_deleted"] == 0


def test_zero_turns_a_rule_off(db):
    closed_at(db, NOW - timedelta(days=400))
    hand_off(db, NOW - timedelta(days=400))
    question_log.log_question(db, "old gap", "en", "handoff", None, None)
    age_rows(db, "question_log", NOW - timedelta(days=400))
    policy = retention.RetentionPolicy(
        closed_days=0, inactive_close_days=0, question_log_days=0, audit_days=0
    )
    counts = retention.purge(db, NOW, policy=policy)
    assert not any(counts[k] for k in counts if k != "idempotency_keys_deleted")
    assert table_counts(db)["conversations"] == 2


def test_negative_retention_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="RETENTION_CLOSED_DAYS"):
        make_app(tmp_path, RETENTION_CLOSED_DAYS=-1)


def test_purged_text_is_gone_from_the_file_and_the_wal(db, db_path):
    long_ago = NOW - timedelta(days=100)
    gone = hand_off(
        db, long_ago, question=f"My order {MARKER}", email="zeb@example.com", consent=True
    )
    conversations.add_visitor_message(db, gone, f"Follow-up {MARKER}", now=long_ago)
    staff_queue.close_conversation(db, gone, now=long_ago)
    kept = hand_off(db, NOW, question="A question that stays")
    maintenance.checkpoint(db)
    assert MARKER.encode() in file_bytes(db_path)

    counts = retention.run(db, retention.RetentionPolicy(), actor="cli", now=NOW)
    assert counts["conversations_deleted"] == 1
    data = file_bytes(db_path)
    assert MARKER.encode() not in data and b"zeb@example.com" not in data
    assert b"A question that stays" in data
    # New writes after the purge go through the WAL; it must not bring old frames back.
    conversations.add_visitor_message(db, kept, "something new")
    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    assert Path(str(db_path) + "-wal").stat().st_size > 0
    assert MARKER.encode() not in file_bytes(db_path)


def test_the_daily_run_happens_once_across_threads(db_path):
    closed_at(connect(db_path), NOW - timedelta(days=100))
    policy = retention.RetentionPolicy()
    barrier = threading.Barrier(8)
    results: list[dict | None] = []

    def worker(at: datetime) -> None:
        barrier.wait()
        results.append(retention.run_daily_if_due(str(db_path), policy, at))

    for day in (NOW, NOW + timedelta(hours=3), NOW + timedelta(days=1)):
        threads = [threading.Thread(target=worker, args=(day,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    ran = [r for r in results if r is not None]
    # Once on the 15th (the later call that day finds it done), once on the 16th.
    assert len(results) == 24 and len(ran) == 2
    assert ran[0]["conversations_deleted"] + ran[1]["conversations_deleted"] == 1
    entries = audit.entries(connect(db_path))
    assert [e["action"] for e in entries] == ["retention.purged"] * 2
    assert all(e["actor"] == "system" and e["staff_id"] is None for e in entries)


def test_the_daily_run_happens_once_across_processes(db_path):
    # Each process says when it is ready and waits for the word: all four then try at once,
    # however long each took to start, with no sleep standing in for "all have started".
    script = (
        "import sys; from widget_api.privacy import retention;"
        "print('ready', flush=True); sys.stdin.readline();"
        "r = retention.run_daily_if_due(sys.argv[1], retention.RetentionPolicy());"
        "print('ran' if r is not None else 'skipped')"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(db_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        assert [p.stdout.readline().strip() for p in processes] == ["ready"] * 4
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [p.communicate(timeout=60)[0].strip() for p in processes]
    finally:
        for process in processes:
            process.kill()
            process.wait()
    assert sorted(outputs) == ["ran", "skipped", "skipped", "skipped"]


def test_a_failed_run_gives_up_its_claim(db_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(retention, "run", broken)
    with pytest.raises(RuntimeError):
        retention.run_daily_if_due(str(db_path), retention.RetentionPolicy(), NOW)
    monkeypatch.undo()
    assert retention.run_daily_if_due(str(db_path), retention.RetentionPolicy(), NOW) is not None


def test_a_run_killed_midway_is_taken_over_after_the_lease(db_path):
    # A process claims today's run and is killed with SIGKILL while purging: its claim stays
    # in the database, unfinished. Within the lease nobody runs it twice; after it, one does.
    script = (
        "import sys, time; from datetime import datetime; from widget_api import retention;"
        "retention.run = lambda *a, **k: (print('running', flush=True), time.sleep(600));"
        "retention.run_daily_if_due(sys.argv[1], retention.RetentionPolicy(),"
        " datetime.fromisoformat(sys.argv[2]))"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script, str(db_path), NOW.isoformat()],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout.readline().strip() == "running"
        finally:
            process.kill()
    policy = retention.RetentionPolicy()
    assert maintenance.last_job_run(connect(db_path), "purge") is None
    assert retention.run_daily_if_due(str(db_path), policy, NOW + timedelta(minutes=30)) is None
    assert retention.run_daily_if_due(str(db_path), policy, NOW + timedelta(minutes=61)) is not None
    assert maintenance.last_job_run(connect(db_path), "purge")
    # Finished now: later checks that day leave it alone, the next day runs again.
    assert retention.run_daily_if_due(str(db_path), policy, NOW + timedelta(hours=5)) is None
    assert retention.run_daily_if_due(str(db_path), policy, NOW + timedelta(days=1)) is not None


def test_the_running_service_purges_by_itself_once(tmp_path):
    apps = [make_app(tmp_path, TESTING=False, MAINTENANCE_CHECK_SECONDS=1) for _ in range(3)]
    database = apps[0].config["DATABASE"]
    gone = closed_at(connect(database), datetime.now(UTC) - timedelta(days=100))
    try:
        for app in apps:
            assert app.test_client().get("/api/v1/health").status_code == 200
        # A check counts once it is over: the app that claimed the run has purged by the end
        # of its first check, the others found the claim taken.
        for app in apps:
            assert app.extensions["maintenance"].wait_for_checks(1, timeout=20)
        remaining = connect(database).execute(
            "SELECT COUNT(*) FROM conversations WHERE id = ?", [gone]
        )
        assert remaining.fetchone()[0] == 0, "the daily run did not happen"
        # Every thread starts at least one whole check after the run (a check under way may
        # have begun before it, hence two more); none may run it a second time.
        after_the_run = [app.extensions["maintenance"].checks + 2 for app in apps]
        for app, count in zip(apps, after_the_run, strict=True):
            assert app.extensions["maintenance"].wait_for_checks(count, timeout=20)
    finally:
        for app in apps:
            app.extensions["maintenance"].stop()
    actions = [e["action"] for e in audit.entries(connect(database))]
    assert actions.count("retention.purged") == 1
    assert maintenance.last_job_run(connect(database), "purge")


def test_tests_and_a_zero_interval_start_no_maintenance(tmp_path):
    assert "maintenance" not in make_app(tmp_path).extensions
    assert (
        "maintenance"
        not in make_app(tmp_path, TESTING=False, MAINTENANCE_CHECK_SECONDS=0).extensions
    )


def test_cli_purge_prints_counts_only(cli):
    assert cli("purge", "--dry-run").exit_code == 0
    db = connect(cli.database)
    old = datetime.now(UTC) - timedelta(days=120)
    closed_at(db, old, question=f"Purge me {MARKER}", email="cli@example.com", consent=True)

    dry = cli("purge", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "conversations_deleted: 1" in dry.output and "dry run" in dry.output
    assert db.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == 1

    real = cli("purge")
    assert real.exit_code == 0, real.output
    assert "conversations_deleted: 1" in real.output and "messages_deleted: 2" in real.output
    for text in (real.output, dry.output):
        assert MARKER not in text and "cli@example.com" not in text
    assert db.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == 0
    (entry,) = audit.entries(db)
    assert entry["action"] == "retention.purged" and entry["actor"] == "cli"
    assert entry["details"]["conversations_deleted"] == 1


def test_privacy_notice_states_the_settings_and_can_be_replaced(tmp_path):
    app = make_app(
        tmp_path,
        RETENTION_CLOSED_DAYS=60,
        RETENTION_QUESTION_LOG_DAYS=14,
        CONTACT_EMAIL="privacy@shop.test",
        PRIVACY_NOTICE_VERSION="7",
    )
    client = app.test_client()
    english = client.get("/api/v1/widget-config?lang=en").get_json()["privacy"]
    german = client.get("/api/v1/widget-config?lang=de").get_json()["privacy"]
    assert english["version"] == "7"
    for text in ("after 60 days", "for 14 days", "30 days", "privacy@shop.test", "version 7"):
        assert text in english["notice"]
    assert '"Delete this conversation"' in english["notice"]
    for text in ("nach 60 Tagen", "14 Tage lang", "privacy@shop.test", "Version 7", "du "):
        assert text in german["notice"]
    own = make_app(tmp_path, PRIVACY_NOTICE_DE="Unser eigener Hinweis.").test_client()
    assert own.get("/api/v1/widget-config?lang=de").get_json()["privacy"]["notice"] == (
        "Unser eigener Hinweis."
    )
    assert "Nordlicht" in own.get("/api/v1/widget-config?lang=en").get_json()["privacy"]["notice"]


def test_the_hand_off_form_leads_with_a_summary_only_for_a_notice_it_speaks_for(tmp_path):
    """The default summary goes with the default notice; an operator's own notice gets their
    own summary or none (then the widget shows the full notice), never ours beside theirs."""

    def privacy(lang: str, **settings) -> dict:
        client = make_app(tmp_path, **settings).test_client()
        return client.get(f"/api/v1/widget-config?lang={lang}").get_json()["privacy"]

    default = privacy("de")
    assert default["summary"].startswith("Nordlicht Outdoor speichert dieses Gespräch")
    assert default["more"] == "Vollständiger Datenschutzhinweis"
    assert len(default["summary"]) < len(default["notice"]) / 3
    assert privacy("en")["more"] == "Full privacy notice"
    assert privacy("de", PRIVACY_NOTICE_DE="Unser eigener Hinweis.")["summary"] == ""
    own_both = privacy("de", PRIVACY_NOTICE_DE="Lang.", PRIVACY_SUMMARY_DE=" Kurz. ")
    assert (own_both["notice"], own_both["summary"]) == ("Lang.", "Kurz.")
    # A summary of their own beside our default notice is theirs to write.
    assert privacy("en", PRIVACY_SUMMARY_EN="Short.")["summary"] == "Short."
    assert privacy("de", PRIVACY_NOTICE_EN="Own.")["summary"].startswith("Nordlicht")


def test_privacy_doc_answers_every_request_with_a_command():
    repo = Path(__file__).resolve().parents[1]
    doc = (repo / "docs" / "privacy.md").read_text(encoding="utf-8")
    for command in ("widget-api purge", "gdpr export --email", "gdpr erase --conversation"):
        assert command in doc
    for heading in ("Access", "Erasure", "Rectification", "Objection", "never stored"):
        assert heading in doc
    assert "docs/privacy.md" in (repo / "README.md").read_text(encoding="utf-8")
