"""The staff inbox: sign-in, CSRF, roles, every route guarded, and the work on a conversation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.conftest import make_app
from widget_api.faq.check import check_path
from widget_api.input_rules import MAX_STAFF_TEXT_LENGTH
from widget_api.store import accounts, drafts, erasure
from widget_api.store.app_db import connect

PASSWORD = "correct horse battery"
QUESTION = {"question": "Do you sell snowshoes for kids?", "lang": "en"}


def add_account(app, email="ann@example.com", role="staff", password=PASSWORD) -> int:
    return accounts.create_account(connect(app.config["DATABASE"]), email, password, role)


def login_limited_app(tmp_path, per_account: str, per_address: str, **settings):
    """An app whose sign-in limits are these (the others as in tests), over plain HTTP."""
    return make_app(
        tmp_path,
        SECURE_COOKIES=False,
        RATELIMIT_ENABLED=True,
        RATELIMIT_LOGIN_ACCOUNT=per_account,
        RATELIMIT_LOGIN_ADDRESS=per_address,
        **settings,
    )


def csrf_of(client, path="/staff/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, email="ann@example.com", password=PASSWORD):
    token = csrf_of(client)
    return client.post(
        "/staff/login", data={"email": email, "password": password, "csrf_token": token}
    )


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_of(client, "/staff/queue"), **data})


def hand_off(client, payload=None) -> dict:
    response = client.post("/api/v1/handoffs", json=payload or QUESTION)
    assert response.status_code == 201
    return response.get_json()


@pytest.fixture
def staff_app(tmp_path):
    app = make_app(tmp_path, SECURE_COOKIES=False)
    add_account(app)
    add_account(app, "bob@example.com")
    add_account(app, "eve@example.com", role="editor")
    return app


def test_sign_in_and_out(staff_app):
    client = staff_app.test_client()
    response = sign_in(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/queue")
    assert client.get("/staff/queue").status_code == 200
    response = post(client, "/staff/logout")
    assert response.status_code == 302
    assert client.get("/staff/queue").status_code == 302


def test_unknown_user_and_wrong_password_answer_identically(staff_app):
    client = staff_app.test_client()
    unknown = sign_in(client, "nobody@example.com", PASSWORD)
    wrong = sign_in(client, "ann@example.com", "wrong password!")
    assert unknown.status_code == wrong.status_code == 401
    strip = re.compile(r'value="[^"]+"')
    assert strip.sub("", unknown.get_data(as_text=True)) == strip.sub(
        "", wrong.get_data(as_text=True)
    )


def test_disabled_account_cannot_sign_in_and_is_signed_out(staff_app):
    client = staff_app.test_client()
    assert sign_in(client).status_code == 302
    accounts.set_disabled(connect(staff_app.config["DATABASE"]), "ann@example.com")
    assert client.get("/staff/queue").status_code == 302
    assert sign_in(client).status_code == 401


def test_every_staff_route_refuses_anonymous_requests(staff_app):
    client = staff_app.test_client()
    token = csrf_of(client)  # a valid CSRF token, but nobody signed in
    created = hand_off(client)
    values = {
        "conversation_id": created["conversation_id"],
        "draft_id": 1,
        "delivery_id": 1,
        "filename": "x",
        "account_id": 1,
    }
    checked = 0
    for rule in staff_app.url_map.iter_rules():
        if not rule.rule.startswith("/staff") or rule.endpoint in ("staff.login", "staff.static"):
            continue
        path = rule.rule
        for name, value in values.items():
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), path)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method == "GET":
                response = client.get(path)
                assert response.status_code == 302, path
                assert "/staff/login" in response.headers["Location"]
            else:
                response = client.post(path, data={"csrf_token": token})
                assert response.status_code == 401, (method, path)
            checked += 1
    assert checked >= 14


def test_state_changes_need_the_csrf_token(staff_app):
    client = staff_app.test_client()
    sign_in(client)
    created = hand_off(client)
    cid = created["conversation_id"]
    for action in ("claim", "reply", "note", "close", "reopen"):
        response = client.post(f"/staff/conversations/{cid}/{action}", data={"text": "hi"})
        assert response.status_code == 403, action
        response = client.post(
            f"/staff/conversations/{cid}/{action}", data={"text": "hi", "csrf_token": "forged"}
        )
        assert response.status_code == 403, action
    assert client.post("/staff/login", data={"email": "x", "password": "y"}).status_code == 403
    conversation = client.get(f"/staff/conversations/{cid}").get_data(as_text=True)
    assert "hi" not in conversation.split("</h1>", 1)[1].split("<form", 1)[0]


def test_gets_leave_the_database_unchanged(staff_app):
    # A sign-in's last_seen is written at most once a minute: a stopped clock keeps a slow run
    # from writing it in the middle of this check.
    moment = datetime.now(UTC)
    staff_app.extensions["clock"] = lambda: moment
    client = staff_app.test_client()
    sign_in(client)
    created = hand_off(client)
    db_path = staff_app.config["DATABASE"]

    def dump():
        return "\n".join(connect(db_path).conn.iterdump())

    before = dump()
    for path in (
        "/staff/",
        "/staff/queue",
        "/staff/queue?view=mine",
        f"/staff/conversations/{created['conversation_id']}",
    ):
        client.get(path)
    assert dump() == before


def test_the_whole_work_on_a_conversation(staff_app):
    visitor, ann = staff_app.test_client(), staff_app.test_client()
    created = hand_off(
        visitor,
        {**QUESTION, "transcript": [{"from": "bot", "text": "I could not find an answer."}]},
    )
    cid = created["conversation_id"]
    sign_in(ann)
    queue = ann.get("/staff/queue?view=new").get_data(as_text=True)
    assert "Do you sell snowshoes for kids?" in queue and ">EN<" in queue
    page = ann.get(f"/staff/conversations/{cid}").get_data(as_text=True)
    assert "I could not find an answer." in page and "What the bot showed" in page

    assert post(ann, f"/staff/conversations/{cid}/claim").status_code == 302
    assert "snowshoes" in ann.get("/staff/queue?view=mine").get_data(as_text=True)
    post(ann, f"/staff/conversations/{cid}/note", text="Check stock with the warehouse")
    post(ann, f"/staff/conversations/{cid}/reply", text="Yes, sizes 28 to 35.")

    seen = visitor.get(
        f"/api/v1/conversations/{cid}", headers={"Authorization": f"Bearer {created['token']}"}
    ).get_json()
    texts = [m["text"] for m in seen["messages"]]
    assert "Yes, sizes 28 to 35." in texts
    assert "Check stock with the warehouse" not in texts
    assert "snowshoes" in ann.get("/staff/queue?view=waiting").get_data(as_text=True)

    post(ann, f"/staff/conversations/{cid}/close")
    assert "snowshoes" in ann.get("/staff/queue?view=closed").get_data(as_text=True)
    post(ann, f"/staff/conversations/{cid}/reopen")
    assert "snowshoes" in ann.get("/staff/queue?view=mine").get_data(as_text=True)


def test_second_claim_is_told_someone_else_won(staff_app):
    visitor, ann, bob = (staff_app.test_client() for _ in range(3))
    cid = hand_off(visitor)["conversation_id"]
    sign_in(ann)
    sign_in(bob, "bob@example.com")
    bob_token = csrf_of(bob, "/staff/queue")
    assert post(ann, f"/staff/conversations/{cid}/claim").status_code == 302
    response = bob.post(f"/staff/conversations/{cid}/claim", data={"csrf_token": bob_token})
    assert response.status_code == 409
    assert "Someone else claimed this conversation first." in response.get_data(as_text=True)


def test_empty_reply_is_refused_with_a_message(staff_app):
    visitor, ann = staff_app.test_client(), staff_app.test_client()
    cid = hand_off(visitor)["conversation_id"]
    sign_in(ann)
    response = post(ann, f"/staff/conversations/{cid}/reply", text="   ")
    page = ann.get(response.headers["Location"]).get_data(as_text=True)
    assert "Write something first." in page
    rows = list(
        connect(staff_app.config["DATABASE"]).query("SELECT * FROM messages WHERE author = 'staff'")
    )
    assert rows == []


def test_the_reply_limit_the_form_states_is_the_one_checked(staff_app):
    """The textareas' maxlength and the server's check are input_rules' one limit."""
    visitor, ann = staff_app.test_client(), staff_app.test_client()
    cid = hand_off(visitor)["conversation_id"]
    sign_in(ann)
    page = ann.get(f"/staff/conversations/{cid}").get_data(as_text=True)
    assert set(re.findall(r'<textarea[^>]* maxlength="(\d+)"', page)) == {
        str(MAX_STAFF_TEXT_LENGTH)
    }
    over = post(ann, f"/staff/conversations/{cid}/reply", text="x" * (MAX_STAFF_TEXT_LENGTH + 1))
    assert "That text is too long." in ann.get(over.headers["Location"]).get_data(as_text=True)
    post(ann, f"/staff/conversations/{cid}/reply", text="x" * MAX_STAFF_TEXT_LENGTH)
    db = connect(staff_app.config["DATABASE"])
    rows = list(db.query("SELECT length(text) AS n FROM messages WHERE author = 'staff'"))
    assert rows == [{"n": MAX_STAFF_TEXT_LENGTH}]


