"""What a newcomer sees in Chromium: the service's root page, its icon, and the page staff
get for a conversation the visitor deleted while it was in the inbox.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import urllib.request
import uuid
from contextlib import closing, contextmanager

import pytest

from tests.browser_pages import serious_violations, sign_in_with_form
from widget_api.store import accounts
from widget_api.store.app_db import connect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 10_000
PASSWORD = "correct horse battery"


class IconRequests(logging.Handler):
    """Sees the service's request log and says when /favicon.ico was answered, with what."""

    def __init__(self) -> None:
        super().__init__()
        self.answered = threading.Event()
        self.statuses: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        _method, path, status = record.args[:3]
        if path == "/favicon.ico":
            self.statuses.append(status)
            self.answered.set()


@contextmanager
def icon_requests():
    handler = IconRequests()
    log = logging.getLogger("widget_api.requests")
    log.addHandler(handler)
    try:
        yield handler
    finally:
        log.removeHandler(handler)


def test_a_newcomer_opens_the_service_in_a_browser(browser, live_server):
    # A fresh context: no icon in its cache, so Chromium asks the server for it.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        context.set_default_timeout(TIMEOUT)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        with icon_requests() as icons:
            page.goto(f"{live_server.api_url}/")
            assert icons.answered.wait(TIMEOUT / 1000), "Chromium never asked for the icon"
        assert icons.statuses == ["200"]
        assert page.get_by_role("heading", level=1).inner_text() == "Support widget service"
        assert page.get_by_role("link", name=re.compile("Service health")).is_visible()
        assert errors == []  # no 404 for the icon, nothing the CSP refused
        assert serious_violations(page) == []
        page.get_by_role("link", name=re.compile("Staff inbox")).click()
        page.wait_for_url(re.compile(r"/staff/login"))
        assert errors == []
    finally:
        context.close()


def hand_off(api_url: str) -> dict:
    body = json.dumps({"question": "Can I pick up my order in Kiel?", "lang": "en"}).encode()
    request = urllib.request.Request(
        f"{api_url}/api/v1/handoffs", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def visitor_deletes(api_url: str, created: dict) -> None:
    request = urllib.request.Request(
        f"{api_url}/api/v1/conversations/{created['conversation_id']}",
        method="DELETE",
        headers={"Authorization": f"Bearer {created['token']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204


def test_staff_open_a_conversation_the_visitor_deleted_meanwhile(browser, live_server):
    email = f"staff-{uuid.uuid4().hex[:8]}@example.com"
    with closing(connect(live_server.app.config["DATABASE"])) as db:
        accounts.create_account(db, email, PASSWORD, "staff")
    created = hand_off(live_server.api_url)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        context.set_default_timeout(TIMEOUT)
        page = context.new_page()
        sign_in_with_form(page, live_server.api_url, email, PASSWORD)
        link = page.locator(f"a[href$='/staff/conversations/{created['conversation_id']}']")
        assert link.count() == 1

        visitor_deletes(live_server.api_url, created)  # while the inbox shows it
        link.click()
        alert = page.get_by_role("alert")
        assert "This conversation does not exist (any more)" in alert.inner_text()
        assert "Not Found" not in page.content()
        assert serious_violations(page) == []

        page.get_by_role("link", name="Back to the inbox").click()
        page.wait_for_url(re.compile(r"/staff/queue$"))
        assert page.locator(f"a[href$='/{created['conversation_id']}']").count() == 0
    finally:
        context.close()
