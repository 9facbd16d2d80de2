"""Earlier versions of FAQ entries written by the staff area's editor. All their SQL is here.

The files are the source of truth; these rows let an editor see and restore what an entry
said before a save, also when the FAQ folder is not under git. A row holds the entry's
Markdown and the account id of who wrote it (no name, no address); retention removes rows
after `RETENTION_FAQ_VERSIONS_DAYS`, and only the newest `KEPT_PER_ENTRY` of an entry stay.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from .sqlite import stored_time

KEPT_PER_ENTRY = 20
ACTIONS = ("before", "saved", "created", "deleted")
_COLUMNS = "id, entry_id, lang, action, markdown, staff_id, created_at"


def record_version(
    db: Database,
    *,
    entry_id: str,
    lang: str,
    action: str,
    markdown: str,
    staff_id: int | None,
    now: datetime | None = None,
) -> int:
    """Keep one version; the oldest beyond KEPT_PER_ENTRY of the entry go. Returns its id."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
    row = {
        "entry_id": entry_id,
        "lang": lang,
        "action": action,
        "markdown": markdown,
        "staff_id": staff_id,
        "created_at": stored_time(now),
    }
    version_id = db.table("faq_versions").insert(row).last_rowid
    db.execute(
        "DELETE FROM faq_versions WHERE lang = ? AND entry_id = ? AND id NOT IN "
        "(SELECT id FROM faq_versions WHERE lang = ? AND entry_id = ? ORDER BY id DESC LIMIT ?)",
        [lang, entry_id, lang, entry_id, KEPT_PER_ENTRY],
    )
    return version_id


def versions_of(db: Database, lang: str, entry_id: str) -> list[dict[str, Any]]:
    """An entry's kept versions, newest first."""
    return list(
        db.table("faq_versions").rows_where(
            "lang = ? AND entry_id = ?", [lang, entry_id], select=_COLUMNS, order_by="id DESC"
        )
    )


def get_version(db: Database, version_id: int) -> dict[str, Any] | None:
    """One version, or None."""
    rows = list(db.table("faq_versions").rows_where("id = ?", [version_id], select=_COLUMNS))
    return rows[0] if rows else None


def purge(db: Database, before: str) -> int:
    """Delete versions kept since before `before` (ISO time); returns how many."""
    return db.execute("DELETE FROM faq_versions WHERE created_at < ?", [before]).rowcount
