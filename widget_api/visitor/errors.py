"""One error shape for the API, built by one helper, and the handlers that use it.

Every API failure is `{"error": {"code": "<machine_code>", "message": "<human sentence>"}}`
with the right status; visitors see sentences, never tracebacks.
"""

from __future__ import annotations

import logging
import sqlite3
import time

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from ..server.security import limiter
from ..server.storage_health import storage_health

log = logging.getLogger(__name__)

# Sentences for the statuses the framework raises by itself.
_STATUS_ERRORS = {
    400: ("bad_request", "The request could not be understood."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    413: ("too_large", "The request is too large."),
    415: ("unsupported_media_type", "Send the request body as JSON (application/json)."),
    429: ("rate_limited", "Too many requests. Please wait a moment and try again."),
    500: ("internal_error", "Something went wrong on our side. Please try again later."),
    503: (
        "storage_unavailable",
        "The service cannot store or read data right now. Please try again in a few minutes.",
    ),
}


class ApiError(Exception):
    """An error to answer in the API's shape; raise it from any view."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def api_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The one place an API error body is built."""
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _seconds_until_allowed() -> int:
    """For a refusal with 429: when the limit that refused the request lets it through again.

    flask-limiter could add this (and X-RateLimit headers) to every response, but that cost
    every served request two more round trips to the limit storage (Redis); only a refusal
    needs it. 60 when flask-limiter names no limit.
    """
    refused_by = limiter.current_limit
    if refused_by is None:
        return 60
    try:
        reset_at = refused_by.reset_at  # asks the limit storage
    except Exception:  # Redis lost since the check: the refusal must not become a 500
        log.warning("rate-limit storage did not answer; Retry-After: 60")
        return 60
    return max(1, reset_at - int(time.time()))


def init_app(app: Flask) -> None:
    """Register the handlers that turn every failure under /api/ into the error shape."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError) -> Response:
        return api_error(error.status, error.code, error.message, error.headers)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        if not _wants_json():
            return error
        code, message = _STATUS_ERRORS.get(error.code or 500, ("error", error.description or ""))
        headers = {}
        if error.code == 429:
            headers["Retry-After"] = str(_seconds_until_allowed())
        if error.code == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return api_error(error.code or 500, code, message, headers)

    @app.errorhandler(sqlite3.Error)
    def handle_storage_error(error: sqlite3.Error):
        log.error("storage error on %s %s: %s", request.method, request.path, error)
        storage_health().record_failure(error)
        code, message = _STATUS_ERRORS[503]
        return api_error(503, code, message, {"Retry-After": "30"})

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        code, message = _STATUS_ERRORS[500]
        return api_error(500, code, message)
