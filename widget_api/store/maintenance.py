"""Database maintenance: the daily job claim, WAL checkpoints and compaction, and what the
health report says about the file. Its SQL.

Several worker processes share one file, so a daily job is claimed with one conditional UPDATE
and exactly one process runs it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database


def claim_daily_job(
    db: Database, name: str, now: datetime, lease: timedelta = timedelta(hours=1)
) -> str | None:
    """Claim today's (UTC) run of a maintenance job with one conditional UPDATE.

    Returns the claim's timestamp when this caller won it, None when the job already ran
    today or another process is running it: of any number of processes asking at once,
    exactly one gets it. A claim that was not finished within `lease` belonged to a process
    that died (SIGKILL, power cut), so it is taken over rather than skipping the day.
    """
    now = now.astimezone(UTC)
    stamp = now.isoformat(timespec="microseconds")
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0).isoformat(
        timespec="microseconds"
    )
    stale = (now - lease).isoformat(timespec="microseconds")
    cursor = db.execute(
        "UPDATE maintenance SET last_run = ?, finished = '' WHERE name = ?"
        " AND (last_run < ? OR (finished = '' AND last_run < ?))",
        [stamp, name, day_start, stale],
    )
    return stamp if cursor.rowcount == 1 else None


def finish_daily_job(db: Database, name: str, stamp: str, now: datetime) -> None:
    """Mark the claimed run as done, so no other process takes it over today."""
    db.execute(
        "UPDATE maintenance SET finished = ? WHERE name = ? AND last_run = ?",
        [now.astimezone(UTC).isoformat(timespec="microseconds"), name, stamp],
    )


def release_daily_job(db: Database, name: str, stamp: str) -> None:
    """Give up a claim after a failed run, so the next check tries again."""
    db.execute(
        "UPDATE maintenance SET last_run = '' WHERE name = ? AND last_run = ?", [name, stamp]
    )


def last_job_run(db: Database, name: str) -> str | None:
    """When the job last finished a run (ISO time), or None."""
    row = db.execute("SELECT finished FROM maintenance WHERE name = ?", [name]).fetchone()
    return row[0] if row and row[0] else None


def checkpoint(db: Database, wait_ms: int | None = None) -> bool:
    """Copy the WAL into the database file and truncate it to zero bytes.

    Old page versions (deleted text among them) live on in the -wal file until it is truncated.
    Waits for readers at most `wait_ms` (default: the connection's busy timeout); False when
    some reader kept it from finishing (the next checkpoint catches up).
    """
    if wait_ms is not None:
        (previous,) = db.execute("PRAGMA busy_timeout").fetchone()
        db.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
    try:
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        if wait_ms is not None:
            db.execute(f"PRAGMA busy_timeout = {int(previous)}")
    return busy == 0


def compact_database(db: Database) -> bool:
    """Rewrite the file without free pages (VACUUM), then truncate the WAL.

    With `secure_delete` freed space is zeroed already; VACUUM also drops pages and cell
    gaps left from before, so no deleted text stays in the file. Returns checkpoint's result.
    """
    db.execute("VACUUM")
    return checkpoint(db)


def database_facts(db: Database) -> dict[str, Any]:
    """The schema steps applied, the journal mode and the main file's path ('' in memory),
    for the health report; raises sqlite3.Error when the database cannot be read."""
    (applied,) = db.execute("SELECT COUNT(*) FROM _migrations").fetchone()
    (journal,) = db.execute("PRAGMA journal_mode").fetchone()
    main = next(row for row in db.query("PRAGMA database_list") if row["name"] == "main")
    return {"migrations": applied, "journal_mode": journal, "file": main["file"]}
