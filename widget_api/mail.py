"""E-mail: the texts, building a message that no value can break, and sending it by SMTP.

A header value (address, subject) holding a line break or another control character raises
HeaderRefused rather than reach the message; the visitor's name never goes into a header at
all. `notify` decides when a message is sent and tries again when sending fails.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Mapping
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

SMTPS_PORT = 465
_UNSAFE_IN_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

STAFF_SUBJECT = {
    "en": "New question from a visitor ({lang})",
    "de": "Neue Frage aus dem Chat ({lang})",
}
STAFF_BODY = {
    "en": "A visitor asked a question the FAQ could not answer (language: {lang}).\n\n"
    "{question}\n\nOpen the conversation in the staff inbox:\n{link}\n",
    "de": "Im Chat kam eine Frage, die die FAQ nicht beantworten konnte (Sprache: {lang}).\n\n"
    "{question}\n\nGespräch im Posteingang öffnen:\n{link}\n",
}
VISITOR_SUBJECT = {
    "en": "{shop}: a reply to your question",
    "de": "{shop}: Antwort auf deine Frage",
}
VISITOR_BODY = {
    "en": "Hello{name},\n\nour team has answered your question:\n\n{reply}\n\n"
    "To answer, open the chat on our website: {site}\n\n"
    "You get this e-mail because you left your address with your question. In the chat you "
    "can delete the conversation at any time.\n\n{shop}\n",
    "de": "Hallo{name},\n\nunser Team hat auf deine Frage geantwortet:\n\n{reply}\n\n"
    "Um zu antworten, öffne den Chat auf unserer Website: {site}\n\n"
    "Du bekommst diese E-Mail, weil du bei deiner Frage deine Adresse angegeben hast. Im Chat "
    "kannst du das Gespräch jederzeit löschen.\n\n{shop}\n",
}


class HeaderRefused(ValueError):
    """A header value is empty, not an address where one belongs, or holds a line break."""

    def __init__(self, header: str) -> None:
        super().__init__(f"unsafe or missing {header} header")
        self.header = header


def build_email(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message; raises HeaderRefused rather than let a value break a header."""
    for header, value in (("From", sender), ("To", to), ("Subject", subject)):
        if not value or _UNSAFE_IN_HEADER.search(value):
            raise HeaderRefused(header)
    for header, value in (("From", sender), ("To", to)):
        if "@" not in parseaddr(value)[1]:
            raise HeaderRefused(header)
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    message.set_content(body)
    return message


def send_mail(config: Mapping[str, Any], message: EmailMessage) -> None:
    """Deliver one message through the configured SMTP server, over TLS when configured."""
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    timeout = config["SMTP_TIMEOUT_SECONDS"]
    context = ssl.create_default_context()
    if port == SMTPS_PORT:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if port != SMTPS_PORT and config["SMTP_STARTTLS"]:
            smtp.starttls(context=context)
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
