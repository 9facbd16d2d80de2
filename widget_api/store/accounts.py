"""Staff accounts: who may use the inbox, with which role. All SQL for accounts is here.

Passwords are stored only as werkzeug's scrypt hashes. Signing in with an unknown address does
the same hashing work as a wrong password, so the two cannot be told apart by time or answer.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from ..input_rules import is_email_address
from .sqlite import stored_time

ROLES = ("staff", "editor", "admin")
MIN_PASSWORD_LENGTH = 10
_COLUMNS = "id, email, role, disabled_at, created_at, last_login_at"
# Checked when the address is unknown, so that case costs what a wrong password costs.
_DUMMY_HASH = generate_password_hash("no such account, never a password")


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


def role_allows(role: str, needed: str) -> bool:
    """True when `role` is `needed` or above it (staff < editor < admin)."""
    return ROLES.index(role) >= ROLES.index(needed)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")


def _account(row: tuple | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return dict(
        zip(("id", "email", "role", "disabled_at", "created_at", "last_login_at"), row, strict=True)
    )


def create_account(db: Database, email: str, password: str, role: str = "staff") -> int:
    """Add an account; raises AccountError for a bad address, role, password or a duplicate."""
    email = email.strip()
    if not is_email_address(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    _check_password(password)
    if db.execute("SELECT 1 FROM staff_accounts WHERE email = ?", [email]).fetchone():
        raise AccountError(f"an account for {email} exists already")
    cursor = db.execute(
        "INSERT INTO staff_accounts (email, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
        [email, generate_password_hash(password), role, stored_time()],
    )
    return cursor.lastrowid


def authenticate(db: Database, email: str, password: str) -> dict[str, Any] | None:
    """The account when the address and password are right and it is enabled; else None."""
    row = db.execute(
        "SELECT password_hash, disabled_at, id FROM staff_accounts WHERE email = ?",
        [email.strip()],
    ).fetchone()
    password_hash = row[0] if row else _DUMMY_HASH
    valid = check_password_hash(password_hash, password)
    if not row or not valid or row[1]:
        return None
    db.execute("UPDATE staff_accounts SET last_login_at = ? WHERE id = ?", [stored_time(), row[2]])
    return get_account(db, row[2])


def account_id_for_email(db: Database, email: str) -> int | None:
    """The id of the account with this address (case ignored), or None."""
    row = db.execute("SELECT id FROM staff_accounts WHERE email = ?", [email.strip()]).fetchone()
    return row[0] if row else None


def get_account(db: Database, account_id: int) -> dict[str, Any] | None:
    """An account by id, or None."""
    row = db.execute(f"SELECT {_COLUMNS} FROM staff_accounts WHERE id = ?", [account_id])
    return _account(row.fetchone())


def list_accounts(db: Database) -> list[dict[str, Any]]:
    """Every account, oldest first."""
    rows = db.execute(f"SELECT {_COLUMNS} FROM staff_accounts ORDER BY id").fetchall()
    return [_account(row) for row in rows]


def _require(db: Database, email: str) -> int:
    row = db.execute("SELECT id FROM staff_accounts WHERE email = ?", [email.strip()]).fetchone()
    if row is None:
        raise AccountError(f"no account for {email}")
    return row[0]


def set_disabled(db: Database, email: str, disabled: bool = True) -> int:
    """Disable (or enable again) an account; it can no longer sign in. Returns its id."""
    account_id = _require(db, email)
    db.execute(
        "UPDATE staff_accounts SET disabled_at = ? WHERE id = ?",
        [stored_time() if disabled else None, account_id],
    )
    return account_id


def reset_password(db: Database, email: str, password: str) -> int:
    """Give an account a new password. Returns its id."""
    account_id = _require(db, email)
    _check_password(password)
    db.execute(
        "UPDATE staff_accounts SET password_hash = ? WHERE id = ?",
        [generate_password_hash(password), account_id],
    )
    return account_id


def set_role(db: Database, email: str, role: str) -> int:
    """Give an account another role (staff, editor, admin). Returns its id."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    account_id = _require(db, email)
    db.execute("UPDATE staff_accounts SET role = ? WHERE id = ?", [role, account_id])
    return account_id
