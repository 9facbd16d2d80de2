"""The audit log page for admins: who did what and when, newest first."""

from __future__ import annotations

from flask import render_template

from ..store import audit
from ..store.app_db import get_db
from ..store.sqlite import days_ago
from . import bp, chosen_days, requires_role

AUDIT_PERIODS = (1, 7, 30, 365)
AUDIT_PAGE_LIMIT = 500


@bp.get("/audit")
@requires_role("admin")
def audit_page():
    days = chosen_days(AUDIT_PERIODS, 7)
    since = days_ago(days)
    items = audit.entries(get_db(), since=since, limit=AUDIT_PAGE_LIMIT + 1)
    for item in items:
        item["details_text"] = audit.describe(item["details"])
    return render_template(
        "staff/audit.html",
        items=items[:AUDIT_PAGE_LIMIT],
        more=len(items) > AUDIT_PAGE_LIMIT,
        days=days,
        periods=AUDIT_PERIODS,
    )
