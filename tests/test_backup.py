"""Backups taken while handoffs are written, and a restore that checks before it replaces."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import threading
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import make_app
from widget_api.server.serving import hold_serve_lock
from widget_api.store import conversations
from widget_api.store.app_db import connect
from widget_api.store.backup import RestoreRefused, check_backup, make_backup, restore_backup

TRANSCRIPT = (("visitor", "Where is my parcel?"), ("bot", "Parcels take 2-4 days."))
MESSAGES_PER_HANDOFF = len(TRANSCRIPT) + 1


def create_handoffs(database: Path, count: int, start: int = 0) -> list:
    db = connect(database)
    try:
        return [
            conversations.create_handoff(
                db,
                conversations.Handoff(f"Question {number}", "en", transcript=TRANSCRIPT),
                notice_version="1",
            )
            for number in range(start, start + count)
        ]
    finally:
        db.close()


def contents(path: Path) -> dict[str, int]:
    """Conversation id -> number of messages, read from a database file."""
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            "SELECT c.id, COUNT(m.id) FROM conversations c "
            "LEFT JOIN messages m ON m.conversation_id = c.id GROUP BY c.id"
        ).fetchall()
    return dict(rows)


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def database(tmp_path) -> Path:
    app = make_app(tmp_path)
    return Path(app.config["DATABASE"])


def test_backups_while_handoffs_are_written_hold_a_complete_prefix(cli, database, tmp_path):
    created: list = []
    written = threading.Condition()
    done = threading.Event()

    def writer() -> None:
        db = connect(database)
        try:
            number = 0
            while not done.is_set() or number < 50:
                handoff = conversations.create_handoff(
                    db,
                    conversations.Handoff(f"Question {number}", "en", transcript=TRANSCRIPT),
                    notice_version="1",
                )
                with written:
                    created.append(handoff)
                    written.notify_all()
                number += 1
        finally:
            db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    backups = []
    # A backup may hold one committed handoff not yet in `created`, so each next backup waits
    # until more have been written than the last one can hold: the sizes grow however slow
    # the writer is, with no sleep standing in for "it has written some by now".
    held_at_most = 0
    try:
        for number in range(6):
            with written:
                assert written.wait_for(lambda n=held_at_most: len(created) > n, timeout=60)
            target = tmp_path / f"backup-{number}.sqlite3"
            if number % 2:
                result = cli("backup", str(target), database=database)
                assert result.exit_code == 0, result.output
                assert "checked" in result.output
            else:
                make_backup(database, target)
            backups.append(target)
            with written:
                held_at_most = len(created) + 1
    finally:
        done.set()
        thread.join(timeout=30)
    order = [handoff.conversation_id for handoff in created]
    sizes = []
    for backup in backups:
        assert integrity(backup) == "ok"
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600
        held = contents(backup)
        sizes.append(len(held))
        # A prefix of the handoffs in the order they were made, each with all its messages.
        assert set(held) == set(order[: len(held)])
        assert set(held.values()) <= {MESSAGES_PER_HANDOFF}
    assert sizes == sorted(sizes) and sizes[-1] > sizes[0] > 0
    assert not list(tmp_path.glob(".backup-*"))  # no temp files left behind

    # Restore a backup from the middle: exactly its handoffs, and their tokens work again.
    chosen = backups[2]
    kept = set(contents(chosen))
    assert cli("restore", str(chosen), database=database).exit_code == 0
    assert set(contents(database)) == kept
    assert integrity(database) == "ok"
    client = make_app(tmp_path).test_client()
    for handoff in created[: len(kept)][-3:] + created[len(kept) :][:3]:
        response = client.get(
            f"/api/v1/conversations/{handoff.conversation_id}",
            headers={"Authorization": f"Bearer {handoff.token}"},
        )
        expected = 200 if handoff.conversation_id in kept else 404
        assert response.status_code == expected
        if expected == 200:
            assert len(response.get_json()["messages"]) == MESSAGES_PER_HANDOFF


def corrupt_copy(source: Path, target: Path) -> Path:
    """A copy with one whole page of the middle inverted, as a bad disk might leave it."""
    data = bytearray(source.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    pages = len(data) // page_size
    start = page_size * (pages // 2)
    data[start : start + page_size] = bytes(b ^ 0xFF for b in data[start : start + page_size])
    target.write_bytes(bytes(data))
    return target


def test_a_damaged_or_foreign_file_is_refused_and_the_database_is_untouched(
    cli, database, tmp_path
):
    create_handoffs(database, 30)
    good = make_backup(database, tmp_path / "good.sqlite3").path
    create_handoffs(database, 5, start=30)
    before = digest(database)
    foreign = tmp_path / "foreign.sqlite3"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE notes (text)")
        conn.commit()
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(good.read_bytes())
    with closing(sqlite3.connect(newer)) as conn:
        conn.execute("INSERT INTO _migrations VALUES ('9999_future', '2099-01-01')")
        conn.commit()
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    cases = {
        corrupt_copy(good, tmp_path / "corrupt.sqlite3"): "damaged",
        foreign: "not a widget-api database",
        newer: "newer widget-api",
        text: "not an SQLite database",
        tmp_path / "missing.sqlite3": "no file",
    }
    for path, message in cases.items():
        result = cli("restore", str(path), database=database)
        assert result.exit_code == 1, (path, result.output)
        assert message in result.output and "nothing was changed" in result.output
        assert digest(database) == before
        with pytest.raises(RestoreRefused, match=message):
            check_backup(path)
    assert len(contents(database)) == 35
    assert sorted(p.name for p in database.parent.iterdir() if p.name.startswith(".")) == []
    # The good one passes the check alone without being restored.
    result = cli("restore", "--check", str(good), database=database)
    assert result.exit_code == 0 and "ok" in result.output
    assert digest(database) == before


def test_restore_refuses_while_the_service_runs_or_the_database_is_open(cli, database, tmp_path):
    create_handoffs(database, 3)
    good = make_backup(database, tmp_path / "good.sqlite3").path
    create_handoffs(database, 2, start=3)
    before = digest(database)
    lock = hold_serve_lock(database)  # what `widget-api serve` holds while it runs
    try:
        result = cli("restore", str(good), database=database)
        assert result.exit_code == 1 and "the service is running" in result.output
    finally:
        os.close(lock)
    with closing(sqlite3.connect(database)) as other:
        other.execute("SELECT COUNT(*) FROM conversations").fetchone()
        with pytest.raises(RestoreRefused, match="in use by another process"):
            restore_backup(good, database)
    assert digest(database) == before
    assert len(contents(database)) == 5
    restore_backup(good, database)
    assert len(contents(database)) == 3
    for suffix in ("-wal", "-shm", "-journal"):
        assert not Path(f"{database}{suffix}").exists()


def test_restore_keeps_the_files_mode_and_works_on_a_new_server(cli, database, tmp_path):
    create_handoffs(database, 4)
    good = make_backup(database, tmp_path / "good.sqlite3").path
    os.chmod(database, 0o640)
    restore_backup(good, database)
    assert stat.S_IMODE(database.stat().st_mode) == 0o640
    fresh = tmp_path / "new-server" / "data" / "widget.sqlite3"
    result = cli("restore", str(good), database=fresh)
    assert result.exit_code == 0, result.output
    assert len(contents(fresh)) == 4
    # The service starts on the restored file and switches it to WAL.
    app = make_app(tmp_path / "new-server", DATABASE=str(fresh))
    assert app.test_client().get("/api/v1/health").status_code == 200


def test_backup_refuses_to_overwrite_and_names_files_in_a_folder(cli, database, tmp_path):
    target = tmp_path / "backup.sqlite3"
    assert cli("backup", str(target), database=database).exit_code == 0
    first = digest(target)
    create_handoffs(database, 1)
    result = cli("backup", str(target), database=database)
    assert result.exit_code == 1 and "exists" in result.output and "--force" in result.output
    assert digest(target) == first
    assert cli("backup", "--force", str(target), database=database).exit_code == 0
    assert len(contents(target)) == 1
    folder = tmp_path / "backups"
    folder.mkdir()
    assert cli("backup", str(folder), database=database).exit_code == 0
    (dated,) = folder.iterdir()
    assert dated.name.startswith("widget-api-") and dated.suffix == ".sqlite3"
    result = cli("backup", str(tmp_path / "x.sqlite3"), database=tmp_path / "none.sqlite3")
    assert result.exit_code == 1 and "no database" in result.output
    result = cli("backup", str(tmp_path / "nowhere" / "b.sqlite3"), database=database)
    assert result.exit_code == 1 and "does not exist" in result.output
