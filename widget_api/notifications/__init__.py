"""Telling people: the staff e-mail and webhook, the visitor's reply mail, and the sender
thread that delivers what the outbox holds.

notifier.py builds and sends one notification, sender.py is the thread that works through the
outbox; this module wires them into the app, and is what views call.
"""

from __future__ import annotations

from flask import Flask, current_app

from .notifier import Notifier
from .sender import OutboxSender


def init_app(app: Flask) -> None:
    """Set up this app's sender from its settings (checked where they are declared).

    The sender's thread starts with the first request of each worker process (and at once
    under `widget-api serve`), not here: the CLI builds the app too, and must send nothing.
    """
    notifier = Notifier(app.config)
    sender = OutboxSender(notifier, app.config["DATABASE"])
    app.extensions["notifier"] = notifier
    app.extensions["outbox_sender"] = sender
    if notifier.enabled:
        app.before_request(sender.ensure_started)


def handoff_deliveries() -> tuple[str, ...]:
    """The outbox rows a new handoff is to be stored with, in this app."""
    return current_app.extensions["notifier"].handoff_deliveries


def mails_visitors() -> bool:
    """Whether a staff reply is to be stored with an e-mail to the visitor (if they left one)."""
    return current_app.extensions["notifier"].mail_enabled


def wake_sender() -> None:
    """After a commit that added outbox rows: send them now rather than at the next check."""
    current_app.extensions["outbox_sender"].wake()
