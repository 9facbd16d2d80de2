"""Signing staff in and out, rate-limited per address and per account (or device).

Unknown address and wrong password get the same answer, status and (through store/accounts.py)
the same hashing work. A sign-in starts a server-side session (store/staff_sessions.py) and a fresh
cookie and CSRF token, so nothing planted in the browser before it survives it; sign-out ends
the session on the server, so a copy of the cookie stops working too.
"""

from __future__ import annotations

from flask import (
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..server.security import limiter
from ..store import audit
from ..store.accounts import account_id_for_email, authenticate
from ..store.app_db import get_db
from ..store.staff_sessions import end_session, start_session
from . import bp, csrf_token
from .device import remember_device, sign_in_limit_key
from .texts import t


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
    key_func=sign_in_limit_key,
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
    if "sid" in session:
        end_session(db, session["sid"])  # signing in again replaces the session
    session.clear()
    session.permanent = True
    session["sid"] = start_session(db, account["id"], current_app.extensions["clock"]())
    csrf_token()  # a new one: a token known before sign-in is worth nothing after it
    response = redirect(_safe_next(request.args.get("next")))
    remember_device(response, account["id"])
    return response


@bp.post("/logout")
def logout():
    # check_access let this through, so the session is current and g.staff is its account.
    end_session(get_db(), session["sid"])
    audit.record(get_db(), "staff.signed_out", actor="staff", staff_id=g.staff["id"])
    session.clear()
    return redirect(url_for("staff.login"))
