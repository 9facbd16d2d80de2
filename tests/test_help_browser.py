"""The help centre in Chromium: a visitor browses and searches it by keyboard in both
languages on a 360 px screen (axe clean), follows an answer's page link from the widget, and
the setting takes the help centre and the widget's links away."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import LiveServer
from tests.test_widget_browser import ask_by_keyboard, open_by_keyboard, open_shop

pytestmark = pytest.mark.browser

TIMEOUT = 10_000
PHONE = {"width": 360, "height": 740}


def violations(page) -> list[str]:
    return [v["id"] for v in Axe().run(page).response["violations"]]


def active(page, what: str) -> str:
    """`what` (a JS expression on the focused element `el`) for the focused element."""
    return page.evaluate(f"() => {{ const el = document.activeElement; return {what}; }}")


def tab_to(page, href_end: str, limit: int = 60) -> None:
    """Press Tab until the link whose address ends with `href_end` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if (active(page, "el.getAttribute('href') || ''") or "").endswith(href_end):
            return
    raise AssertionError(f"no link to {href_end} reached by Tab")


def check_page(page, lang: str) -> None:
    """The page's language, no axe violation, nothing wider than the phone's screen."""
    assert page.locator("html").get_attribute("lang") == lang
    assert violations(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def search_by_keyboard(page, words: str) -> None:
    """From the top of a page: skip link, into the content, Tab to the search box, search."""
    page.keyboard.press("Tab")
    assert active(page, "el.className") == "skip"
    page.keyboard.press("Enter")
    assert active(page, "el.id") == "content"
    while active(page, "el.id") != "q":
        page.keyboard.press("Tab")
    page.keyboard.type(words)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_visitor_browses_and_searches_by_keyboard_in_both_languages(browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    context.set_default_timeout(TIMEOUT)
    try:
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{live_server.api_url}/help/")
        assert page.url == f"{live_server.api_url}/help/de/"
        check_page(page, "de")
        assert page.locator("h2").count() >= 10  # grouped by tag

        search_by_keyboard(page, "Wie lange dauert der Versand")
        assert "Ergebnisse für „Wie lange dauert der Versand“" in page.locator("main").inner_text()
        check_page(page, "de")
        tab_to(page, "/help/de/versanddauer")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("h1").inner_text() == "Wie lange dauert der Versand?"
        assert page.locator(".answer strong").first.inner_text() == "1–2 Werktagen"
        check_page(page, "de")

        # The same topic in English (the German file names it), by keyboard.
        tab_to(page, "/help/en/shipping-time")
        assert active(page, "el.textContent.trim()") == "This question in English"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("h1").inner_text() == "How long does shipping take?"
        check_page(page, "en")

        # Nothing found: a friendly sentence and the ways to ask a person.
        page.goto(f"{live_server.api_url}/help/en/")
        search_by_keyboard(page, "kayak")
        nothing = page.locator(".nothing")
        assert "We found nothing for “kayak”" in nothing.inner_text()
        assert nothing.get_by_role("link", name="Ask in the chat on our website").count() == 1
        check_page(page, "en")

        assert context.cookies() == []
        assert all(url.startswith(live_server.api_url + "/help/") for url in requested)
    finally:
        context.close()


@contextmanager
def shop_with_widget_open(browser, server):
    """A desktop-sized browser context on the demo shop, the widget opened by keyboard."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT)
    try:
        page = open_shop(context, server).page
        open_by_keyboard(page)
        yield context, page
    finally:
        context.close()


def test_the_answer_bubble_links_to_the_entrys_page(browser, live_server):
    with shop_with_widget_open(browser, live_server) as (context, page):
        browse = page.get_by_role("link", name="Browse all questions")
        assert browse.get_attribute("href") == f"{live_server.api_url}/help/en/"
        assert browse.get_attribute("target") == "_blank"
        reply = ask_by_keyboard(page, "how long does shipping take")
        link = reply.get_by_role("link", name="Open as a page")
        assert link.get_attribute("href") == f"{live_server.api_url}/help/en/shipping-time"
        assert link.get_attribute("target") == "_blank"
        assert "noopener" in link.get_attribute("rel")
        with context.expect_page() as opened:
            link.focus()
            page.keyboard.press("Enter")
        help_page = opened.value
        help_page.wait_for_load_state()
        assert help_page.locator("h1").inner_text() == "How long does shipping take?"
        assert page.locator(".sw-answer").count() == 1  # the chat is still there


@pytest.fixture(scope="module")
def help_off(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("help-off"), HELP_CENTRE=False)
    yield server
    server.stop()


def test_the_setting_turns_the_help_centre_and_the_widgets_links_off(browser, help_off):
    with shop_with_widget_open(browser, help_off) as (_, page):
        reply = ask_by_keyboard(page, "how long does shipping take")
        assert "sw-answer" in reply.get_attribute("class")
        assert reply.get_by_role("link", name="Open as a page").count() == 0
        assert page.get_by_role("link", name="Browse all questions").count() == 0
        response = page.goto(f"{help_off.api_url}/help/en/shipping-time")
        assert response.status == 404
        assert not re.search("How long does shipping take", page.content())
