"""One connection helper: every connection the project opens comes from store.sqlite.connect.

So every connection has the same pragmas; the two that may differ (the ask path's writer skips
the disk sync, restore's in-use check waits half a second) say so through its parameters.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from widget_api.store.migrations import init_database
from widget_api.store.sqlite import BUSY_TIMEOUT_MS, connect
from widget_api.visitor.ask_records import AskRecordWriter

PACKAGE = Path(__file__).resolve().parents[1] / "widget_api"
HELPER = PACKAGE / "store" / "sqlite.py"


def _openers(path: Path) -> list[str]:
    """Calls in one module that open a database: sqlite3.connect(...) or Database(...)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        if name in ("sqlite3.connect", "Database", "sqlite_utils.Database"):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {name}")
    return found


def test_only_the_helper_opens_a_connection():
    openers = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in _openers(path)]
    assert openers and all(hit.startswith("widget_api/store/sqlite.py:") for hit in openers), (
        openers
    )


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "widget.sqlite3"
    init_database(path)
    return path


def pragmas(db) -> tuple[int, int, int, int]:
    return tuple(
        db.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("synchronous", "busy_timeout", "foreign_keys", "secure_delete")
    )


def test_every_connection_gets_the_same_pragmas(database):
    with connect(database) as db:
        assert pragmas(db) == (2, BUSY_TIMEOUT_MS, 1, 1)  # synchronous=FULL


def test_the_ask_paths_writer_alone_skips_the_disk_sync(database):
    writer = AskRecordWriter()
    try:
        assert writer.write(str(database), pragmas) == (1, BUSY_TIMEOUT_MS, 1, 1)  # NORMAL
    finally:
        writer.close()


def test_a_shorter_wait_for_locks_is_a_parameter(database):
    with connect(database, busy_timeout_ms=500) as db:
        assert pragmas(db) == (2, 500, 1, 1)


def test_an_unknown_sync_mode_is_refused_before_opening(tmp_path):
    with pytest.raises(ValueError, match="synchronous"):
        connect(tmp_path / "never.sqlite3", synchronous="OFF")
    assert not (tmp_path / "never.sqlite3").exists()
