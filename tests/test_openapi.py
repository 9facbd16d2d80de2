"""The OpenAPI document at /api/v1/openapi.json is valid and true.

True both ways: every /api/v1 route and method is in it and nothing else is; every documented
response (operation and status) is produced here for real and validates against its schema,
headers and content type included, and nothing is documented that cannot be produced.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.conftest import make_app
from widget_api.store import app_db as db_module
from widget_api.store import staff_queue
from widget_api.visitor import ask_records

API = "/api/v1"
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}
QUESTION = {"question": "Can I pick up my order at your warehouse?", "lang": "en"}


def load_document(client) -> dict[str, Any]:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


@pytest.fixture
def document(client) -> dict[str, Any]:
    return load_document(client)


def documented_operations(document) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)
    # Every schema in it is a valid JSON Schema (2020-12, OpenAPI 3.1's dialect).
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_api_route_is_documented_and_nothing_else(app, document):
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(f"{API}/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        routed |= {(method, path) for method in rule.methods - AUTOMATIC_METHODS}
    assert routed == documented_operations(document)
    # The path parameters of each path are declared.
    for path, item in document["paths"].items():
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{([^}]+)}", path)), path


def test_the_documented_limits_are_the_configured_ones(tmp_path):
    client = make_app(tmp_path, MAX_QUESTION_LENGTH=120).test_client()
    schemas = load_document(client)["components"]["schemas"]
    assert schemas["Question"]["maxLength"] == 120
    response = client.post(f"{API}/ask", json={"question": "x" * 121})
    assert response.status_code == 400
    assert client.post(f"{API}/ask", json={"question": "x" * 120}).status_code == 200


class ResponseChecker:
    """Validates real responses against the document and records which ones were seen."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.seen: set[tuple[str, str, str]] = set()

    def schema_validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        # The document's components next to the schema, so "#/components/..." refs resolve.
        root = {**schema, "components": self.document["components"]}
        return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def resolve(self, item: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in item:
            *_, kind, name = item["$ref"].split("/")
            item = self.document["components"][kind][name]
        return item

    def check(self, method: str, path: str, response) -> dict[str, Any] | None:
        status = str(response.status_code)
        operation = self.document["paths"][path][method.lower()]
        assert status in operation["responses"], (method, path, status, response.data[:300])
        documented = self.resolve(operation["responses"][status])
        self.seen.add((method, path, status))
        for name, header in documented.get("headers", {}).items():
            header = self.resolve(header)
            value = response.headers.get(name)
            if value is None:
                assert not header.get("required"), (method, path, status, name)
                continue
            if header["schema"].get("type") == "integer":
                assert value.isdigit(), (name, value)
                value = int(value)
            self.schema_validator(header["schema"]).validate(value)
        if "content" not in documented:
            assert response.data == b"", (method, path, status)
            return None
        assert response.mimetype in documented["content"], (method, path, response.mimetype)
        body = json.loads(response.data)
        schema = documented["content"][response.mimetype]["schema"]
        self.schema_validator(schema).validate(body)
        return body

    def documented(self) -> set[tuple[str, str, str]]:
        return {
            (method.upper(), path, status)
            for path, item in self.document["paths"].items()
            for method, operation in item.items()
            if method != "parameters"
            for status in operation["responses"]
        }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_real_responses_match_the_document_for_every_documented_status(tmp_path, monkeypatch):
    app = make_app(tmp_path / "main")
    client = app.test_client()
    checker = ResponseChecker(load_document(client))
    conversation = "/api/v1/conversations/{conversation_id}"
    messages = conversation + "/messages"
    rating = conversation + "/rating"

    def answer_and_close(created) -> None:
        db = db_module.connect(app.config["DATABASE"])
        staff_queue.add_staff_reply(db, created["conversation_id"], 1, "Yes, you can.")
        staff_queue.close_conversation(db, created["conversation_id"])

    def call(method: str, path: str, url: str | None = None, **kwargs):
        response = client.open(url or path, method=method, **kwargs)
        return checker.check(method, path, response)

    # Successes.
    call("GET", f"{API}/openapi.json")
    call("GET", f"{API}/health")
    for lang in ("de", "en", ""):
        call("GET", f"{API}/widget-config", query_string={"lang": lang})
    answered = call("POST", f"{API}/ask", json={"question": "How long does shipping take?"})
    assert answered["answered"] is True
    offered = call("POST", f"{API}/ask", json={"question": "book me a flight", "lang": None})
    assert offered["answer"] is None
    for query in ({"q": "ship", "lang": "en"}, {"q": ""}, {}):
        call("GET", f"{API}/suggest", query_string=query)
    call("POST", f"{API}/feedback", json={"faq_id": "shipping-time", "helpful": False})
    created = call(
        "POST",
        f"{API}/handoffs",
        json={**QUESTION, "email": " ada@example.com ", "consent": True, "name": None},
        headers={"Idempotency-Key": "openapi-1-Zq8vT3mWx5Lr2Kp9Yc"},
    )
    replay = client.post(
        f"{API}/handoffs",
        json={**QUESTION, "email": " ada@example.com ", "consent": True, "name": None},
        headers={"Idempotency-Key": "openapi-1-Zq8vT3mWx5Lr2Kp9Yc"},
    )
    checker.check("POST", f"{API}/handoffs", replay)
    assert replay.headers["Idempotent-Replayed"] == "true"
    created = replay.get_json()
    own = f"{API}/conversations/{created['conversation_id']}"
    token = bearer(created["token"])
    call("POST", messages, own + "/messages", json={"text": "Order 4711"}, headers=token)
    body = call("GET", conversation, own, headers=token)
    assert [m["from"] for m in body["messages"]] == ["visitor", "visitor"]
    call("POST", rating, own + "/rating", json={"score": 4}, headers=token)  # 409: not closed
    answer_and_close(created)
    assert call("GET", conversation, own, headers=token)["rating_wanted"] is True
    rated = {"score": 5, "comment": " Quick\x00 and friendly. "}
    assert call("POST", rating, own + "/rating", json=rated, headers=token)["score"] == 5
    call("POST", rating, own + "/rating", json={"score": None}, headers=token)  # 409: rated
    call("DELETE", conversation, own, headers=token)

    # Client errors.
    call("GET", f"{API}/widget-config", query_string={"lang": "fr"})
    call("GET", f"{API}/suggest", query_string={"q": "x" * 501})
    for path, payload in (
        (f"{API}/ask", {"question": " "}),
        (f"{API}/feedback", {"faq_id": "", "helpful": True}),
        (f"{API}/handoffs", {**QUESTION, "name": "Ada"}),
    ):
        call("POST", path, json=payload)
        call("POST", path, data="question=hi", content_type="text/plain")
    call("POST", f"{API}/feedback", json={"faq_id": "no-such-entry", "helpful": True})
    client.post(
        f"{API}/handoffs",
        json=QUESTION,
        headers={"Idempotency-Key": "openapi-2-Zq8vT3mWx5Lr2Kp9Yc"},
    )
    call(
        "POST",
        f"{API}/handoffs",
        json={**QUESTION, "question": "Something else"},
        headers={"Idempotency-Key": "openapi-2-Zq8vT3mWx5Lr2Kp9Yc"},
    )
    second = client.post(f"{API}/handoffs", json=QUESTION).get_json()
    other = f"{API}/conversations/{second['conversation_id']}"
    second_token = bearer(second["token"])
    call("POST", messages, other + "/messages", json={"text": " "}, headers=second_token)
    call("POST", messages, other + "/messages", data="x", headers=second_token)
    for url, headers in ((own, token), (other, token), (other, {})):
        call("GET", conversation, url, headers=headers)
        call("DELETE", conversation, url, headers=headers)
        call("POST", messages, url + "/messages", json={"text": "hi"}, headers=headers)
        call("POST", rating, url + "/rating", json={"score": 3}, headers=headers)
    for payload in ({"score": 0}, {"comment": "Fine"}, {"score": None, "comment": "Fine"}):
        call("POST", rating, other + "/rating", json=payload, headers=second_token)
    call("POST", rating, other + "/rating", data="x", headers=second_token)

    # Too large.
    small = make_app(tmp_path / "small", MAX_CONTENT_LENGTH=1024).test_client()
    big = {"question": "x" * 2000}
    for path in (f"{API}/ask", f"{API}/feedback"):
        checker.check("POST", path, small.post(path, json=big))
    response = small.post(f"{API}/handoffs", data="x" * 700_000, content_type="application/json")
    checker.check("POST", f"{API}/handoffs", response)
    third = small.post(f"{API}/handoffs", json=QUESTION).get_json()
    response = small.post(
        f"{API}/conversations/{third['conversation_id']}/messages",
        json={"text": "x" * 2000},
        headers=bearer(third["token"]),
    )
    checker.check("POST", messages, response)
    response = small.post(
        f"{API}/conversations/{third['conversation_id']}/rating",
        json={"score": 5, "comment": "x" * 2000},
        headers=bearer(third["token"]),
    )
    checker.check("POST", rating, response)

    # Rate limited.
    limited = make_app(
        tmp_path / "limited",
        RATELIMIT_ENABLED=True,
        RATELIMIT_ASK="1 per hour",
        RATELIMIT_SUGGEST="1 per hour",
        RATELIMIT_FEEDBACK="1 per hour",
        RATELIMIT_HANDOFF="1 per hour",
        RATELIMIT_MESSAGE="1 per hour",
        RATELIMIT_RATING="1 per hour",
    ).test_client()
    fourth = limited.post(f"{API}/handoffs", json=QUESTION).get_json()
    fourth_messages = f"{API}/conversations/{fourth['conversation_id']}/messages"
    for method, path, url, kwargs in (
        ("POST", f"{API}/ask", None, {"json": {"question": "shipping"}}),
        ("GET", f"{API}/suggest", None, {"query_string": {"q": "shipping"}}),
        ("POST", f"{API}/feedback", None, {"json": {"faq_id": "shipping-time", "helpful": True}}),
        ("POST", f"{API}/handoffs", None, {"json": QUESTION}),
        ("POST", messages, fourth_messages, {"json": {"text": "hi"}}),
        ("POST", rating, fourth_messages.replace("/messages", "/rating"), {"json": {"score": 1}}),
    ):
        kwargs.setdefault("headers", bearer(fourth["token"]))
        responses = [limited.open(url or path, method=method, **kwargs) for _ in range(2)]
        assert responses[-1].status_code == 429
        checker.check(method, path, responses[-1])

    # Storage unavailable: every connection fails, as on a lost disk.
    fifth = client.post(f"{API}/handoffs", json=QUESTION).get_json()
    fifth_url = f"{API}/conversations/{fifth['conversation_id']}"

    def unavailable(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(db_module, "connect", unavailable)
    monkeypatch.setattr(ask_records, "FLUSH_SECONDS", 0.0)
    headers = bearer(fifth["token"])
    # Asking needs no storage: an unanswered question and the counts are best effort.
    for question in ("How long does shipping take?", "Can I book a flight to Rome?"):
        response = client.post(f"{API}/ask", json={"question": question, "lang": "en"})
        assert response.status_code == 200
        checker.check("POST", f"{API}/ask", response)
    for method, path, url, kwargs in (
        ("GET", f"{API}/health", None, {}),
        ("POST", f"{API}/feedback", None, {"json": {"faq_id": "shipping-time", "helpful": True}}),
        ("POST", f"{API}/handoffs", None, {"json": QUESTION}),
        ("GET", conversation, fifth_url, {"headers": headers}),
        ("DELETE", conversation, fifth_url, {"headers": headers}),
        ("POST", messages, fifth_url + "/messages", {"json": {"text": "hi"}, "headers": headers}),
        ("POST", rating, fifth_url + "/rating", {"json": {"score": 2}, "headers": headers}),
    ):
        response = client.open(url or path, method=method, **kwargs)
        assert response.status_code == 503, (method, path)
        checker.check(method, path, response)

    assert checker.seen == checker.documented()


def test_a_wrong_method_answers_405_as_documented(client, document):
    checker = ResponseChecker(document)
    method_not_allowed = checker.resolve(document["components"]["responses"]["MethodNotAllowed"])
    validator = checker.schema_validator(
        method_not_allowed["content"]["application/json"]["schema"]
    )
    for path, item in document["paths"].items():
        url = path.replace("{conversation_id}", "AAAAAAAAAAAAAAAAAAAAAA")
        methods = {m.upper() for m in item if m != "parameters"}
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - methods:
            response = client.open(url, method=method)
            assert response.status_code == 405, (method, path)
            validator.validate(response.get_json())
            allowed = {m.strip() for m in response.headers["Allow"].split(",")}
            assert allowed - AUTOMATIC_METHODS == methods
