"""Signing staff in and out, rate-limited per address and per account.

Unknown address and wrong password get the same answer, status and (through accounts.py)
the same hashing work.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app, make_response, redirect, render_template, request, session, url_for

from .. import audit
from ..accounts import account_id_for_email, authenticate
from ..db import get_db
from ..security import limiter
from . import bp
from .texts import t

SESSION_HOURS = 12


def account_key() -> str:
    """Rate-limit key for the account being tried: a keyed hash of the address typed."""
    email = request.form.get("email", "").strip().lower().encode()
    secret = current_app.config["SECRET_KEY"].encode()
    return "account:" + hmac.new(secret, email, hashlib.sha256).hexdigest()[:32]


def _safe_next(target: str | None) -> str:
    """Only a path inside the staff area, never another site."""
    if target and target.startswith("/staff/") and not target.startswith("//"):
        return target
    return url_for("staff.queue")


def _too_many(limit=None):
    response = make_response(render_template("staff/login.html", error=t("too_many_logins")))
    response.status_code = 429
    response.headers["Retry-After"] = "60"
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN_ADDRESS"],
    methods=["POST"],
    on_breach=_too_many,
)
@limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN_ACCOUNT"],
    key_func=account_key,
    methods=["POST"],
    on_breach=_too_many,
)
def login():
    # Not `== "GET"`: HEAD reaches this view too, skips the CSRF check (a safe method) and the
    # POST-only limits, and would otherwise try the password sent in its body.
    if request.method != "POST":
        return render_template("staff/login.html", error=None)
    db = get_db()
    typed = request.form.get("email", "")
    account = authenticate(db, typed, request.form.get("password", ""))
    if account is None:
        # Never the typed address (it may be a password typed into the wrong field): only
        # which account it was, when it names one.
        known = account_id_for_email(db, typed)
        details = {"known_account": known is not None}
        audit.record(db, "staff.sign_in_failed", actor="staff", staff_id=known, details=details)
        return render_template("staff/login.html", error=t("bad_login")), 401
    audit.record(db, "staff.signed_in", actor="staff", staff_id=account["id"])
    csrf = session.get("csrf")
    session.clear()
    session.permanent = True
    current_app.permanent_session_lifetime = timedelta(hours=SESSION_HOURS)
    session["staff_id"] = account["id"]
    if csrf:
        session["csrf"] = csrf
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    if "staff_id" in session:
        audit.record(get_db(), "staff.signed_out", actor="staff", staff_id=session["staff_id"])
    session.clear()
    return redirect(url_for("staff.login"))
