"""The visitor's side of a handoff, /api/v1: ask a person, read the replies, write, rate, delete.

Thin views: validate, call the conversation store, shape. Without the right bearer token every
conversation call answers the same 404 as an unknown id, whatever shape the token has.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from .. import notifications
from ..input_rules import (
    IDEMPOTENCY_KEY,
    LINE_BREAKS_OR_CONTROLS,
    MAX_EMAIL_LENGTH,
    MAX_IDEMPOTENCY_KEY_LENGTH,
    MAX_MESSAGE_LENGTH,
    MAX_NAME_LENGTH,
    MAX_RATING_COMMENT_LENGTH,
    MAX_TRANSCRIPT_ENTRIES,
    MIN_IDEMPOTENCY_KEY_LENGTH,
    is_email_address,
    remove_control_characters,
)
from ..server.security import rate_limited
from ..store import audit, conversations, erasure, ratings
from ..store.app_db import get_db, write_transaction
from ..store.maintenance import checkpoint
from ..texts import text
from .errors import ApiError
from .faq_api import json_body, language, text_field
from .service_hours import expected_reply

bp = Blueprint("handoff_api", __name__, url_prefix="/api/v1")

# A full transcript is up to 100,000 characters; as JSON with \u escapes, 6 bytes each.
HANDOFF_MAX_BYTES = 640 * 1024
CHECKPOINT_WAIT_MS = 200


def _not_found() -> ApiError:
    # One answer for an unknown id and for a token that does not fit: they must look alike.
    return ApiError(404, "not_found", "There is no conversation here, or it is not yours.")


def _one_line(body: dict[str, Any], name: str, limit: int) -> str | None:
    """An optional one-line field (name, e-mail): line breaks and control characters refused."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or LINE_BREAKS_OR_CONTROLS.search(value):
        raise ApiError(
            400, f"invalid_{name}", f'"{name}" must be one line of text, without line breaks.'
        )
    # The limit counts the text as sent, as text_field's does.
    if len(value) > limit:
        raise ApiError(400, f"{name}_too_long", f'"{name}" may have at most {limit} characters.')
    return value.strip() or None


def _long_text(value: Any, name: str, code_prefix: str) -> str:
    """A message text: control characters removed, not empty, at most 2,000 characters."""
    if not isinstance(value, str):
        raise ApiError(400, f"invalid_{code_prefix}", f"{name} must be text.")
    if len(value) > MAX_MESSAGE_LENGTH:  # as sent, as text_field's limit
        raise ApiError(
            400,
            f"{code_prefix}_too_long",
            f"{name} may have at most {MAX_MESSAGE_LENGTH} characters.",
        )
    cleaned = remove_control_characters(value).strip()
    if not cleaned:
        raise ApiError(400, f"missing_{code_prefix}", f"{name} must not be empty.")
    return cleaned


def _transcript(value: Any) -> list[tuple[str, str]]:
    """What the bot showed: at most 50 {"from": "visitor"|"bot", "text"} objects."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError(400, "invalid_transcript", '"transcript" must be a list of messages.')
    if len(value) > MAX_TRANSCRIPT_ENTRIES:
        raise ApiError(
            400,
            "transcript_too_long",
            f'"transcript" may have at most {MAX_TRANSCRIPT_ENTRIES} messages.',
        )
    entries = []
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, dict):
            raise ApiError(
                400,
                "invalid_transcript_entry",
                f'Transcript message {number} must be an object with "from" and "text".',
            )
        author = entry.get("from")
        if not isinstance(author, str) or author not in ("visitor", "bot"):
            raise ApiError(
                400,
                "invalid_transcript_from",
                f'"from" of transcript message {number} must be "visitor" or "bot".',
            )
        entries.append(
            (
                author,
                _long_text(entry.get("text"), f"Transcript message {number}", "transcript_text"),
            )
        )
    return entries


def _handoff(body: dict[str, Any]) -> conversations.Handoff:
    question = text_field(body, "question")
    lang = language(body.get("lang"), required=True)
    name = _one_line(body, "name", MAX_NAME_LENGTH)
    email = _one_line(body, "email", MAX_EMAIL_LENGTH)
    if email is not None and not is_email_address(email):
        raise ApiError(
            400, "invalid_email", '"email" must be one e-mail address, such as ada@example.com.'
        )
    consent = body.get("consent", False)
    if not isinstance(consent, bool):
        raise ApiError(400, "invalid_consent", '"consent" must be true or false.')
    if (name or email) and not consent:
        raise ApiError(
            400,
            "consent_required",
            "Please agree to the privacy notice to leave your name or e-mail address.",
        )
    transcript = _transcript(body.get("transcript"))
    return conversations.Handoff(question, lang, name, email, consent, tuple(transcript))


def _idempotency_key() -> str | None:
    """The Idempotency-Key header, refused (400) when it is too short to be a secret.

    The key is never echoed, in an error or a log: it is as good as the token for a while.
    """
    key = request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"The Idempotency-Key header must be a random secret of "
            f"{MIN_IDEMPOTENCY_KEY_LENGTH} to {MAX_IDEMPOTENCY_KEY_LENGTH} URL-safe characters "
            "(A-Z, a-z, 0-9, - and _), made anew for each handoff.",
        )
    return key


def _bearer_token() -> str:
    """The token of `Authorization: Bearer <token>`; empty when the header has another shape."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _authorized(conversation_id: str) -> None:
    if not conversations.visitor_may_access(get_db(), conversation_id, _bearer_token()):
        raise _not_found()


def _visitor_message(message: dict[str, Any], lang: str) -> dict[str, Any]:
    shaped = {
        "id": message["id"],
        "from": message["author"],
        "text": message["text"],
        "created_at": message["created_at"],
        "transcript": message["in_transcript"],
    }
    if message["author"] == "staff":
        shaped["name"] = text(lang, "conversation.staff_name")
    return shaped


