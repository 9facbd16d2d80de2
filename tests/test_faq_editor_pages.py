"""The FAQ editor's pages: who may do what, every bad input, and what the service serves after."""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_app
from tests.test_staff import add_account, csrf_of, sign_in
from widget_api.faq.editing import MAX_ANSWER_LENGTH, content_hash


@pytest.fixture
def editor_app(tmp_path, faq_copy):
    app = make_app(tmp_path, FAQ_DIR=str(faq_copy), SECURE_COOKIES=False)
    add_account(app, "eve@example.com", "editor")
    add_account(app, "sam@example.com", "staff")
    return app


def signed_in(app, email):
    client = app.test_client()
    sign_in(client, email)
    return client


def form_of(page: str) -> dict[str, str]:
    """The entry form's fields as the page filled them."""
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page))
    for name, value in re.findall(r'<textarea[^>]*name="(\w+)"[^>]*>(.*?)</textarea>', page, re.S):
        fields[name] = value
    return {name: html_unescape(value) for name, value in fields.items()}


def html_unescape(value: str) -> str:
    import html

    return html.unescape(value)


def ask(app, question: str, lang: str = "en") -> dict:
    return app.test_client().post("/api/v1/ask", json={"question": question, "lang": lang}).json


def test_an_editor_changes_an_answer_and_the_widget_answers_with_it_at_once(editor_app, faq_copy):
    eve = signed_in(editor_app, "eve@example.com")
    page = eve.get("/staff/faq/en/shipping-time").get_data(as_text=True)
    form = form_of(page)
    assert form["question"] == "How long does shipping take?"
    assert "When will my order arrive?" in form["phrasings"]
    assert form["tags"] == "delivery-time"  # the file's tags are not the entry's own
    form["answer"] = "Parcels leave **the same day**."
    form["phrasings"] = "delivery time\nWhen will my order arrive?"  # reordered, others removed
    response = eve.post("/staff/faq/save/en/shipping-time", data=form)
    assert response.status_code == 302
    answer = ask(editor_app, "How long does shipping take?")["answer"]
    assert answer["html"] == "<p>Parcels leave <strong>the same day</strong>.</p>"
    text = (faq_copy / "en" / "shipping.md").read_text()
    assert "id: shipping-time\nalt: delivery time\nalt: When will my order arrive?\n" in text
    follow = eve.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved shipping-time." in follow


def test_the_list_searches_with_the_matcher_and_filters_by_tag(editor_app):
    sam = signed_in(editor_app, "sam@example.com")
    page = sam.get("/staff/faq?lang=de&q=wie+lange+dauert+der+versnad").get_data(as_text=True)
    first = re.search(r'<td lang="de"><a href="([^"]+)">([^<]+)</a>', page)
    assert first.group(1) == "/staff/faq/de/versanddauer"
    tagged = sam.get("/staff/faq?lang=en&tag=payment").get_data(as_text=True)
    assert "/staff/faq/en/payment-methods" in tagged
    assert "/staff/faq/en/shipping-time" not in tagged
    assert "New entry" not in tagged and "editors and admins change it" in tagged


def test_a_search_in_a_language_without_entries_lists_none_of_the_other(tmp_path, faq_copy):
    for german in (faq_copy / "de").glob("*.md"):
        german.unlink()
    app = make_app(tmp_path, FAQ_DIR=str(faq_copy), SECURE_COOKIES=False)
    add_account(app, "sam@example.com", "staff")
    sam = signed_in(app, "sam@example.com")
    english = sam.get("/staff/faq?lang=en&q=how+long+does+shipping+take").get_data(as_text=True)
    assert "/staff/faq/en/shipping-time" in english
    german = sam.get("/staff/faq?lang=de&q=how+long+does+shipping+take").get_data(as_text=True)
    assert "/staff/faq/en/" not in german


def test_a_staff_role_account_reads_but_every_write_is_403(editor_app, faq_copy):
    before = {p: p.read_bytes() for p in faq_copy.rglob("*.md")}
    sam = signed_in(editor_app, "sam@example.com")
    page = sam.get("/staff/faq/en/shipping-time").get_data(as_text=True)
    assert "readonly" in page and 'value="save"' not in page
    form = {**form_of(page), "answer": "Hacked", "csrf_token": csrf_of(sam, "/staff/queue")}
    new = {**form, "id": "new-one", "file": "en/shipping.md"}
    for path, data in [
        ("/staff/faq/save/en/shipping-time", form),
        ("/staff/faq/new/en", new),
        ("/staff/faq/delete/en/shipping-time", form),
        ("/staff/faq/preview", {"answer": "x", "csrf_token": form["csrf_token"]}),
    ]:
        assert sam.post(path, data=data).status_code == 403, path
    assert sam.get("/staff/faq/new/en").status_code == 403
    assert sam.get("/staff/faq/delete/en/shipping-time").status_code == 403
    assert {p: p.read_bytes() for p in faq_copy.rglob("*.md")} == before


