"""A visitor rates a closed conversation in the widget, and an admin sees it on the statistics
page (issue #14, point 5), in headless Chromium: by keyboard, in German, axe clean."""

from __future__ import annotations

import json
import re
import uuid
from contextlib import closing

import pytest
from playwright.sync_api import expect

from tests.browser_pages import serious_violations, sign_in_with_form
from widget_api.store import accounts, ratings, staff_queue
from widget_api.store.app_db import connect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 10_000
PASSWORD = "correct horse battery"


def answered_and_closed(live_server, staff_email: str) -> dict:
    """A handoff made through the API, answered and closed by a staff member."""
    created = live_server.app.test_client().post(
        "/api/v1/handoffs", json={"question": "Kann ich ein Kanu mieten?", "lang": "de"}
    )
    assert created.status_code == 201
    conversation = created.get_json()
    with closing(connect(live_server.app.config["DATABASE"])) as db:
        staff_id = accounts.create_account(db, staff_email, PASSWORD, "staff")
        staff_queue.claim_conversation(db, conversation["conversation_id"], staff_id)
        staff_queue.add_staff_reply(db, conversation["conversation_id"], staff_id, "Leider nein.")
        staff_queue.close_conversation(db, conversation["conversation_id"])
    return conversation


def test_a_visitor_rates_a_closed_conversation_and_an_admin_sees_it(browser, live_server):
    suffix = uuid.uuid4().hex[:8]
    staff_email, admin_email = f"sam-{suffix}@example.com", f"ada-{suffix}@example.com"
    conversation = answered_and_closed(live_server, staff_email)
    with closing(connect(live_server.app.config["DATABASE"])) as db:
        accounts.create_account(db, admin_email, PASSWORD, "admin")
    kept = {**conversation, "seen": 0}
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT)
    # The visitor's browser kept the conversation from the handoff (README, what it stores).
    context.add_init_script(
        f"if (location.origin === {json.dumps(live_server.demo_url)}) localStorage.setItem("
        f"'support-widget:conversation', {json.dumps(json.dumps(kept))});"
    )
    try:
        page = context.new_page()
        page.goto(live_server.demo_url + "/?lang=de")
        page.locator("#sw-launcher").focus()
        page.keyboard.press("Enter")
        rating = page.locator(".sw-rate")
        expect(rating).to_contain_text("Wie zufrieden bist du mit der Antwort unseres Teams?")
        expect(rating).to_contain_text("1 = gar nicht zufrieden, 5 = sehr zufrieden")
        group = rating.locator("[role=group]")
        assert group.get_attribute("aria-labelledby") == "sw-rq"
        send = rating.locator(".sw-rate-send")
        assert send.is_disabled() and send.inner_text() == "Bewertung senden"
        assert serious_violations(page) == []

        # By keyboard: choose 4, write a comment, send.
        group.locator(".sw-score").nth(3).focus()
        page.keyboard.press("Space")
        pressed = [b.get_attribute("aria-pressed") for b in group.locator(".sw-score").all()]
        assert pressed == ["false", "false", "false", "true", "false"]
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.type("Schnell & <b>freundlich</b>")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(rating).to_have_text("Danke für deine Bewertung!")
        with closing(connect(live_server.app.config["DATABASE"])) as db:
            stored = ratings.rating_of(db, conversation["conversation_id"])
        assert (stored["score"], stored["comment"]) == (4, "Schnell & <b>freundlich</b>")

        # A later visit shows the conversation and does not ask again.
        page.reload()
        page.locator("#sw-launcher").click()
        # The thread and the question come from the same answer of the poll.
        expect(page.locator(".sw-staff")).to_contain_text("Leider nein.")
        assert page.locator(".sw-rate").count() == 0

        # The admin finds the rating on the statistics page, the comment as text.
        staff_page = context.new_page()
        sign_in_with_form(staff_page, live_server.api_url, admin_email, PASSWORD)
        staff_page.goto(f"{live_server.api_url}/staff/stats?days=7")
        row = staff_page.locator("#score-per-staff tr", has_text=staff_email)
        expect(row).to_contain_text("4.0")
        comment = staff_page.locator("#score-comments td.comment", has_text="freundlich")
        assert comment.inner_text() == "Schnell & <b>freundlich</b>"
        assert re.search(r"\d\.\d", staff_page.locator("#score-rows").inner_text())
        assert serious_violations(staff_page) == []
    finally:
        context.close()
