"""The handoff part of the visitor API against docs/api.md: every endpoint and every error."""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import make_app
from tests.test_visitor_api import ORIGIN, TOO_DEEP, error_of
from widget_api.store import conversations, staff_queue
from widget_api.store.app_db import connect
from widget_api.visitor.service_hours import ServiceHours, expected_reply

ISO_WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
QUESTION = {"question": "Can I pick up my order at your warehouse?", "lang": "en"}


def hand_off(client, payload=None, **kwargs):
    response = client.post("/api/v1/handoffs", json=payload or QUESTION, **kwargs)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def conversation_url(created) -> str:
    return f"/api/v1/conversations/{created['conversation_id']}"


def test_handoff_answers_with_id_token_and_expected_reply(client):
    body = hand_off(
        client,
        {
            **QUESTION,
            "name": "Ada",
            "email": "ada@example.com",
            "consent": True,
            "transcript": [{"from": "visitor", "text": "pick up?"}, {"from": "bot", "text": "…"}],
        },
    )
    assert set(body) == {"conversation_id", "token", "status", "expected_reply"}
    assert body["status"] == "new" and len(body["token"]) >= 43
    assert set(body["expected_reply"]) == {"text", "by"}
    assert body["expected_reply"]["text"]
    assert ISO_WITH_OFFSET.match(body["expected_reply"]["by"])


