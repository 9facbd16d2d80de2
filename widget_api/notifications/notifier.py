"""E-mail and webhook notifications: what is announced, how it is built, and sending one.

A new handoff e-mails `STAFF_NOTIFY_EMAIL` and POSTs a small JSON document to `WEBHOOK_URL`; a
staff reply e-mails the visitor, only when they left an address and consent. Nothing is sent
on the request thread: the request writes outbox rows in its own transaction (`outbox`), and
each worker process's `OutboxSender` sends them, so a visitor's request never waits for, or
fails because of, an SMTP server or a webhook receiver, and a restart loses nothing. Failed
deliveries are logged with the conversation id and a reason only: never a message text, a
name or an address.

What is refused: an e-mail whose header would hold a line break or another control character
(`mail.HeaderRefused`) is not sent. A webhook that answers with a redirect is not followed (it
could point anywhere). No visitor token ever goes into an e-mail or a URL, and no link is
built from a request: the staff link comes from `STAFF_URL`, the visitor's from `SITE_URL`.
"""

from __future__ import annotations

import http.client
import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from sqlite_utils import Database

from ..store import conversations
from ..texts import text
from . import mail
from .cutoff import CutOff

MAX_BACKOFF = timedelta(hours=1)


class NotConfigured(RuntimeError):
    """A delivery waits for e-mail or a webhook that is no longer configured."""


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx answer becomes an HTTPError instead of a request to wherever it points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _Watched:
    """Keeps the connection urllib opens, so a CutOff can shut it down."""

    def __init__(self, connections: list, *args: Any) -> None:
        super().__init__(*args)
        self._connections = connections

    def do_open(self, http_class, req, **http_conn_args):
        def connection(*args: Any, **kwargs: Any) -> http.client.HTTPConnection:
            made = http_class(*args, **kwargs)
            self._connections.append(made)
            return made

        return super().do_open(connection, req, **http_conn_args)


class _WatchedHTTPHandler(_Watched, urllib.request.HTTPHandler):
    pass


class _WatchedHTTPSHandler(_Watched, urllib.request.HTTPSHandler):
    pass


def transient(error: Exception) -> bool:
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


def reason(error: Exception) -> str:
    """What went wrong, without anything the error may quote (addresses, texts, URLs)."""
    if isinstance(error, urllib.error.HTTPError):
        if 300 <= error.code < 400:
            return f"HTTP {error.code}, redirect not followed"
        return f"HTTP {error.code}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"SMTP {error.smtp_code}"
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, BaseException):
        return type(error.reason).__name__
    if isinstance(error, mail.HeaderRefused | NotConfigured):
        return f"refused: {error}"
    return type(error).__name__


