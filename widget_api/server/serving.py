"""Production serving: the app under gunicorn, several worker processes with threads each.

Started through gunicorn's BaseApplication API (no shell, no `gunicorn.conf.py` is read): the
options are ours and few. The app is built lazily in each worker after the fork, so every
worker has its own SQLite connections and its own background threads. The app logs one line
per request itself (request_log.py), into gunicorn's error log; gunicorn's own access log is
off unless asked for, and then holds method, path without the query string, status, duration
and the worker's pid: no address, no user agent, no referrer, no token.
"""

from __future__ import annotations

import fcntl
import importlib.util
import logging
import math
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from ..notifications.sender import stop_seconds as outbox_stop_seconds
from ..privacy.private_files import make_private_dir

DEFAULT_BIND = "127.0.0.1:8000"
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
# Gunicorn's own default for graceful_timeout.
DEFAULT_GRACEFUL_SECONDS = 30
# %(U)s is the path without the query string; %(p)s the worker's pid; %(M)s milliseconds.
ACCESS_LOG_FORMAT = '%(t)s %(p)s "%(m)s %(U)s" %(s)s %(M)sms'


class ServeRefused(RuntimeError):
    """The service would not work as configured (the message says why and what to change)."""


@dataclass(frozen=True)
class ServeOptions:
    """What `widget-api serve` was asked for."""

    bind: str = DEFAULT_BIND
    workers: int = DEFAULT_WORKERS
    threads: int = DEFAULT_THREADS
    access_log: bool = False


def check_serving(options: ServeOptions, config: Mapping[str, Any]) -> None:
    """Refuse a setup whose rate limits would not hold; raises ServeRefused.

    With `memory://` storage each worker process counts for itself, so a limit of N would
    allow N per worker.
    """
    storage = config["RATELIMIT_STORAGE_URI"]
    if options.workers < 1 or options.threads < 1:
        raise ServeRefused("--workers and --threads must be at least 1")
    if config["RATELIMIT_ENABLED"] and storage.startswith("memory://") and options.workers > 1:
        raise ServeRefused(
            f"{options.workers} workers with RATELIMIT_STORAGE_URI={storage} would count "
            "rate limits per worker, so every limit would allow several times as much. "
            "Set WIDGET_RATELIMIT_STORAGE_URI to a Redis URL (e.g. redis://127.0.0.1:6379/0, "
            "see docs/deploy.md) or serve with --workers 1."
        )
    if storage.startswith(("redis://", "rediss://", "redis+")) and not importlib.util.find_spec(
        "redis"
    ):
        raise ServeRefused(
            "RATELIMIT_STORAGE_URI is a Redis URL but the redis package is not installed: "
            "pip install 'widget-api[redis]'"
        )


def gunicorn_options(options: ServeOptions, stop_seconds: float = 0) -> dict[str, Any]:
    """The gunicorn settings for these options; a worker may take `stop_seconds` to stop."""
    return {
        "bind": [options.bind],
        "workers": options.workers,
        "threads": options.threads,
        "worker_class": "gthread",
        "accesslog": "-" if options.access_log else None,
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        # ProxyFix (PROXY_COUNT) is the one place forwarded headers are trusted.
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        # Gunicorn's control socket would live in $HOME; the service needs none.
        "control_socket_disable": True,
        "proc_name": "widget-api",
        # How long the master waits for a stopping worker before it kills it: long enough for
        # the outbox delivery in progress to end and be written down (notifications/sender.py).
        "graceful_timeout": max(DEFAULT_GRACEFUL_SECONDS, math.ceil(stop_seconds)),
        "post_worker_init": _stop_sending_at_term,
        "worker_exit": _finish_sending,
    }


def _sender(worker: Any) -> Any:
    return getattr(getattr(worker, "wsgi", None), "extensions", {}).get("outbox_sender")


def _stop_sending_at_term(worker: Any) -> None:
    """At SIGTERM the worker's outbox sender claims nothing more, at once.

    Gunicorn calls `worker_exit` only once the worker's open connections are done, which may
    take the whole graceful timeout; a delivery begun meanwhile would still be under way when
    the master kills the worker, so it could be sent and never marked sent.
    """
    sender = _sender(worker)
    if sender is None:
        return
    previous = signal.getsignal(signal.SIGTERM)

    def stop_then_previous(signum: int, frame: Any) -> None:
        sender.stop()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, stop_then_previous)
    signal.siginterrupt(signal.SIGTERM, False)  # as gunicorn has it: requests run on


def _finish_sending(_arbiter: Any, worker: Any) -> None:
    """Before a worker exits, wait for its outbox delivery in progress to be done."""
    sender = _sender(worker)
    if sender is not None:
        sender.close()


class WidgetApplication(BaseApplication):
    """Gunicorn running `create_app()`, built in each worker (no preload)."""

    def __init__(self, options: ServeOptions, stop_seconds: float = 0) -> None:
        self.options = gunicorn_options(options, stop_seconds)
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            if name in self.cfg.settings and value is not None:
                self.cfg.set(name, value)

    def load(self):
        from .. import create_app

        # The app's own log (one line per request, errors) goes where gunicorn's goes, with
        # the worker's pid; without this, Python would drop everything below WARNING.
        app_log = logging.getLogger("widget_api")
        app_log.handlers = list(logging.getLogger("gunicorn.error").handlers)
        app_log.propagate = False
        app = create_app()
        # Deliveries a killed process left in the outbox go out now, not at the first request.
        app.extensions["outbox_sender"].ensure_started()
        app_log.info("worker %d ready", os.getpid())
        return app


def hold_serve_lock(database: str | Path) -> int:
    """Take a shared lock on `<database>.lock` for as long as this process (and its workers) run.

    `widget-api restore` takes it exclusively, so it refuses while the service runs and the
    service refuses to start during a restore. Returns the file descriptor, kept open.
    """
    path = Path(f"{database}.lock")
    make_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError as error:
        raise ServeRefused(f"cannot open {path}: {error.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ServeRefused(
            f"a restore of {database} is in progress; start again when it is done"
        ) from None
    return fd


def serve(options: ServeOptions, config: Mapping[str, Any], database: str | Path) -> None:
    """Run gunicorn until it is stopped (SIGTERM or SIGINT: graceful); exits the process."""
    check_serving(options, config)
    hold_serve_lock(database)
    slowest = max(config["SMTP_TIMEOUT_SECONDS"], config["WEBHOOK_TIMEOUT_SECONDS"])
    WidgetApplication(options, outbox_stop_seconds(slowest)).run()
