"""What the service creates on disk is private to its user, whatever the umask says.

Each test sets a permissive umask (0o002, as some distributions give users, or 0o000) for its
own duration, since the default 0o022 of most shells would hide a missing chmod for folders.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import make_app
from widget_api import settings
from widget_api.store import conversations
from widget_api.store.app_db import connect


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask", [0o002, 0o000])
def test_a_new_database_and_instance_folder_are_private(tmp_path, mask):
    database = tmp_path / "data" / "deeper" / "widget.sqlite3"
    with umask(mask):
        app = make_app(tmp_path, DATABASE=str(database))
        db = connect(app.config["DATABASE"])  # WAL: -wal and -shm exist while it is open
        try:
            conversations.create_handoff(
                db, conversations.Handoff("Where is my parcel?", "en"), notice_version="1"
            )
            wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
            assert wal.exists() and shm.exists()
            assert {p.name: mode(p) for p in (database, wal, shm)} == {
                "widget.sqlite3": 0o600,
                "widget.sqlite3-wal": 0o600,
                "widget.sqlite3-shm": 0o600,
            }
        finally:
            db.close()
    instance = Path(app.instance_path)
    assert mode(instance) == 0o700 and mode(instance / "secret_key") == 0o600
    assert mode(tmp_path / "data") == mode(tmp_path / "data" / "deeper") == 0o700


def test_a_new_config_file_is_private(tmp_path):
    with umask(0o002):
        path = settings.write_setting(str(tmp_path / "instance"), "ANSWER_THRESHOLD", 0.5)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    path.chmod(0o640)  # the operator's choice stands when the file is changed again
    settings.write_setting(str(tmp_path / "instance"), "ANSWER_THRESHOLD", 0.6)
    assert mode(path) == 0o640


def test_what_the_operator_made_keeps_its_mode_and_a_readable_one_is_named(tmp_path, caplog):
    folder = tmp_path / "srv"
    folder.mkdir(mode=0o750)
    folder.chmod(0o750)
    database = folder / "widget.sqlite3"
    make_app(tmp_path / "first", DATABASE=str(database))
    database.chmod(0o640)  # e.g. readable by a backup group: not loosened, not narrowed
    with caplog.at_level(logging.WARNING, logger="widget_api.privacy.private_files"):
        make_app(tmp_path / "second", DATABASE=str(database))
    assert mode(folder) == 0o750 and mode(database) == 0o640
    assert "other users" not in caplog.text
    database.chmod(0o644)  # made by an earlier version: kept, but the log says so
    with caplog.at_level(logging.WARNING, logger="widget_api.privacy.private_files"):
        make_app(tmp_path / "third", DATABASE=str(database))
    assert mode(database) == 0o644
    assert f"{database} has mode 0644: other users of this server can read it" in caplog.text


def test_gdpr_export_into_an_existing_readable_file_makes_it_private(cli, tmp_path):
    assert cli("purge", "--dry-run").exit_code == 0
    out = tmp_path / "export.json"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o644)
    result = cli("gdpr", "export", "--email", "a@example.com", "--output", out)
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o600
    assert '"format"' in out.read_text(encoding="utf-8")
