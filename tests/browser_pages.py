"""What browser tests do on staff pages again and again: sign in, and ask axe what is wrong."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe


def serious_violations(page) -> list[str]:
    """The ids of axe's serious and critical findings on the page as it is now."""
    violations = Axe().run(page).response["violations"]
    return [v["id"] for v in violations if v["impact"] in ("serious", "critical")]


def sign_in_with_form(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the form, as a person does, and wait for the queue."""
    page.goto(f"{base_url}/staff/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("form.login button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/queue"))
