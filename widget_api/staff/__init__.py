"""The staff area, /staff: sign-in, the inbox and the editors' pages.

Every route but the sign-in page and the static files needs a current sign-in of an enabled
account, checked on the server (store/staff_sessions.py) on each request; roles are checked
per view.
Every state-changing request carries the session's CSRF token.
Pages send a strict Content-Security-Policy that forbids framing.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..store import audit
from ..store.accounts import role_allows
from ..store.app_db import get_db
from ..store.staff_sessions import SessionLifetimes, resume_session
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
    account = None
    if "sid" in session:
        account = resume_session(
            get_db(),
            session["sid"],
            current_app.extensions["clock"](),
            current_app.extensions["staff_session_lifetimes"],
        )
    if account is None:
        session.pop("sid", None)
        if request.method in SAFE_METHODS:
            return redirect(url_for("staff.login", next=request.full_path))
        abort(401)
    g.staff = account
    return None


@bp.errorhandler(404)
def not_found(error: Exception):
    """An unknown draft, delivery, account or entry: a page in the staff area's look, with its
    menu, not werkzeug's bare "Not Found" (which also leaves the staff member without a way on).
    """
    return render_template("staff/message.html", message=t("not_found")), 404


def chosen_days(periods: tuple[int, ...], default: int) -> int:
    """The period a page's `?days=` picker asked for, if it is one the page offers."""
    days = request.args.get("days", type=int)
    return days if days in periods else default


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
    """Register the staff area and the session cookie's protections.

    The cookie's own lifetime is set here, at start-up, for every worker process: Flask
    accepts a signed cookie up to `PERMANENT_SESSION_LIFETIME` old (31 days unless set), so a
    worker that never handled a sign-in must know it too. It is not re-issued on each request
    (the server-side session keeps the idle time), so it expires with the absolute lifetime.
    """
    # They add views to bp.
    from . import (  # noqa: F401
        admin_views,
        audit_views,
        auth,
        deliveries_views,
        drafts_views,
        faq_views,
        gaps_views,
        inbox,
        stats_views,
        try_views,
    )

    lifetimes = SessionLifetimes.from_config(app.config)
    app.extensions["staff_session_lifetimes"] = lifetimes
    # The time sessions are checked against; tests put a clock of their own here.
    app.extensions.setdefault("clock", lambda: datetime.now(UTC))
    app.permanent_session_lifetime = lifetimes.absolute
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = app.config["SECURE_COOKIES"] and not app.debug
    app.config["SESSION_COOKIE_NAME"] = "widget_staff"
    app.config["SESSION_COOKIE_PATH"] = "/staff"
    app.register_blueprint(bp)
