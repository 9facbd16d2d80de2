"""What the widget tells the visitor, in headless Chromium on the demo shop (issue 12, point 5).

The question's limit and a counter under the input, taken from widget-config (set to 120 here,
not the old hard-coded 500); a question over the limit or an empty one is not sent, and the
widget says why instead of cutting or ignoring it; a handed-off question is in the log once; an
answer from the other language's entries is marked with that language while the widget's own
labels keep the page's.

The service runs with a FAQ folder holding only German entries: a question on the English page
is then matched against the German ones (`FaqIndex.answer_language` names no language when the
page's has no entries, and every language is searched), so the cross-language answer shown
does not hang on how the matcher tells languages apart.
"""

from __future__ import annotations

import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.conftest import REPO, LiveServer

pytestmark = pytest.mark.browser

TIMEOUT = 10_000
LIMIT = 120
ASK = "/api/v1/ask"


@pytest.fixture(scope="module")
def german_only_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faq")
    (folder / "de").mkdir()
    shutil.copy(REPO / "faq" / "de" / "shipping.md", folder / "de" / "shipping.md")
    server = LiveServer(
        tmp_path_factory.mktemp("live"), FAQ_DIR=str(folder), MAX_QUESTION_LENGTH=LIMIT
    )
    yield server
    server.stop()


@pytest.fixture
def page(browser, german_only_server):
    """The English demo page with the widget open; `page.asked` lists the questions sent."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.asked = []
    page.on(
        "request",
        lambda r: (
            r.method == "POST"
            and r.url.endswith(ASK)
            and page.asked.append(r.post_data_json["question"])
        ),
    )
    yield page
    context.close()


def open_widget(page, server, query: str = "") -> None:
    page.goto(server.demo_url + "/" + query)
    page.locator("#sw-launcher").focus()
    page.keyboard.press("Enter")
    page.locator(".sw-greeting").wait_for()


def note_changes(page) -> int:
    """How often the live note under the input has changed since watch_note."""
    return page.evaluate("() => window.__noteChanges")


def watch_note(page) -> None:
    page.evaluate(
        """() => {
        const note = document.querySelector('support-widget').shadowRoot.querySelector('#sw-note');
        window.__noteChanges = 0;
        new MutationObserver(() => window.__noteChanges++)
          .observe(note, {childList: true, characterData: true, subtree: true});
    }"""
    )


def test_long_question_counter_and_message(page, german_only_server):
    open_widget(page, german_only_server)
    field = page.locator("#sw-input")
    count = page.locator("#sw-count")
    note = page.locator("#sw-note")
    # The limit is the server's setting, shown before anything is typed; nothing cuts input.
    expect(count).to_have_text(f"0 of {LIMIT} characters")
    assert field.get_attribute("maxlength") is None
    assert field.get_attribute("aria-describedby") == "sw-count sw-note"
    assert note.get_attribute("role") == "status"
    watch_note(page)

    # Near the limit the note says so once; more keystrokes change the counter, not the note.
    field.fill("a" * 100)
    page.keyboard.type("bcdefgh")
    expect(count).to_have_text(f"107 of {LIMIT} characters")
    assert note.inner_text() == "" and note_changes(page) == 0
    page.keyboard.type("i")
    expect(note).to_have_text("Nearly at the limit.")
    changes = note_changes(page)
    page.keyboard.type("jkl")
    expect(count).to_have_text(f"111 of {LIMIT} characters")
    assert note_changes(page) == changes

    # A longer question (pasted) is neither cut nor sent: the visitor is told to shorten it.
    long_question = ("Can you ship my tent and the two sleeping bags " * 3).strip()
    assert len(long_question) > LIMIT
    field.fill(long_question)
    expect(note).to_have_text("Too long to send: please shorten it.")
    expect(count).to_have_text(f"{len(long_question)} of {LIMIT} characters")
    assert field.get_attribute("aria-invalid") == "true"
    page.keyboard.press("Enter")
    assert field.input_value() == long_question
    assert page.locator(".sw-visitor").count() == 0

    # axe-core with the over-limit message showing.
    violations = Axe().run(page).response["violations"]
    serious = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious

    # Shortened by keyboard, it goes out whole; the counter starts again.
    field.focus()
    page.keyboard.press("End")
    while len(field.input_value()) > LIMIT:
        page.keyboard.press("Control+Backspace")
    shortened = field.input_value().strip()
    expect(note).not_to_have_text("Too long to send: please shorten it.")
    assert field.get_attribute("aria-invalid") == "false"
    page.keyboard.press("Enter")
    page.locator(".sw-visitor").first.wait_for()
    page.locator(".sw-typing").wait_for(state="detached")
    assert page.asked == [shortened]
    expect(count).to_have_text(f"0 of {LIMIT} characters")
    expect(note).to_have_text("")


def test_empty_question_says_why(page, german_only_server):
    open_widget(page, german_only_server, "?lang=de")
    field = page.locator("#sw-input")
    note = page.locator("#sw-note")
    expect(page.locator("#sw-count")).to_have_text(f"0 von {LIMIT} Zeichen")
    expect(note).to_have_text("")
    page.keyboard.press("Enter")
    expect(note).to_have_text("Bitte schreib deine Frage.")
    assert field.get_attribute("aria-invalid") == "true"
    page.keyboard.type("   ")
    expect(note).to_have_text("")
    page.keyboard.press("Enter")
    expect(note).to_have_text("Bitte schreib deine Frage.")
    page.keyboard.type("Lieferzeit")
    expect(note).to_have_text("")
    assert field.get_attribute("aria-invalid") == "false"
    assert page.asked == []
    assert page.locator(".sw-visitor").count() == 0


def test_answer_in_the_other_language(page, german_only_server):
    open_widget(page, german_only_server)
    with page.expect_response(lambda r: r.url.endswith(ASK)) as response:
        page.keyboard.type("Wie lange dauert der Versand?")
        page.keyboard.press("Enter")
    assert response.value.json()["answer"]["lang"] == "de"
    answer = page.locator(".sw-answer")
    answer.wait_for()
    assert answer.get_attribute("data-faq-id") == "versanddauer"
    # The answer is German for screen readers and hyphenation; the widget's own words stay
    # English, and say so.
    assert answer.get_attribute("lang") == "de"
    assert answer.locator(".sw-answer-title").inner_text() == "Wie lange dauert der Versand?"
    feedback = answer.locator(".sw-feedback")
    assert feedback.get_attribute("lang") == "en"
    assert feedback.inner_text().startswith("Did this help?")
    assert answer.locator(".sw-yes").evaluate("el => el.closest('[lang]').lang") == "en"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#sw-handoff").inner_text() == "Talk to a person"


def test_handed_off_question_shown_once(page, german_only_server):
    question = "Can I rent a canoe from you?"
    open_widget(page, german_only_server)
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    page.locator(".sw-typing").wait_for(state="detached")
    page.locator("#sw-handoff").click()
    assert page.locator("#sw-hq").input_value() == question
    page.locator("#sw-hsend").click()
    page.locator(".sw-expected").wait_for()
    visitor_lines = page.locator(".sw-visitor").all_text_contents()
    assert [line for line in visitor_lines if question in line] == [f"You: {question}"]
    # Writing to the team now: the limit is the server's for messages.
    expect(page.locator("#sw-count")).to_have_text("0 of 2000 characters")
