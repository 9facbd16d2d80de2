"""Staff sign-ins kept on the server, so that one can be ended. All SQL for sessions is here.

The staff cookie carries only a random session id; the `staff_sessions` row holds its sha256,
the account and two times. A session is valid while its row exists, it is younger than the
absolute lifetime (however busy it is) and it was used within the idle lifetime. Sign-out
deletes the row; a change of an account's password, role or disabled state deletes all its
rows (a trigger, migration 0009), so a copied cookie dies with them.

`last_seen` is written at most once per `TOUCH_SECONDS`, not on every request: a check is one
primary-key read, and the idle lifetime is exact to within that minute.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from .sqlite import stored_time

log = logging.getLogger(__name__)
TOUCH_SECONDS = 60
# The session's two times under names of their own (the account has a created_at too), then
# the account as accounts.get_account gives it.
_SESSION_AND_ACCOUNT = (
    "s.created_at AS session_created_at, s.last_seen AS session_last_seen, "
    "a.id, a.email, a.role, a.disabled_at, a.created_at, a.last_login_at"
)


@dataclass(frozen=True)
class SessionLifetimes:
    """How long a sign-in lasts: `idle` without a request, `absolute` at most in any case."""

    idle: timedelta = timedelta(minutes=60)
    absolute: timedelta = timedelta(hours=12)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SessionLifetimes:
        """The lifetimes the settings give (their minimum is checked where they are declared)."""
        idle, hours = config["STAFF_SESSION_IDLE_MINUTES"], config["STAFF_SESSION_HOURS"]
        return cls(idle=timedelta(minutes=idle), absolute=timedelta(hours=hours))


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(db: Database, account_id: int, now: datetime) -> str:
    """Record a new sign-in of `account_id`; returns the id for the cookie (never stored)."""
    session_id = secrets.token_urlsafe(32)
    row = {
        "id_hash": _hash(session_id),
        "account_id": account_id,
        "created_at": stored_time(now),
        "last_seen": stored_time(now),
    }
    db.table("staff_sessions").insert(row)
    return session_id


def resume_session(
    db: Database, session_id: str, now: datetime, lifetimes: SessionLifetimes
) -> dict[str, Any] | None:
    """The enabled account signed in as `session_id`, or None when that sign-in is over.

    An expired session's row is deleted on the spot; `last_seen` moves on only when it is
    `TOUCH_SECONDS` old, so most requests only read.
    """
    id_hash = _hash(session_id)
    account = next(
        db.query(
            f"SELECT {_SESSION_AND_ACCOUNT} FROM staff_sessions s "
            "JOIN staff_accounts a ON a.id = s.account_id "
            "WHERE s.id_hash = ?",
            [id_hash],
        ),
        None,
    )
    if account is None:
        return None
    created = datetime.fromisoformat(account.pop("session_created_at"))
    last_seen = datetime.fromisoformat(account.pop("session_last_seen"))
    if now - created >= lifetimes.absolute or now - last_seen >= lifetimes.idle:
        db.execute("DELETE FROM staff_sessions WHERE id_hash = ?", [id_hash])
        return None
    if account["disabled_at"]:
        return None
    if now - last_seen >= timedelta(seconds=TOUCH_SECONDS):
        try:
            db.execute(
                "UPDATE staff_sessions SET last_seen = ? WHERE id_hash = ?",
                [stored_time(now), id_hash],
            )
        except sqlite3.OperationalError as error:
            # A full disk or a read-only database must not keep staff from reading the
            # inbox: the sign-in stays valid, its idle time counted from the last write.
            log.warning("could not record a staff session's activity: %s", error)
    return account


def end_session(db: Database, session_id: str) -> None:
    """End one sign-in (sign-out); nothing happens when it has ended already."""
    db.execute("DELETE FROM staff_sessions WHERE id_hash = ?", [_hash(session_id)])


def purge_expired_sessions(db: Database, now: datetime, lifetimes: SessionLifetimes) -> int:
    """Delete the rows of sign-ins past either lifetime; returns how many went."""
    cursor = db.execute(
        "DELETE FROM staff_sessions WHERE created_at <= ? OR last_seen <= ?",
        [stored_time(now - lifetimes.absolute), stored_time(now - lifetimes.idle)],
    )
    return cursor.rowcount
