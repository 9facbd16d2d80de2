"""The admins' pages: staff accounts (add, change role, disable, reset password) and settings.

Every change goes through the functions in store/accounts.py, as `widget-api staff` does, so what
they do besides (ending the account's sessions) applies here too, and into the audit log.
A new or reset password is generated here, shown once in the answer to the POST (never in a
flash message: those travel in the session cookie) and stored only as a hash: an admin never
picks a weak one, and no second channel is needed. An admin cannot change their own account
here, so the staff area always keeps at least one enabled admin.
The settings page is read-only: every value in effect in this worker, secrets masked as
`widget-api settings` masks them, with its source, and the health report that
`GET /api/v1/health` withholds from visitors.
"""

from __future__ import annotations

import secrets

from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from ..server.storage_health import health_report
from ..settings_view import shown_settings
from ..store import accounts
from ..store.app_db import get_db
from . import audit_staff, bp, requires_role
from .texts import t

# 120 random bits in 20 URL-safe characters: far beyond guessing, short enough to type.
GENERATED_PASSWORD_BYTES = 15
# SQLite's largest row id: a larger number in the URL is no account (404), not an overflow.
ACCOUNT = f"/admin/accounts/<int(max={2**63 - 1}):account_id>"


def _accounts_page(new_password: str | None = None, for_email: str | None = None, status=200):
    return (
        render_template(
            "staff/accounts.html",
            items=accounts.list_accounts(get_db()),
            roles=accounts.ROLES,
            new_password=new_password,
            for_email=for_email,
        ),
        status,
    )


def _other_account(account_id: int) -> dict:
    """The account an admin acts on: 404 when there is none, 403 when it is their own."""
    account = accounts.get_account(get_db(), account_id)
    if account is None:
        abort(404)
    if account["id"] == g.staff["id"]:
        abort(make_response(render_template("staff/message.html", message=t("not_yourself")), 403))
    return account


def _back() -> object:
    return redirect(url_for("staff.accounts_page"))


@bp.get("/admin/accounts")
@requires_role("admin")
def accounts_page():
    return _accounts_page()


@bp.post("/admin/accounts")
@requires_role("admin")
def add_account():
    email = request.form.get("email", "").strip()
    role = request.form.get("role", "")
    if role not in accounts.ROLES:
        flash(t("bad_role"), "error")
        return _accounts_page(status=400)
    if accounts.account_id_for_email(get_db(), email) is not None:
        flash(t("account_exists"), "error")
        return _accounts_page(status=409)
    password = secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    try:
        account_id = accounts.create_account(get_db(), email, password, role)
    except accounts.AccountError:
        flash(t("account_bad_email"), "error")
        return _accounts_page(status=400)
    audit_staff("account.created", account_id, role=role)
    return _accounts_page(password, email, status=201)


@bp.post(f"{ACCOUNT}/role")
@requires_role("admin")
def change_role(account_id: int):
    account = _other_account(account_id)
    role = request.form.get("role", "")
    if role not in accounts.ROLES:
        flash(t("bad_role"), "error")
        return _back()
    if role != account["role"]:
        accounts.set_role(get_db(), account["email"], role)
        audit_staff("account.role_changed", account_id, role=role, previous=account["role"])
    flash(t("role_changed", email=account["email"], role=role), "info")
    return _back()


def _set_disabled(account_id: int, disabled: bool):
    """Disable or enable another account, audited, and go back to the list."""
    account = _other_account(account_id)
    accounts.set_disabled(get_db(), account["email"], disabled=disabled)
    action, text = (
        ("account.disabled", "account_disabled")
        if disabled
        else ("account.enabled", "account_enabled")
    )
    audit_staff(action, account_id)
    flash(t(text, email=account["email"]), "info")
    return _back()


@bp.post(f"{ACCOUNT}/disable")
@requires_role("admin")
def disable_account(account_id: int):
    return _set_disabled(account_id, disabled=True)


@bp.post(f"{ACCOUNT}/enable")
@requires_role("admin")
def enable_account(account_id: int):
    return _set_disabled(account_id, disabled=False)


@bp.post(f"{ACCOUNT}/password")
@requires_role("admin")
def reset_account_password(account_id: int):
    account = _other_account(account_id)
    password = secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    accounts.reset_password(get_db(), account["email"], password)
    audit_staff("account.password_reset", account_id)
    return _accounts_page(password, account["email"])


@bp.get("/admin/settings")
@requires_role("admin")
def settings_page():
    sources = current_app.extensions.get("settings_sources", {})
    faq_errors = current_app.extensions["faq_library"].last_error
    return render_template(
        "staff/settings.html",
        items=shown_settings(current_app.config, sources),
        source_label=_source_label,
        health=health_report(get_db()),
        faq_errors=faq_errors[:20],
    )


def _source_label(source: str) -> str:
    """Where a value came from, in the staff member's language (settings.load_settings)."""
    for prefix, key in (
        ("config file ", "source_file"),
        ("environment ", "source_environment"),
        ("generated", "source_generated"),
        ("test config", "source_test"),
    ):
        if source.startswith(prefix):
            return t(key, detail=source.removeprefix(prefix).strip(": "))
    return t("source_default")
