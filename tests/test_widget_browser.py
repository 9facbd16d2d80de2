"""The widget in a real browser: headless Chromium on the demo shop page, cross-origin.

Checks what only a browser can: keyboard use, the shadow root's isolation from hostile host-page
CSS, no cookies or storage, no request to anyone but the two origins, the phone layout, and
axe-core. Page loads are batched (one per scenario) so the module runs in a few seconds.
Playwright's CSS locators pierce open shadow roots, so `#sw-...` finds the widget's parts.
"""

from __future__ import annotations

import re
from contextlib import closing
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser_pages import serious_violations
from widget_api.store import erasure
from widget_api.store.app_db import connect

pytestmark = pytest.mark.browser

HOTPINK = "rgb(255, 105, 180)"
TIMEOUT = 10_000


@pytest.fixture
def context(browser):
    """A fresh browser profile per test: no cookies or storage carried over."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT)
    yield context
    context.close()


@dataclass
class Visit:
    """A page on the demo shop with every request it made and every console warning."""

    page: object
    requests: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def open_shop(context, live_server, query: str = "") -> Visit:
    """Load the demo shop, record every request, and wait for the widget's launcher."""
    visit = Visit(context.new_page())
    page = visit.page
    page.on("request", lambda request: visit.requests.append(request.url))
    page.on("console", lambda msg: msg.type == "warning" and visit.warnings.append(msg.text))
    page.on("pageerror", lambda error: visit.warnings.append(f"page error: {error}"))
    page.goto(live_server.demo_url + "/" + query)
    page.locator("#sw-launcher").wait_for()
    return visit


def open_by_keyboard(page) -> None:
    """Focus the launcher and press Enter; the greeting arrives and focus is in the input."""
    page.locator("#sw-launcher").focus()
    page.keyboard.press("Enter")
    page.locator("#sw-panel").wait_for()
    page.locator(".sw-greeting").wait_for()
    assert page.locator("#sw-launcher").get_attribute("aria-expanded") == "true"
    assert focused_id(page) == "sw-input"


def focused_id(page) -> str | None:
    """The id of the focused element inside the widget's shadow root."""
    return page.evaluate(
        "() => { const el = document.querySelector('support-widget').shadowRoot.activeElement;"
        " return el && el.id; }"
    )


def ask_by_keyboard(page, question: str):
    """Type a question, press Enter and return the bot's reply to it."""
    before = page.locator(".sw-visitor").count()
    page.locator("#sw-input").focus()
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    page.locator(".sw-visitor").nth(before).wait_for()
    page.locator(".sw-typing").wait_for(state="detached")
    return page.locator(".sw-bot").last


