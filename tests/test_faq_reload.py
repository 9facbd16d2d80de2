"""The running service reloads changed FAQ files; a broken edit keeps the last good FAQ."""

from __future__ import annotations

import logging
import shutil

from tests.conftest import ManualClock, make_app
from tests.test_visitor_api import health_details
from widget_api.faq.library import FaqLibrary

EXTRA = """---
lang: en
---

## Do you sell snowshoes?
id: snowshoes
alt: snow shoes for hiking
alt: do you have snowshoes
alt: snowshoe rental

Yes, we sell snowshoes from October to March.
"""


def ask(client, question):
    return client.post("/api/v1/ask", json={"question": question, "lang": "en"}).get_json()


def test_changed_files_are_served_without_restart(tmp_path, faq_copy, caplog):
    app = make_app(tmp_path, FAQ_DIR=str(faq_copy))
    # The app's own library, with a clock the test moves: a check is due exactly when the
    # test has moved the clock past the interval, however slow the machine is.
    clock = ManualClock()
    library = FaqLibrary(faq_copy, reload_seconds=2.0, clock=clock)
    app.extensions["faq_library"] = library
    client = app.test_client()
    first = library.current().generation
    assert ask(client, "Do you sell snowshoes?")["answered"] is False

    (faq_copy / "en" / "snowshoes.md").write_text(EXTRA, encoding="utf-8")
    # Within the interval the folder is not even looked at; once it has passed, the change is.
    clock.advance(1.9)
    assert ask(client, "Do you sell snowshoes?")["answered"] is False
    clock.advance(0.1)
    body = ask(client, "Do you sell snowshoes?")
    assert body["answered"] is True and body["answer"]["id"] == "snowshoes"
    second = library.current().generation
    assert second != first and body["faq_generation"] == second

    # A broken edit: the last good FAQ stays in service and the problem is logged.
    with caplog.at_level(logging.ERROR, logger="widget_api.faq.library"):
        (faq_copy / "en" / "snowshoes.md").write_text(
            EXTRA.replace("id: snowshoes\n", ""), encoding="utf-8"
        )
        clock.advance(2.0)
        body = ask(client, "Do you sell snowshoes?")
    assert body["answered"] is True and body["faq_generation"] == second
    assert "snowshoes.md:5: entry 'Do you sell snowshoes?' has no 'id:' line" in caplog.text
    assert client.get("/api/v1/health").get_json()["status"] == "degraded"
    assert health_details(app)["faq"]["errors"] == 1

    # Fixed again: served, and health recovers.
    (faq_copy / "en" / "snowshoes.md").write_text(
        EXTRA.replace("Yes, we sell", "Yes, we rent and sell"), encoding="utf-8"
    )
    clock.advance(2.0)
    body = ask(client, "Do you sell snowshoes?")
    assert body["faq_generation"] not in (first, second)
    assert client.get("/api/v1/health").get_json()["status"] == "ok"


def test_generation_names_the_content_not_the_process(tmp_path, faq_copy):
    one = make_app(tmp_path / "a", FAQ_DIR=str(faq_copy)).extensions["faq_library"]
    two = make_app(tmp_path / "b", FAQ_DIR=str(faq_copy)).extensions["faq_library"]
    assert one.current().generation == two.current().generation


def test_apps_on_unchanged_files_share_one_index_and_a_change_builds_a_new_one(tmp_path, faq_copy):
    # Building the index is most of an app's start-up: every test's app shares one.
    one = make_app(tmp_path / "a", FAQ_DIR=str(faq_copy)).extensions["faq_library"]
    two = make_app(tmp_path / "b", FAQ_DIR=str(faq_copy)).extensions["faq_library"]
    assert two.current().index is one.current().index
    (faq_copy / "en" / "snowshoes.md").write_text(EXTRA, encoding="utf-8")
    assert two.reload()
    assert two.current().index is not one.current().index
    assert "snowshoes" in two.current().entries and "snowshoes" not in one.current().entries
    three = make_app(tmp_path / "c", FAQ_DIR=str(faq_copy)).extensions["faq_library"]
    assert three.current().index is two.current().index
    # The same files in another folder are another FAQ: its entries name their own files.
    other = shutil.copytree(faq_copy, tmp_path / "other")
    moved = make_app(tmp_path / "d", FAQ_DIR=str(other)).extensions["faq_library"].current()
    assert moved.generation == three.current().generation
    assert moved.index is not three.current().index
    assert moved.entries["snowshoes"].source.startswith(str(other))
    assert three.current().entries["snowshoes"].source.startswith(str(faq_copy))


def test_broken_faq_at_start_serves_nothing_but_starts(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "a.md").write_text("## no front matter\nid: x\n\nAnswer\n", encoding="utf-8")
    client = make_app(tmp_path, FAQ_DIR=str(folder)).test_client()
    assert ask(client, "anything")["handoff_offered"] is True
    assert client.get("/api/v1/health").get_json()["faq"]["status"] == "error"
