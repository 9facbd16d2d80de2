"""Fuzzing the visitor API: schemathesis against the OpenAPI document, and naughty strings.

schemathesis runs in-process through WSGI (no sockets) with every check it has, in its
examples, coverage and fuzzing phases, with data that fits the document and data that does
not. Conversation calls get a real conversation and its token most of the time, so they are
fuzzed past the 404 too. Then every string of the big list of naughty strings goes into every
text field. Rate limits are off; the databases live in memory (/dev/shm) where there is one,
since durability is not what these tests are about and every write is a synced commit.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from jsonschema import ValidationError
from schemathesis.core.parameters import ParameterLocation

from tests.conftest import make_app, shared_path
from tests.test_openapi import ResponseChecker
from widget_api.input_rules import remove_control_characters

API = "/api/v1"
QUESTION = {"question": "Can I pick up my order at your warehouse?", "lang": "en"}
NOT_FOUND = {
    "error": {"code": "not_found", "message": "There is no conversation here, or it is not yours."}
}
# Examples per operation in the fuzzing phase (the coverage phase adds its own, ~10-70);
# FUZZ_EXAMPLES=2000 for a deeper run by hand.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
# A fixed seed, so that a failure in CI is the same failure on every machine; FUZZ_SEED=<n>
# for other inputs.
SEED = int(os.environ.get("FUZZ_SEED", "610"))
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
        # Every check, but `ignored_auth` wants 401/403 without credentials where the contract
        # wants the same 404 as for an unknown id; the test checks that instead (below).
        "checks": {"ignored_auth": {"enabled": False}},
    }
)
OPERATIONS = {
    f"GET {API}/widget-config",
    f"POST {API}/ask",
    f"GET {API}/suggest",
    f"POST {API}/feedback",
    f"POST {API}/handoffs",
    f"GET {API}/conversations/{{conversation_id}}",
    f"DELETE {API}/conversations/{{conversation_id}}",
    f"POST {API}/conversations/{{conversation_id}}/messages",
    f"POST {API}/conversations/{{conversation_id}}/rating",
    f"GET {API}/health",
}  # not GET /openapi.json: schemathesis leaves out the document it was loaded from


def fast_folder() -> Path:
    """A temporary folder in memory where there is a tmpfs, removed when the process ends."""
    ram = Path("/dev/shm")
    parent = ram if ram.is_dir() and shutil.disk_usage(ram).free > 256 << 20 else None
    folder = Path(tempfile.mkdtemp(prefix="widget-fuzz-", dir=parent))
    atexit.register(shutil.rmtree, folder, True)
    return folder


# schemathesis collects one test per operation from a schema loaded at import time (its
# fixture-based loader does not work with pytest 9), so this app is built once, here.
FUZZED_APP = make_app(fast_folder())
schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", FUZZED_APP, config=CONFIG)


def uses_real_conversation(case) -> bool:
    """Whether this case gets a real conversation and its token instead of generated ones.

    Not when the id or the token was generated to be invalid (the server must refuse those
    as they are); otherwise three cases in four, decided by the generated data, so that a
    failing example replays alike.
    """
    if not case.path.startswith(f"{API}/conversations/"):
        return False
    if case.meta is not None and any(
        case.meta.is_negative_at(location)
        for location in (ParameterLocation.PATH, ParameterLocation.HEADER)
    ):
        return False
    generated = repr((case.path_parameters, case.headers, case.body)).encode()
    return hashlib.sha256(generated).digest()[0] % 4 != 0


@pytest.fixture
def statuses() -> Iterator[Counter[int]]:
    """The status codes of one operation's fuzzing; it must have got past the refusals.

    Checked as each operation's fuzzing ends, in the same test, so the check holds whatever
    ran before it or alone: a run of only 4xx answers would fuzz nothing but the validation.
    """
    seen: Counter[int] = Counter()
    yield seen
    assert any(200 <= status < 300 for status in seen), f"no success: {sorted(seen.items())}"


@pytest.mark.slow
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_no_failure(case, statuses):
    headers = {}
    if uses_real_conversation(case):
        client = FUZZED_APP.test_client()
        created, other = (client.post(f"{API}/handoffs", json=QUESTION).get_json() for _ in "12")
        case.path_parameters["conversation_id"] = created["conversation_id"]
        # ignored_auth's question as the contract answers it: no or a wrong token is a 404.
        wrong_tokens = ("", f"Bearer {other['token']}", f"Basic {created['token']}")
        if case.method.upper() != case.operation.method.upper():
            wrong_tokens = ()  # the coverage phase's undocumented method: 405 either way
        for wrong in wrong_tokens:
            probe = case.call(headers={"Authorization": wrong})
            assert (probe.status_code, probe.json()) == (404, NOT_FOUND), wrong
        headers["Authorization"] = f"Bearer {created['token']}"
    response = case.call_and_validate(headers=headers)
    statuses[response.status_code] += 1


def test_every_operation_of_the_api_is_fuzzed():
    """schemathesis makes one test per operation of the document: all of the visitor API."""
    fuzzed = {result.ok().label for result in schema.get_all_operations()}
    assert fuzzed == OPERATIONS


class HandoffWorkflow(schema.as_state_machine()):
    """schemathesis's stateful phase: chains of calls along the document's links.

    Create a handoff, then read, write to and delete the conversation (and read it again,
    where `use_after_free` wants the 404), with the token the handoff answered.

    Each run of the machine talks to an app of its own with an empty database: what a step may
    do next depends on the answers so far, and Hypothesis replays a run expecting the same
    answers, which a database filled by earlier runs or tests (a reused Idempotency-Key is a
    409) would not give.
    """

    # (operation, status) of every call, over all the machine's runs in one test.
    seen: ClassVar[Counter[tuple[str, int]]] = Counter()

    def setup(self) -> None:
        self.tokens: dict[str, str] = {}
        self.app = make_app(fast_folder())

    def after_call(self, response, case) -> None:
        super().after_call(response, case)
        self.seen[(case.operation.label, response.status_code)] += 1
        if case.operation.label == f"POST {API}/handoffs" and response.status_code == 201:
            created = response.json()
            self.tokens[created["conversation_id"]] = created["token"]

    def get_call_kwargs(self, case) -> dict:
        token = self.tokens.get((case.path_parameters or {}).get("conversation_id"))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return {"app": self.app, "headers": headers}


@pytest.mark.slow
class TestHandoffWorkflow(HandoffWorkflow.TestCase):
    settings = settings(
        max_examples=MAX_EXAMPLES // 4,
        stateful_step_count=6,
        derandomize="FUZZ_SEED" not in os.environ,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )

    def runTest(self) -> None:
        """Run the machine, then check it reached the conversations with their tokens and
        found them deleted (not only refusals)."""
        HandoffWorkflow.seen.clear()
        super().runTest()
        seen = HandoffWorkflow.seen
        conversation = f"{API}/conversations/{{conversation_id}}"
        assert seen[(f"GET {conversation}", 200)], sorted(seen.items())
        assert seen[(f"DELETE {conversation}", 204)], sorted(seen.items())


# --- The big list of naughty strings in every text field -------------------------------------


@pytest.fixture(scope="module")
def naughty() -> list[str]:
    strings = json.loads(shared_path("security", "blns.json").read_text(encoding="utf-8"))
    assert len(strings) > 500 and all(isinstance(s, str) for s in strings)
    return strings


@pytest.fixture(scope="module")
def blns_app():
    return make_app(fast_folder())


@pytest.fixture(scope="module")
def checker(blns_app) -> ResponseChecker:
    return ResponseChecker(blns_app.test_client().get(f"{API}/openapi.json").get_json())


def as_header(value: str) -> str:
    """What a WSGI server hands over for these bytes: UTF-8 read as Latin-1."""
    return value.encode("utf-8").decode("latin-1")


def handoff(client) -> tuple[str, dict[str, str]]:
    created = client.post(f"{API}/handoffs", json=QUESTION).get_json()
    url = f"{API}/conversations/{created['conversation_id']}"
    return url, {"Authorization": f"Bearer {created['token']}"}


FIELDS = [
    "ask.question",
    "ask.lang",
    "suggest.q",
    "suggest.lang",
    "widget-config.lang",
    "feedback.faq_id",
    "feedback.question",
    "handoffs.question",
    "handoffs.lang",
    "handoffs.name",
    "handoffs.email",
    "handoffs.Idempotency-Key",
    "messages.text",
    "conversations.conversation_id",
    "conversations.token",
]


def requests_for(field: str, value: str, client, own: tuple[str, dict[str, str]]):
    """(method, documented path, url, request kwargs) that put `value` into `field`."""
    conversation = f"{API}/conversations/{{conversation_id}}"
    url, auth = own
    match field.split("."):
        case ["ask", name]:
            yield "POST", f"{API}/ask", None, {"json": {"question": "shipping", name: value}}
        case ["suggest" | "widget-config" as endpoint, name]:
            yield "GET", f"{API}/{endpoint}", None, {"query_string": {name: value}}
        case ["feedback", name]:
            body = {"faq_id": "shipping-time", "helpful": False, name: value}
            yield "POST", f"{API}/feedback", None, {"json": body}
        case ["handoffs", "Idempotency-Key"]:
            if "\r" not in value and "\n" not in value:  # no HTTP client can send these
                headers = {"Idempotency-Key": as_header(value)}
                yield "POST", f"{API}/handoffs", None, {"json": QUESTION, "headers": headers}
        case ["handoffs", name]:
            body = {**QUESTION, "consent": True, name: value}
            yield "POST", f"{API}/handoffs", None, {"json": body}
        case ["messages", "text"]:
            path = f"{conversation}/messages"
            yield "POST", path, url + "/messages", {"json": {"text": value}, "headers": auth}
        case ["conversations", "conversation_id"]:
            odd = f"{API}/conversations/{quote(value, safe='')}"
            if value:  # an empty id is another path: the collection, which does not exist
                for method in ("GET", "DELETE"):
                    yield method, conversation, odd, {"headers": auth}
                path = f"{conversation}/messages"
                yield "POST", path, odd + "/messages", {"json": {"text": "hi"}, "headers": auth}
        case ["conversations", "token"]:
            if "\r" not in value and "\n" not in value:
                headers = {"Authorization": as_header(f"Bearer {value}")}
                yield "GET", conversation, url, {"headers": headers}
                path = f"{conversation}/messages"
                yield "POST", path, url + "/messages", {"json": {"text": "hi"}, "headers": headers}
                yield "DELETE", conversation, url, {"headers": headers}
        case _:
            raise AssertionError(field)


@pytest.mark.parametrize("field", FIELDS)
def test_every_naughty_string_in_every_text_field(field, naughty, blns_app, checker):
    client = blns_app.test_client()
    own = handoff(client)
    failures = []
    sent = 0
    for value in naughty:
        for method, path, url, kwargs in requests_for(field, value, client, own):
            sent += 1
            response = client.open(url or path, method=method, **kwargs)
            try:
                assert response.status_code < 500
                checker.check(method, path, response)
            except (AssertionError, ValidationError) as error:
                failures.append((value, method, response.status_code, str(error)[:200]))
    assert sent >= len(naughty) - 2
    assert not failures, f"{len(failures)} failures, first: {failures[:5]}"
    # Whatever was stored reads back: the conversation with every naughty follow-up in it.
    url, auth = own
    response = client.get(url, headers=auth)
    assert response.status_code == 200, field
    checker.check("GET", f"{API}/conversations/{{conversation_id}}", response)


def test_naughty_strings_in_transcripts_batched(naughty, blns_app, checker):
    client = blns_app.test_client()
    path = f"{API}/handoffs"
    for start in range(0, len(naughty), 50):
        transcript = [
            {"from": ("visitor", "bot")[i % 2], "text": text}
            for i, text in enumerate(naughty[start : start + 50])
        ]
        response = client.post(path, json={**QUESTION, "transcript": transcript})
        assert response.status_code < 500
        checker.check("POST", path, response)
        # Blank strings are refused; without them the batch is stored and reads back.
        kept = [entry for entry in transcript if remove_control_characters(entry["text"]).strip()]
        response = client.post(path, json={**QUESTION, "transcript": kept})
        assert response.status_code == 201, response.get_data(as_text=True)[:300]
        created = response.get_json()
        conversation = client.get(
            f"{API}/conversations/{created['conversation_id']}",
            headers={"Authorization": f"Bearer {created['token']}"},
        )
        checker.check("GET", f"{API}/conversations/{{conversation_id}}", conversation)
        assert len(conversation.get_json()["messages"]) == len(kept) + 1


# --- What the fuzzing found, each pinned down ----------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        # Surrogates as raw bytes, no escape: json reads bytes with "surrogatepass".
        b'{"question": "ship \xed\xa0\x80"}',
        '{"question": "ship \ud800"}'.encode("utf-16-le", "surrogatepass"),
    ],
)
def test_a_lone_surrogate_in_raw_bytes_is_refused(client, raw):
    response = client.post(f"{API}/ask", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_unicode"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (f"{API}/ask", '{"question": "ship \\ud800"}'),
        (f"{API}/feedback", '{"faq_id": "shipping-time", "helpful": false, "question": "\\udfff"}'),
        (f"{API}/handoffs", '{"question": "hi", "name": "\\ud800", "consent": true}'),
        (
            f"{API}/handoffs",
            '{"question": "hi", "transcript": [{"from": "bot", "text": "\\ud800"}]}',
        ),
        (f"{API}/handoffs", '{"question": "hi", "\\ud800": 1}'),
    ],
)
def test_a_lone_surrogate_is_refused_not_a_500(client, path, body):
    # Valid JSON, but no Unicode text: SQLite cannot store it (it was a 500).
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_unicode"
    # A proper pair of surrogate escapes is one character, and fine.
    pair = client.post(
        path.replace("handoffs", "ask").replace("feedback", "ask"),
        data='{"question": "\\ud83d\\ude00 shipping"}',
        content_type="application/json",
    )
    assert pair.status_code == 200


def test_length_limits_count_the_text_as_sent(client):
    # A too-long text that was shorter once controls and spaces are gone used to pass, though
    # the OpenAPI document (maxLength) says it may not.
    padded = "x" * 500 + "\x01 "
    blank = "\x1e" * 501
    assert client.get(f"{API}/suggest", query_string={"q": blank}).status_code == 400
    feedback = {"faq_id": "shipping-time", "helpful": True, "question": " " * 501}
    assert client.post(f"{API}/feedback", json=feedback).status_code == 400
    assert client.post(f"{API}/ask", json={"question": padded}).status_code == 400
    assert client.get(f"{API}/suggest", query_string={"q": padded}).status_code == 400
    response = client.post(f"{API}/handoffs", json={**QUESTION, "name": " " + "A" * 100})
    assert response.get_json()["error"]["code"] == "name_too_long"
    response = client.post(
        f"{API}/handoffs",
        json={**QUESTION, "transcript": [{"from": "bot", "text": "y" * 2000 + " "}]},
    )
    assert response.get_json()["error"]["code"] == "transcript_text_too_long"
    # At the limit, and trimmed as before.
    body = client.post(f"{API}/handoffs", json={**QUESTION, "name": " Ada ", "consent": True})
    assert body.status_code == 201
    assert client.post(f"{API}/ask", json={"question": " " + "x" * 499}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/conversations/File%3A%2F%2F%2F/messages",
        f"{API}/conversations/a%2F%2Fb",
        "/api//v1/health",
    ],
)
def test_doubled_slashes_are_a_404_in_the_error_shape_not_a_redirect(client, path):
    # An id with an encoded "//" was answered 308 with an HTML page (werkzeug merged slashes).
    for method in ("GET", "POST", "DELETE"):
        response = client.open(path, method=method, json={"text": "hi"})
        assert response.status_code in (404, 405), (method, response.status_code)
        assert response.get_json()["error"]["code"] in ("not_found", "method_not_allowed")