def test_conversation_shows_messages_but_never_notes_or_staff(app, client):
    created = hand_off(
        client, {**QUESTION, "transcript": [{"from": "bot", "text": "I do not know that."}]}
    )
    db = connect(app.config["DATABASE"])
    staff_queue.claim_conversation(db, created["conversation_id"], staff_id=987654321)
    staff_queue.add_staff_reply(db, created["conversation_id"], 987654321, "Yes, Monday to Friday.")
    staff_queue.add_note(db, created["conversation_id"], 987654321, "INTERNAL: regular customer")
    response = client.get(conversation_url(created), headers=bearer(created["token"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["conversation_id"] == created["conversation_id"] and body["status"] == "waiting"
    assert [(m["from"], m["transcript"]) for m in body["messages"]] == [
        ("bot", True),
        ("visitor", False),
        ("staff", False),
    ]
    assert body["messages"][-1]["name"] == "Team"
    text = response.get_data(as_text=True)
    assert "INTERNAL" not in text and "987654321" not in text.replace(body["conversation_id"], "")
    assert "staff_id" not in text and "assigned_to" not in text and "token" not in text


def test_follow_up_message_reopens(app, client):
    created = hand_off(client)
    db = connect(app.config["DATABASE"])
    staff_queue.claim_conversation(db, created["conversation_id"], staff_id=1)
    staff_queue.add_staff_reply(db, created["conversation_id"], 1, "Which order?")
    response = client.post(
        conversation_url(created) + "/messages",
        json={"text": "  Order 4711\x00 "},
        headers=bearer(created["token"]),
    )
    assert response.status_code == 201
    message = response.get_json()
    assert message["from"] == "visitor" and message["text"] == "Order 4711"
    assert ISO_WITH_OFFSET.match(message["created_at"])
    body = client.get(conversation_url(created), headers=bearer(created["token"])).get_json()
    assert body["status"] == "open" and body["messages"][-1]["text"] == "Order 4711"


def test_delete_removes_the_conversation(app, client):
    created = hand_off(client, {**QUESTION, "email": "ada@example.com", "consent": True})
    response = client.delete(conversation_url(created), headers=bearer(created["token"]))
    assert response.status_code == 204 and response.data == b""
    again = client.get(conversation_url(created), headers=bearer(created["token"]))
    assert error_of(again) == (404, "not_found")
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0


def test_another_visitors_token_is_the_same_404_as_an_unknown_id(client):
    mine, theirs = hand_off(client), hand_off(client)
    unknown = client.get("/api/v1/conversations/AAAAAAAAAAAAAAAAAAAAAA", headers=bearer("x"))
    expected = (unknown.status_code, unknown.get_json())
    assert expected[0] == 404 and error_of(unknown) == (404, "not_found")
    wrong = bearer(theirs["token"])
    attempts = [
        client.get(conversation_url(mine), headers=wrong),
        client.post(conversation_url(mine) + "/messages", json={"text": "hi"}, headers=wrong),
        client.delete(conversation_url(mine), headers=wrong),
        client.get(conversation_url(mine)),
        client.get(conversation_url(mine), headers={"Authorization": mine["token"]}),
        client.get(conversation_url(mine), headers={"Authorization": "Basic " + mine["token"]}),
    ]
    for response in attempts:
        assert (response.status_code, response.get_json()) == expected
    # The wrong tries changed nothing.
    assert client.get(conversation_url(mine), headers=bearer(mine["token"])).status_code == 200


@pytest.mark.parametrize(
    "token",
    ["x" * 100_000, "abc\x00def", "tökén", "ü" * 43, "\t", "Bearer Bearer", "%00", "' OR 1=1 --"],
)
def test_odd_tokens_get_404_never_500(client, token):
    created = hand_off(client)
    header = ("Bearer " + token).encode("utf-8").decode("latin-1")
    for method in ("get", "delete"):
        response = getattr(client, method)(
            conversation_url(created), headers={"Authorization": header}
        )
        assert error_of(response) == (404, "not_found")
    odd_ids = ["x" * 5000, "%00", "%C3%BC" * 30, "..%2F..", "a%0Ab"]
    for odd_id in odd_ids:
        response = client.get(f"/api/v1/conversations/{odd_id}", headers=bearer(created["token"]))
        assert error_of(response) == (404, "not_found")


RETRY_KEY = "7f1c2a0e9b3d4c5a8e6f1a2b3c4d5e6f"  # 16 random bytes in hex, as the widget makes


def test_idempotent_retry_gives_the_same_answer_and_keeps_the_owners_token(client):
    headers = {"Idempotency-Key": RETRY_KEY}
    first = hand_off(client, headers=headers)
    response = client.post("/api/v1/handoffs", json=QUESTION, headers=headers)
    assert response.status_code == 201 and response.headers["Idempotent-Replayed"] == "true"
    again = response.get_json()
    assert again["conversation_id"] == first["conversation_id"] and again["token"] == first["token"]
    assert client.get(conversation_url(first), headers=bearer(first["token"])).status_code == 200
    conflict = client.post(
        "/api/v1/handoffs", json={**QUESTION, "question": "Another one"}, headers=headers
    )
    assert error_of(conflict) == (409, "idempotency_conflict")
    other = hand_off(client, headers={"Idempotency-Key": "another-key-0123456789abcdef"})
    assert other["conversation_id"] != first["conversation_id"]


def test_a_replay_from_elsewhere_cannot_take_over_the_conversation(app, client):
    """The review's attack: replay the key after staff replied; the owner keeps access."""
    headers = {"Idempotency-Key": RETRY_KEY}
    owner = hand_off(client, headers=headers)
    db = connect(app.config["DATABASE"])
    staff_queue.add_staff_reply(db, owner["conversation_id"], 1, "Yes, from 9 to 5.")
    attacker = app.test_client()
    replay = attacker.post("/api/v1/handoffs", json=QUESTION, headers=headers)
    assert error_of(replay) == (409, "conversation_moved_on")
    assert set(replay.get_json()) == {"error"}
    mine = client.get(conversation_url(owner), headers=bearer(owner["token"]))
    assert [m["from"] for m in mine.get_json()["messages"]] == ["visitor", "staff"]


def test_a_visitor_message_also_ends_replays(client):
    headers = {"Idempotency-Key": RETRY_KEY}
    owner = hand_off(client, headers=headers)
    client.post(
        conversation_url(owner) + "/messages",
        json={"text": "Order 4711"},
        headers=bearer(owner["token"]),
    )
    replay = client.post("/api/v1/handoffs", json=QUESTION, headers=headers)
    assert error_of(replay) == (409, "conversation_moved_on")


def test_replays_end_with_the_window(tmp_path):
    app = make_app(tmp_path, HANDOFF_REPLAY_SECONDS=60)
    db = connect(app.config["DATABASE"])
    created = conversations.create_handoff(
        db,
        conversations.Handoff(QUESTION["question"], "en"),
        "1",
        RETRY_KEY,
        now=datetime.now(UTC) - timedelta(seconds=61),
    )
    client = app.test_client()
    replay = client.post("/api/v1/handoffs", json=QUESTION, headers={"Idempotency-Key": RETRY_KEY})
    assert error_of(replay) == (409, "idempotency_key_expired")
    assert conversations.visitor_may_access(db, created.conversation_id, created.token)
    assert db.execute("SELECT sealed_token FROM idempotency_keys").fetchall() == [(None,)]


@pytest.mark.parametrize(
    "key",
    [
        "",
        "x" * 201,
        "tab\there",
        "ümlaut",
        "k",
        "7f1c2a0e-retry",
        "x" * 21,  # 126 bits at best: one character short
        "a b" * 10,
        "~" * 30,
    ],
)
def test_bad_idempotency_keys(client, key):
    response = client.post(
        "/api/v1/handoffs",
        json=QUESTION,
        headers={"Idempotency-Key": key.encode("utf-8").decode("latin-1")},
    )
    assert error_of(response) == (400, "invalid_idempotency_key")
    assert len(key) < 5 or key not in response.get_data(as_text=True)


def test_idempotency_key_limits_are_inclusive(client):
    for key in ("k" * 22, "-" * 200, str(uuid.uuid4()), secrets.token_urlsafe(16)):
        hand_off(client, headers={"Idempotency-Key": key})


def test_idempotency_keys_are_never_logged(app, client, caplog):
    key = secrets.token_urlsafe(16)
    with caplog.at_level(logging.DEBUG):
        hand_off(client, headers={"Idempotency-Key": key})
        client.post("/api/v1/handoffs", json=QUESTION, headers={"Idempotency-Key": key})
        client.post(
            "/api/v1/handoffs", json={**QUESTION, "lang": "de"}, headers={"Idempotency-Key": key}
        )
        client.post("/api/v1/handoffs", json=QUESTION, headers={"Idempotency-Key": key[:21]})
    assert caplog.records  # the request log wrote its lines
    assert not [r for r in caplog.records if key[:21] in r.getMessage()]


TOO_LONG = "x" * 2001


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"question": ""}, "missing_question"),
        ({"question": None}, "invalid_question"),
        ({"question": "x" * 501}, "question_too_long"),
        ({"lang": "fr"}, "unknown_language"),
        ({"name": "Ada"}, "consent_required"),
        ({"email": "ada@example.com"}, "consent_required"),
        ({"email": "ada@example.com", "consent": False}, "consent_required"),
        ({"email": "ada@example.com", "consent": "yes"}, "invalid_consent"),
        ({"name": "Ada\r\nBcc: x@evil.example", "consent": True}, "invalid_name"),
        ({"name": "Ada\nSmith", "consent": True}, "invalid_name"),
        ({"name": "Ada\rSmith", "consent": True}, "invalid_name"),
        ({"name": 7, "consent": True}, "invalid_name"),
        ({"name": "A" * 101, "consent": True}, "name_too_long"),
        ({"email": "ada@example.com\r\nBcc: x@evil.example", "consent": True}, "invalid_email"),
        ({"email": "ada@example.com\n", "consent": True}, "invalid_email"),
        ({"email": "not an address", "consent": True}, "invalid_email"),
        ({"email": "ada@localhost", "consent": True}, "invalid_email"),
        ({"email": "a@b@example.com", "consent": True}, "invalid_email"),
        ({"email": ["ada@example.com"], "consent": True}, "invalid_email"),
        ({"email": "a" * 250 + "@example.com", "consent": True}, "email_too_long"),
        ({"transcript": "visitor: hi"}, "invalid_transcript"),
        ({"transcript": {"from": "bot", "text": "hi"}}, "invalid_transcript"),
        ({"transcript": [{"from": "bot", "text": "hi"}] * 51}, "transcript_too_long"),
        ({"transcript": ["hi"]}, "invalid_transcript_entry"),
        ({"transcript": [{"from": "staff", "text": "hi"}]}, "invalid_transcript_from"),
        ({"transcript": [{"text": "hi"}]}, "invalid_transcript_from"),
        ({"transcript": [{"from": ["bot"], "text": "hi"}]}, "invalid_transcript_from"),
        ({"transcript": [{"from": "bot"}]}, "invalid_transcript_text"),
        ({"transcript": [{"from": "bot", "text": 5}]}, "invalid_transcript_text"),
        ({"transcript": [{"from": "bot", "text": " \x00 "}]}, "missing_transcript_text"),
        ({"transcript": [{"from": "bot", "text": TOO_LONG}]}, "transcript_text_too_long"),
    ],
)
def test_handoff_validation_errors(client, changes, code):
    response = client.post("/api/v1/handoffs", json={**QUESTION, **changes})
    assert error_of(response) == (400, code)