def test_every_write_needs_the_csrf_token(editor_app, faq_copy):
    before = {p: p.read_bytes() for p in faq_copy.rglob("*.md")}
    eve = signed_in(editor_app, "eve@example.com")
    form = form_of(eve.get("/staff/faq/en/shipping-time").get_data(as_text=True))
    form.pop("csrf_token")
    for path, data in [
        ("/staff/faq/save/en/shipping-time", {**form, "answer": "x"}),
        ("/staff/faq/new/en", {**form, "id": "new-one", "file": "en/shipping.md"}),
        ("/staff/faq/delete/en/shipping-time", form),
        ("/staff/faq/preview", {"answer": "x"}),
    ]:
        assert eve.post(path, data=data).status_code == 403, path
        assert eve.post(path, data={**data, "csrf_token": "forged"}).status_code == 403
    assert {p: p.read_bytes() for p in faq_copy.rglob("*.md")} == before


def test_unknown_entries_and_languages_are_404(editor_app):
    eve = signed_in(editor_app, "eve@example.com")
    token = csrf_of(eve, "/staff/queue")
    assert eve.get("/staff/faq/en/no-such-entry").status_code == 404
    assert eve.get("/staff/faq/de/shipping-time").status_code == 404  # it is English
    assert eve.get("/staff/faq/xx/shipping-time").status_code == 404
    assert eve.get("/staff/faq/new/xx").status_code == 404
    assert eve.get("/staff/faq/en/../../etc/passwd").status_code == 404
    posted = eve.post("/staff/faq/save/en/no-such-entry", data={"csrf_token": token, "answer": "x"})
    assert posted.status_code == 404
    assert eve.post("/staff/faq/delete/en/nope", data={"csrf_token": token}).status_code == 404


