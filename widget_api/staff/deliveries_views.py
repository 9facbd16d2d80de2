"""The outgoing notifications page for admins: what waits to be sent, and what failed.

A failed delivery (the mail server refused it, or every retry failed) stays here until an admin
tries it again or its conversation is deleted; the audit log records each failure too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, url_for

from ..store import outbox
from ..store.app_db import get_db
from . import audit_staff, bp, requires_role
from .texts import t

DELIVERIES_PAGE_LIMIT = 200


@bp.get("/deliveries")
@requires_role("admin")
def deliveries_page():
    db = get_db()
    return render_template(
        "staff/deliveries.html",
        counts=outbox.status_counts(db),
        items=outbox.deliveries(db, limit=DELIVERIES_PAGE_LIMIT),
    )


@bp.post("/deliveries/<int:delivery_id>/retry")
@requires_role("admin")
def retry_delivery(delivery_id: int):
    if not outbox.retry_failed(get_db(), datetime.now(UTC), delivery_id):
        abort(404)
    audit_staff("notification.retried", delivery_id)
    flash(t("delivery_retried"), "info")
    return redirect(url_for("staff.deliveries_page"))
