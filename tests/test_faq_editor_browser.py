"""An editor changes the FAQ in Chromium and the widget on the demo shop page follows at once.

One live service on a copy of the sample FAQ (never the repository's files): change the
shipping answer with the live preview, see the widget answer with it without a restart; a
change made on disk meanwhile is refused and both versions are shown; a deleted entry is gone
from the widget and the help centre. axe checks the editor's pages.
"""

from __future__ import annotations

import re
import shutil
import uuid
from contextlib import closing

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import LiveServer
from widget_api.paths import sample_faq_dir
from widget_api.store import accounts
from widget_api.store.app_db import connect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 15_000
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def faq_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("editor-live")
    faq = root / "faq"
    shutil.copytree(sample_faq_dir(), faq)
    server = LiveServer(root, FAQ_DIR=str(faq), SECURE_COOKIES=False)
    server.faq = faq
    yield server
    server.stop()


def serious(page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [v["id"] for v in violations if v["impact"] in ("serious", "critical")]


def sign_in_editor(context, server) -> object:
    email = f"eve-{uuid.uuid4().hex[:8]}@example.com"
    with closing(connect(server.app.config["DATABASE"])) as db:
        accounts.create_account(db, email, PASSWORD, "editor")
    page = context.new_page()
    page.goto(f"{server.api_url}/staff/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form.login button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/queue"))
    return page


def widget_answer(context, server, question: str) -> str:
    """Ask the widget on the demo shop page; the text of the bot's reply."""
    shop = context.new_page()
    shop.goto(server.demo_url + "/")
    shop.locator("#sw-launcher").click()
    shop.locator("#sw-input").fill(question)
    shop.locator("#sw-input").press("Enter")
    shop.locator(".sw-visitor").first.wait_for()
    shop.locator(".sw-typing").wait_for(state="detached")
    text = shop.locator(".sw-bot").last.inner_text()
    shop.close()
    return text


def test_an_editor_changes_conflicts_and_deletes_and_the_widget_follows(browser, faq_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT)
    try:
        page = sign_in_editor(context, faq_server)
        page.get_by_role("link", name="FAQ", exact=True).click()
        page.fill("#faq-q", "how long does shipping take")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="How long does shipping take?").click()
        page.wait_for_url(re.compile(r"/staff/faq/en/shipping-time$"))
        assert serious(page) == []

        # The live preview is the widget's rendering, sanitised, as the editor types.
        page.fill("#faq-answer", "Parcels leave **the same day**. <img src=x onerror=alert(1)>")
        page.locator("#faq-preview strong", has_text="the same day").wait_for()
        assert page.locator("#faq-preview img").count() == 0
        with page.expect_navigation():
            page.get_by_role("button", name="Save").click()
        assert "Saved shipping-time." in page.locator(".flash").first.inner_text()
        assert "Parcels leave the same day." in widget_answer(
            context, faq_server, "How long does shipping take?"
        )
        help_page = context.new_page()
        help_page.goto(f"{faq_server.api_url}/help/en/shipping-time")
        assert "Parcels leave the same day." in help_page.locator("main").inner_text()
        text = (faq_server.faq / "en" / "shipping.md").read_text()
        assert "Parcels leave **the same day**." in text

        # Someone changes the file on disk (git pull) while the editor has the page open.
        page.goto(f"{faq_server.api_url}/staff/faq/en/shipping-time")
        path = faq_server.faq / "en" / "shipping.md"
        path.write_text(path.read_text().replace("the same day", "within a week"))
        page.fill("#faq-answer", "My own answer.")
        with page.expect_navigation():
            page.get_by_role("button", name="Save").click()
        assert "Changed on disk meanwhile" in page.locator("#conflict-title").inner_text()
        assert "My own answer." in page.locator("#conflict-yours").inner_text()
        assert "within a week" in page.locator("#conflict-disk").inner_text()
        assert "within a week" in path.read_text() and "My own answer." not in path.read_text()
        assert serious(page) == []

        # Deleting asks first, then the widget no longer has the entry.
        assert "Express costs €12.95" in widget_answer(context, faq_server, "next day delivery")
        page.goto(f"{faq_server.api_url}/staff/faq/en/shipping-express")
        page.get_by_role("link", name="Delete entry").click()
        assert "shipping-express" in page.locator("main").inner_text()
        with page.expect_navigation():
            page.get_by_role("button", name="Yes, delete it").click()
        assert "Deleted." in page.locator(".flash").first.inner_text()
        assert "id: shipping-express" not in path.read_text()
        gone = help_page.goto(f"{faq_server.api_url}/help/en/shipping-express")
        assert gone.status == 404
        assert "Express costs €12.95" not in widget_answer(context, faq_server, "next day delivery")
    finally:
        context.close()
