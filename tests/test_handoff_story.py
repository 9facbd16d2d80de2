"""The whole handoff story in real headless Chromium, on the demo shop served from its own origin.

A visitor asks what the FAQ cannot answer and hands it to a person with an e-mail address and
consent; a staff member signs in to the inbox in a second browser profile, claims the
conversation, replies and saves the reply as an FAQ draft; the visitor's open widget shows the
reply, and a second reply shows as an unread badge on the closed launcher; after a reload the
thread is restored and a follow-up reaches the inbox; then the visitor deletes the conversation
and it is gone from the inbox, the database (draft included) and the browser.

The page's clock is Playwright's fake clock (running at normal speed), so the test can jump over
the widget's poll back-off instead of sleeping through it.
"""

from __future__ import annotations

import json
import re
from contextlib import closing

import pytest
from axe_playwright_python.sync_playwright import Axe

from widget_api.store import accounts
from widget_api.store.app_db import connect

pytestmark = pytest.mark.browser

TIMEOUT = 10_000
STORAGE_KEY = "support-widget:conversation"
QUESTION = "Can I rent a canoe from you?"
VISITOR_EMAIL = "paddler@example.com"
STAFF_EMAIL = "story-staff@example.com"
PASSWORD = "correct horse battery"
# Two lines: the widget keeps a reply's line breaks (an FAQ answer inserted into one has lists).
FIRST_REPLY = "Yes: canoes for two, 40 euros a day.\nAt our shop by the lake."
SECOND_REPLY = "We also have life jackets for children."
FOLLOW_UP = "Great, thanks! Can I book one for Saturday?"
LONGEST_POLL_MS = 60_000


def stored_conversation(page) -> dict | None:
    """What the widget keeps in localStorage, parsed, or None."""
    raw = page.evaluate(f"() => localStorage.getItem({STORAGE_KEY!r})")
    return json.loads(raw) if raw is not None else None


def focused_id(page) -> str | None:
    """The id of the focused element inside the widget's shadow root."""
    return page.evaluate(
        "() => { const el = document.querySelector('support-widget').shadowRoot.activeElement;"
        " return el && el.id; }"
    )


def storage_used(page) -> int:
    return page.evaluate("() => localStorage.length + sessionStorage.length")


def rows_for(database: str, conversation_id: str) -> dict[str, int]:
    """How many rows anything in the database still holds for the conversation."""
    with closing(connect(database)) as db:
        counts = {
            "conversations": "SELECT count(*) FROM conversations WHERE id = ?",
            "messages": "SELECT count(*) FROM messages WHERE conversation_id = ?",
            "idempotency_keys": "SELECT count(*) FROM idempotency_keys WHERE conversation_id = ?",
            "faq_drafts": "SELECT count(*) FROM faq_drafts WHERE conversation_id = ?",
        }
        return {
            table: db.execute(sql, [conversation_id]).fetchone()[0] for table, sql in counts.items()
        }


def sign_in(staff, api_url: str) -> None:
    staff.goto(f"{api_url}/staff/login")
    staff.fill("#email", STAFF_EMAIL)
    staff.fill("#password", PASSWORD)
    staff.locator("form.login button[type=submit]").click()
    staff.wait_for_url(re.compile(r"/staff/queue"))


def submit(staff, action: str) -> None:
    """Send one of the conversation page's forms and wait for the page it leads back to."""
    with staff.expect_navigation():
        staff.locator(f"form[action$='/{action}'] button[type=submit]").click()
    assert staff.locator(".flash-info").count() == 1


def staff_reply(staff, text: str) -> None:
    staff.fill("#reply", text)
    submit(staff, "reply")
    assert text in staff.locator(".thread").last.inner_text()


def inbox_links(staff, api_url: str, conversation_id: str) -> int:
    """How many queue views (new, mine, waiting, closed) link to the conversation."""
    found = 0
    for view in ("new", "mine", "waiting", "closed"):
        staff.goto(f"{api_url}/staff/queue?view={view}")
        found += staff.locator(f"a[href$='/staff/conversations/{conversation_id}']").count()
    return found