DEEP_TEXT = '{"text": ' + TOO_DEEP + "}"


def test_a_body_nested_too_deep_is_invalid_json(client):
    deep = '{"question": "hi", "transcript": ' + TOO_DEEP + "}"
    response = client.post("/api/v1/handoffs", data=deep, content_type="application/json")
    assert error_of(response) == (400, "invalid_json")


def test_transcript_limits_are_inclusive_and_nothing_is_stored_on_error(app, client):
    full = [{"from": ("visitor", "bot")[i % 2], "text": "y" * 2000} for i in range(50)]
    created = hand_off(client, {**QUESTION, "transcript": full, "consent": True})
    body = client.get(conversation_url(created), headers=bearer(created["token"])).get_json()
    assert len(body["messages"]) == 51
    client.post("/api/v1/handoffs", json={**QUESTION, "transcript": [*full, full[0]]})
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == 1


def test_name_at_the_limit_and_consent_without_contact(app, client):
    created = hand_off(client, {**QUESTION, "name": "A" * 100, "consent": True})
    conversation = conversations.get_conversation(
        connect(app.config["DATABASE"]), created["conversation_id"]
    )
    assert conversation["name"] == "A" * 100 and conversation["consent_notice_version"] == "1"
    hand_off(client, {**QUESTION, "consent": True})
    hand_off(client, {**QUESTION, "name": "", "email": "  ", "consent": False})


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": "{", "content_type": "application/json"}, 400, "invalid_json"),
        ({"data": DEEP_TEXT, "content_type": "application/json"}, 400, "invalid_json"),
        ({"data": "text=hi", "content_type": "text/plain"}, 415, "unsupported_media_type"),
        ({"json": ["a list"]}, 400, "invalid_body"),
        ({"json": {}}, 400, "invalid_text"),
        ({"json": {"text": "  "}}, 400, "missing_text"),
        ({"json": {"text": {"$ne": 1}}}, 400, "invalid_text"),
        ({"json": {"text": TOO_LONG}}, 400, "text_too_long"),
    ],
)
def test_message_errors(client, kwargs, status, code):
    created = hand_off(client)
    url = conversation_url(created) + "/messages"
    response = client.post(url, headers=bearer(created["token"]), **kwargs)
    assert error_of(response) == (status, code)
    ok = client.post(url, json={"text": "z" * 2000}, headers=bearer(created["token"]))
    assert ok.status_code == 201


