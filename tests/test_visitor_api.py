"""The visitor API against docs/api.md's contract: every endpoint and every error path."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.conftest import ManualClock, make_app
from widget_api.server import storage_health
from widget_api.settings import SettingsError
from widget_api.store.app_db import connect
from widget_api.visitor import ask_records

ORIGIN = "https://shop.example.com"
# JSON nested deeper than Python's recursion limit: json.loads raises RecursionError (a 500
# until caught). Its text is valid JSON, so only the depth is refused.
TOO_DEEP = "[" * 20000 + "]" * 20000


def error_of(response) -> tuple[int, str]:
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["message"].endswith("."), body
    return response.status_code, body["error"]["code"]


def health_details(app) -> dict:
    """The whole health report, as admins and `widget-api health` see it."""
    with app.app_context():
        db = connect(app.config["DATABASE"])
        try:
            return storage_health.health_report(db)
        finally:
            db.close()


def ask(client, question, lang=None):
    payload = {"question": question}
    if lang:
        payload["lang"] = lang
    response = client.post("/api/v1/ask", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize(
    ("question", "lang", "expected_id"),
    [
        ("Wie lange dauert der Versand?", "de", "versanddauer"),
        ("how long does shipping take", "en", "shipping-time"),
        ("wie lange dauer der versnad", "de", "versanddauer"),
        ("how long does shiping tkae", "en", "shipping-time"),
    ],
)
def test_ask_answers_from_the_sample_faq(client, question, lang, expected_id):
    body = ask(client, question, lang)
    assert body["answered"] is True, body
    assert body["answer"]["id"] == expected_id
    assert set(body["answer"]) == {"id", "question", "html", "score", "lang"}
    assert body["answer"]["lang"] == lang
    assert 0 <= body["answer"]["score"] <= 1
    assert body["handoff_offered"] is False
    assert body["answer"]["html"].startswith("<")


def test_ask_offers_a_person_when_nothing_fits(client):
    body = ask(client, "Can I book a flight to Rome with you?", "en")
    assert body["answered"] is False
    assert body["answer"] is None
    assert body["handoff_offered"] is True
    for suggestion in body["suggestions"]:
        assert set(suggestion) == {"id", "question", "score", "lang"}


def test_ask_says_the_language_of_the_entry_that_answered(client):
    # Without a language the question is matched against every language's entries.
    body = ask(client, "Wie lange dauert der Versand?", None)
    assert body["answer"]["id"] == "versanddauer" and body["answer"]["lang"] == "de"


@pytest.mark.parametrize(
    ("question", "page_lang", "expected_id", "answer_lang"),
    [
        ("Wie lange dauert der Versand?", "en", "versanddauer", "de"),
        ("How long does shipping take?", "de", "shipping-time", "en"),
        ("wie lange dauer der versnad", "en", "versanddauer", "de"),
    ],
)
def test_a_question_in_the_other_language_is_answered_in_its_language(
    client, question, page_lang, expected_id, answer_lang
):
    body = ask(client, question, page_lang)
    assert body["answered"] is True, body
    assert (body["answer"]["id"], body["answer"]["lang"]) == (expected_id, answer_lang)


@pytest.mark.parametrize("question", ["12345", "Packstation", "Gore-Tex", "PayPal?"])
@pytest.mark.parametrize("page_lang", ["de", "en"])
def test_an_ambiguous_question_keeps_the_page_language(client, question, page_lang):
    body = ask(client, question, page_lang)
    langs = [body["answer"]["lang"]] if body["answer"] else []
    langs += [s["lang"] for s in body["suggestions"]]
    typed = client.get("/api/v1/suggest", query_string={"q": question, "lang": page_lang})
    langs += [s["lang"] for s in typed.get_json()["suggestions"]]
    assert set(langs) <= {page_lang}, body


def test_ask_shape_and_language_filter(client):
    body = ask(client, "Versandkosten", "de")
    assert set(body) >= {"answered", "answer", "suggestions", "handoff_offered"}
    ids = [body["answer"]["id"]] if body["answer"] else []
    ids += [s["id"] for s in body["suggestions"]]
    app_entries = client.application.extensions["faq_library"].current().entries
    assert ids and all(app_entries[i].lang == "de" for i in ids)


def test_suggest_completes_what_is_typed(client):
    response = client.get("/api/v1/suggest", query_string={"q": "return my ord", "lang": "en"})
    assert response.status_code == 200
    suggestions = response.get_json()["suggestions"]
    assert suggestions and all(set(s) == {"id", "question", "lang"} for s in suggestions)
    assert {s["lang"] for s in suggestions} == {"en"}
    short = client.get("/api/v1/suggest", query_string={"q": "r", "lang": "en"}).get_json()
    assert short == {"suggestions": []}


@pytest.mark.parametrize(
    ("typed", "page_lang", "expected_id", "expected_lang"),
    [
        ("Wie lange dauert der Vers", "en", "versanddauer", "de"),
        ("how long does shipping", "de", "shipping-time", "en"),
        ("how long does shipping", "en", "shipping-time", "en"),
    ],
)
def test_suggest_completes_in_the_language_ask_would_answer_in(
    client, typed, page_lang, expected_id, expected_lang
):
    response = client.get("/api/v1/suggest", query_string={"q": typed, "lang": page_lang})
    suggestions = response.get_json()["suggestions"]
    assert suggestions[0]["id"] == expected_id, suggestions
    assert {s["lang"] for s in suggestions} == {expected_lang}
    # What asking the completed question answers, from the same page, is the same entry.
    body = ask(client, suggestions[0]["question"], page_lang)
    assert (body["answer"]["id"], body["answer"]["lang"]) == (expected_id, expected_lang)


def test_feedback_is_stored(app, client):
    response = client.post(
        "/api/v1/feedback",
        json={"faq_id": "shipping-time", "helpful": False, "question": "shipping??"},
    )
    assert response.status_code == 204 and response.data == b""
    from widget_api.store.app_db import connect

    rows = list(connect(app.config["DATABASE"])["feedback"].rows)
    assert [(r["faq_id"], r["helpful"], r["question"], r["lang"]) for r in rows] == [
        ("shipping-time", 0, "shipping??", "en")
    ]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"faq_id": "no-such-entry", "helpful": True}, 404, "unknown_faq_entry"),
        ({"faq_id": "shipping-time", "helpful": "yes"}, 400, "invalid_helpful"),
        ({"faq_id": 7, "helpful": True}, 400, "invalid_faq_id"),
        ({"helpful": True}, 400, "invalid_faq_id"),
        ({"faq_id": "shipping-time", "helpful": True, "question": ["x"]}, 400, "invalid_question"),
    ],
)
def test_feedback_errors(client, payload, status, code):
    assert error_of(client.post("/api/v1/feedback", json=payload)) == (status, code)


def test_widget_config(client):
    for lang in ("de", "en"):
        body = client.get("/api/v1/widget-config", query_string={"lang": lang}).get_json()
        assert body["lang"] == lang and body["languages"] == ["de", "en"]
        assert body["greeting"] and body["privacy"]["notice"] and body["privacy"]["url"]
        assert body["theme"] == {"color": "#1d4ed8", "position": "right"}
        hours = body["service_hours"]
        assert isinstance(hours["open_now"], bool)
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", hours["next_open"])
        assert hours["text"]
        limits = {key: value for key, value in body["limits"].items() if key != "email_pattern"}
        assert limits == {
            "question_length": 500,
            "name_length": 100,
            "email_length": 254,
            "message_length": 2000,
            "transcript_entries": 50,
            "rating_comment_length": 1000,
        }
        assert body["rating"]["send"] and body["rating"]["decline"]
    assert error_of(client.get("/api/v1/widget-config?lang=fr")) == (400, "unknown_language")


def test_widget_config_states_the_configured_question_limit(tmp_path):
    client = make_app(tmp_path, MAX_QUESTION_LENGTH=120).test_client()
    limits = client.get("/api/v1/widget-config?lang=de").get_json()["limits"]
    assert limits["question_length"] == 120
    too_long = {"question": "x" * 121, "lang": "de"}
    assert error_of(client.post("/api/v1/ask", json=too_long)) == (400, "question_too_long")


def test_health(app, client):
    body = client.get("/api/v1/health").get_json()
    assert body == {"status": "ok", "database": {"status": "ok"}, "faq": {"status": "ok"}}
    details = health_details(app)
    assert details["status"] == "ok"
    assert details["database"]["status"] == "ok" and details["database"]["journal_mode"] == "wal"
    assert details["database"]["problems"] == [] and details["database"]["last_error"] is None
    assert details["database"]["free_bytes"] > 0
    assert details["faq"]["entries"] >= 80 and details["faq"]["status"] == "ok"


def test_health_tells_anyone_the_status_words_only(tmp_path):
    # A write failure and a nearly full disk: anyone learns "degraded", not SQLite's error
    # text, how many bytes are left, the schema steps or the FAQ's generation.
    app = make_app(tmp_path, HEALTH_MIN_FREE_MB=1024**4)
    path = app.config["DATABASE"]
    app.config["DATABASE"] = f"file:{path}?mode=ro"
    client = app.test_client()
    answer = client.post("/api/v1/ask", json={"question": "Zorblax quintor vemmel?"})
    assert answer.status_code == 200
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "degraded",
        "database": {"status": "degraded"},
        "faq": {"status": "ok"},
    }
    details = health_details(app)
    assert details["database"]["problems"] == ["recent_write_failure", "low_disk_space"]
    assert "readonly" in details["database"]["last_error"]["message"]


def test_health_warns_of_a_disk_running_full(tmp_path):
    # More free space asked for than any disk has: the warning a filling disk gives.
    app = make_app(tmp_path, HEALTH_MIN_FREE_MB=1024**4)
    assert app.test_client().get("/api/v1/health").get_json()["status"] == "degraded"
    assert health_details(app)["database"]["problems"] == ["low_disk_space"]
    off = make_app(tmp_path / "off", HEALTH_MIN_FREE_MB=0)
    assert off.test_client().get("/api/v1/health").get_json()["status"] == "ok"
    with pytest.raises(SettingsError, match="HEALTH_MIN_FREE_MB"):
        make_app(tmp_path / "bad", HEALTH_MIN_FREE_MB=-1)


def test_a_failed_count_write_shows_in_health_and_keeps_the_counts(tmp_path, monkeypatch):
    monkeypatch.setattr(ask_records, "FLUSH_SECONDS", 0.0)  # every ask writes its count
    app = make_app(tmp_path)
    path = app.config["DATABASE"]
    app.config["DATABASE"] = f"file:{path}?mode=ro"
    client = app.test_client()
    question = app.extensions["faq_library"].current().index.entries[0].question
    answer = client.post("/api/v1/ask", json={"question": question})
    assert answer.status_code == 200 and answer.get_json()["answered"] is True
    assert health_details(app)["database"]["problems"] == ["recent_write_failure"]
    app.config["DATABASE"] = path
    assert client.post("/api/v1/ask", json={"question": question}).status_code == 200
    rows = connect(path).execute("SELECT SUM(count) FROM ask_stats").fetchone()
    assert rows == (2,)  # the count that failed was kept and written with the next


def test_counts_are_written_in_batches_of_flush_count(tmp_path):
    app = make_app(tmp_path)
    path = app.config["DATABASE"]
    counter = ask_records.AskCounter()
    due = [counter.count("de", "answer") for _ in range(ask_records.FLUSH_COUNT)]
    assert due == [False] * (ask_records.FLUSH_COUNT - 1) + [True]
    with pytest.raises(sqlite3.Error):
        counter.flush(connect(f"file:{path}?mode=ro"))
    assert counter.count("en", "handoff")  # the kept batch is still due
    counter.flush(connect(path))
    assert not counter.count("en", "handoff")
    rows = connect(path).execute("SELECT SUM(count) FROM ask_stats").fetchone()
    assert rows == (ask_records.FLUSH_COUNT + 1,)


def test_a_write_failure_shows_in_health_until_it_ages_out(tmp_path):
    app = make_app(tmp_path)
    clock = ManualClock()  # the record ages out when the test moves the clock, not by sleeping
    record = storage_health.StorageHealth(
        app.extensions["storage_health"].min_free_bytes, clock=clock
    )
    app.extensions["storage_health"] = record
    path = app.config["DATABASE"]
    app.config["DATABASE"] = f"file:{path}?mode=ro"  # reads work, writes fail
    client = app.test_client()
    answer = client.post("/api/v1/ask", json={"question": "Zorblax quintor vemmel?"})
    assert answer.status_code == 200  # the gaps log is best effort: the visitor is answered
    assert client.get("/api/v1/health").get_json()["status"] == "degraded"
    details = health_details(app)
    assert details["database"]["problems"] == ["recent_write_failure"]
    assert "readonly" in details["database"]["last_error"]["message"]
    app.config["DATABASE"] = path
    clock.advance(storage_health.RECENT_FAILURE_SECONDS - 0.1)
    assert client.get("/api/v1/health").get_json()["status"] == "degraded"
    clock.advance(0.1)
    assert client.get("/api/v1/health").get_json()["status"] == "ok"
    assert health_details(app)["database"]["last_error"]["message"]  # kept, for admins


def test_widget_js_is_cacheable_with_validators(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert "max-age" in response.headers["Cache-Control"]
    response.close()
    again = client.get("/widget.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    again.close()


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "invalid_json"),
        (
            {"data": b'{"question": "\xff"}', "content_type": "application/json"},
            400,
            "invalid_json",
        ),
        ({"data": TOO_DEEP, "content_type": "application/json"}, 400, "invalid_json"),
        ({"data": "null", "content_type": "application/json"}, 400, "invalid_body"),
        ({"data": "question=hi", "content_type": "text/plain"}, 415, "unsupported_media_type"),
        ({"json": ["a list"]}, 400, "invalid_body"),
        ({"json": {}}, 400, "invalid_question"),
        ({"json": {"question": ""}}, 400, "missing_question"),
        ({"json": {"question": "   \u0000 "}}, 400, "missing_question"),
        ({"json": {"question": 42}}, 400, "invalid_question"),
        ({"json": {"question": {"$ne": 1}}}, 400, "invalid_question"),
        ({"json": {"question": "x" * 501}}, 400, "question_too_long"),
        ({"json": {"question": "hi", "lang": "fr"}}, 400, "unknown_language"),
        ({"json": {"question": "hi", "lang": ["de"]}}, 400, "unknown_language"),
    ],
)
def test_ask_errors(client, kwargs, status, code):
    assert error_of(client.post("/api/v1/ask", **kwargs)) == (status, code)


def test_unknown_route_and_wrong_method(client):
    assert error_of(client.get("/api/v1/nothing-here")) == (404, "not_found")
    response = client.get("/api/v1/ask")
    assert error_of(response) == (405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_oversize_body_is_refused_before_reading(tmp_path):
    client = make_app(tmp_path, MAX_CONTENT_LENGTH=1024).test_client()
    response = client.post("/api/v1/ask", json={"question": "x" * 5000})
    assert error_of(response) == (413, "too_large")


def test_cors_only_for_allowed_origins(client):
    allowed = client.post("/api/v1/ask", json={"question": "hi"}, headers={"Origin": ORIGIN})
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in allowed.headers["Vary"]
    other = client.post(
        "/api/v1/ask", json={"question": "hi"}, headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in other.headers


def test_cors_preflight_allows_the_headers_used_later(client):
    response = client.options(
        "/api/v1/handoffs",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, idempotency-key, content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "idempotency-key" in allowed
    assert "DELETE" in response.headers["Access-Control-Allow-Methods"]
    refused = client.options(
        "/api/v1/ask",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_security_headers(client):
    response = client.get("/api/v1/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_rate_limits_answer_429_with_retry_after(tmp_path):
    app = make_app(
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_ASK="3 per minute",
        RATELIMIT_SUGGEST="2 per minute",
        RATELIMIT_FEEDBACK="1 per minute",
    )
    client = app.test_client()
    for _ in range(3):
        assert client.post("/api/v1/ask", json={"question": "shipping"}).status_code == 200
    limited = client.post("/api/v1/ask", json={"question": "shipping"})
    assert error_of(limited) == (429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0
    for _ in range(2):
        client.get("/api/v1/suggest?q=shipping")
    assert error_of(client.get("/api/v1/suggest?q=shipping")) == (429, "rate_limited")
    client.post("/api/v1/feedback", json={"faq_id": "shipping-time", "helpful": True})
    limited = client.post("/api/v1/feedback", json={"faq_id": "shipping-time", "helpful": True})
    assert error_of(limited) == (429, "rate_limited")


def test_retry_after_says_when_the_refusing_limit_lets_the_client_in_again(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_ASK="1 per day")
    client = app.test_client()
    served = client.post("/api/v1/ask", json={"question": "shipping"})
    assert served.status_code == 200
    # No X-RateLimit headers: they cost every served request two more storage round trips.
    assert not any(name.startswith("X-RateLimit") for name, _ in served.headers.items())
    limited = client.post("/api/v1/ask", json={"question": "shipping"})
    assert error_of(limited) == (429, "rate_limited")
    assert 86_000 < int(limited.headers["Retry-After"]) <= 86_401  # the day, not a guess


def test_a_refusal_stays_a_429_when_the_limit_storage_fails_after_the_check(tmp_path, monkeypatch):
    import flask_limiter._extension

    def storage_gone(_self):
        raise ConnectionError("Redis went away")

    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_ASK="1 per day")
    client = app.test_client()
    assert client.post("/api/v1/ask", json={"question": "shipping"}).status_code == 200
    monkeypatch.setattr(flask_limiter._extension.RequestLimit, "reset_at", property(storage_gone))
    limited = client.post("/api/v1/ask", json={"question": "shipping"})
    assert error_of(limited) == (429, "rate_limited") and limited.headers["Retry-After"] == "60"


def test_limits_are_per_app_and_not_checked_when_off(tmp_path):
    """RATELIMIT_ENABLED is each app's own: an app with limits off never checks them, even
    after another app in the same process turned them on (the limiter object is shared)."""
    unlimited = make_app(tmp_path / "off").test_client()
    limited = make_app(tmp_path / "on", RATELIMIT_ENABLED=True, RATELIMIT_ASK="1 per minute")
    limited = limited.test_client()
    ask = {"json": {"question": "shipping"}}
    assert [limited.post("/api/v1/ask", **ask).status_code for _ in range(2)] == [200, 429]
    assert {unlimited.post("/api/v1/ask", **ask).status_code for _ in range(3)} == {200}
    response = unlimited.post("/api/v1/ask", **ask)
    assert not any(name.startswith("X-RateLimit") for name, _ in response.headers.items())


def test_storage_failure_answers_503(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    # Replace the database file with a directory: every open fails as it would on a lost disk.
    import os

    os.remove(app.config["DATABASE"])
    for suffix in ("-wal", "-shm"):
        if os.path.exists(app.config["DATABASE"] + suffix):
            os.remove(app.config["DATABASE"] + suffix)
    os.mkdir(app.config["DATABASE"])
    response = client.post("/api/v1/feedback", json={"faq_id": "shipping-time", "helpful": True})
    assert error_of(response) == (503, "storage_unavailable")
    assert response.headers["Retry-After"]
