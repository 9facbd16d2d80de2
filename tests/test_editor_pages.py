"""Editors' pages: try a question, statistics, and learning phrasings from staff answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.test_staff import add_account, hand_off, post, sign_in
from widget_api.faq.check import check_path
from widget_api.store import ask_stats, drafts, question_log
from widget_api.store.app_db import connect
from widget_api.visitor import ask_records


def editor(app):
    app.config["SESSION_COOKIE_SECURE"] = False
    add_account(app, "eve@example.com", "editor")
    client = app.test_client()
    sign_in(client, "eve@example.com")
    return client


def test_try_it_shows_ranking_thresholds_and_why(app):
    client = editor(app)
    page = client.get("/staff/try?q=wie+lange+dauer+der+versnad&lang=de").get_data(as_text=True)
    assert "Thresholds: answer from" in page
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td[^>]*><a [^>]*>([^<]+)</a> <span", page)
    assert rows[0][1].strip() == "Wie lange dauert der Versand?"
    assert "closest phrasing" in page and "shared words" in page
    assert "The widget would answer with the first entry." in page
    nothing = client.get("/staff/try?q=Kanu+mieten+Rom&lang=de").get_data(as_text=True)
    assert "The widget would offer a person." in nothing


def test_try_it_is_for_editors_and_changes_nothing(app):
    add_account(app, "sam@example.com", "staff")
    app.config["SESSION_COOKIE_SECURE"] = False
    staff = app.test_client()
    sign_in(staff, "sam@example.com")
    assert staff.get("/staff/try?q=x").status_code == 403
    assert staff.get("/staff/stats").status_code == 403
    client = editor(app)
    dump = "\n".join(connect(app.config["DATABASE"]).conn.iterdump())
    client.get("/staff/try?q=shipping")
    assert "\n".join(connect(app.config["DATABASE"]).conn.iterdump()) == dump


def test_stats_count_outcomes_feedback_and_handoffs(app):
    visitor = app.test_client()
    for question in ("How long does shipping take?", "Wie lange dauert der Versand?"):
        visitor.post("/api/v1/ask", json={"question": question})
    visitor.post("/api/v1/ask", json={"question": "Can I rent a canoe from you?", "lang": "en"})
    visitor.post("/api/v1/feedback", json={"faq_id": "shipping-time", "helpful": True})
    visitor.post("/api/v1/feedback", json={"faq_id": "shipping-time", "helpful": False})
    hand_off(visitor)
    client = editor(app)
    page = client.get("/staff/stats?days=7").get_data(as_text=True)
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)", page))
    assert figures["Questions asked"] == "3"
    assert figures["Answered"].strip() == "67 %"
    assert figures["Handed to a person"].strip() == "33 %"
    assert figures["Marked helpful"].strip() == "50 %"
    assert figures["Handoffs waiting now"] == "1"
    assert "<svg" in page and "<script" not in page.split("<main", 1)[1]


def stats_figures(client) -> dict[str, str]:
    page = client.get("/staff/stats?days=7")
    assert page.status_code == 200
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)", page.get_data(as_text=True)))


def test_stats_page_shows_what_is_stored_when_the_counts_cannot_be_written(app, caplog):
    visitor = app.test_client()
    visitor.post("/api/v1/ask", json={"question": "How long does shipping take?"})
    db = connect(app.config["DATABASE"])
    db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON ask_stats BEGIN SELECT RAISE(ABORT, 'full'); END"
    )
    client = editor(app)
    assert stats_figures(client)["Questions asked"] == "0"
    assert "statistics not written, kept for later" in caplog.text
    db.execute("DROP TRIGGER refuse")
    assert stats_figures(client)["Questions asked"] == "1"  # the count was kept


def test_asks_write_their_counts_once_a_batch_is_due(app):
    """Counts are kept in memory and written by the ask that fills a batch, without anyone
    opening the statistics page; the gap rows are in the file at once."""
    visitor = app.test_client()
    today = datetime.now(UTC).date().isoformat()
    for _ in range(ask_records.FLUSH_COUNT - 1):
        visitor.post("/api/v1/ask", json={"question": "How long does shipping take?"})
    assert ask_stats.daily_ask_counts(connect(app.config["DATABASE"]), today) == {}
    visitor.post("/api/v1/ask", json={"question": "Can I rent a canoe from you?", "lang": "en"})
    db = connect(app.config["DATABASE"])
    assert ask_stats.daily_ask_counts(db, today) == {
        today: {"answer": ask_records.FLUSH_COUNT - 1, "handoff": 1}
    }
    assert [row["question"] for row in question_log.logged_questions(db)] == [
        "Can I rent a canoe from you?"
    ]


def test_stats_page_counts_questions_in_the_other_language_per_pair(app):
    visitor = app.test_client()
    questions = [
        ("Wie lange dauert der Versand?", "en"),
        ("Was kostet der Versand?", "en"),
        ("How long does shipping take?", "en"),
        ("How long does shipping take?", "de"),
        ("Wie lange dauert der Versand?", "de"),
        ("Wie lange dauert der Versand?", None),  # no page language: no pair
    ]
    for question, lang in questions:
        visitor.post("/api/v1/ask", json={"question": question, "lang": lang})
    client = editor(app)
    page = client.get("/staff/stats?days=7").get_data(as_text=True)
    section = page.split("Questions in another language than the page", 1)[1]
    rows = re.findall(r"<tr><td>(\w+)</td><td>(\w+)</td><td>(\d+)</td><td>([^<]+)</td>", section)
    assert [(p, a, n, s.strip()) for p, a, n, s in rows] == [
        ("de", "en", "1", "50 %"),
        ("en", "de", "2", "67 %"),
    ]
    today = datetime.now(UTC).date().isoformat()
    db = connect(app.config["DATABASE"])
    assert ask_stats.language_pair_counts(db, today) == {
        ("de", "de"): 1,
        ("de", "en"): 1,
        ("en", "de"): 2,
        ("en", "en"): 1,
    }


def test_linking_a_handoff_to_an_entry_proposes_a_phrasing(app, tmp_path, faq_copy):
    visitor = app.test_client()
    cid = hand_off(visitor, {"question": "parcel still not here after a week", "lang": "en"})[
        "conversation_id"
    ]
    client = editor(app)
    page = client.get(f"/staff/conversations/{cid}").get_data(as_text=True)
    assert 'value="shipping-time"' in page and 'value="versanddauer"' not in page
    post(client, f"/staff/conversations/{cid}/link", faq_id="no-such-entry")
    assert drafts.list_drafts(connect(app.config["DATABASE"])) == []
    post(client, f"/staff/conversations/{cid}/link", faq_id="shipping-time")
    (draft,) = drafts.list_drafts(connect(app.config["DATABASE"]))
    assert draft["kind"] == "alternative" and draft["faq_id"] == "shipping-time"
    drafts_page = client.get("/staff/drafts").get_data(as_text=True)
    assert "alt: parcel still not here after a week" in drafts_page

    # The editor adds the accepted line to the entry; the FAQ stays valid.
    line = drafts.draft_as_faq_file(draft)
    path = faq_copy / "en" / "shipping.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("id: shipping-time\n", "id: shipping-time\n" + line, 1))
    files, problems = check_path(faq_copy)
    assert not [p for p in problems if p.severity == "error"]
    entry = next(e for e in files.entries if e.id == "shipping-time")
    assert "parcel still not here after a week" in entry.alternatives