def new_entry(eve, **changes):
    page = eve.get("/staff/faq/new/en").get_data(as_text=True)
    assert '<option value="en/shipping.md"' in page
    data = {
        "csrf_token": csrf_of(eve, "/staff/queue"),
        "file": "en/shipping.md",
        "id": "gift-wrap",
        "question": "Do you wrap gifts?",
        "phrasings": "gift wrapping\ncan you wrap my present",
        "tags": "gifts",
        "answer": "Yes, for free.",
        **changes,
    }
    return eve.post("/staff/faq/new/en", data=data)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "shipping-time"}, "duplicate id &#39;shipping-time&#39;"),
        ({"id": "../../etc/passwd"}, "The id may only use letters"),
        ({"id": "en/gift"}, "The id may only use letters"),
        ({"file": "../outside.md"}, "Choose one of the FAQ files"),
        ({"file": "de/shipping.md"}, "Choose one of the FAQ files"),
        ({"answer": "x" * (MAX_ANSWER_LENGTH + 1)}, f"longer than {MAX_ANSWER_LENGTH}"),
        ({"answer": "<img src=x onerror=alert(1)>"}, "empty once unsafe HTML is removed"),
        ({"phrasings": "How long does shipping take?"}, "the same question as"),
        ({"question": "  "}, "The question is empty."),
    ],
)
def test_bad_new_entries_are_refused_with_the_reason_in_place(
    editor_app, faq_copy, changes, message
):
    before = {p: p.read_bytes() for p in faq_copy.rglob("*.md")}
    eve = signed_in(editor_app, "eve@example.com")
    response = new_entry(eve, **changes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert str(faq_copy) not in page  # file names relative to the FAQ folder
    assert {p: p.read_bytes() for p in faq_copy.rglob("*.md")} == before


def test_create_then_delete_and_the_widget_follows(editor_app, faq_copy):
    eve = signed_in(editor_app, "eve@example.com")
    response = new_entry(eve)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/faq/en/gift-wrap"
    assert ask(editor_app, "Do you wrap gifts?")["answer"]["id"] == "gift-wrap"
    confirm = eve.get("/staff/faq/delete/en/gift-wrap").get_data(as_text=True)
    assert "Delete \u201cDo you wrap gifts?\u201d (gift-wrap)" in confirm
    file_hash = re.search(r'name="file_hash" value="(\w+)"', confirm).group(1)
    token = csrf_of(eve, "/staff/queue")
    deleted = eve.post(
        "/staff/faq/delete/en/gift-wrap", data={"csrf_token": token, "file_hash": file_hash}
    )
    assert deleted.status_code == 302
    answer = ask(editor_app, "Do you wrap gifts?")["answer"]
    assert answer is None or answer["id"] != "gift-wrap"
    assert "gift-wrap" not in (faq_copy / "en" / "shipping.md").read_text()


def test_unsafe_html_is_sanitised_in_the_preview_and_in_the_widget(editor_app):
    eve = signed_in(editor_app, "eve@example.com")
    token = csrf_of(eve, "/staff/queue")
    risky = 'Soon <script>alert(1)</script><a href="javascript:alert(2)" onclick="x()">x</a> **ok**'
    preview = eve.post("/staff/faq/preview", data={"csrf_token": token, "answer": risky})
    html = preview.get_data(as_text=True)
    assert "<script" not in html and "javascript:" not in html and "onclick" not in html
    assert "<strong>ok</strong>" in html
    form = form_of(eve.get("/staff/faq/en/shipping-time").get_data(as_text=True))
    page = eve.post(
        "/staff/faq/save/en/shipping-time", data={**form, "answer": risky, "action": "preview"}
    )
    assert "<script>alert" not in page.get_data(as_text=True)
    saved = eve.post("/staff/faq/save/en/shipping-time", data={**form, "answer": risky})
    assert saved.status_code == 302
    follow = eve.get(saved.headers["Location"]).get_data(as_text=True)
    assert "unsafe HTML removed" in follow  # the checker's warning, shown after the save
    widget = ask(editor_app, "How long does shipping take?")["answer"]["html"]
    assert "<script" not in widget and "javascript:" not in widget and "onclick" not in widget


def test_a_conflicting_change_on_disk_is_refused_and_both_versions_are_shown(editor_app, faq_copy):
    eve = signed_in(editor_app, "eve@example.com")
    form = form_of(eve.get("/staff/faq/en/shipping-time").get_data(as_text=True))
    path = faq_copy / "en" / "shipping.md"
    path.write_text(path.read_text().replace("1–2 working days", "4 working days"))
    on_disk = path.read_bytes()
    response = eve.post("/staff/faq/save/en/shipping-time", data={**form, "answer": "Mine."})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    yours = re.search(r'id="conflict-yours">(.*?)</pre>', page, re.S).group(1)
    disk = re.search(r'id="conflict-disk">(.*?)</pre>', page, re.S).group(1)
    assert "Mine." in yours and "4 working days" in disk
    assert path.read_bytes() == on_disk
    # The form now carries the hash of what is on disk: saving again is a decision.
    again = form_of(page)
    assert again["file_hash"] == content_hash(on_disk) and again["answer"] == "Mine."
    assert eve.post("/staff/faq/save/en/shipping-time", data=again).status_code == 302
    assert "Mine." in path.read_text()


def test_the_pages_work_without_javascript_and_load_nothing_inline(editor_app):
    eve = signed_in(editor_app, "eve@example.com")
    for path in ("/staff/faq", "/staff/faq/en/shipping-time", "/staff/faq/new/de"):
        response = eve.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline script
    entry = eve.get("/staff/faq/en/shipping-time").get_data(as_text=True)
    assert '<div class="preview answer" id="faq-preview"' in entry and "<p>Most orders" in entry


def test_an_entry_removed_on_disk_meanwhile_is_a_conflict_not_lost_work(editor_app, faq_copy):
    eve = signed_in(editor_app, "eve@example.com")
    form = form_of(eve.get("/staff/faq/en/shipping-express").get_data(as_text=True))
    path = faq_copy / "en" / "shipping.md"
    text = path.read_text()
    blocks = text.split("\n## ")
    path.write_text("\n## ".join(b for b in blocks if "id: shipping-express" not in b))
    response = eve.post("/staff/faq/save/en/shipping-express", data={**form, "answer": "Kept."})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "The entry is no longer in the file." in page and "Kept." in page
    assert "Kept." not in path.read_text()


def test_a_save_keeps_the_counterpart_the_help_centre_links(editor_app, faq_copy):
    eve = signed_in(editor_app, "eve@example.com")
    form = form_of(eve.get("/staff/faq/de/versanddauer").get_data(as_text=True))
    assert form["counterpart"] == "shipping-time"
    assert (
        eve.post("/staff/faq/save/de/versanddauer", data={**form, "answer": "Neu."}).status_code
        == 302
    )
    assert "id: versanddauer\n" in (faq_copy / "de" / "shipping.md").read_text()
    assert "counterpart: shipping-time\n" in (faq_copy / "de" / "shipping.md").read_text()