@bp.post("/handoffs")
@rate_limited("RATELIMIT_HANDOFF")
def create_handoff() -> tuple[Response, int]:
    # The contract allows a larger body here than elsewhere; still refused before reading.
    request.max_content_length = max(current_app.config["MAX_CONTENT_LENGTH"], HANDOFF_MAX_BYTES)
    handoff = _handoff(json_body())
    key = _idempotency_key()
    try:
        created = conversations.create_handoff(
            get_db(),
            handoff,
            current_app.config["PRIVACY_NOTICE_VERSION"],
            key,
            deliveries=notifications.handoff_deliveries(),
            replay_seconds=current_app.config["HANDOFF_REPLAY_SECONDS"],
        )
    except conversations.IdempotencyConflict:
        raise ApiError(
            409,
            "idempotency_conflict",
            "This Idempotency-Key was already used for a different request.",
        ) from None
    except conversations.ReplayRefused as refused:
        # Either way the retry gets no token: the first answer belongs to whoever got it.
        if refused.reason == "moved_on":
            raise ApiError(
                409,
                "conversation_moved_on",
                "This handoff was already made and its conversation has moved on; "
                "open it with the token from the first answer.",
            ) from None
        raise ApiError(
            409,
            "idempotency_key_expired",
            "This Idempotency-Key was used too long ago to repeat the request; "
            "use a new key for a new handoff.",
        ) from None
    if not created.replayed:
        notifications.wake_sender()
    hours = current_app.extensions["service_hours"]
    response = jsonify(
        conversation_id=created.conversation_id,
        token=created.token,
        status=created.status,
        expected_reply=expected_reply(hours, datetime.now(UTC), handoff.lang),
    )
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response, 201


@bp.get("/conversations/<conversation_id>")
def get_conversation(conversation_id: str) -> Response:
    conversation = conversations.get_conversation_for_visitor(
        get_db(), conversation_id, _bearer_token()
    )
    if conversation is None:
        raise _not_found()
    lang = conversation["lang"]
    return jsonify(
        conversation_id=conversation["id"],
        status=conversation["status"],
        lang=lang,
        question=conversation["question"],
        created_at=conversation["created_at"],
        messages=[_visitor_message(m, lang) for m in conversation["messages"]],
        rating_wanted=ratings.rating_wanted(get_db(), conversation_id),
    )


@bp.post("/conversations/<conversation_id>/messages")
@rate_limited("RATELIMIT_MESSAGE")
def add_message(conversation_id: str) -> tuple[Response, int]:
    _authorized(conversation_id)
    text = _long_text(json_body().get("text"), '"text"', "text")
    try:
        message = conversations.add_visitor_message(get_db(), conversation_id, text)
    except conversations.ConversationNotFound:
        raise _not_found() from None
    return jsonify(_visitor_message(message, "en")), 201


def _rating(body: dict[str, Any]) -> tuple[int | None, str | None]:
    """(score, comment) of a rating: score an integer 1 to 5, or null for "no thanks"."""
    if "score" not in body:
        raise ApiError(400, "missing_score", '"score" is required: 1 to 5, or null to decline.')
    score = body["score"]
    # bool is an int in Python, and true must not count as 1; 5.0 is 5, as JSON Schema reads it.
    if score is not None:
        if isinstance(score, bool) or score not in ratings.SCORES:
            raise ApiError(
                400, "invalid_score", '"score" must be a whole number from 1 to 5, or null.'
            )
        score = int(score)
    comment = body.get("comment")
    if comment is None:
        return score, None
    if not isinstance(comment, str):
        raise ApiError(400, "invalid_comment", '"comment" must be text.')
    if len(comment) > MAX_RATING_COMMENT_LENGTH:  # as sent, as the other limits
        raise ApiError(
            400,
            "comment_too_long",
            f'"comment" may have at most {MAX_RATING_COMMENT_LENGTH} characters.',
        )
    comment = remove_control_characters(comment).strip() or None
    if comment is not None and score is None:
        raise ApiError(400, "comment_without_score", 'A "comment" needs a "score".')
    return score, comment


_RATING_REFUSED = {
    "already_rated": "This conversation has been rated already.",
    "not_closed": "A conversation can be rated once it is closed.",
    "not_answered": "A conversation can be rated once our team has answered it.",
}


@bp.post("/conversations/<conversation_id>/rating")
@rate_limited("RATELIMIT_RATING")
def rate_conversation(conversation_id: str) -> tuple[Response, int]:
    """The visitor's satisfaction, once, after staff answered and closed the conversation."""
    _authorized(conversation_id)
    score, comment = _rating(json_body())
    try:
        rating = ratings.rate_conversation(get_db(), conversation_id, score, comment)
    except ratings.RatingRefused as refused:
        if refused.reason == "not_found":
            raise _not_found() from None
        raise ApiError(409, refused.reason, _RATING_REFUSED[refused.reason]) from None
    return jsonify(rating), 201


@bp.delete("/conversations/<conversation_id>")
def delete_conversation(conversation_id: str) -> Response:
    """The visitor's own delete: the same erasure as `widget-api gdpr erase`, audited."""
    _authorized(conversation_id)
    db = get_db()
    with write_transaction(db):
        removed = erasure.erase_conversations(db, [conversation_id])
        audit.record(
            db, "conversation.deleted", actor="visitor", target=conversation_id, details=removed
        )
    # Old page versions in the -wal file go now if no reader is in the way, else at the
    # daily compaction; a visitor never waits long for it.
    checkpoint(db, wait_ms=CHECKPOINT_WAIT_MS)
    return Response(status=204)
