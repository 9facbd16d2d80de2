"""The audit log: who did what and when, never with personal content. All its SQL is here.

An entry names the actor (a staff account id, or the CLI, the service itself, a visitor), an
action such as `conversation.replied`, an optional target id and details made of counts, flags
and short identifiers. `record` refuses any detail that could carry a text or an address: a
string value must be a short token of letters, digits and `_.:-`, so a message, a name or an
e-mail address cannot get in by mistake.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from .sqlite import stored_time

ACTORS = ("staff", "cli", "system", "visitor")
_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{0,64}")


class UnsafeAuditDetail(ValueError):
    """An audit detail is not a number, flag or short identifier (it might be personal)."""


def _check(value: Any, where: str) -> None:
    if value is None or isinstance(value, bool | int | float):
        return
    if isinstance(value, str) and _TOKEN.fullmatch(value):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check(item, where)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check(key, where)
            _check(item, f"{where}.{key}")
        return
    raise UnsafeAuditDetail(f"audit detail {where} is not a count, flag or identifier")


def record(
    db: Database,
    action: str,
    *,
    actor: str,
    staff_id: int | None = None,
    target: str | int | None = None,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """Add one entry; raises UnsafeAuditDetail for anything that is not plainly impersonal."""
    if actor not in ACTORS:
        raise ValueError(f"actor must be one of {', '.join(ACTORS)}")
    target = None if target is None else str(target)
    for name, value in (("action", action), ("target", target), ("details", details or {})):
        _check(value, name)
    row = {
        "created_at": stored_time(now),
        "actor": actor,
        "staff_id": staff_id,
        "action": action,
        "target": target,
        "details": json.dumps(details or {}, sort_keys=True),
    }
    return db.table("audit_log").insert(row).last_rowid


def entries(db: Database, since: str = "", limit: int | None = None) -> list[dict[str, Any]]:
    """Entries at or after `since` (ISO time), newest first, with the staff account's address."""
    rows = db.query(
        "SELECT a.id, a.created_at, a.actor, a.staff_id, s.email AS staff_email, a.action, "
        "a.target, a.details FROM audit_log a LEFT JOIN staff_accounts s ON s.id = a.staff_id "
        "WHERE a.created_at >= ? ORDER BY a.id DESC LIMIT ?",
        [since, -1 if limit is None else limit],
    )
    return [{**row, "details": json.loads(row["details"])} for row in rows]


def purge(db: Database, before: str) -> int:
    """Delete entries older than `before` (ISO time); returns how many."""
    return db.execute("DELETE FROM audit_log WHERE created_at < ?", [before]).rowcount


def describe(details: dict[str, Any]) -> str:
    """Details as one short line: `key=value` pairs."""
    return " ".join(
        f"{key}={','.join(map(str, value)) if isinstance(value, list) else value}"
        for key, value in details.items()
    )
