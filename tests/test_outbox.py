"""The outbox: notifications stored with what they announce, sent once, retried, shown to admins.

Deterministic parts drive the real `OutboxSender.run_once` with chosen moments (its thread is
kept off); the crash test kills the real `widget-api serve` with deliveries waiting and counts
what an aiosmtpd sink receives after the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import re
import signal
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import make_app
from tests.live_service import Http, Service, free_port, mailing_service, open_database
from tests.test_notify import QUESTION, STAFF, STAFF_URL, VISITOR, Receiver, SmtpInbox, hand_off
from tests.test_staff import add_account, post, sign_in
from widget_api.cli import main as cli_main
from widget_api.store import audit, outbox
from widget_api.store.app_db import connect

T0 = datetime(2030, 1, 7, 10, 0, tzinfo=UTC)


def outbox_app(tmp_path, smtp_port: int, **config):
    """The app with e-mail to staff and visitors on `smtp_port`; its sender thread kept off."""
    settings = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_port,
        "SMTP_STARTTLS": False,
        "SMTP_FROM": "support@example.com",
        "STAFF_NOTIFY_EMAIL": STAFF,
        "STAFF_URL": STAFF_URL,
        "NOTIFY_RETRY_DELAY_SECONDS": 1.0,
        "MAIL_RETRIES": 2,
        "SMTP_TIMEOUT_SECONDS": 2.0,
        "SECURE_COOKIES": False,
        **config,
    }
    app = make_app(tmp_path, **settings)
    app.extensions["outbox_sender"].autostart = False
    return app


class CountingInbox(SmtpInbox):
    """An SMTP sink that can be waited on until it holds a number of messages."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        with self.arrived:
            self.arrived.notify_all()
        return answer

    def wait_for(self, count: int, timeout: float) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.envelopes) >= count, timeout)


@contextlib.contextmanager
def smtp_sink(port: int | None = None):
    inbox = CountingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()


def rows(app) -> list[dict]:
    db = connect(app.config["DATABASE"])
    try:
        return outbox.deliveries(db)
    finally:
        db.close()


def test_a_handoff_is_stored_with_its_deliveries(tmp_path):
    receiver = Receiver()  # never called: the sender is off
    try:
        app = outbox_app(tmp_path, free_port(), WEBHOOK_URL=receiver.url)
        created = hand_off(app.test_client(), email=VISITOR, consent=True)
    finally:
        receiver.stop()
    stored = rows(app)
    assert sorted(row["kind"] for row in stored) == ["staff_email", "webhook"]
    assert {row["conversation_id"] for row in stored} == {created["conversation_id"]}
    assert all(row["status"] == "pending" and row["attempts"] == 0 for row in stored)
    # Rows hold ids only: the texts and the address stay in the conversation.
    assert VISITOR not in repr(stored) and QUESTION not in repr(stored)


def reply(app, conversation_id: str, text: str = "Yes, from Friday.") -> None:
    client = app.test_client()
    assert sign_in(client).status_code == 302
    response = post(client, f"/staff/conversations/{conversation_id}/reply", text=text)
    assert response.status_code == 302


def test_a_reply_is_stored_with_its_mail_only_for_a_visitor_who_left_an_address(tmp_path):
    app = outbox_app(tmp_path, free_port(), STAFF_NOTIFY_EMAIL="")
    add_account(app)
    with_address = hand_off(app.test_client(), email=VISITOR, consent=True)
    without = hand_off(app.test_client(), name="Kim", consent=True)
    reply(app, with_address["conversation_id"])
    reply(app, without["conversation_id"])
    [row] = rows(app)
    assert row["kind"] == "visitor_email"
    assert row["conversation_id"] == with_address["conversation_id"]


def test_failed_sends_back_off_on_the_clock_then_show_as_failed(tmp_path):
    port = free_port()  # nothing listens here yet
    app = outbox_app(tmp_path, port)
    created = hand_off(app.test_client())
    sender = app.extensions["outbox_sender"]
    db = connect(app.config["DATABASE"])
    try:
        assert sender.run_once(db, T0)
        [row] = outbox.deliveries(db)
        assert (row["status"], row["attempts"]) == ("pending", 1)
        assert row["last_error"] == "ConnectionRefusedError"
        assert row["due_at"] == (T0 + timedelta(seconds=1)).isoformat(timespec="milliseconds")
        assert not sender.run_once(db, T0 + timedelta(seconds=0.999))  # not due yet
        assert sender.run_once(db, T0 + timedelta(seconds=1))
        [row] = outbox.deliveries(db)
        assert row["due_at"] == (T0 + timedelta(seconds=3)).isoformat(timespec="milliseconds")
        assert sender.run_once(db, T0 + timedelta(seconds=3))  # the last of 1 + MAIL_RETRIES
        [row] = outbox.deliveries(db)
        assert (row["status"], row["attempts"]) == ("failed", 3)
        assert not sender.run_once(db, T0 + timedelta(days=1))  # failed stays failed
        [entry] = [e for e in audit.entries(db) if e["action"] == "notification.failed"]
        assert entry["target"] == created["conversation_id"]
        assert entry["details"] == {"kind": "staff_email", "delivery": row["id"], "attempts": 3}
        # An admin tries it again once the mail server is back: it goes out, once.
        with smtp_sink(port) as sink:
            assert outbox.retry_failed(db, T0 + timedelta(days=1), row["id"]) == 1
            assert sender.run_once(db, T0 + timedelta(days=1))
            assert not sender.run_once(db, T0 + timedelta(days=2))
        assert len(sink.envelopes) == 1 and outbox.deliveries(db) == []
    finally:
        db.close()


