"""E-mail and webhook notifications, sent off the request thread.

A new handoff e-mails `STAFF_NOTIFY_EMAIL` and POSTs a small JSON document to `WEBHOOK_URL`; a
staff reply e-mails the visitor, only when they left an address and consent. Every delivery goes
through one daemon thread, so a visitor's request never waits for, or fails because of, an SMTP
server or a webhook receiver. Failed deliveries are tried again with growing waits and logged
with the conversation id and a reason only: never a message text, a name or an address.

What is refused: an e-mail whose header would hold a line break or another control character
(`mail.HeaderRefused`) is logged and not sent. A webhook that answers with a redirect is not
followed (it could point anywhere). No visitor token ever goes into an e-mail or a URL: links
point at the inbox or the company site.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import smtplib
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

from . import conversations as store
from . import mail
from .db import get_db
from .settings import SettingsError

log = logging.getLogger(__name__)

MAIL_RETRIES = 2
MAX_PENDING = 1000


def _is_absolute_http_url(value: str) -> bool:
    """An http(s) URL with a host, and nothing in it that could start another line."""
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(character.isspace() for character in value)
    )


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx answer becomes an HTTPError instead of a request to wherever it points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _transient(error: Exception) -> bool:
    """Whether trying again later may help (network trouble, 5xx, 408, 429, SMTP 4xx)."""
    if isinstance(error, urllib.error.HTTPError):
        return error.code >= 500 or error.code in (408, 429)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return False
    return isinstance(error, OSError)


def _reason(error: Exception) -> str:
    """What went wrong, without anything the error may quote (addresses, texts, URLs)."""
    if isinstance(error, urllib.error.HTTPError):
        if 300 <= error.code < 400:
            return f"HTTP {error.code}, redirect not followed"
        return f"HTTP {error.code}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"SMTP {error.smtp_code}"
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, BaseException):
        return type(error.reason).__name__
    return type(error).__name__


@dataclass(order=True)
class _Delivery:
    due: float
    seq: int
    kind: str = field(compare=False)  # "e-mail" or "webhook"
    conversation_id: str = field(compare=False)
    payload: Any = field(compare=False)  # an EmailMessage or the JSON bytes
    retries_left: int = field(compare=False)
    delay: float = field(compare=False)


class Notifier:
    """Builds notifications on the request thread and sends them on one daemon thread.

    Deliveries wait in a heap ordered by when they are due, so a retry waiting out its back-off
    holds up nothing else. At most MAX_PENDING wait; beyond that new ones are dropped and logged.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)
        self.mail_enabled = bool(config["SMTP_HOST"])
        self.staff_mail_enabled = self.mail_enabled and bool(config["STAFF_NOTIFY_EMAIL"])
        self.webhook_enabled = bool(config["WEBHOOK_URL"])
        if self.mail_enabled and not config["SMTP_FROM"]:
            raise SettingsError("SMTP_FROM must be set when SMTP_HOST is")
        tls = config["SMTP_STARTTLS"] or config["SMTP_PORT"] == mail.SMTPS_PORT
        if self.mail_enabled and config["SMTP_USERNAME"] and not tls:
            raise SettingsError("SMTP_USERNAME needs SMTP_STARTTLS or port 465 (no clear text)")
        if self.webhook_enabled and urlsplit(config["WEBHOOK_URL"]).scheme not in ("http", "https"):
            raise SettingsError("WEBHOOK_URL must be an http:// or https:// URL")
        if config["STAFF_NOTIFY_EMAIL"] and not _is_absolute_http_url(config["STAFF_URL"]):
            # The link in the staff e-mail comes from here and nowhere else: built from the
            # request's Host header, a visitor could point it at any site (issue 11, point 5).
            raise SettingsError(
                "STAFF_NOTIFY_EMAIL needs STAFF_URL, the inbox's address as staff open it "
                "(e.g. https://support.example.com/staff): links in e-mails are never built "
                "from a request's Host header"
            )
        self._opener = urllib.request.build_opener(_RefuseRedirects)
        self._queue: list[_Delivery] = []
        self._pending = 0
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None
        self._closed = False

    @property
    def wants_handoffs(self) -> bool:
        return self.webhook_enabled or self.staff_mail_enabled

    def handoff_created(self, conversation: Mapping[str, Any], inbox_link: str) -> None:
        """Queue the staff e-mail and the webhook for a stored conversation."""
        cid, lang = conversation["id"], conversation["lang"]
        if self.staff_mail_enabled:
            staff_lang = self.config["DEFAULT_LANG"]
            subject = mail.STAFF_SUBJECT[staff_lang].format(lang=lang.upper())
            body = mail.STAFF_BODY[staff_lang].format(
                lang=lang.upper(), question=conversation["question"], link=inbox_link
            )
            self._mail(cid, self.config["STAFF_NOTIFY_EMAIL"], subject, body)
        if self.webhook_enabled:
            document = {
                "event": "handoff.created",
                "conversation_id": cid,
                "lang": lang,
                "created_at": conversation["created_at"],
            }
            if self.config["WEBHOOK_INCLUDE_PERSONAL_DATA"]:
                document.update(
                    question=conversation["question"],
                    name=conversation["name"],
                    email=conversation["email"],
                )
            payload = json.dumps(document, ensure_ascii=False).encode("utf-8")
            self._submit("webhook", cid, payload, self.config["WEBHOOK_RETRIES"])

    def staff_replied(self, conversation: Mapping[str, Any], text: str) -> None:
        """Queue the e-mail to the visitor, only when they left an address and consent."""
        if not (self.mail_enabled and conversation["email"] and conversation["consent_at"]):
            return
        lang, shop = conversation["lang"], self.config["SHOP_NAME"]
        # No name and no link from anything the visitor typed (issue 11, point 7).
        body = mail.VISITOR_BODY[lang].format(
            date=mail.question_date(conversation["created_at"], self.config["TIMEZONE"], lang),
            excerpt=mail.question_excerpt(conversation["question"]),
            reply=text,
            site=self.config["SITE_URL"],
            shop=shop,
        )
        subject = mail.VISITOR_SUBJECT[lang].format(shop=shop)
        self._mail(conversation["id"], conversation["email"], subject, body)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued delivery is sent or given up; False on timeout (for tests)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        """Stop the worker; deliveries still waiting are dropped."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _mail(self, cid: str, to: str, subject: str, body: str) -> None:
        try:
            message = mail.build_email(self.config["SMTP_FROM"], to, subject, body)
        except mail.HeaderRefused as error:
            log.error("e-mail for conversation %s refused: %s", cid, error)
            return
        self._submit("e-mail", cid, message, MAIL_RETRIES)

    def _submit(self, kind: str, cid: str, payload: Any, retries: int) -> None:
        delay = self.config["NOTIFY_RETRY_DELAY_SECONDS"]
        with self._cond:
            if self._closed:
                return
            if self._pending >= MAX_PENDING:
                log.error("%s for conversation %s dropped: too many waiting", kind, cid)
                return
            due = time.monotonic()
            heapq.heappush(
                self._queue, _Delivery(due, next(self._seq), kind, cid, payload, retries, delay)
            )
            self._pending += 1
            # Started on first use, so a worker process forked after create_app gets its own.
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="notify", daemon=True)
                self._worker.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (
                    not self._queue or self._queue[0].due > time.monotonic()
                ):
                    wait = self._queue[0].due - time.monotonic() if self._queue else None
                    self._cond.wait(None if wait is None else max(wait, 0))
                if self._closed:
                    return
                delivery = heapq.heappop(self._queue)
            again = self._attempt(delivery)
            with self._cond:
                if again:
                    heapq.heappush(self._queue, delivery)
                else:
                    self._pending -= 1
                self._cond.notify_all()

    def _attempt(self, delivery: _Delivery) -> bool:
        """Send once; True when it failed and should be tried again (its due time moved)."""
        try:
            if delivery.kind == "webhook":
                self._post_webhook(delivery.payload)
            else:
                mail.send_mail(self.config, delivery.payload)
        except Exception as error:  # a worker must outlive every failure
            again = _transient(error) and delivery.retries_left > 0
            log.warning(
                "%s for conversation %s failed: %s%s",
                delivery.kind,
                delivery.conversation_id,
                _reason(error),
                "; will try again" if again else "",
            )
            if again:
                delivery.retries_left -= 1
                delivery.due = time.monotonic() + delivery.delay
                delivery.delay *= 2
            return again
        log.info("%s for conversation %s sent", delivery.kind, delivery.conversation_id)
        return False

    def _post_webhook(self, payload: bytes) -> None:
        request = urllib.request.Request(
            self.config["WEBHOOK_URL"],
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "widget-api"},
        )
        try:
            with self._opener.open(request, timeout=self.config["WEBHOOK_TIMEOUT_SECONDS"]):
                pass
        except urllib.error.HTTPError as error:
            error.close()  # it holds the open response
            raise


def init_app(app: Flask) -> None:
    """Put a Notifier on app.extensions["notifier"]; raises SettingsError when misconfigured."""
    app.extensions["notifier"] = Notifier(app.config)


def _inbox_link(conversation_id: str) -> str:
    """The conversation in the inbox, under the configured STAFF_URL only (checked at start)."""
    return f"{current_app.config['STAFF_URL'].rstrip('/')}/conversations/{conversation_id}"


def handoff_created(created: store.CreatedHandoff) -> None:
    """After a handoff is stored: tell staff and the webhook. A replayed create tells nobody.

    Never raises: a notification must not fail the visitor's request.
    """
    notifier: Notifier = current_app.extensions["notifier"]
    if created.replayed or not notifier.wants_handoffs:
        return
    cid = created.conversation_id
    try:
        notifier.handoff_created(store.get_conversation(get_db(), cid), _inbox_link(cid))
    except Exception as error:
        log.error("notifications for conversation %s not queued: %s", cid, _reason(error))


def staff_replied(conversation_id: str, text: str) -> None:
    """After a staff reply is stored: e-mail the visitor if they asked for that. Never raises."""
    notifier: Notifier = current_app.extensions["notifier"]
    if not notifier.mail_enabled:
        return
    try:
        notifier.staff_replied(store.get_conversation(get_db(), conversation_id), text)
    except Exception as error:
        log.error("e-mail for conversation %s not queued: %s", conversation_id, _reason(error))