class Notifier:
    """The notification settings (checked where they are declared), and the building and
    sending of one delivery."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)
        self.mail_enabled = bool(config["SMTP_HOST"])
        self.staff_mail_enabled = self.mail_enabled and bool(config["STAFF_NOTIFY_EMAIL"])
        self.webhook_enabled = bool(config["WEBHOOK_URL"])
        self.lease = timedelta(seconds=config["NOTIFY_LEASE_SECONDS"])

    @property
    def enabled(self) -> bool:
        """Whether anything is ever sent (so whether a sender is needed at all)."""
        return self.mail_enabled or self.webhook_enabled

    @property
    def handoff_deliveries(self) -> tuple[str, ...]:
        """The outbox kinds a new handoff is announced by."""
        kinds = ("staff_email",) if self.staff_mail_enabled else ()
        return kinds + (("webhook",) if self.webhook_enabled else ())

    @property
    def attempt_seconds(self) -> float:
        """The longest one attempt takes: its timeout bounds it whole (cutoff.py)."""
        return max(self.config["SMTP_TIMEOUT_SECONDS"], self.config["WEBHOOK_TIMEOUT_SECONDS"])

    def max_attempts(self, kind: str) -> int:
        """The first attempt and the configured retries."""
        return 1 + self.config["WEBHOOK_RETRIES" if kind == "webhook" else "MAIL_RETRIES"]

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt: doubling, at most an hour."""
        delay = self.config["NOTIFY_RETRY_DELAY_SECONDS"] * 2 ** min(attempts - 1, 20)
        return min(timedelta(seconds=delay), MAX_BACKOFF)

    def deliver(self, db: Database, row: Mapping[str, Any]) -> None:
        """Build the delivery of an outbox row from the stored conversation and send it once.

        Raises whatever sending raised; `transient` tells whether to try again. Raises
        conversations.ConversationNotFound when the conversation was erased meanwhile.
        """
        conversation = conversations.get_conversation(db, row["conversation_id"])
        if row["kind"] == "webhook":
            if not self.webhook_enabled:
                raise NotConfigured("WEBHOOK_URL is not set")
            self._post_webhook(self._webhook_document(conversation), row["delivery_key"])
            return
        if not self.mail_enabled:
            raise NotConfigured("SMTP_HOST is not set")
        if row["kind"] == "staff_email":
            message = self._staff_email(conversation, row["delivery_key"])
        else:
            [reply] = [m for m in conversation["messages"] if m["id"] == row["message_id"]]
            message = self._visitor_email(conversation, reply["text"], row["delivery_key"])
        mail.send_mail(self.config, message)

    def _email(self, to: str, subject: str, body: str, delivery_key: str) -> EmailMessage:
        # A Message-ID made from the delivery, so a copy sent again after a crash has the
        # same one, and mail systems that drop duplicates by Message-ID drop it.
        return mail.build_email(self.config["SMTP_FROM"], to, subject, body, delivery_key)

    def _staff_email(self, conversation: Mapping[str, Any], delivery_key: str) -> EmailMessage:
        if not self.staff_mail_enabled:
            raise NotConfigured("STAFF_NOTIFY_EMAIL is not set")
        staff_lang, lang = self.config["DEFAULT_LANG"], conversation["lang"]
        link = f"{self.config['STAFF_URL'].rstrip('/')}/conversations/{conversation['id']}"
        subject = text(staff_lang, "mail.staff_subject", lang=lang.upper())
        body = text(
            staff_lang,
            "mail.staff_body",
            lang=lang.upper(),
            question=conversation["question"],
            link=link,
        )
        return self._email(self.config["STAFF_NOTIFY_EMAIL"], subject, body, delivery_key)

    def _visitor_email(
        self, conversation: Mapping[str, Any], reply: str, delivery_key: str
    ) -> EmailMessage:
        lang, shop = conversation["lang"], self.config["SHOP_NAME"]
        # No name and no link from anything the visitor typed (issue 11, point 7).
        body = text(
            lang,
            "mail.visitor_body",
            date=mail.question_date(conversation["created_at"], self.config["TIMEZONE"], lang),
            excerpt=mail.question_excerpt(conversation["question"]),
            reply=reply,
            site=self.config["SITE_URL"],
            shop=shop,
        )
        subject = text(lang, "mail.visitor_subject", shop=shop)
        return self._email(conversation["email"], subject, body, delivery_key)

    def _webhook_document(self, conversation: Mapping[str, Any]) -> bytes:
        document = {
            "event": "handoff.created",
            "conversation_id": conversation["id"],
            "lang": conversation["lang"],
            "created_at": conversation["created_at"],
        }
        if self.config["WEBHOOK_INCLUDE_PERSONAL_DATA"]:
            document.update(
                question=conversation["question"],
                name=conversation["name"],
                email=conversation["email"],
            )
        return json.dumps(document, ensure_ascii=False).encode("utf-8")

    def _post_webhook(self, payload: bytes, delivery_key: str) -> None:
        request = urllib.request.Request(
            self.config["WEBHOOK_URL"],
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "widget-api",
                # The same for every attempt of one delivery: a receiver can drop repeats.
                "Widget-Delivery": delivery_key,
            },
        )
        timeout = self.config["WEBHOOK_TIMEOUT_SECONDS"]
        connections: list[http.client.HTTPConnection] = []
        # WEBHOOK_TIMEOUT_SECONDS bounds the whole request, not each read (cutoff.py).
        opener = urllib.request.build_opener(
            _RefuseRedirects, _WatchedHTTPHandler(connections), _WatchedHTTPSHandler(connections)
        )
        try:
            with CutOff(timeout) as cut:
                cut.watch(lambda: connections[0].sock if connections else None)
                with opener.open(request, timeout=timeout):
                    pass
        except urllib.error.HTTPError as error:
            error.close()  # it holds the open response
            raise