def test_wrong_methods(client):
    assert error_of(client.get("/api/v1/handoffs")) == (405, "method_not_allowed")
    created = hand_off(client)
    response = client.put(conversation_url(created), headers=bearer(created["token"]))
    assert error_of(response) == (405, "method_not_allowed")


def test_rate_limits_answer_429_with_retry_after(tmp_path):
    app = make_app(
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_HANDOFF="2 per hour",
        RATELIMIT_MESSAGE="1 per hour",
    )
    client = app.test_client()
    created = [hand_off(client) for _ in range(2)]
    limited = client.post("/api/v1/handoffs", json=QUESTION)
    assert error_of(limited) == (429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0
    url = conversation_url(created[0]) + "/messages"
    headers = bearer(created[0]["token"])
    assert client.post(url, json={"text": "one"}, headers=headers).status_code == 201
    limited = client.post(url, json={"text": "two"}, headers=headers)
    assert error_of(limited) == (429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0
    # Reading is not limited: the widget polls.
    assert client.get(conversation_url(created[0]), headers=headers).status_code == 200


def test_cors_for_the_conversation_calls(client):
    created = hand_off(client)
    for path, method in (
        ("/api/v1/handoffs", "POST"),
        (conversation_url(created), "DELETE"),
        (conversation_url(created) + "/messages", "POST"),
    ):
        response = client.options(
            path,
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization, idempotency-key, content-type",
            },
        )
        assert response.status_code == 204
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
        allowed = response.headers["Access-Control-Allow-Headers"].lower()
        assert "authorization" in allowed and "idempotency-key" in allowed
        assert method in response.headers["Access-Control-Allow-Methods"]
    response = client.get(
        conversation_url(created), headers={**bearer(created["token"]), "Origin": ORIGIN}
    )
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Cache-Control"] == "no-store"


HOURS = ServiceHours.parse("mon-fri 09:00-17:00", ["2025-12-25"], "Europe/Berlin")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("now", "lang", "by", "words"),
    [
        ("2025-12-01T10:00:00+01:00", "en", "2025-12-01T17:00:00+01:00", "within a few hours"),
        ("2025-12-01T10:00:00+01:00", "de", "2025-12-01T17:00:00+01:00", "weniger Stunden"),
        ("2025-12-01T18:00:00+01:00", "en", "2025-12-02T09:00:00+01:00", "tomorrow at 9:00"),
        ("2025-12-01T07:00:00+01:00", "de", "2025-12-01T09:00:00+01:00", "heute um 9:00 Uhr"),
        ("2025-12-24T18:00:00+01:00", "en", "2025-12-26T09:00:00+01:00", "Friday, 26 December"),
        ("2025-12-06T12:00:00+01:00", "de", "2025-12-08T09:00:00+01:00", "Montag, 8.12."),
        # Shortly before closing nobody promises "today": the closing and the next opening.
        ("2025-12-01T16:30:00+01:00", "en", "2025-12-02T09:00:00+01:00", "here until 17:00"),
        ("2025-12-01T16:30:00+01:00", "de", "2025-12-02T09:00:00+01:00", "morgen um 9:00 Uhr"),
        ("2025-12-01T15:59:00+01:00", "en", "2025-12-01T17:00:00+01:00", "within a few hours"),
    ],
)
def test_expected_reply_follows_the_service_hours(now, lang, by, words):
    reply = expected_reply(HOURS, at(now), lang)
    assert reply["by"] == by and words in reply["text"], reply