def test_english_visit_by_keyboard(context, live_server):
    visit = open_shop(context, live_server)
    page = visit.page
    launcher = page.locator("#sw-launcher")
    assert launcher.get_attribute("aria-controls") == "sw-panel"
    assert launcher.get_attribute("aria-expanded") == "false"
    open_by_keyboard(page)
    panel = page.locator("#sw-panel")
    assert panel.get_attribute("role") == "dialog"
    assert panel.get_attribute("aria-labelledby") == "sw-title"
    assert page.locator("#sw-log").get_attribute("aria-live") == "polite"

    # A question in the visitor's words gets the shipping answer, then feedback.
    reply = ask_by_keyboard(page, "how long does shipping take")
    assert "sw-answer" in reply.get_attribute("class")
    assert "shipping" in reply.locator(".sw-answer-title").inner_text().lower()
    links = reply.locator(".sw-answer-body a")
    for i in range(links.count()):
        assert links.nth(i).get_attribute("target") == "_blank"
        assert links.nth(i).get_attribute("rel") == "noopener noreferrer nofollow"
    reply.locator(".sw-yes").click()
    expect_text(reply.locator(".sw-thanks"), "Thanks")

    # Type-ahead: pick a suggestion with the arrow keys and Enter; its answer appears.
    answers = page.locator(".sw-answer").count()
    page.locator("#sw-input").focus()
    page.keyboard.type("how do I return")
    first_option = page.locator("#sw-opt-0")
    first_option.wait_for()
    assert page.locator("#sw-input").get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    assert first_option.get_attribute("aria-selected") == "true"
    assert page.locator("#sw-input").get_attribute("aria-activedescendant") == "sw-opt-0"
    chosen = first_option.inner_text()
    page.keyboard.press("Enter")
    page.locator(".sw-answer").nth(answers).wait_for()
    assert page.locator(".sw-answer-title").last.inner_text() == chosen

    # Typed in German on the English page, it completes to German entries, marked German.
    page.keyboard.type("Wie lange dauert der Vers")
    german = page.locator("#sw-opt-0")
    expect(german).to_have_text("Wie lange dauert der Versand?")
    assert german.get_attribute("lang") == "de"
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    expect(german).to_have_count(0)

    # Something the FAQ does not cover: no answer, "Talk to a person" is highlighted.
    reply = ask_by_keyboard(page, "Can I book a flight to Rome?")
    assert "sw-answer" not in reply.get_attribute("class")
    handoff = page.locator("#sw-handoff")
    assert handoff.inner_text() == "Talk to a person"
    assert "sw-highlight" in handoff.get_attribute("class")
    handoff.click()
    contact = page.locator(".sw-contact")
    contact.wait_for()
    assert "@" in contact.inner_text()

    # Host-page CSS makes the page's own buttons hotpink and serif, but not the widget's.
    assert computed(page.locator("main button").first, "backgroundColor") == HOTPINK
    for selector in ("#sw-launcher", ".sw-send", "#sw-handoff", ".sw-yes"):
        widget_button = page.locator(selector).first
        assert computed(widget_button, "backgroundColor") != HOTPINK, selector
        assert "serif" not in computed(widget_button, "fontFamily").replace("sans-serif", "")
    assert computed(page.locator(".sw-msg").first, "borderTopStyle") != "dashed"
    assert computed(page.locator("#sw-input"), "borderTopColor") != "rgb(0, 255, 0)"

    # axe-core with the panel open, answers and buttons in it.
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    for violation in serious:
        print(violation["id"], violation["impact"], violation["help"])
        for node in violation["nodes"]:
            print("   ", node["target"], node.get("failureSummary", ""))
    assert not serious

    # Escape closes the panel and gives focus back to the launcher.
    page.locator("#sw-input").focus()
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    assert launcher.get_attribute("aria-expanded") == "false"
    assert focused_id(page) == "sw-launcher"

    # Privacy: no cookies, no web storage, no request to anyone but the shop and the service.
    assert context.cookies() == []
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0
    origins = (live_server.demo_url, live_server.api_url)
    strangers = [url for url in visit.requests if not url.startswith(origins)]
    assert not strangers
    assert any(url.startswith(live_server.api_url + "/api/v1/ask") for url in visit.requests)
    assert not [w for w in visit.warnings if "support-widget" in w or "page error" in w]


def test_german_visit_with_typo(context, live_server):
    page = open_shop(context, live_server, "?lang=de").page
    assert page.locator("html").get_attribute("lang") == "de"
    open_by_keyboard(page)
    assert page.locator("#sw-handoff").inner_text() == "Mit einer Person sprechen"
    assert page.locator("label[for=sw-input]").inner_text() == "Deine Frage"

    reply = ask_by_keyboard(page, "Wie lange dauert der Versand?")
    assert "sw-answer" in reply.get_attribute("class")
    assert re.search(r"versand|liefer", reply.locator(".sw-answer-title").inner_text(), re.I)
    shipping_id = reply.get_attribute("data-faq-id")

    reply = ask_by_keyboard(page, "wie lange dauer der versnad")
    assert "sw-answer" in reply.get_attribute("class")
    assert reply.get_attribute("data-faq-id") == shipping_id
    expect_text(reply.locator(".sw-feedback"), "Hat das geholfen?")


