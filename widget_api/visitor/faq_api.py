"""The visitor API, /api/v1: thin views that validate, call the FAQ or the store, and shape.

The contract is docs/api.md's. Every failure goes through errors.ApiError, so it has the one
error shape and status.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from sqlite_utils import Database
from werkzeug.exceptions import RequestEntityTooLarge

from ..faq.library import FaqLibrary
from ..faq.model import LANGUAGES, Candidate, Thresholds
from ..help_centre import widget_link
from ..input_rules import remove_control_characters, widget_limits
from ..server.security import rate_limited
from ..server.storage_health import health_report, public_health, storage_health
from ..settings import configured_thresholds
from ..store import question_log
from ..store.app_db import get_db
from ..texts import widget_texts
from .errors import ApiError
from .service_hours import ServiceHours, availability

bp = Blueprint("visitor_api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)
SUGGEST_LIMIT = 5
MIN_SUGGEST_LENGTH = 3


def faq_library() -> FaqLibrary:
    return current_app.extensions["faq_library"]


def thresholds() -> Thresholds:
    """The configured thresholds (read at start, see `init_app`)."""
    return current_app.extensions["thresholds"]


def json_body() -> dict[str, Any]:
    """The request's JSON object, or an ApiError saying what is wrong with it."""
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the request body as JSON (Content-Type: application/json).",
        )
    data = _body_bytes()
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "The request body must be a JSON object.")
    try:
        # A lone surrogate ("\ud800") is valid JSON but no text: it cannot be stored or sent.
        # It comes as a \u escape or as bytes above 127 (json reads bytes with
        # "surrogatepass"), so a plain ASCII body without escapes is spared the check.
        if not data.isascii() or b"\\u" in data:
            json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise ApiError(
            400, "invalid_unicode", "The request body holds text that is not valid Unicode."
        ) from None
    return body


def _body_bytes() -> bytes:
    """The request body, read once.

    With a Content-Length (checked against the limit here), one read of that many bytes from
    the server's stream, as PEP 3333 has applications read: werkzeug's `get_data` reads to the
    stream's end through a LimitedStream, four reads deep under gunicorn, which cost ask more
    than parsing its JSON. A body without a length (chunked) goes through `get_data`, which
    refuses one over the limit (security.BodyLimitedRequest).
    """
    length = request.content_length
    if length is None:
        return request.get_data(cache=True)
    limit = request.max_content_length
    if limit is not None and length > limit:
        raise RequestEntityTooLarge()
    return request.environ["wsgi.input"].read(length)