def test_expected_reply_without_any_hours(tmp_path):
    client = make_app(tmp_path, SERVICE_HOURS="").test_client()
    body = hand_off(client, {**QUESTION, "lang": "de"})
    assert body["expected_reply"]["by"] is None and body["expected_reply"]["text"]


def test_no_address_or_user_agent_is_stored(app, client):
    hand_off(client, headers={"User-Agent": "UniqueAgent/9.9", "X-Forwarded-For": "203.0.113.77"})
    files = [Path(app.config["DATABASE"] + suffix) for suffix in ("", "-wal")]
    data = b"".join(path.read_bytes() for path in files if path.exists())
    assert b"UniqueAgent" not in data and b"203.0.113.77" not in data and b"127.0.0.1" not in data


def test_a_full_transcript_fits_but_the_rest_of_the_api_keeps_its_body_limit(tmp_path):
    client = make_app(tmp_path, MAX_CONTENT_LENGTH=4096).test_client()
    full = [{"from": "bot", "text": "€" * 2000} for _ in range(50)]
    hand_off(client, {**QUESTION, "transcript": full})
    response = client.post("/api/v1/handoffs", data="x" * 700_000, content_type="application/json")
    assert error_of(response) == (413, "too_large")
    response = client.post("/api/v1/ask", json={"question": "x" * 5000})
    assert error_of(response) == (413, "too_large")
