"""The request log: method, path, status and duration, and nothing about the visitor.

werkzeug's development server (`widget-api demo`, `flask run`) logs the client's address and
the whole request line, query string included. A filter on the `werkzeug` logger drops those
lines and strips the address from its error lines; `RequestLog` writes this service's own
line to the `widget_api.requests` logger instead, under any server. Tokens travel only in the
Authorization header and message texts only in bodies, so neither can appear here.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from ..input_rules import LINE_BREAKS_OR_CONTROLS

log = logging.getLogger("widget_api.requests")
MAX_PATH = 200
# werkzeug's handler prefixes every line with "<address> - - [<date>] ".
_WERKZEUG_LINE = re.compile(r"\A\S+ - - \[[^\]]*\] ")
# werkzeug colours some lines (the development-server warning, "Press CTRL+C to quit").
_ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


class WerkzeugWithoutAddresses(logging.Filter):
    """Drops werkzeug's request lines; rewrites its other per-request lines without details."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if not _WERKZEUG_LINE.match(message):
            return True
        if message.endswith('"%s" %s %s'):
            return False
        # "code 400, message Bad request syntax ('<the raw request line>')" and the like.
        codes = [arg for arg in record.args or () if isinstance(arg, int)]
        record.msg = "request refused by the HTTP server (%s)"
        record.args = (codes[0] if codes else record.levelname.lower(),)
        return True


class WerkzeugWithoutColour(logging.Filter):
    """Removes the terminal colour codes werkzeug puts into its lines.

    werkzeug adds them whatever the log is written to, so a log file, journald or a pipe got
    raw `\\x1b[33m` sequences; plain lines read the same everywhere.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _ANSI_STYLE.sub("", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                _ANSI_STYLE.sub("", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


class RequestLog:
    """WSGI middleware: one line per request, `GET /api/v1/ask 200 12ms`."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[str] = []

        def remember(code: str, headers: list, *args: Any) -> Callable:
            status.append(code.split(" ", 1)[0])
            return start_response(code, headers, *args)

        try:
            return self.wsgi_app(environ, remember)
        finally:
            path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
            log.info(
                "%s %s %s %dms",
                environ.get("REQUEST_METHOD", "-"),
                LINE_BREAKS_OR_CONTROLS.sub("?", path)[:MAX_PATH],
                status[-1] if status else "-",
                (time.perf_counter() - started) * 1000,
            )


def log_to_console() -> None:
    """Show the service's log on stderr (for `widget-api demo`), without addresses."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")


def init_app(app: Flask) -> None:
    """Wrap the app in the request log; keep werkzeug from logging addresses and colours."""
    werkzeug_log = logging.getLogger("werkzeug")
    for kind in (WerkzeugWithoutAddresses, WerkzeugWithoutColour):
        if not any(isinstance(f, kind) for f in werkzeug_log.filters):
            werkzeug_log.addFilter(kind())
    app.wsgi_app = RequestLog(app.wsgi_app)
