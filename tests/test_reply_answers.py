"""Replies faster for staff (issue #14, point 4): FAQ answers searched by the matcher and put
into the reply box as plain text, without JavaScript too; every bad input a clear message.

The browser side (insert at the cursor, the draft across reloads, the shortcuts) is in
tests/test_reply_browser.py.
"""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import make_app
from tests.test_staff import add_account, hand_off, post, sign_in
from widget_api.faq.plain_text import answer_as_plain_text
from widget_api.faq.render import render_answer
from widget_api.store.app_db import connect


@pytest.fixture
def staff_app(tmp_path):
    app = make_app(tmp_path, SECURE_COOKIES=False)
    add_account(app)
    return app


@pytest.fixture
def ann(staff_app):
    client = staff_app.test_client()
    sign_in(client)
    return client


def reply_box(page: str) -> str:
    """What the reply box holds, as the browser reads it."""
    found = re.search(r'<textarea id="reply"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1))


def plain(markdown: str) -> str:
    return answer_as_plain_text(render_answer(markdown)[0])


def test_markdown_becomes_text_a_visitor_reads():
    assert plain("Leaves in **1–2 days**:\n\n- Germany: 1–3\n- Austria\n\nThen *more*.") == (
        "Leaves in 1–2 days:\n\n- Germany: 1–3\n- Austria\n\nThen more."
    )
    assert plain("1. one\n2. two\n   - a\n   - b\n\n- other list") == (
        "1. one\n2. two\n  - a\n  - b\n\n- other list"
    )
    assert plain("See our [shipping page](https://shop.example.com/shipping).") == (
        "See our shipping page (https://shop.example.com/shipping)."
    )
    assert plain("Write to [support@example.com](mailto:support@example.com).") == (
        "Write to support@example.com."
    )
    assert plain("line one  \nline two") == "line one\nline two"


def test_what_sanitising_removed_does_not_come_back_and_the_rest_stays_text():
    text = plain(
        "Hi <script>alert(1)</script><img src=x onerror=alert(2)> "
        "[x](javascript:alert(3)) &lt;b&gt; `<i>`"
    )
    assert "onerror" not in text and "<script" not in text and "javascript:alert(3))" in text
    assert "<b>" in text and "<i>" in text  # shown as the characters; the widget never parses


def test_staff_search_in_the_conversation_language_and_insert_without_javascript(staff_app, ann):
    cid = hand_off(ann)["conversation_id"]
    page = ann.get(f"/staff/conversations/{cid}?faq_q=how+long+does+shipping+take")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    first = body.split('class="faq-answers"', 1)[1].split("</li>", 1)[0]
    assert "How long does shipping take?" in first and "**" not in first
    assert "- Germany: 1–3 working days" in html.unescape(first)
    link = html.unescape(re.search(r'href="([^"]*insert=[^"]*)"', first).group(1))
    assert "insert=en/shipping-time" in link
    assert 'lang="de"' not in body.split('id="faq-insert"', 1)[1]

    inserted = ann.get(link)
    assert inserted.status_code == 200
    box = reply_box(inserted.get_data(as_text=True))
    assert box.startswith("Most orders leave our warehouse within 1–2 working days.")
    assert "\n- Austria: 2–4 working days\n" in box
    assert "answer to “How long does shipping take?” is in the reply box" in inserted.get_data(
        as_text=True
    )
    # Staff edit it and send it: the visitor reads it as it was sent.
    post(ann, f"/staff/conversations/{cid}/reply", text="Hello!\n\n" + box)
    messages = connect(staff_app.config["DATABASE"]).execute(
        "SELECT text FROM messages WHERE author = 'staff'"
    )
    assert [row[0] for row in messages] == ["Hello!\n\n" + box.replace("\r\n", "\n")]

    partial = ann.get(f"/staff/conversations/{cid}?partial=answers&faq_q=shipping+cost")
    assert partial.status_code == 200
    assert "<html" not in partial.get_data(as_text=True)
    assert "How much does shipping cost?" in partial.get_data(as_text=True)


def test_a_german_conversation_gets_german_answers(ann):
    cid = hand_off(ann, {"question": "Wie lange dauert der Versand?", "lang": "de"})[
        "conversation_id"
    ]
    body = ann.get(f"/staff/conversations/{cid}?faq_q=Versand+dauer").get_data(as_text=True)
    assert "insert=de/versanddauer" in body and "insert=en/" not in body


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("en/no-such-entry", 404, "There is no FAQ entry &#39;en/no-such-entry&#39;"),
        ("de/shipping-time", 404, "There is no FAQ entry &#39;de/shipping-time&#39;"),
        ("xx/shipping-time", 404, "There is no FAQ entry"),
        ("shipping-time", 404, "There is no FAQ entry"),
        ("en/../../etc/passwd", 404, "There is no FAQ entry"),
        ("de/versanddauer", 400, "&#39;versanddauer&#39; is an entry in DE, not in this"),
    ],
)
def test_inserting_what_is_not_there_says_so(ann, query, status, message):
    cid = hand_off(ann)["conversation_id"]
    response = ann.get(f"/staff/conversations/{cid}", query_string={"insert": query})
    body = response.get_data(as_text=True)
    assert response.status_code == status and message in body
    assert reply_box(body) == ""


def test_empty_oversize_and_unmatched_searches(staff_app, ann):
    cid = hand_off(ann)["conversation_id"]
    empty = ann.get(f"/staff/conversations/{cid}?faq_q=+++")
    assert empty.status_code == 200 and 'class="faq-answers"' not in empty.get_data(as_text=True)
    limit = staff_app.config["MAX_QUESTION_LENGTH"]
    for extra in ({}, {"partial": "answers"}):
        query = {"faq_q": "shipping " * limit, **extra}
        long = ann.get(f"/staff/conversations/{cid}", query_string=query)
        assert long.status_code == 400
        assert f"That search is too long: at most {limit} characters." in long.get_data(
            as_text=True
        )
    nothing = ann.get(f"/staff/conversations/{cid}", query_string={"faq_q": "<b>zzqx</b>"})
    body = nothing.get_data(as_text=True)
    assert nothing.status_code == 200 and "<b>zzqx" not in body
    assert "matches “&lt;b&gt;zzqx&lt;/b&gt;”" in body


def test_signed_out_is_sent_to_sign_in_and_a_gone_conversation_is_404(staff_app, ann):
    cid = hand_off(ann)["conversation_id"]
    anonymous = staff_app.test_client()
    for query in ("?faq_q=shipping", "?insert=en/shipping-time", "?partial=answers&faq_q=x"):
        response = anonymous.get(f"/staff/conversations/{cid}{query}")
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert ann.get("/staff/conversations/nope?insert=en/shipping-time").status_code == 404


def test_the_page_says_once_that_the_reply_was_sent(ann):
    cid = hand_off(ann)["conversation_id"]
    response = ann.get(f"/staff/conversations/{cid}")
    page = response.get_data(as_text=True)
    assert "data-reply-sent" not in page and 'aria-keyshortcuts="c"' in page
    assert "Set-Cookie" not in response.headers  # the sign-in cookie is not re-issued
    assert post(ann, f"/staff/conversations/{cid}/reply", text="   ").status_code == 302
    assert "data-reply-sent" not in ann.get(f"/staff/conversations/{cid}").get_data(as_text=True)
    post(ann, f"/staff/conversations/{cid}/reply", text="On its way.")
    assert "data-reply-sent" in ann.get(f"/staff/conversations/{cid}").get_data(as_text=True)
    assert "data-reply-sent" not in ann.get(f"/staff/conversations/{cid}").get_data(as_text=True)
