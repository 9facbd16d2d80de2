"""An admin walks the accounts page in Chromium: add an account, change its role, disable it.

What a person sees: the generated password once, the table after each change, and no serious
accessibility problem (axe) on the page.
"""

from __future__ import annotations

import re
import uuid
from contextlib import closing

import pytest

from tests.browser_pages import serious_violations, sign_in_with_form
from widget_api.store import accounts, audit
from widget_api.store.app_db import connect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 10_000
PASSWORD = "correct horse battery"


def submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def test_admin_adds_an_account_changes_its_role_and_disables_it(browser, live_server):
    admin_email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    new_email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    database = live_server.app.config["DATABASE"]
    with closing(connect(database)) as db:
        accounts.create_account(db, admin_email, PASSWORD, "admin")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        context.set_default_timeout(TIMEOUT)
        page = context.new_page()
        sign_in_with_form(page, live_server.api_url, admin_email, PASSWORD)

        page.get_by_role("link", name="Accounts").click()
        page.wait_for_url(re.compile(r"/staff/admin/accounts$"))
        own = page.locator("tr", has_text=admin_email)
        assert own.get_by_role("button").count() == 0  # nothing to press on one's own row

        page.fill("#new-email", new_email)
        page.select_option("#new-role", "staff")
        submit(page, page.get_by_role("button", name="Add account"))
        password = page.locator("#new-password").inner_text()
        assert len(password) >= 20
        assert new_email in page.get_by_role("status").first.inner_text()
        assert serious_violations(page) == []

        row = page.locator("tr", has_text=new_email)
        row.get_by_label(f"Role of {new_email}").select_option("editor")
        submit(page, row.get_by_role("button", name="Change role"))
        assert f"{new_email} now has the role editor." in page.locator(".flash").inner_text()
        row = page.locator("tr", has_text=new_email)
        assert "editor" in row.inner_text()

        submit(page, row.get_by_role("button", name=f"Disable {new_email}"))
        row = page.locator("tr", has_text=new_email)
        assert "disabled" in row.inner_text()
        assert row.get_by_role("button", name=f"Enable {new_email}").is_visible()
        assert serious_violations(page) == []
        assert password not in page.content()  # shown once, on the answer to the add only
    finally:
        context.close()

    with closing(connect(database)) as db:
        created = accounts.get_account(db, accounts.account_id_for_email(db, new_email))
        assert created["role"] == "editor" and created["disabled_at"]
        mine = [
            e
            for e in audit.entries(db)
            if e["action"].startswith("account.") and e["target"] == str(created["id"])
        ]
    assert [e["action"] for e in reversed(mine)] == [
        "account.created",
        "account.role_changed",
        "account.disabled",
    ]
    assert {e["staff_email"] for e in mine} == {admin_email}
