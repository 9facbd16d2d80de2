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


def create_account(db: Database, email: str, password: str, role: str = "staff") -> int:
    """Add an account; raises AccountError for a bad address, role, password or a duplicate."""
    email = email.strip()
    if not is_email_address(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    _check_password(password)
    if account_id_for_email(db, email) is not None:
        raise AccountError(f"an account for {email} exists already")
    row = {
        "email": email,
        "password_hash": generate_password_hash(password),
        "role": role,
        "created_at": stored_time(),
    }
    return db.table("staff_accounts").insert(row).last_rowid


def authenticate(db: Database, email: str, password: str) -> dict[str, Any] | None:
    """The account when the address and password are right and it is enabled; else None."""
    row = _first(db, "email = ?", [email.strip()], select="password_hash, disabled_at, id")
    password_hash = row["password_hash"] if row else _DUMMY_HASH
    valid = check_password_hash(password_hash, password)
    if not row or not valid or row["disabled_at"]:
        return None
    db.execute(
        "UPDATE staff_accounts SET last_login_at = ? WHERE id = ?", [stored_time(), row["id"]]
    )
    return get_account(db, row["id"])


def account_id_for_email(db: Database, email: str) -> int | None:
    """The id of the account with this address (case ignored), or None."""
    row = _first(db, "email = ?", [email.strip()], select="id")
    return row["id"] if row else None


def get_account(db: Database, account_id: int) -> dict[str, Any] | None:
    """An account by id, or None."""
    return _first(db, "id = ?", [account_id])


def list_accounts(db: Database) -> list[dict[str, Any]]:
    """Every account, oldest first."""
    return list(db.table("staff_accounts").rows_where(select=_COLUMNS, order_by="id"))


def _first(
    db: Database, where: str, params: list[Any], select: str = _COLUMNS
) -> dict[str, Any] | None:
    """The one account row `where` finds (email and id are unique), or None."""
    return next(db.table("staff_accounts").rows_where(where, params, select=select), None)


def _require(db: Database, email: str) -> int:
    account_id = account_id_for_email(db, email)
    if account_id is None:
        raise AccountError(f"no account for {email}")
    return account_id


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