def test_line_breaks_as_browsers_send_them_count_once(staff_app):
    """A textarea's `maxlength` counts a line break once, its form sends CRLF: a reply the
    form allowed is stored, with `\\n`, as the widget and the e-mail show it."""
    ann = staff_app.test_client()
    cid = hand_off(ann)["conversation_id"]
    sign_in(ann)
    lines = "x" * 99 + "\r\n"
    text = lines * (MAX_STAFF_TEXT_LENGTH // 100)  # MAX characters as the browser counts
    assert post(ann, f"/staff/conversations/{cid}/reply", text=text).status_code == 302
    stored = connect(staff_app.config["DATABASE"]).execute(
        "SELECT text FROM messages WHERE author = 'staff'"
    )
    assert [row[0] for row in stored] == [text.replace("\r\n", "\n").strip()]


def test_unknown_conversation_is_404(staff_app):
    ann = staff_app.test_client()
    sign_in(ann)
    assert ann.get("/staff/conversations/nope").status_code == 404
    assert post(ann, "/staff/conversations/nope/reply", text="x").status_code == 404


def test_an_unknown_draft_delivery_account_or_entry_is_a_staff_page(staff_app):
    """Not werkzeug's bare "Not Found": the staff area's page, with its menu to go on."""
    add_account(staff_app, "ada@example.com", role="admin")
    ada = staff_app.test_client()
    sign_in(ada, "ada@example.com")
    for response in (
        ada.get("/staff/drafts/987.md"),
        post(ada, "/staff/drafts/987/accept"),
        post(ada, "/staff/drafts/987/reject"),
        post(ada, "/staff/deliveries/987/retry"),
        post(ada, "/staff/admin/accounts/987/disable"),
        ada.get("/staff/faq/en/no-such-entry"),
        ada.get("/staff/faq/xx/shipping-time"),
    ):
        page = response.get_data(as_text=True)
        assert response.status_code == 404, response.request.path
        assert "There is nothing at this address (any more)." in page, response.request.path
        assert 'href="/staff/queue"' in page
    german = ada.get("/staff/drafts/987.md", headers={"Accept-Language": "de"})
    assert "Unter dieser Adresse gibt es nichts (mehr)." in german.get_data(as_text=True)
    # Signed out, an unknown address still leads to the sign-in, not to what exists.
    assert staff_app.test_client().get("/staff/drafts/987.md").status_code == 302


def test_reply_becomes_a_draft_an_editor_turns_into_faq_text(staff_app, tmp_path):
    visitor, ann, eve = (staff_app.test_client() for _ in range(3))
    cid = hand_off(visitor)["conversation_id"]
    sign_in(ann)
    post(ann, f"/staff/conversations/{cid}/reply", text="Yes, **kids' snowshoes** in 3 sizes.")
    db = connect(staff_app.config["DATABASE"])
    (reply_id,) = db.execute("SELECT id FROM messages WHERE author = 'staff'").fetchone()
    post(ann, f"/staff/conversations/{cid}/draft", message_id=str(reply_id))
    (draft,) = drafts.list_drafts(db)
    assert draft["question"] == QUESTION["question"] and draft["conversation_id"] == cid

    assert ann.get("/staff/drafts").status_code == 403  # staff may not review
    sign_in(eve, "eve@example.com")
    page = eve.get("/staff/drafts").get_data(as_text=True)
    assert "Do you sell snowshoes for kids?" in page
    assert eve.get(f"/staff/drafts/{draft['id']}.md").status_code == 404  # not accepted yet
    post(eve, f"/staff/drafts/{draft['id']}/accept")
    download = eve.get(f"/staff/drafts/{draft['id']}.md")
    assert download.status_code == 200 and download.mimetype == "text/markdown"
    faq = tmp_path / "faq"
    faq.mkdir()
    (faq / "draft.md").write_bytes(download.data)
    files, problems = check_path(faq)
    assert problems == [] and files.entries[0].question == QUESTION["question"]

    # Erasing the conversation erases the draft made from it.
    erasure.delete_conversation(db, cid)
    assert drafts.list_drafts(db, status=None) == []


def test_staff_pages_forbid_framing_and_cookie_is_protected(tmp_path):
    app = make_app(tmp_path)  # SECURE_COOKIES at its default
    add_account(app)
    client = app.test_client()
    response = client.get("/staff/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/staff/login", headers={"Origin": "https://shop.example.com"}).headers
    )


def test_sign_in_is_limited_per_account_while_the_address_changes(tmp_path):
    app = login_limited_app(tmp_path, per_account="3 per minute", per_address="100 per minute")
    add_account(app)
    statuses = []
    for attempt in range(5):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{attempt + 1}"
        statuses.append(sign_in(client, password="wrong password!").status_code)
    assert statuses == [401, 401, 401, 429, 429]


def test_sign_in_is_limited_per_address(tmp_path):
    app = login_limited_app(tmp_path, per_account="100 per minute", per_address="2 per minute")
    client = app.test_client()
    statuses = [sign_in(client, f"u{i}@example.com").status_code for i in range(3)]
    assert statuses == [401, 401, 429]


def test_staff_pages_are_in_the_browsers_language(staff_app):
    client = staff_app.test_client()
    page = client.get("/staff/login", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert "Anmelden" in page.get_data(as_text=True)
    assert '<html lang="de">' in page.get_data(as_text=True)
