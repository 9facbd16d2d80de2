"""Staff insert an FAQ answer into a reply, in Chromium (issue #14, point 4).

One conversation page worked as a person does, with the keyboard where the page offers it:
the shortcuts are listed and claim, focus the reply box and close; an FAQ answer is searched
and inserted at the cursor without a reload, edited, kept across a reload, sent (which
forgets the draft); signing out forgets every draft. axe checks the page on the way.
"""

from __future__ import annotations

import re
import uuid
from contextlib import closing

import pytest

from tests.browser_pages import serious_violations, sign_in_with_form
from widget_api.store import accounts
from widget_api.store.app_db import connect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 10_000
PASSWORD = "correct horse battery"
DRAFTS = "() => Object.keys(sessionStorage).filter(k => k.startsWith('staff-draft:'))"


def test_staff_insert_an_faq_answer_into_a_reply(browser, live_server):
    email = f"ann-{uuid.uuid4().hex[:8]}@example.com"
    database = live_server.app.config["DATABASE"]
    with closing(connect(database)) as db:
        accounts.create_account(db, email, PASSWORD, "staff")
    created = live_server.app.test_client().post(
        "/api/v1/handoffs", json={"question": "Where is my parcel?", "lang": "en"}
    )
    cid = created.get_json()["conversation_id"]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        context.set_default_timeout(TIMEOUT)
        page = context.new_page()
        sign_in_with_form(page, live_server.api_url, email, PASSWORD)
        page.goto(f"{live_server.api_url}/staff/conversations/{cid}")
        box = page.locator("#reply")

        # The shortcuts are listed, and the buttons name theirs.
        page.get_by_text("Keyboard shortcuts").click()
        listed = page.locator("#shortcuts dl").inner_text()
        for key, what in (("c", "claim"), ("r", "reply box"), ("x", "close")):
            assert re.search(rf"{key}\s+.*{what}", listed), listed
        assert page.get_by_role("button", name="Claim").get_attribute("aria-keyshortcuts") == "c"
        assert page.get_by_role("button", name="Close").get_attribute("aria-keyshortcuts") == "x"
        assert serious_violations(page) == []

        # Turned off, a key does nothing; Escape leaves the checkbox.
        page.locator("#shortcuts-on").uncheck()
        page.keyboard.press("Escape")
        page.keyboard.press("r")
        assert page.evaluate("() => document.activeElement.id") != "reply"
        page.locator("#shortcuts-on").check()
        page.keyboard.press("Escape")

        with page.expect_navigation():
            page.keyboard.press("c")
        assert "You claimed this conversation." in page.locator(".flash").first.inner_text()
        assert page.get_by_role("button", name="Claim").count() == 0

        page.keyboard.press("r")
        assert (
            page.evaluate("() => document.activeElement.id") == "reply" and box.input_value() == ""
        )
        page.keyboard.type("Hello,\nx")  # typed in the box, "x" closes nothing
        assert box.input_value() == "Hello,\nx"
        page.keyboard.press("Backspace")

        # Search and insert at the cursor, on this page (no reload).
        page.evaluate("() => { window.stayed = true; }")
        page.fill("#faq-q", "how long does shipping take")
        page.locator("#faq-answers-search").get_by_role("button", name="Search").click()
        answer = page.locator(".faq-answers li").first
        assert answer.locator("h3").inner_text() == "How long does shipping take?"
        assert serious_violations(page) == []
        answer.get_by_role("link", name="Insert into the reply").click()
        text = box.input_value()
        assert text.startswith("Hello,\n\nMost orders leave our warehouse within 1–2 working days.")
        assert "\n- Germany: 1–3 working days\n" in text and "**" not in text
        assert page.evaluate("() => window.stayed") is True
        assert page.evaluate("() => document.activeElement.id") == "reply"
        page.keyboard.type("\n\nBest wishes, Ann")  # edited at the cursor, after the answer
        edited = box.input_value()
        assert edited.endswith("3–7 working days\n\nBest wishes, Ann")

        # A reload keeps the draft (this tab only); sending forgets it.
        page.reload()
        assert box.input_value() == edited
        assert len(page.evaluate(DRAFTS)) == 1
        assert serious_violations(page) == []
        with page.expect_navigation():
            page.get_by_role("button", name="Send reply").click()
        assert "Reply sent." in page.locator(".flash").first.inner_text()
        assert box.input_value() == "" and page.evaluate(DRAFTS) == []
        page.reload()
        assert box.input_value() == ""
        with closing(connect(database)) as db:
            sent = db.execute(
                "SELECT text FROM messages WHERE conversation_id = ? AND author = 'staff'", [cid]
            ).fetchall()
        assert [row[0] for row in sent] == [edited]

        # x closes, as the button does; a draft left over goes with signing out.
        box.fill("Something personal")
        box.dispatch_event("input")
        page.keyboard.press("Escape")
        with page.expect_navigation():
            page.keyboard.press("x")
        assert "Conversation closed." in page.locator(".flash").first.inner_text()
        assert page.get_by_role("button", name="Reopen").is_visible()
        assert len(page.evaluate(DRAFTS)) == 1
        with page.expect_navigation():
            page.get_by_role("button", name="Sign out").click()
        assert page.evaluate(DRAFTS) == []
    finally:
        context.close()