def test_a_claim_whose_lease_ran_out_is_taken_over_and_the_old_one_is_void(tmp_path):
    app = outbox_app(tmp_path, free_port())
    hand_off(app.test_client())
    lease = timedelta(seconds=300)
    db = connect(app.config["DATABASE"])
    try:
        first = outbox.claim_next(db, T0, lease)
        assert first is not None
        assert outbox.claim_next(db, T0 + lease - timedelta(milliseconds=1), lease) is None
        second = outbox.claim_next(db, T0 + lease, lease)  # the first sender died mid-send
        assert second["id"] == first["id"] and second["attempts"] == 2
        assert not outbox.finish(db, first["id"], first["claim"])
        assert outbox.finish(db, second["id"], second["claim"])
    finally:
        db.close()


def test_concurrent_senders_claim_every_delivery_exactly_once(tmp_path):
    app = outbox_app(tmp_path, free_port())
    database = app.config["DATABASE"]
    client = app.test_client()
    for _ in range(60):
        hand_off(client)
    claimed: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def claim_all() -> None:
        db = connect(database)
        start.wait()
        try:
            while (row := outbox.claim_next(db, T0, timedelta(minutes=5))) is not None:
                with lock:
                    claimed.append(row["id"])
        finally:
            db.close()

    threads = [threading.Thread(target=claim_all) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 60 and len(set(claimed)) == 60


def test_erasing_a_conversation_deletes_its_waiting_deliveries(tmp_path):
    app = outbox_app(tmp_path, free_port())
    add_account(app)
    visitor = app.test_client()
    created = hand_off(visitor, email=VISITOR, consent=True)
    reply(app, created["conversation_id"])
    assert {row["kind"] for row in rows(app)} == {"staff_email", "visitor_email"}
    response = visitor.delete(
        f"/api/v1/conversations/{created['conversation_id']}",
        headers={"Authorization": f"Bearer {created['token']}"},
    )
    assert response.status_code == 204
    assert rows(app) == []


def failed_delivery(tmp_path):
    """An app whose one staff e-mail failed for good (nobody listens on its SMTP port)."""
    app = outbox_app(tmp_path, free_port(), MAIL_RETRIES=0)
    created = hand_off(app.test_client())
    db = connect(app.config["DATABASE"])
    try:
        assert app.extensions["outbox_sender"].run_once(db, T0)
    finally:
        db.close()
    return app, created["conversation_id"]


def test_admins_see_failed_deliveries_on_a_staff_page(tmp_path):
    app, conversation_id = failed_delivery(tmp_path)
    add_account(app, "admin@example.com", role="admin")
    add_account(app, "staff@example.com", role="staff")
    staff = app.test_client()
    assert sign_in(staff, "staff@example.com").status_code == 302
    assert staff.get("/staff/deliveries").status_code == 403
    admin = app.test_client()
    assert sign_in(admin, "admin@example.com").status_code == 302
    page = admin.get("/staff/deliveries", headers={"Accept-Language": "de"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Fehlgeschlagen: 1" in html and conversation_id in html
    assert "ConnectionRefusedError" in html
    [row] = rows(app)
    response = post(admin, f"/staff/deliveries/{row['id']}/retry")
    assert response.status_code == 302
    assert rows(app)[0]["status"] == "pending"


def test_cli_lists_failed_deliveries_and_tries_them_again(tmp_path, monkeypatch):
    app, conversation_id = failed_delivery(tmp_path)
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", app.instance_path)
    monkeypatch.setenv("WIDGET_DATABASE", app.config["DATABASE"])
    runner = app.test_cli_runner()
    listed = runner.invoke(cli_main, ["outbox", "list"])
    assert listed.exit_code == 0, listed.output
    assert conversation_id in listed.output and "failed" in listed.output
    assert "ConnectionRefusedError" in listed.output
    [row] = rows(app)
    again = runner.invoke(cli_main, ["outbox", "retry", str(row["id"])])
    assert again.exit_code == 0 and "1 delivery(ies)" in again.output
    assert rows(app)[0]["status"] == "pending"
    unknown = runner.invoke(cli_main, ["outbox", "retry", "999"])
    assert unknown.exit_code == 1 and "Error: no failed delivery 999" in unknown.output


def conversation_ids_mailed(sink: SmtpInbox) -> list[str]:
    found = []
    for envelope in sink.envelopes:
        body = email.message_from_bytes(envelope.content, policy=policy.default)
        found += re.findall(r"/conversations/(\S+)", body.get_body().get_content())
    return found


@pytest.mark.slow
def test_deliveries_waiting_at_a_kill_are_sent_once_after_the_restart(tmp_path):
    smtp_port = free_port()  # the mail server is down during the first run
    service = mailing_service(tmp_path, smtp_port)
    service.start()
    service.wait_ready()
    created = []
    with contextlib.closing(Http(service.port)) as client:
        for n in range(8):
            reply_ = client.request(
                "POST", "/api/v1/handoffs", {"question": f"q {n}", "lang": "en"}
            )
            assert reply_.status == 201, reply_.body
            created.append(reply_.body["conversation_id"])
    with contextlib.closing(open_database(service.database)) as conn:
        waiting = conn.execute("SELECT COUNT(*) FROM outbox WHERE status != 'failed'").fetchone()
    assert waiting == (8,)
    # SIGKILL to master and workers: deliveries wait for their retry, or are being sent.
    service.kill()
    with smtp_sink(smtp_port) as sink:
        service.start()
        try:
            assert sink.wait_for(8, timeout=60), service.log_tail()
        finally:
            service.stop()
    # Each waiting delivery went out exactly once, though both workers' senders ran.
    assert sorted(conversation_ids_mailed(sink)) == sorted(created), service.log_tail()


class SlowInbox(CountingInbox):
    """An SMTP sink that takes the message but answers its DATA only when `answer` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.taking = threading.Event()  # a message's DATA arrived and waits for its answer
        self.answer = threading.Event()
        self.answered = 0

    async def handle_DATA(self, server, session, envelope):
        self.taking.set()
        await asyncio.get_running_loop().run_in_executor(None, self.answer.wait)
        self.answered += 1
        return await super().handle_DATA(server, session, envelope)


# Longer than the 10 s the worker's exit used to wait for its sender; within the SMTP timeout.
SLOW_ANSWER_SECONDS = 12


@pytest.mark.slow
def test_a_graceful_stop_while_sending_finishes_the_delivery_and_starts_no_other(tmp_path):
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    service = Service(
        tmp_path,
        workers=1,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=controller.port,
        SMTP_STARTTLS="false",
        SMTP_FROM="support@example.com",
        STAFF_NOTIFY_EMAIL=STAFF,
        STAFF_URL=STAFF_URL,
        SMTP_TIMEOUT_SECONDS=20,
        NOTIFY_LEASE_SECONDS=60,
    )
    try:
        service.start()
        service.wait_ready()
        with contextlib.closing(Http(service.port)) as client:
            first = client.request("POST", "/api/v1/handoffs", {"question": "one", "lang": "en"})
            assert first.status == 201, first.body
            assert inbox.taking.wait(20), service.log_tail()
            # Stored while the first e-mail is being sent: it waits for the next start.
            second = client.request("POST", "/api/v1/handoffs", {"question": "two", "lang": "en"})
            assert second.status == 201, second.body
        service.process.send_signal(signal.SIGTERM)  # `systemctl stop`: gunicorn's graceful stop
        # The mail server is slow to answer, but answers within SMTP_TIMEOUT_SECONDS.
        with contextlib.suppress(subprocess.TimeoutExpired):
            service.process.wait(SLOW_ANSWER_SECONDS)  # returns early only if it gave up
        inbox.answer.set()
        assert service.process.wait(30) == 0, service.log_tail()
    finally:
        inbox.answer.set()
        if service.running():
            service.kill()
        controller.stop()
    with contextlib.closing(open_database(service.database)) as conn:
        left = conn.execute("SELECT conversation_id, status, attempts FROM outbox").fetchall()
    # The e-mail taken by the mail server is done: its row is gone, so no restart sends it
    # again. The one stored meanwhile was never claimed: the next start sends it at once.
    assert left == [(second.body["conversation_id"], "pending", 0)], service.log_tail()
    assert inbox.answered == 1
    assert len(service.log_lines_with(f"conversation {first.body['conversation_id']} sent")) == 1
