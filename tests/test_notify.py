"""Notifications against real servers: aiosmtpd for e-mail, http.server for the webhook."""

from __future__ import annotations

import email
import json
import logging
import re
import socket
import threading
import time
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import make_app
from tests.test_staff import add_account, post, sign_in
from widget_api.notifications.mail import HeaderRefused, build_email, question_excerpt
from widget_api.settings import SettingsError

STAFF = "team@example.com"
VISITOR = "kim@example.net"
QUESTION = "Can I rent a tent for the weekend of the 12th?"
REPLY = "Yes, rentals are possible from Friday noon to Monday noon."
INJECTED = "\r\nBcc: evil@example.org"
STAFF_URL = "https://support.example.com/staff"


class SmtpInbox:
    """An aiosmtpd handler that keeps every envelope it is given."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages_to(self, address: str) -> list:
        return [e for e in self.envelopes if address in e.rcpt_tos]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


class Receiver:
    """A local HTTP endpoint that records every request and answers with `status`.

    With `hold`, it waits that long (or until released) before answering.
    """

    def __init__(self, status: int = 204, location: str | None = None, hold: float = 0) -> None:
        self.requests: list[dict] = []
        self.received = threading.Event()
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append(
                    {"method": self.command, "headers": self.headers, "body": body}
                )
                outer.received.set()
                if hold:
                    outer.release.wait(hold)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def receiver(**kwargs) -> Receiver:
        made.append(Receiver(**kwargs))
        return made[-1]

    yield receiver
    for each in made:
        each.stop()


@pytest.fixture
def notify_app(tmp_path):
    """make_app with fast retries; every notifier is stopped at the end."""
    apps = []

    def build(**config):
        config.setdefault("NOTIFY_RETRY_DELAY_SECONDS", 0.01)
        app = make_app(tmp_path, SECURE_COOKIES=False, **config)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["outbox_sender"].close()


def mail_settings(smtp: SmtpInbox, **extra) -> dict:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp.port,
        "SMTP_STARTTLS": False,
        "SMTP_FROM": "Nordlicht Support <support@example.com>",
        "STAFF_URL": STAFF_URL,
        **extra,
    }


def hand_off(client, **fields) -> dict:
    response = client.post("/api/v1/handoffs", json={"question": QUESTION, "lang": "en", **fields})
    assert response.status_code == 201
    return response.get_json()


def flush(app) -> None:
    assert app.extensions["outbox_sender"].flush(timeout=10)


def parsed(envelope):
    return email.message_from_bytes(envelope.content, policy=policy.default)


def test_new_handoff_emails_staff_the_question_and_inbox_link_but_no_token(smtp, notify_app):
    app = notify_app(**mail_settings(smtp, STAFF_NOTIFY_EMAIL=STAFF))
    created = hand_off(app.test_client(), name="Kim Berg", email=VISITOR, consent=True)
    flush(app)
    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == [STAFF]
    assert envelope.mail_from == "support@example.com"
    message = parsed(envelope)
    assert message["Subject"] == "New question from a visitor (EN)"
    body = message.get_body().get_content()
    assert QUESTION in body
    assert f"{STAFF_URL}/conversations/{created['conversation_id']}" in body
    raw = envelope.content.decode("utf-8", "replace")
    assert created["token"] not in raw and created["token"] not in body
    # Staff read the contact data in the inbox; the e-mail does not carry it.
    assert VISITOR not in raw and "Kim Berg" not in body


def test_staff_link_uses_staff_url_when_set(smtp, notify_app):
    app = notify_app(
        **mail_settings(smtp, STAFF_NOTIFY_EMAIL=STAFF, STAFF_URL="https://support.example/staff/")
    )
    created = hand_off(app.test_client())
    flush(app)
    body = parsed(smtp.envelopes[0]).get_body().get_content()
    assert f"https://support.example/staff/conversations/{created['conversation_id']}" in body


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8443"])
def test_staff_link_never_comes_from_the_host_header(smtp, notify_app, host):
    app = notify_app(**mail_settings(smtp, STAFF_NOTIFY_EMAIL=STAFF))
    response = app.test_client().post(
        "/api/v1/handoffs", json={"question": QUESTION, "lang": "en"}, headers={"Host": host}
    )
    assert response.status_code == 201
    flush(app)
    body = parsed(smtp.envelopes[0]).get_body().get_content()
    assert "attacker" not in body
    assert f"{STAFF_URL}/conversations/{response.get_json()['conversation_id']}" in body


@pytest.mark.parametrize("staff_url", ["", "support.example.com/staff", "javascript:alert(1)"])
def test_staff_notify_email_needs_an_absolute_staff_url(tmp_path, staff_url):
    # Without STAFF_URL the link used to be built from the Host header a visitor sends.
    config = {"SMTP_HOST": "127.0.0.1", "SMTP_FROM": "support@example.com"}
    with pytest.raises(SettingsError, match="STAFF_NOTIFY_EMAIL needs STAFF_URL"):
        make_app(tmp_path, **config, STAFF_NOTIFY_EMAIL=STAFF, STAFF_URL=staff_url)


def reply_as_staff(app, conversation_id: str, text: str = REPLY) -> None:
    add_account(app)
    client = app.test_client()
    assert sign_in(client).status_code == 302
    response = post(client, f"/staff/conversations/{conversation_id}/reply", text=text)
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("lang", "subject", "phrase"),
    [
        ("en", "Nordlicht Outdoor: a reply to your question", "open the chat on our website"),
        ("de", "Nordlicht Outdoor: Antwort auf deine Frage", "öffne den Chat auf unserer Website"),
    ],
)
def test_staff_reply_emails_the_visitor_in_their_language(smtp, notify_app, lang, subject, phrase):
    app = notify_app(**mail_settings(smtp, SITE_URL="https://shop.example.com/"))
    visitor = app.test_client()
    created = hand_off(visitor, lang=lang, name="Kim Berg", email=VISITOR, consent=True)
    reply_as_staff(app, created["conversation_id"])
    flush(app)
    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == [VISITOR]
    message = parsed(envelope)
    assert message["Subject"] == subject
    assert message["To"] == VISITOR
    body = message.get_body().get_content()
    assert REPLY in body and phrase in body and "https://shop.example.com/" in body
    # A neutral greeting: the name is the visitor's free text (issue 11, point 7).
    assert body.startswith(("Hello,\r\n", "Hallo,\r\n")) and "Kim" not in body
    assert QUESTION in body  # short enough to be repeated whole, so they recognise it
    headers, _, _ = envelope.content.partition(b"\r\n\r\n")
    assert b"Kim" not in headers  # the visitor's name never goes into a header
    raw = envelope.content.decode("utf-8", "replace")
    assert created["token"] not in raw and created["token"] not in body
    # The visitor can still read the reply in the widget, with the token.
    conversation = visitor.get(
        f"/api/v1/conversations/{created['conversation_id']}",
        headers={"Authorization": f"Bearer {created['token']}"},
    ).get_json()
    assert conversation["messages"][-1]["text"] == REPLY


PHISHING_NAME = "Sam. URGENT: your account is locked, unlock it at https://evil.example/u"
PHISHING_QUESTION = (
    "Dear customer, your account is locked! Unlock it at evil.example/unlock or www.evil.example "
    "or call +1 555 0100 200 within 24 hours, otherwise it will be deleted."
)


def test_reply_email_carries_no_visitor_name_and_no_link_from_visitor_text(smtp, notify_app):
    app = notify_app(**mail_settings(smtp, SITE_URL="https://shop.example.com/"))
    created = hand_off(
        app.test_client(),
        question=PHISHING_QUESTION,
        name=PHISHING_NAME,
        email=VISITOR,
        consent=True,
    )
    reply_as_staff(app, created["conversation_id"])
    flush(app)
    [envelope] = smtp.envelopes
    body = parsed(envelope).get_body().get_content()
    assert "Sam" not in body and "URGENT" not in body and "evil" not in body
    assert "555" not in body and "deleted" not in body  # the rest is cut off
    links = re.findall(r"(?:https?://|www\.)\S+", body)
    assert links == ["https://shop.example.com/"]  # only the operator's SITE_URL
    assert '"Dear customer, your account is locked! Unlock it at […] or…"' in body


@pytest.mark.parametrize(
    ("question", "excerpt"),
    [
        ("Where is my parcel?", "Where is my parcel?"),
        ("See https://evil.example/x now", "See […] now"),
        ("Look at evil.example, or EVIL.EXAMPLE/path", "Look at […] or […]"),
        ("write to kim@evil.example", "write to […]"),
        ("go to www\uff0eevil\uff0ecom today", "go to […] today"),
        ("mailto:x tel:+15550100 javascript:alert(1)", "[…] […] […]"),
        ("call +49 (30) 123-4567 now", "call […] now"),
        ("Bestellung vom 12.03.2025 fehlt", "Bestellung vom 12.03.2025 fehlt"),
        ("two\nlines\u2028and \u202eRLO\u200b", "two lines and RLO"),
        ("word " * 20, "word " * 11 + "word…"),
        ("x" * 80, "x" * 59 + "…"),
    ],
)
def test_question_excerpt_keeps_the_start_without_links(question, excerpt):
    assert question_excerpt(question) == excerpt
    assert len(question_excerpt(question)) <= 60


def test_staff_reply_sends_nothing_to_a_visitor_without_an_address(smtp, notify_app):
    app = notify_app(**mail_settings(smtp))
    created = hand_off(app.test_client(), name="Kim Berg", consent=True)
    reply_as_staff(app, created["conversation_id"])
    flush(app)
    assert smtp.envelopes == []


@pytest.mark.parametrize("personal", [False, True])
def test_webhook_gets_a_small_json_document(notify_app, receivers, personal):
    receiver = receivers()
    app = notify_app(WEBHOOK_URL=receiver.url, WEBHOOK_INCLUDE_PERSONAL_DATA=personal)
    created = hand_off(app.test_client(), name="Kim Berg", email=VISITOR, consent=True)
    flush(app)
    [request] = receiver.requests
    assert request["method"] == "POST"
    assert request["headers"]["Content-Type"] == "application/json"
    document = json.loads(request["body"])
    assert document.pop("created_at").endswith("+00:00")
    expected = {"event": "handoff.created", "conversation_id": created["conversation_id"]}
    expected["lang"] = "en"
    if personal:
        expected.update(question=QUESTION, name="Kim Berg", email=VISITOR)
    assert document == expected
    assert created["token"].encode() not in request["body"]


def test_a_replayed_handoff_notifies_once(notify_app, receivers):
    receiver = receivers()
    app = notify_app(WEBHOOK_URL=receiver.url)
    client = app.test_client()
    for _ in range(2):
        response = client.post(
            "/api/v1/handoffs",
            json={"question": QUESTION, "lang": "en"},
            headers={"Idempotency-Key": "same-handoff-7Qm2xR9vK4pL8sT1"},
        )
        assert response.status_code == 201
    flush(app)
    assert len(receiver.requests) == 1


def test_failing_webhook_is_retried_and_logged_without_personal_data(notify_app, receivers, caplog):
    caplog.set_level(logging.INFO, logger="widget_api.notifications.notifier")
    receiver = receivers(status=500)
    app = notify_app(WEBHOOK_URL=receiver.url, WEBHOOK_RETRIES=2)
    created = hand_off(app.test_client(), name="Kim Berg", email=VISITOR, consent=True)
    flush(app)
    assert len(receiver.requests) == 3  # the first attempt and two retries
    # One delivery: every attempt names it alike, so a receiver can drop repeats.
    assert len({r["headers"]["Widget-Delivery"] for r in receiver.requests}) == 1
    failures = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 3
    assert all(created["conversation_id"] in f and "HTTP 500" in f for f in failures)
    for secret in (QUESTION, "Kim Berg", VISITOR, created["token"], receiver.url):
        assert secret not in caplog.text


def test_unreachable_smtp_server_is_retried_and_the_request_succeeds(notify_app, caplog):
    caplog.set_level(logging.INFO, logger="widget_api.notifications.notifier")
    closed = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": free_port(), "SMTP_STARTTLS": False}
    app = notify_app(
        **closed,
        SMTP_FROM="support@example.com",
        STAFF_NOTIFY_EMAIL=STAFF,
        STAFF_URL=STAFF_URL,
        MAIL_RETRIES=2,
    )
    hand_off(app.test_client())
    flush(app)
    failures = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 3 and all("ConnectionRefusedError" in f for f in failures)


def test_webhook_redirect_is_not_followed(notify_app, receivers, caplog):
    caplog.set_level(logging.INFO, logger="widget_api.notifications.notifier")
    elsewhere = receivers()
    redirecting = receivers(status=302, location=elsewhere.url)
    app = notify_app(WEBHOOK_URL=redirecting.url)
    hand_off(app.test_client())
    flush(app)
    assert len(redirecting.requests) == 1  # a redirect is refused, not retried
    assert elsewhere.requests == []
    assert "redirect not followed" in caplog.text


def test_slow_webhook_does_not_hold_up_the_visitor(notify_app, receivers, caplog):
    caplog.set_level(logging.INFO, logger="widget_api.notifications.notifier")
    sleep = 10.0
    receiver = receivers(hold=sleep)
    app = notify_app(WEBHOOK_URL=receiver.url, WEBHOOK_TIMEOUT_SECONDS=1.0, WEBHOOK_RETRIES=0)
    started = time.monotonic()
    hand_off(app.test_client())
    elapsed = time.monotonic() - started
    assert receiver.received.wait(sleep)
    assert elapsed < sleep / 20
    flush(app)  # the sender gave up after its timeout, long before the receiver answered
    assert time.monotonic() - started < sleep
    assert "TimeoutError" in caplog.text


@pytest.mark.parametrize("setting", ["SMTP_FROM", "STAFF_NOTIFY_EMAIL"])
def test_line_break_in_a_configured_address_never_reaches_a_header(
    smtp, notify_app, caplog, setting
):
    caplog.set_level(logging.INFO, logger="widget_api.notifications.notifier")
    config = mail_settings(smtp, STAFF_NOTIFY_EMAIL=STAFF)
    config[setting] += INJECTED
    app = notify_app(**config)
    created = hand_off(app.test_client())
    flush(app)
    assert smtp.envelopes == []
    [record] = [r for r in caplog.records if r.name == "widget_api.notifications.notifier"]
    assert record.levelno == logging.ERROR
    assert created["conversation_id"] in record.getMessage() and "refused" in record.getMessage()
    assert "evil" not in caplog.text


def test_line_break_in_a_subject_built_from_input_never_reaches_a_header(smtp, notify_app, caplog):
    caplog.set_level(logging.INFO, logger="widget_api.notifications.notifier")
    app = notify_app(**mail_settings(smtp, SHOP_NAME="Nordlicht" + INJECTED))
    created = hand_off(app.test_client(), email=VISITOR, consent=True)
    reply_as_staff(app, created["conversation_id"])
    flush(app)
    assert smtp.envelopes == []
    assert "refused: unsafe or missing Subject header" in caplog.text


@pytest.mark.parametrize(
    ("sender", "to", "subject", "header"),
    [
        ("a@example.com", "b@example.com", "Hi\r\nBcc: evil@example.org", "Subject"),
        ("a@example.com", "b@example.com", "Hi\nthere", "Subject"),
        ("a@example.com", "b@example.com\r\nBcc: evil@example.org", "Hi", "To"),
        ("a@example.com\n", "b@example.com", "Hi", "From"),
        ("a@example.com", "b@example.com", "Hi\u2028there", "Subject"),
        ("a@example.com", "not an address", "Hi", "To"),
        ("", "b@example.com", "Hi", "From"),
    ],
)
def test_build_email_refuses_unsafe_header_values(sender, to, subject, header):
    with pytest.raises(HeaderRefused) as refused:
        build_email(sender, to, subject, "body")
    assert refused.value.header == header


def test_build_email_keeps_line_breaks_in_the_body_only():
    message = build_email("a@example.com", "b@example.com", "Grüße", "line 1\r\nBcc: x\n")
    assert message["Bcc"] is None
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@example.com>")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"SMTP_HOST": "mail.example.com"}, "SMTP_FROM must be set"),
        (
            {
                "SMTP_HOST": "mail.example.com",
                "SMTP_FROM": "a@example.com",
                "SMTP_USERNAME": "a",
                "SMTP_STARTTLS": False,
            },
            "clear text",
        ),
        ({"WEBHOOK_URL": "file:///etc/passwd"}, "WEBHOOK_URL: .* is not an http"),
    ],
)
def test_unusable_notification_settings_stop_the_start(tmp_path, config, message):
    with pytest.raises(SettingsError, match=message):
        make_app(tmp_path, **config)


class Trickler:
    """A server that answers every connection with `opening`, then `more` every 0.2 s, never
    completing its answer: every read gets a byte in time, the attempt would never end."""

    def __init__(self, opening: bytes, more: bytes) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.done = threading.Event()
        self.opening, self.more = opening, more
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.done.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.sendall(self.opening)
                while not self.done.wait(0.2):  # the pace of a slow server, not a sync
                    conn.sendall(self.more)
            except OSError:
                return

    def stop(self) -> None:
        self.done.set()
        self.listener.close()


@pytest.mark.parametrize("kind", ["smtp", "webhook"])
def test_a_server_that_answers_line_by_line_cannot_stretch_an_attempt(notify_app, kind, caplog):
    # The timeout bounds the whole attempt, not each read: so the lease and a worker's
    # graceful stop outlast every attempt (docs/security.md, outgoing mail).
    caplog.set_level(logging.INFO, logger="widget_api.notifications.notifier")
    if kind == "smtp":
        server = Trickler(b"", b"220-still greeting\r\n")
        config = {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": server.port,
            "SMTP_STARTTLS": False,
            "SMTP_FROM": "support@example.com",
            "STAFF_NOTIFY_EMAIL": STAFF,
            "STAFF_URL": STAFF_URL,
            "SMTP_TIMEOUT_SECONDS": 1.0,
            "MAIL_RETRIES": 0,
        }
    else:
        server = Trickler(b"HTTP/1.1", b" ")  # a status line that never ends
        config = {
            "WEBHOOK_URL": f"http://127.0.0.1:{server.port}/hook",
            "WEBHOOK_TIMEOUT_SECONDS": 1.0,
            "WEBHOOK_RETRIES": 0,
        }
    try:
        app = notify_app(**config)
        started = time.monotonic()
        hand_off(app.test_client())
        flush(app)
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert "TimeoutError" in caplog.text
    assert elapsed < 6, elapsed  # unbounded, it would run until flush gave up (10 s)