def test_phone_screen(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True)
    context.set_default_timeout(TIMEOUT)
    try:
        page = open_shop(context, live_server).page
        page.locator("#sw-launcher").click()
        page.locator(".sw-greeting").wait_for()
        ask_by_keyboard(page, "how long does shipping take")
        for selector in ("#sw-panel", "#sw-launcher", "#sw-input", "#sw-handoff"):
            box = page.locator(selector).bounding_box()
            assert box is not None, selector
            assert box["x"] >= 0 and box["y"] >= 0, selector
            assert box["x"] + box["width"] <= 360, selector
            assert box["y"] + box["height"] <= 640, selector
        panel = page.locator("#sw-panel").bounding_box()
        launcher = page.locator("#sw-launcher").bounding_box()
        assert panel["y"] + panel["height"] <= launcher["y"]
        # The page does not scroll sideways because of the widget.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    finally:
        context.close()


def test_german_handoff_form_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True)
    context.set_default_timeout(TIMEOUT)
    try:
        visit = open_shop(context, live_server, "?lang=de")
        page = visit.page
        page.locator("#sw-launcher").click()
        page.locator(".sw-greeting").wait_for()
        ask_by_keyboard(page, "Kann ich bei euch ein Kanu mieten?")
        page.locator("#sw-handoff").click()
        assert page.locator("#sw-htitle").inner_text() == "Mit einer Person sprechen"
        assert page.locator("label[for=sw-hq]").inner_text() == "Deine Frage an unser Team"
        assert page.locator("#sw-hq").input_value() == "Kann ich bei euch ein Kanu mieten?"
        assert "Dritte" in page.locator("#sw-full").text_content()
        assert "@" in page.locator(".sw-contact").inner_text()

        # Checked in the browser: a broken address; then a server refusal named by its code.
        page.locator("#sw-hemail").fill("kein-at-zeichen")
        page.locator("#sw-hsend").click()
        assert page.locator("#sw-herr").inner_text() == "Bitte prüf deine E-Mail-Adresse."
        assert focused_id(page) == "sw-hemail"
        page.locator("#sw-hemail").fill("")
        page.locator("#sw-hname").fill("Ada")
        page.locator("#sw-hconsent").check()
        for selector in ("#sw-hq", "#sw-hname", "#sw-hconsent", "#sw-hsend", ".sw-cancel"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360, selector
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360

        # The server refuses the name (400); the corrected request meets a dead network twice
        # (sent, retried once with the same Idempotency-Key); sent again unchanged, it keeps
        # that key, so the server could never make two conversations of it.
        keys: list[str] = []
        cors = {"Access-Control-Allow-Origin": live_server.demo_url}

        def flaky(route):
            if route.request.method != "POST":
                return route.continue_()
            keys.append(route.request.headers["idempotency-key"])
            if len(keys) == 1:
                error = {"code": "invalid_name", "message": "one line"}
                return route.fulfill(status=400, json={"error": error}, headers=cors)
            if len(keys) in (2, 3):
                return route.abort("internetdisconnected")
            return route.continue_()

        page.route("**/api/v1/handoffs", flaky)
        page.locator("#sw-hsend").click()
        expect(page.locator("#sw-herr")).to_contain_text("Namen in eine Zeile")
        assert focused_id(page) == "sw-hname"
        page.locator("#sw-hname").fill("Ada Lovelace")
        page.locator("#sw-hsend").click()
        expect(page.locator("#sw-herr")).to_contain_text("nicht erreichbar")
        page.locator("#sw-hsend").click()
        page.locator(".sw-expected").wait_for()
        assert len(keys) == 4 and keys[1] == keys[2] == keys[3] != keys[0]
        assert re.fullmatch(r"[0-9a-f]{32}", keys[1])
        stored = page.evaluate(
            "() => JSON.parse(localStorage.getItem('support-widget:conversation'))"
        )
        assert page.locator("#sw-mode").inner_text() == "Du schreibst an unser Team."
        assert page.locator("#sw-delete").inner_text() == "Dieses Gespräch löschen"
        for selector in ("#sw-input", "#sw-delete"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360, selector

        # Erased on the server meanwhile (say, by the operator): the next visit forgets it.
        with closing(connect(live_server.app.config["DATABASE"])) as db:
            assert erasure.delete_conversation(db, stored["conversation_id"])
        page.reload()
        page.locator("#sw-launcher").click()
        expect_text(page.locator(".sw-gone"), "Dieses Gespräch gibt es nicht mehr.")
        assert page.evaluate("() => localStorage.length") == 0
        assert page.locator("#sw-handoff").is_visible()
        assert any("retrying the handoff once" in w for w in visit.warnings)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("width", "height", "query", "more"),
    [
        (360, 740, "?lang=de", "Vollständiger Datenschutzhinweis"),
        (1280, 800, "", "Full privacy notice"),
    ],
)
def test_hand_off_form_keeps_consent_and_send_in_view(
    browser, live_server, width, height, query, more
):
    """Issue 14, point 6: the long notice pushed the consent box and "Send to our team" out of
    the panel; a summary leads now, and the full notice opens by keyboard where it was."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT)
    try:
        page = open_shop(context, live_server, query).page
        page.locator("#sw-launcher").click()
        page.locator(".sw-greeting").wait_for()
        page.locator("#sw-handoff").click()
        visible = page.locator("#sw-hoff").bounding_box()  # the form is what scrolls
        for selector in ("#sw-hconsent", "label[for=sw-hconsent]", "#sw-hsend"):
            box = page.locator(selector).bounding_box()
            assert visible["y"] <= box["y"], selector
            assert box["y"] + box["height"] <= visible["y"] + visible["height"], selector
            assert box["y"] + box["height"] <= height, selector
        notice = (
            live_server.app.test_client()
            .get(f"/api/v1/widget-config?lang={'de' if query else 'en'}")
            .get_json()["privacy"]
        )
        assert page.locator("#sw-notice").inner_text().startswith(notice["summary"])
        full = page.locator("#sw-full p")
        assert full.is_hidden()
        summary = page.locator("#sw-full summary")
        assert summary.inner_text() == more
        summary.focus()
        page.keyboard.press("Enter")
        expect(full).to_be_visible()
        assert full.inner_text() == notice["notice"]
        assert serious_violations(page) == []
        # Closed again on the next opening: the summary leads each time.
        page.locator(".sw-cancel").click()
        page.locator("#sw-handoff").click()
        assert full.is_hidden()
    finally:
        context.close()


QUEUE_STUB = """
window.SupportWidget = {q: [['open'], ['no_such_call']],
  open: function () { this.q.push(['open']); }, close: function () { this.q.push(['close']); }};
"""


def test_queued_calls_and_second_copy(context, live_server):
    # The host page called SupportWidget.open() before the script arrived: the queue runs.
    context.add_init_script(QUEUE_STUB)
    visit = open_shop(context, live_server)
    page = visit.page
    page.locator("#sw-panel").wait_for()
    assert page.evaluate("() => window.SupportWidget.loaded") is True
    assert any('unknown queued call "no_such_call"' in w for w in visit.warnings)

    # A second copy of the script warns and does nothing else.
    with page.expect_console_message(lambda msg: "already loaded" in msg.text) as message:
        page.add_script_tag(url=live_server.api_url + "/widget.js?copy=2")
    assert message.value.text.startswith("support-widget: already loaded")
    assert page.locator("support-widget").count() == 1
    page.evaluate("() => window.SupportWidget.close()")
    assert page.locator("#sw-panel").is_hidden()


def computed(locator, prop: str) -> str:
    """One computed style property of the element the locator finds."""
    return locator.evaluate(f"el => getComputedStyle(el).{prop}")


def expect_text(locator, text: str) -> None:
    """Wait until the element exists and assert that it contains the text."""
    locator.wait_for()
    assert text in locator.inner_text()
