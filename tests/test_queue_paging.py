"""A flood of handoffs cannot hide the oldest one: the queue pages, in the inbox and the CLI.

260 handoffs sent after one real question used to fill the 200 rows the inbox and
`queue list` showed, newest first, with nothing to reach the rest. Every conversation is now
reachable a page at a time, and the oldest waiting one is first after one click.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.browser_pages import sign_in_with_form
from tests.conftest import make_app
from tests.test_staff import PASSWORD, add_account, sign_in
from widget_api.cli import main
from widget_api.server.demo import serve_in_thread
from widget_api.store import staff_queue
from widget_api.store.app_db import connect
from widget_api.store.conversations import Handoff, create_handoff

REAL = "My order 4711 arrived broken, what now?"
FLOOD = 260
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def flood(db) -> tuple[str, list[str]]:
    """The real question first, then FLOOD handoffs a second apart; their ids, oldest first."""
    real = create_handoff(db, Handoff(REAL, "en"), "1", now=START).conversation_id
    spam = [
        create_handoff(
            db, Handoff(f"spam number {n}", "en"), "1", now=START + timedelta(seconds=n + 1)
        ).conversation_id
        for n in range(FLOOD)
    ]
    return real, spam


@pytest.fixture(scope="module")
def flooded_file(tmp_path_factory):
    """One flooded database per module (261 handoffs take seconds); each test gets a copy."""
    folder = tmp_path_factory.mktemp("flood")
    app = make_app(folder)
    db = connect(app.config["DATABASE"])
    real, spam = flood(db)
    db.close()
    return Path(app.config["DATABASE"]), real, spam


@pytest.fixture
def flooded(tmp_path, flooded_file):
    template, real, spam = flooded_file
    with (
        contextlib.closing(sqlite3.connect(template)) as source,
        contextlib.closing(sqlite3.connect(tmp_path / "widget.sqlite3")) as copy,
    ):
        source.backup(copy)
    return make_app(tmp_path, SECURE_COOKIES=False), real, spam


def walk(db, **options) -> list[str]:
    ids, after = [], None
    while True:
        page = staff_queue.queue_page(db, "new", after=after, **options)
        assert page.total == FLOOD + 1
        ids += [item["id"] for item in page.items]
        if page.next_after is None:
            return ids
        after = page.next_after


def test_pages_reach_every_conversation_once_in_order(flooded):
    app, real, spam = flooded
    db = connect(app.config["DATABASE"])
    assert walk(db, oldest_first=True) == [real, *spam]
    assert walk(db) == [*reversed(spam), real]
    assert walk(db, limit=7, oldest_first=True) == [real, *spam]


def test_a_page_stays_right_while_handoffs_arrive_and_others_are_claimed(flooded):
    app, real, spam = flooded
    db = connect(app.config["DATABASE"])
    first = staff_queue.queue_page(db, "new", oldest_first=True)
    staff_queue.claim_conversation(db, real, staff_id=1)  # leaves the new queue
    create_handoff(db, Handoff("yet another", "en"), "1")  # newest: at the very end
    second = staff_queue.queue_page(db, "new", oldest_first=True, after=first.next_after)
    assert [item["id"] for item in second.items] == spam[49:99]


@pytest.mark.parametrize("cursor", ["", "x", "2026-03-02T09:00:00.000+00:00", "a,b", "1,2,3"])
def test_a_cursor_this_store_did_not_make_is_refused(app, cursor):
    with pytest.raises(staff_queue.BadCursor):
        staff_queue.list_queue(connect(app.config["DATABASE"]), "new", after=cursor)


def inbox_ids(html: str) -> list[str]:
    return re.findall(r'href="/staff/conversations/([A-Za-z0-9_-]+)"', html)


def next_link(html: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_inbox_pages_through_the_flood_and_the_oldest_is_one_click_away(flooded):
    app, real, spam = flooded
    add_account(app)
    client = app.test_client()
    assert sign_in(client).status_code == 302
    html = client.get("/staff/queue?view=new").get_data(as_text=True)
    assert inbox_ids(html) == list(reversed(spam))[: staff_queue.QUEUE_PAGE_SIZE]
    assert f"{staff_queue.QUEUE_PAGE_SIZE} of {FLOOD + 1} shown" in html
    oldest = re.search(r'<a href="([^"]+)">Oldest first</a>', html).group(1).replace("&amp;", "&")
    html = client.get(oldest).get_data(as_text=True)
    assert inbox_ids(html)[0] == real
    seen, url = [], "/staff/queue?view=new"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += inbox_ids(html)
        url = next_link(html)
    assert seen == [*reversed(spam), real]
    partial = client.get("/staff/queue?view=new&order=oldest&partial=1&after=nonsense")
    assert inbox_ids(partial.get_data(as_text=True))[0] == real  # a bad cursor: first page


def test_cli_pages_and_prints_everything_with_all(flooded, monkeypatch):
    app, real, spam = flooded
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", app.instance_path)
    monkeypatch.setenv("WIDGET_DATABASE", app.config["DATABASE"])
    runner = CliRunner()

    def ids(*args):
        result = runner.invoke(main, ["queue", "list", "--view", "new", *args])
        assert result.exit_code == 0, result.output
        return [line.split()[0] for line in result.stdout.splitlines()], result.stderr

    first, note = ids()
    assert first == list(reversed(spam))[:200]
    assert "200 of 261 shown; next: --page 2" in note
    assert ids("--page", "2")[0] == [*list(reversed(spam))[200:], real]
    assert ids("--oldest-first", "--limit", "1")[0] == [real]
    assert ids("--oldest-first", "--limit", "100", "--page", "3")[0] == spam[199:]
    everything, note = ids("--all", "--limit", "30")
    assert everything == [*reversed(spam), real] and note == ""
    beyond = runner.invoke(main, ["queue", "list", "--page", "9"])
    assert beyond.exit_code == 1 and "Error: there is no page 9" in beyond.output
    both = runner.invoke(main, ["queue", "list", "--all", "--page", "2"])
    assert both.exit_code == 2 and "--all" in both.output


def test_staff_find_the_oldest_in_chromium(flooded, browser):
    app = flooded[0]
    add_account(app)
    server = serve_in_thread(app)
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in_with_form(page, server.url, "ann@example.com", PASSWORD)
        rows = page.locator("table.queue tbody tr")
        assert rows.count() == staff_queue.QUEUE_PAGE_SIZE
        assert REAL not in page.locator("table.queue").inner_text()
        page.get_by_role("link", name="Oldest first").click()
        page.wait_for_url(re.compile(r"order=oldest"))
        assert rows.first.inner_text().find(REAL) >= 0
        page.get_by_role("link", name="Next page").click()
        page.wait_for_url(re.compile(r"after="))
        assert "spam number 49" in rows.first.inner_text()
        page.get_by_role("link", name="Newest first").click()
        page.wait_for_url(re.compile(r"/staff/queue\?view=new$"))
        assert f"spam number {FLOOD - 1}" in rows.first.inner_text()
    finally:
        context.close()
        server.stop()
