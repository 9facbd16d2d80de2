"""The staff area, /staff: sign-in, the inbox and the editors' pages.

Every route but the sign-in page and the static files needs a signed-in, enabled account;
roles are checked per view. Every state-changing request carries the session's CSRF token.
Pages send a strict Content-Security-Policy that forbids framing.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, abort, g, redirect, render_template, request, session, url_for

from .. import audit
from ..accounts import get_account, role_allows
from ..db import get_db
from .texts import staff_lang, t

bp = Blueprint(
    "staff",
    __name__,
    url_prefix="/staff",
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
PUBLIC_ENDPOINTS = {"staff.login", "staff.static"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
STAFF_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def csrf_token() -> str:
    """The session's CSRF token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


@bp.before_request
def check_access():
    """Refuse anonymous requests and state changes without the session's CSRF token."""
    if request.method not in SAFE_METHODS:
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            return render_template("staff/message.html", message=t("csrf")), 403
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    account = get_account(get_db(), session["staff_id"]) if "staff_id" in session else None
    if account is None or account["disabled_at"]:
        session.pop("staff_id", None)
        if request.method in SAFE_METHODS:
            return redirect(url_for("staff.login", next=request.full_path))
        abort(401)
    g.staff = account
    return None


def requires_role(role: str) -> Callable:
    """Allow a view only to accounts with `role` or above (staff < editor < admin)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any):
            if not role_allows(g.staff["role"], role):
                return render_template("staff/message.html", message=t("forbidden")), 403
            return view(*args, **kwargs)

        guarded.required_role = role
        return guarded

    return decorate


def audit_staff(action: str, target: str | int | None = None, **details: Any) -> None:
    """Record what the signed-in staff member did (ids and counts only, never text)."""
    audit.record(
        get_db(), action, actor="staff", staff_id=g.staff["id"], target=target, details=details
    )


@bp.after_request
def staff_headers(response):
    response.headers["Content-Security-Policy"] = STAFF_CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def template_helpers() -> dict[str, Any]:
    return {"t": t, "csrf_token": csrf_token, "staff_lang": staff_lang}


def init_app(app: Flask) -> None:
    """Register the staff area and the session cookie's protections."""
    # They add views to bp.
    from . import admin_views, audit_views, auth, drafts_views, editor_views, inbox  # noqa: F401

    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = app.config["SECURE_COOKIES"] and not app.debug
    app.config["SESSION_COOKIE_NAME"] = "widget_staff"
    app.config["SESSION_COOKIE_PATH"] = "/staff"
    app.register_blueprint(bp)
