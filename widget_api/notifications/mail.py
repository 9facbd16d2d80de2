"""E-mail: building a message that no value can break, and sending it by SMTP.

A header value (address, subject) holding a line break or another control character raises
HeaderRefused rather than reach the message. Mail to a visitor is sent in the company's name to
an address the visitor typed, so it carries no free text the visitor chose beyond a short,
link-free excerpt of their own question (`question_excerpt`): not their name, never a link.
`notifier` decides when a message is sent and tries again when sending fails; the texts are in
the catalogue (widget_api/texts, `mail.`).
"""

from __future__ import annotations

import re
import smtplib
import ssl
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from ..input_rules import LINE_BREAKS_OR_CONTROLS
from ..texts import month_name, text
from .cutoff import CutOff

SMTPS_PORT = 465

# What of the visitor's own question the e-mail to them repeats (docs/security.md, "Outgoing
# mail and webhooks"): enough to recognise it, too little to carry a message of its own.
EXCERPT_LENGTH = 60
LINK_REMOVED = "[…]"
_DOT = "[.\u3002\uff0e\uff61]"  # what mail clients may read as the dot of a domain name
# A word a mail client could turn into a link: a URL or scheme, an address, a domain name.
_LINK_LIKE = re.compile(
    r"://|@|^(?:https?|ftp|file|mailto|tel|sms|callto|data|javascript):"
    rf"|^www{_DOT}|[^\W_]{_DOT}[^\W\d_]{{2,}}",
    re.IGNORECASE,
)
# Seven or more digits with phone-number punctuation: phones turn these into call links.
_PHONE_LIKE = re.compile(r"\+?\d(?:[ ()/-]*\d){6,}")


def question_excerpt(question: str, limit: int = EXCERPT_LENGTH) -> str:
    """The start of a visitor's question, safe to repeat in mail sent in the company's name.

    One line of at most `limit` characters, cut at a word. Anything a mail client could make a
    link of (URLs, domain names, addresses, phone numbers) becomes "[…]", and invisible
    formatting characters (bidi overrides, zero-width) are dropped, so the text the visitor
    chose cannot carry a link or disguise itself.
    """
    visible = "".join(
        " " if unicodedata.category(c) in ("Zl", "Zp") or c.isspace() else c
        for c in question
        if unicodedata.category(c) not in ("Cc", "Cf") or c.isspace()
    )
    visible = _PHONE_LIKE.sub(LINK_REMOVED, visible)
    words = [
        LINK_REMOVED if _LINK_LIKE.search(unicodedata.normalize("NFKC", word)) else word
        for word in visible.split()
    ]
    excerpt = ""
    for word in words:
        candidate = f"{excerpt} {word}" if excerpt else word
        if len(candidate) > limit - 1:
            return (excerpt or word[: limit - 1]) + "…"
        excerpt = candidate
    return excerpt


def question_date(created_at: str, zone: str, lang: str) -> str:
    """The day a question was asked, in the service's time zone: `14.03.2025`, `14 March 2025`."""
    day = datetime.fromisoformat(created_at).astimezone(ZoneInfo(zone))
    return text(
        lang,
        "mail.date",
        day=day.day,
        month=month_name(lang, day.month),
        month_number=day.month,
        year=day.year,
    )


class HeaderRefused(ValueError):
    """A header value is empty, not an address where one belongs, or holds a line break."""

    def __init__(self, header: str) -> None:
        super().__init__(f"unsafe or missing {header} header")
        self.header = header


def build_email(
    sender: str, to: str, subject: str, body: str, message_key: str | None = None
) -> EmailMessage:
    """A plain-text message; raises HeaderRefused rather than let a value break a header.

    `message_key` (letters and digits) makes the Message-ID, so that every copy of one
    notification carries the same one; without it a random one is made.
    """
    for header, value in (("From", sender), ("To", to), ("Subject", subject)):
        if not value or LINE_BREAKS_OR_CONTROLS.search(value):
            raise HeaderRefused(header)
    for header, value in (("From", sender), ("To", to)):
        if "@" not in parseaddr(value)[1]:
            raise HeaderRefused(header)
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2]
    if message_key is not None and not message_key.isalnum():
        raise HeaderRefused("Message-ID")
    message["Message-ID"] = (
        f"<{message_key}@{domain}>" if message_key else make_msgid(domain=domain)
    )
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    message.set_content(body)
    return message


class _Watched:
    """Known to the caller before it connects, so a CutOff reaches its socket from the start."""

    def __init__(self, made: list, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        super().__init__(*args, **kwargs)


class _WatchedSMTP(_Watched, smtplib.SMTP):
    pass


class _WatchedSMTPS(_Watched, smtplib.SMTP_SSL):
    pass


def send_mail(config: Mapping[str, Any], message: EmailMessage) -> None:
    """Deliver one message through the configured SMTP server, over TLS when configured."""
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    timeout = config["SMTP_TIMEOUT_SECONDS"]
    context = ssl.create_default_context()
    made: list[smtplib.SMTP] = []
    # SMTP_TIMEOUT_SECONDS bounds the whole conversation, greeting included, not each line of
    # it (cutoff.py).
    with CutOff(timeout) as cut:
        cut.watch(lambda: made[0].sock if made else None)
        if port == SMTPS_PORT:
            smtp: smtplib.SMTP = _WatchedSMTPS(made, host, port, timeout=timeout, context=context)
        else:
            smtp = _WatchedSMTP(made, host, port, timeout=timeout)
        with smtp:
            if port != SMTPS_PORT and config["SMTP_STARTTLS"]:
                smtp.starttls(context=context)
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