@pytest.mark.slow
def test_visitor_hands_off_staff_replies_visitor_deletes(browser, live_server):
    visitor_context = browser.new_context(viewport={"width": 1280, "height": 800})
    staff_context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        for context in (visitor_context, staff_context):
            context.set_default_timeout(TIMEOUT)
        visitor = visitor_context.new_page()
        requests: list[str] = []
        problems: list[str] = []
        visitor.on("request", lambda request: requests.append(request.url))
        visitor.on("pageerror", lambda error: problems.append(f"page error: {error}"))

        def on_console(msg) -> None:
            if msg.type == "warning" and "support-widget" in msg.text:
                problems.append(msg.text)

        visitor.on("console", on_console)
        visitor.clock.install()
        visitor.goto(live_server.demo_url + "/")

        # The visitor asks something the FAQ does not cover.
        visitor.locator("#sw-launcher").click()
        visitor.locator(".sw-greeting").wait_for()
        visitor.fill("#sw-input", QUESTION)
        visitor.keyboard.press("Enter")
        visitor.locator(".sw-visitor").first.wait_for()
        visitor.locator(".sw-typing").wait_for(state="detached")
        assert visitor.locator(".sw-answer").count() == 0
        assert "sw-highlight" in visitor.locator("#sw-handoff").get_attribute("class")

        # Nothing is stored in the browser before the visitor asks for a person.
        assert visitor_context.cookies() == []
        assert storage_used(visitor) == 0

        # The handoff form: the question prefilled, the privacy notice, the company's contact.
        visitor.locator("#sw-handoff").click()
        assert visitor.locator("#sw-hq").input_value() == QUESTION
        assert focused_id(visitor) == "sw-hq"
        notice = visitor.locator("#sw-notice")
        assert "e-mail" in notice.inner_text()
        assert notice.locator("a").get_attribute("href") == "https://shop.example.com/privacy"
        assert "@" in visitor.locator(".sw-contact").inner_text()

        # An e-mail address without consent is refused in the browser, before any request.
        visitor.fill("#sw-hemail", VISITOR_EMAIL)
        visitor.locator("#sw-hsend").click()
        assert "consent" in visitor.locator("#sw-herr").inner_text()
        assert visitor.locator("#sw-hconsent").get_attribute("aria-invalid") == "true"
        assert not [url for url in requests if url.endswith("/api/v1/handoffs")]

        visitor.locator("#sw-hconsent").check()
        with visitor.expect_response(
            lambda r: r.url.endswith("/api/v1/handoffs") and r.request.method == "POST"
        ) as answer:
            visitor.locator("#sw-hsend").click()
        assert answer.value.status == 201
        created = answer.value.json()
        sent = answer.value.request.post_data_json
        assert re.fullmatch(r"[0-9a-f]{32}", answer.value.request.headers["idempotency-key"])
        assert sent["email"] == VISITOR_EMAIL and sent["consent"] is True
        assert {"from": "visitor", "text": QUESTION} in sent["transcript"]
        conversation_id = created["conversation_id"]

        # The visitor sees when a person will answer; the token is kept, and only now.
        expected = visitor.locator(".sw-expected")
        expected.wait_for()
        assert expected.inner_text() == created["expected_reply"]["text"]
        assert stored_conversation(visitor) == {
            "conversation_id": conversation_id,
            "token": created["token"],
            "seen": 0,
        }
        assert storage_used(visitor) == 1
        assert visitor_context.cookies() == []
        assert visitor.locator("#sw-mode").inner_text() == "You are writing to our team."
        assert visitor.locator("#sw-handoff").is_hidden()
        assert visitor.locator("#sw-delete").is_visible()

        # A staff member signs in, finds the conversation in the queue, claims it and replies.
        with closing(connect(live_server.app.config["DATABASE"])) as db:
            accounts.create_account(db, STAFF_EMAIL, PASSWORD, "staff")
        staff = staff_context.new_page()
        sign_in(staff, live_server.api_url)
        staff.locator(f"a[href$='/staff/conversations/{conversation_id}']").click()
        assert QUESTION in staff.locator("h1").inner_text()
        assert VISITOR_EMAIL in staff.locator("main").inner_text()
        submit(staff, "claim")
        staff_reply(staff, FIRST_REPLY)
        # The reply becomes an FAQ draft, linked to the conversation so erasure reaches it.
        submit(staff, "draft")
        database = live_server.app.config["DATABASE"]
        assert rows_for(database, conversation_id)["faq_drafts"] == 1

        # The visitor's open widget shows the reply at its next look (jump over the back-off).
        visitor.clock.fast_forward(LONGEST_POLL_MS)
        reply = visitor.locator(".sw-staff").first
        reply.wait_for()
        assert FIRST_REPLY in reply.inner_text()
        assert reply.locator(".sw-who").inner_text() == "Team"
        assert visitor.locator("#sw-badge").is_hidden()

        # With the panel closed, the next reply shows as an unread badge on the launcher.
        launcher = visitor.locator("#sw-launcher")
        launcher.click()
        assert visitor.locator("#sw-panel").is_hidden()
        staff_reply(staff, SECOND_REPLY)
        visitor.clock.fast_forward(LONGEST_POLL_MS)
        badge = visitor.locator("#sw-badge")
        badge.wait_for()
        assert badge.inner_text() == "1"
        assert launcher.get_attribute("aria-label") == "Support chat, 1 new reply"
        assert visitor.locator(".sw-sr[role=status]").inner_text() == "1 new reply"
        launcher.click()
        assert badge.is_hidden()
        assert launcher.get_attribute("aria-label") == "Support chat"
        assert SECOND_REPLY in visitor.locator(".sw-staff").last.inner_text()

        # A later page load restores the thread from the kept token, nothing unread.
        visitor.reload()
        launcher.wait_for()
        visitor.locator(".sw-staff").nth(1).wait_for(state="attached")
        assert badge.is_hidden()
        launcher.click()
        thread = visitor.locator("#sw-log").inner_text()
        assert QUESTION in thread and FIRST_REPLY in thread and SECOND_REPLY in thread
        assert visitor.locator("#sw-mode").is_visible()
        # axe measures colours as drawn: mid-way through the panel's opening fade the text is
        # still translucent, so wait for the panel's animations to finish first.
        visitor.locator("#sw-panel").evaluate(
            "panel => Promise.all(panel.getAnimations({subtree: true}).map(a => a.finished))"
        )
        violations = Axe().run(visitor).response["violations"]
        assert not [v["id"] for v in violations if v["impact"] in ("serious", "critical")]

        # A follow-up goes to the team, not to the bot.
        visitor.fill("#sw-input", FOLLOW_UP)
        with visitor.expect_response(lambda r: r.url.endswith("/messages")) as posted:
            visitor.keyboard.press("Enter")
        assert posted.value.status == 201
        staff.reload()
        assert FOLLOW_UP in staff.locator("main").inner_text()

        # The visitor deletes the conversation after confirming inline.
        visitor.locator("#sw-delete").click()
        assert visitor.locator("#sw-del-q").inner_text().startswith("Delete this conversation")
        with visitor.expect_response(lambda r: r.request.method == "DELETE") as deleted:
            visitor.locator(".sw-del-yes").click()
        assert deleted.value.status == 204
        visitor.locator(".sw-gone").wait_for()
        assert visitor.locator(".sw-gone").inner_text() == "Your conversation has been deleted."
        assert visitor.locator(".sw-staff").count() == 0
        assert stored_conversation(visitor) is None
        assert storage_used(visitor) == 0
        assert visitor.locator("#sw-delete").is_hidden()
        assert visitor.locator("#sw-handoff").is_visible()

        # Gone from the inbox and from the database.
        assert inbox_links(staff, live_server.api_url, conversation_id) == 0
        gone = staff.goto(f"{live_server.api_url}/staff/conversations/{conversation_id}")
        assert gone.status == 404
        assert set(rows_for(database, conversation_id).values()) == {0}

        # The visitor's page talked to no one but the shop and the support service.
        origins = (live_server.demo_url + "/", live_server.api_url + "/")
        assert [url for url in requests if not url.startswith(origins)] == []
        assert problems == []
    finally:
        visitor_context.close()
        staff_context.close()