def text_field(body: dict[str, Any], name: str, required: bool = True) -> str | None:
    """A string field: trimmed, control characters removed, within the configured length."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"invalid_{name}", f'"{name}" must be a string.')
    limit = current_app.config["MAX_QUESTION_LENGTH"]
    # The limit counts the text as sent: one plain rule that clients and the OpenAPI document state.
    if len(value) > limit:
        raise ApiError(400, f"{name}_too_long", f'"{name}" may have at most {limit} characters.')
    cleaned = remove_control_characters(value).strip()
    if not cleaned:
        if not required:
            return None
        raise ApiError(400, f"missing_{name}", f'"{name}" must not be empty.')
    return cleaned


def language(value: Any, required: bool = False) -> str | None:
    """One of LANGUAGES (the text catalogue's); DEFAULT_LANG when not given but required."""
    if value is None or value == "":
        if required:
            return current_app.config["DEFAULT_LANG"]
        return None
    if value not in LANGUAGES:
        raise ApiError(400, "unknown_language", f'"lang" must be one of: {", ".join(LANGUAGES)}.')
    return value


def _brief(candidate: Candidate) -> dict[str, Any]:
    return {
        "id": candidate.entry.id,
        "question": candidate.entry.question,
        "score": round(candidate.score, 4),
        "lang": candidate.entry.lang,
    }


def _write_best_effort(work: Callable[[Database], object], what: str) -> None:
    """Run a write of asking on the worker's connection; a storage error is logged as `what`
    and told to health, never to the visitor, who still gets their answer."""
    try:
        current_app.extensions["ask_record_writer"].write(current_app.config["DATABASE"], work)
    except sqlite3.Error as error:
        log.warning("%s: %s", what, error)
        storage_health().record_failure(error)


def _log_gap(
    question: str,
    lang: str | None,
    outcome: str,
    best: Candidate | None,
    faq_id: str | None = None,
) -> None:
    """Keep what the FAQ did not answer for the editors' gaps report, before replying."""
    faq_id = faq_id or (best.entry.id if best else None)
    score = round(best.score, 4) if best else None
    _write_best_effort(
        lambda db: question_log.log_question(db, question, lang, outcome, faq_id, score),
        "question not logged for the gaps report",
    )


def _count_ask(lang: str, outcome: str, page_lang: str | None) -> None:
    """Count the ask (answered in `lang`, from a page in `page_lang`) for the statistics;
    write the counts when a batch is due.

    A batch that cannot be written stays in the counter for the next try.
    """
    counter = current_app.extensions["ask_counter"]
    if counter.count(lang, outcome, page_lang):
        _write_best_effort(counter.flush, "statistics not written, kept for later")


@bp.post("/ask")
@rate_limited("RATELIMIT_ASK")
def ask() -> Response:
    body = json_body()
    question = text_field(body, "question")
    page_lang = language(body.get("lang"))
    snapshot = faq_library().current()
    # Visitors type in their own language whatever the page's is: answer from the entries
    # of the language the question is written in (`answer.lang` says which).
    lang = snapshot.index.answer_language(question, page_lang)
    result = snapshot.index.match(question, lang=lang, thresholds=thresholds())
    best = result.candidates[0] if result.candidates else None
    counted_lang = lang or (best.entry.lang if best else current_app.config["DEFAULT_LANG"])
    _count_ask(counted_lang, result.outcome, page_lang)
    answer = None
    if result.outcome == "answer" and result.answer is not None:
        answer = {**_brief(result.answer), "html": result.answer.entry.html}
    else:
        _log_gap(question, lang, result.outcome, best)
    return jsonify(
        answered=answer is not None,
        answer=answer,
        suggestions=[_brief(candidate) for candidate in result.suggestions],
        handoff_offered=answer is None,
        faq_generation=snapshot.generation,
    )


@bp.get("/suggest")
@rate_limited("RATELIMIT_SUGGEST")
def suggest() -> Response:
    query = text_field(dict(request.args), "q", required=False) or ""
    page_lang = language(request.args.get("lang"))
    if len(query) < MIN_SUGGEST_LENGTH:
        return jsonify(suggestions=[])
    snapshot = faq_library().current()
    # The language `ask` would answer in, so what is offered while typing is what asking
    # would find: a German question on the English page completes to German entries.
    lang = snapshot.index.answer_language(query, page_lang)
    # Completions of the words being typed first, then whole-word matches for paraphrases.
    entries = snapshot.completions.complete(query, lang=lang, limit=SUGGEST_LIMIT)
    floor = thresholds().suggest
    entries += [
        candidate.entry
        for candidate in snapshot.index.rank(query, lang=lang, limit=SUGGEST_LIMIT)
        if candidate.score >= floor
    ]
    unique = list({entry.id: entry for entry in entries}.values())[:SUGGEST_LIMIT]
    return jsonify(
        suggestions=[{"id": e.id, "question": e.question, "lang": e.lang} for e in unique]
    )


@bp.post("/feedback")
@rate_limited("RATELIMIT_FEEDBACK")
def feedback() -> Response:
    body = json_body()
    faq_id = body.get("faq_id")
    if not isinstance(faq_id, str) or not faq_id:
        raise ApiError(400, "invalid_faq_id", '"faq_id" must be the id of an FAQ entry.')
    helpful = body.get("helpful")
    if not isinstance(helpful, bool):
        raise ApiError(400, "invalid_helpful", '"helpful" must be true or false.')
    question = text_field(body, "question", required=False)
    entry = faq_library().current().entries.get(faq_id)
    if entry is None:
        raise ApiError(404, "unknown_faq_entry", "There is no FAQ entry with this id.")
    question_log.record_feedback(get_db(), faq_id, helpful, question, entry.lang)
    if not helpful and question:
        _log_gap(question, entry.lang, "not_helpful", None, faq_id)
    return Response(status=204)


@bp.get("/widget-config")
def widget_config() -> Response:
    config = current_app.config
    lang = language(request.args.get("lang"), required=True)
    hours = current_app.extensions["service_hours"]
    return jsonify(
        lang=lang,
        languages=list(LANGUAGES),
        title=config["SHOP_NAME"],
        theme={"color": config["THEME_COLOR"], "position": config["WIDGET_POSITION"]},
        service_hours=availability(hours, datetime.now(UTC), lang),
        limits=widget_limits(config["MAX_QUESTION_LENGTH"]),
        help=widget_link(config, lang),
        **widget_texts(config, lang),
    )


@bp.get("/health")
def health() -> Response:
    """Status words only: the details are for admins (server/storage_health.py says why)."""
    return jsonify(public_health(health_report(get_db())))


def init_app(app: Flask) -> None:
    """Read the visitor API's settings once at start-up (`check_settings` has checked them)."""
    config = app.config
    app.extensions["service_hours"] = ServiceHours.parse(
        config["SERVICE_HOURS"], config["CLOSED_DAYS"], config["TIMEZONE"]
    )
    app.extensions["thresholds"] = configured_thresholds(config)
