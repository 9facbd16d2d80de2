"""The schema, as recorded steps applied in order at start-up, each exactly once.

A step is never edited after release; a change is a new step. Applying runs inside one
`BEGIN IMMEDIATE` transaction, so worker processes starting together apply each step once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlite_utils import Database

MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = []


def migration(name: str) -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
    """Register a schema step under a name that never changes."""

    def register(step: Callable[[Database], None]) -> Callable[[Database], None]:
        MIGRATIONS.append((name, step))
        return step

    return register


@migration("0001_feedback")
def _feedback(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            faq_id TEXT NOT NULL,
            helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
            question TEXT,
            lang TEXT,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX feedback_created ON feedback (created_at)")
    db.execute("CREATE INDEX feedback_faq ON feedback (faq_id)")


def migrate(db: Database) -> list[str]:
    """Apply the steps not yet recorded; return the names applied now."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    applied_now = []
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
        for name, step in MIGRATIONS:
            if name in done:
                continue
            step(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [name, datetime.now(UTC).isoformat(timespec="seconds")],
            )
            applied_now.append(name)
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")
    return applied_now
