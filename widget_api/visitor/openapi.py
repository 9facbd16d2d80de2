"""The visitor API described as OpenAPI 3.1, served at /api/v1/openapi.json.

Built from the same constants and settings the views use, so the limits it states are the
ones the server applies. tests/test_openapi.py keeps it true: every /api/v1 route is in it and
nothing else, real responses validate against it, and schemathesis fuzzes the app against it.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from .. import input_rules
from ..faq.model import LANGUAGES
from ..store.conversations import ID_SHAPE
from ..texts import RATING_KEYS
from .faq_api import SUGGEST_LIMIT

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

JSON = "application/json"
# Refused in one-line fields (name, e-mail): C0/C1 controls and the Unicode line separators.
ONE_LINE = rf"^[^{input_rules.CONTROL_CHARACTERS}]*$"
# Blank (no address) or the server's one-address rule, spaces around allowed.
EMAIL = rf"^[{input_rules.SPACES}]*(?:{input_rules.EMAIL_PATTERN})?[{input_rules.SPACES}]*$"
# The server's own patterns (matched whole there), anchored as JSON Schema needs them.
IDEMPOTENCY_KEY_PATTERN = f"^{input_rules.IDEMPOTENCY_KEY.pattern}$"
CONVERSATION_ID = f"^{ID_SHAPE.pattern}$"
# A text that is empty once control characters are dropped and it is trimmed.
BLANK = rf"^[{input_rules.CONTROL_CHARACTERS}{input_rules.SPACES}]*$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _response(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _json_body(schema: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": schema, "example": example}}}


def _ok(description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}, **extra}


def closed_object(properties: dict[str, Any]) -> dict[str, Any]:
    """An object schema whose every property is required and which allows no other."""
    return {
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }


def _text(max_length: int, description: str) -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": input_rules.NOT_BLANK,
        "maxLength": max_length,
        "description": description
        + " Control characters are dropped and the text is trimmed; it must not be empty then.",
    }


def _package_version() -> str:
    try:
        return version("widget-api")
    except PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "0"


def _schemas(max_question: int) -> dict[str, Any]:
    limits = input_rules.widget_limits(max_question)
    lang = {"type": "string", "enum": list(LANGUAGES)}
    optional_lang = {
        "type": ["string", "null"],
        "enum": [*LANGUAGES, "", None],
        "description": "`de` or `en`; empty or null: not given.",
    }
    iso_time = {"type": "string", "format": "date-time"}
    score = {"type": "number", "minimum": 0, "maximum": 1}
    brief = closed_object(
        {
            "id": {"type": "string"},
            "question": {"type": "string"},
            "score": score,
            "lang": {
                **lang,
                "description": "The entry's language: the language the question was written "
                "in, which may differ from the widget's.",
            },
        }
    )
    message = {
        "type": "object",
        "required": ["id", "from", "text", "created_at", "transcript"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "from": {"type": "string", "enum": ["visitor", "bot", "staff"]},
            "text": {"type": "string"},
            "created_at": iso_time,
            "transcript": {
                "type": "boolean",
                "description": "True for what the bot showed before the handoff.",
            },
            "name": {"type": "string", "description": "Only on staff replies: the team's name."},
        },
    }
    return {
        "Error": closed_object(
            {
                "error": closed_object(
                    {
                        "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                        "message": {"type": "string", "minLength": 1},
                    }
                )
            }
        ),
        "Question": _text(max_question, "What the visitor typed."),
        "AskRequest": {
            "type": "object",
            "required": ["question"],
            "properties": {
                "question": _ref("Question"),
                "lang": {
                    **optional_lang,
                    "description": "The widget page's language. A question clearly written "
                    "in the other language is answered from that language's entries; empty "
                    "or null: every language.",
                },
            },
        },
        "AskResponse": closed_object(
            {
                "answered": {"type": "boolean"},
                "answer": {
                    "oneOf": [
                        {
                            "type": "object",
                            "required": ["id", "question", "html", "score", "lang"],
                            "additionalProperties": False,
                            "properties": {
                                **brief["properties"],
                                "html": {
                                    "type": "string",
                                    "description": "The answer, sanitised HTML.",
                                },
                            },
                        },
                        {"type": "null"},
                    ]
                },
                "suggestions": {"type": "array", "items": brief},
                "handoff_offered": {"type": "boolean"},
                "faq_generation": {
                    "type": "string",
                    "description": "The FAQ version (a hash of the files) that answered.",
                },
            }
        ),
        "SuggestResponse": closed_object(
            {
                "suggestions": {
                    "type": "array",
                    "maxItems": SUGGEST_LIMIT,
                    "items": closed_object(
                        {
                            "id": {"type": "string"},
                            "question": {"type": "string"},
                            "lang": brief["properties"]["lang"],
                        }
                    ),
                }
            }
        ),
        "FeedbackRequest": {
            "type": "object",
            "required": ["faq_id", "helpful"],
            "properties": {
                "faq_id": {"type": "string", "minLength": 1, "description": "An FAQ entry's id."},
                "helpful": {"type": "boolean"},
                "question": {
                    "type": ["string", "null"],
                    "maxLength": max_question,
                    "description": "What the visitor had asked; blank or null: not given.",
                },
            },
        },
        "WidgetConfig": closed_object(
            {
                "lang": lang,
                "languages": {"type": "array", "items": lang},
                "title": {"type": "string"},
                "theme": closed_object(
                    {
                        "color": {"type": "string"},
                        "position": {"type": "string", "enum": ["left", "right"]},
                    }
                ),
                "service_hours": closed_object(
                    {
                        "open_now": {"type": "boolean"},
                        "timezone": {"type": "string"},
                        "next_open": {"type": ["string", "null"], "format": "date-time"},
                        "weekly": {"type": "string"},
                        "text": {"type": "string"},
                    }
                ),
                "greeting": {"type": "string"},
                "privacy": closed_object(
                    {
                        "notice": {"type": "string"},
                        "summary": {"type": "string"},
                        "more": {"type": "string"},
                        "url": {"type": "string"},
                        "version": {"type": "string"},
                    }
                ),
                "contact": closed_object(
                    {
                        "text": {"type": "string"},
                        "email": {"type": "string"},
                        "phone": {"type": "string"},
                    }
                ),
                "rating": {
                    "description": "The widget's question after staff answered and closed a "
                    "conversation (see the conversation's `rating_wanted`): the question, what "
                    "1 and 5 mean, the comment field's label, the two buttons and the thanks.",
                    **closed_object({key: {"type": "string"} for key in RATING_KEYS}),
                },
                "help": {
                    "type": ["object", "null"],
                    "description": "The public help centre: `url` is its path on this service "
                    "(the widget resolves it against its own script's origin; an entry's page is "
                    "`url` + answer `lang` + `/` + the id, URL-encoded), with the labels of the "
                    "widget's links to it; null when the operator turned it off (`HELP_CENTRE`).",
                    "required": ["url", "browse", "page"],
                    "additionalProperties": False,
                    "properties": {
                        "url": {"type": "string"},
                        "browse": {"type": "string"},
                        "page": {"type": "string"},
                    },
                },
                "limits": {
                    "type": "object",
                    "description": "The input limits the server enforces on a handoff, and its "
                    "e-mail address rule (`email_pattern`, matched whole after trimming), in "
                    "characters; the widget checks them before sending, the server again.",
                    "required": list(limits),
                    "additionalProperties": False,
                    "properties": {name: {"const": value} for name, value in limits.items()},
                },
            }
        ),
        "Health": {
            "type": "object",
            "description": "Status words only. What is wrong (free space, SQLite's error, the "
            "FAQ's errors) is for admins: the staff settings page and `widget-api health`.",
            "required": ["status", "database", "faq"],
            "additionalProperties": False,
            "properties": {
                "status": {"type": "string", "enum": ["ok", "degraded"]},
                "database": closed_object(
                    {"status": {"type": "string", "enum": ["ok", "degraded"]}}
                ),
                "faq": closed_object({"status": {"type": "string", "enum": ["ok", "error"]}}),
            },
        },
        "TranscriptEntry": {
            "type": "object",
            "required": ["from", "text"],
            "properties": {
                "from": {"type": "string", "enum": ["visitor", "bot"]},
                "text": _text(input_rules.MAX_MESSAGE_LENGTH, "What was shown."),
            },
        },
        "HandoffRequest": {
            "type": "object",
            "required": ["question"],
            "properties": {
                "question": _ref("Question"),
                "lang": {
                    **optional_lang,
                    "description": "`de` or `en`; empty or null: the default language.",
                },
                "name": {
                    "type": ["string", "null"],
                    "pattern": ONE_LINE,
                    "maxLength": input_rules.MAX_NAME_LENGTH,
                    "description": "One line; blank or null: not given. Needs `consent`.",
                },
                "email": {
                    "type": ["string", "null"],
                    "pattern": EMAIL,
                    "maxLength": input_rules.MAX_EMAIL_LENGTH,
                    "description": "An e-mail address on one line; blank or null: not given. "
                    "Needs `consent`.",
                },
                "consent": {
                    "type": "boolean",
                    "default": False,
                    "description": "Agreement to the privacy notice; must be true when a name "
                    "or an e-mail address is given.",
                },
                "transcript": {
                    "type": ["array", "null"],
                    "maxItems": input_rules.MAX_TRANSCRIPT_ENTRIES,
                    "items": _ref("TranscriptEntry"),
                    "description": "What the bot showed before the visitor asked for a person.",
                },
            },
            # A name or an e-mail address (anything but blank) only with consent.
            "if": {
                "anyOf": [
                    {
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string", "pattern": input_rules.NOT_BLANK}
                        },
                    },
                    {
                        "required": ["email"],
                        "properties": {
                            "email": {"type": "string", "pattern": input_rules.NOT_BLANK}
                        },
                    },
                ]
            },
            "then": {"required": ["consent"], "properties": {"consent": {"const": True}}},
        },
        "HandoffCreated": closed_object(
            {
                "conversation_id": {"type": "string", "pattern": CONVERSATION_ID},
                "token": {
                    "type": "string",
                    "minLength": 43,
                    "description": "The bearer token for this conversation. Shown only here.",
                },
                "status": {"type": "string", "enum": ["new", "open", "waiting", "closed"]},
                "expected_reply": closed_object(
                    {
                        "text": {"type": "string", "minLength": 1},
                        "by": {
                            "type": ["string", "null"],
                            "format": "date-time",
                            "description": "When a person will answer; null without hours.",
                        },
                    }
                ),
            }
        ),
        "Message": message,
        "MessageRequest": {
            "type": "object",
            "required": ["text"],
            "properties": {
                "text": _text(input_rules.MAX_MESSAGE_LENGTH, "The visitor's follow-up.")
            },
        },
        "Conversation": closed_object(
            {
                "conversation_id": {"type": "string", "pattern": CONVERSATION_ID},
                "status": {"type": "string", "enum": ["new", "open", "waiting", "closed"]},
                "lang": lang,
                "question": {"type": "string"},
                "created_at": iso_time,
                "messages": {"type": "array", "items": _ref("Message")},
                "rating_wanted": {
                    "type": "boolean",
                    "description": "True while the widget should ask how satisfied the visitor "
                    "was: staff answered, the conversation is closed, and it has no rating (nor "
                    "a declined one) yet.",
                },
            }
        ),
        "RatingRequest": {
            "type": "object",
            "required": ["score"],
            "properties": {
                "score": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "maximum": 5,
                    "description": "1 (not at all satisfied) to 5 (very satisfied); null: the "
                    "visitor declined (No thanks), and is not asked again.",
                },
                "comment": {
                    "type": ["string", "null"],
                    "maxLength": input_rules.MAX_RATING_COMMENT_LENGTH,
                    "description": "Optional. Control characters are dropped and the text is "
                    "trimmed; blank or null: none. Only with a score.",
                },
            },
            # A declined rating takes no comment.
            "if": {"required": ["score"], "properties": {"score": {"type": "null"}}},
            "then": {"properties": {"comment": {"type": ["string", "null"], "pattern": BLANK}}},
        },
        "Rating": closed_object(
            {
                "score": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
                "comment": {"type": ["string", "null"]},
                "created_at": iso_time,
            }
        ),
    }


def _error(description: str, **headers: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {JSON: {"schema": _ref("Error")}},
    }
    if headers:
        response["headers"] = headers
    return response


_RETRY_AFTER = {
    "required": True,
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 0},
}

RESPONSES = {
    "BadRequest": _error("Invalid input; `error.code` names the field and the problem."),
    "NotFound": _error(
        "Unknown, or not yours: an unknown id and a wrong token get the same answer."
    ),
    "MethodNotAllowed": _error(
        "This path does not take this method.",
        Allow={
            "required": True,
            "description": "The methods this path takes.",
            "schema": {"type": "string"},
        },
    ),
    "Conflict": _error(
        "The Idempotency-Key was used before: for a different request "
        "(`idempotency_conflict`), longer ago than the replay window "
        "(`idempotency_key_expired`), or its conversation has changed since "
        "(`conversation_moved_on`). No token is given. A rating: the conversation has one "
        "already (`already_rated`), is not closed (`not_closed`), or staff never answered it "
        "(`not_answered`)."
    ),
    "TooLarge": _error("The request body is too large; refused before it is read."),
    "UnsupportedMediaType": _error("The body is not sent as `application/json`."),
    "RateLimited": _error("Too many requests from this client.", **{"Retry-After": _RETRY_AFTER}),
    "StorageUnavailable": _error(
        "The database cannot be read or written right now; try again later.",
        **{"Retry-After": _RETRY_AFTER},
    ),
}


def _errors(*statuses: int) -> dict[str, Any]:
    names = {
        400: "BadRequest",
        404: "NotFound",
        409: "Conflict",
        413: "TooLarge",
        415: "UnsupportedMediaType",
        429: "RateLimited",
        503: "StorageUnavailable",
    }
    return {str(status): _response(names[status]) for status in statuses}


def _conversation_links() -> dict[str, Any]:
    """What can be done with a conversation next (send the `token` as the bearer token)."""
    by_id = {"conversation_id": "$response.body#/conversation_id"}
    return {
        name: {"operationId": operation, "parameters": by_id}
        for name, operation in (
            ("GetConversation", "getConversation"),
            ("AddMessage", "addMessage"),
            ("RateConversation", "rateConversation"),
            ("DeleteConversation", "deleteConversation"),
        )
    }


def _paths(max_question: int) -> dict[str, Any]:
    lang_query = {
        "name": "lang",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": [*LANGUAGES, ""]},
    }
    bearer = [{"conversationToken": []}]
    conversation_id = {
        "name": "conversation_id",
        "in": "path",
        "required": True,
        "description": "The `conversation_id` from creating the handoff.",
        "schema": {"type": "string", "pattern": CONVERSATION_ID},
    }
    return {
        "/api/v1/widget-config": {
            "get": {
                "operationId": "widgetConfig",
                "summary": "Greeting, languages, theme, privacy notice, hours and input limits",
                "parameters": [
                    {**lang_query, "description": "Language; empty: the default language."}
                ],
                "responses": {
                    "200": _ok("What the widget shows.", _ref("WidgetConfig")),
                    **_errors(400),
                },
            }
        },
        "/api/v1/ask": {
            "post": {
                "operationId": "ask",
                "summary": "Answer a question from the FAQ",
                "requestBody": _json_body(
                    _ref("AskRequest"), {"question": "How long does shipping take?", "lang": "en"}
                ),
                "responses": {
                    "200": _ok(
                        "The answer, or suggestions and the offer of a person.",
                        _ref("AskResponse"),
                    ),
                    # No 503: answering needs no storage; the gap log and the statistics are
                    # best effort, so a visitor gets an answer even while the disk is gone.
                    **_errors(400, 413, 415, 429),
                },
            }
        },
        "/api/v1/suggest": {
            "get": {
                "operationId": "suggest",
                "summary": "Questions completing what the visitor is typing",
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": False,
                        "description": "What was typed so far; under 3 characters: no suggestions.",
                        "schema": {"type": "string", "maxLength": max_question},
                    },
                    {
                        **lang_query,
                        "description": "The widget page's language. Words clearly typed in "
                        "the other language complete to that language's entries, as for "
                        "ask; empty: every language.",
                    },
                ],
                "responses": {
                    "200": _ok("Up to five FAQ questions.", _ref("SuggestResponse")),
                    **_errors(400, 429),
                },
            }
        },
        "/api/v1/feedback": {
            "post": {
                "operationId": "feedback",
                "summary": "Whether an answer helped",
                "requestBody": _json_body(
                    _ref("FeedbackRequest"), {"faq_id": "shipping-time", "helpful": True}
                ),
                "responses": {
                    "204": {"description": "Recorded."},
                    **_errors(400, 404, 413, 415, 429, 503),
                },
            }
        },
        "/api/v1/handoffs": {
            "post": {
                "operationId": "createHandoff",
                "summary": "Ask a person",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "A secret, like a password: at least 128 random bits "
                        "(22 or more URL-safe characters, e.g. 16 random bytes as 32 hex "
                        "digits), made anew for each handoff and sent only to this service. "
                        "A retry with the same key and body within the replay window "
                        "(`HANDOFF_REPLAY_SECONDS`, 5 minutes by default), while nothing has "
                        "happened to the conversation yet, gets the first answer again, the "
                        "same token included, instead of a second conversation; later it gets "
                        "409. Never logged.",
                        "schema": {
                            "type": "string",
                            "format": "password",
                            "pattern": IDEMPOTENCY_KEY_PATTERN,
                            "minLength": input_rules.MIN_IDEMPOTENCY_KEY_LENGTH,
                            "maxLength": input_rules.MAX_IDEMPOTENCY_KEY_LENGTH,
                        },
                    }
                ],
                "requestBody": _json_body(
                    _ref("HandoffRequest"),
                    {
                        "question": "Can I pick up my order at your warehouse?",
                        "lang": "en",
                        "email": "ada@example.com",
                        "consent": True,
                        "transcript": [{"from": "bot", "text": "I could not find an answer."}],
                    },
                ),
                "responses": {
                    "201": _ok(
                        "The conversation, its token and when a person will answer.",
                        _ref("HandoffCreated"),
                        headers={
                            "Idempotent-Replayed": {
                                "description": "Present on a retry with an Idempotency-Key.",
                                "schema": {"type": "string", "enum": ["true"]},
                            }
                        },
                        links=_conversation_links(),
                    ),
                    **_errors(400, 409, 413, 415, 429, 503),
                },
            }
        },
        "/api/v1/conversations/{conversation_id}": {
            "parameters": [conversation_id],
            "get": {
                "operationId": "getConversation",
                "summary": "The conversation with all its messages",
                "security": bearer,
                "responses": {
                    "200": _ok(
                        "The conversation.", _ref("Conversation"), links=_conversation_links()
                    ),
                    **_errors(404, 503),
                },
            },
            "delete": {
                "operationId": "deleteConversation",
                "summary": "Delete the conversation and everything about it",
                "security": bearer,
                "responses": {"204": {"description": "Deleted."}, **_errors(404, 503)},
            },
        },
        "/api/v1/conversations/{conversation_id}/messages": {
            "parameters": [conversation_id],
            "post": {
                "operationId": "addMessage",
                "summary": "The visitor's follow-up message",
                "security": bearer,
                "requestBody": _json_body(_ref("MessageRequest"), {"text": "It is order 4711."}),
                "responses": {
                    "201": _ok("The message as stored.", _ref("Message")),
                    **_errors(400, 404, 413, 415, 429, 503),
                },
            },
        },
        "/api/v1/conversations/{conversation_id}/rating": {
            "parameters": [conversation_id],
            "post": {
                "operationId": "rateConversation",
                "summary": "How satisfied the visitor was, once staff answered and closed it",
                "security": bearer,
                "requestBody": _json_body(
                    _ref("RatingRequest"), {"score": 5, "comment": "Quick and friendly."}
                ),
                "responses": {
                    "201": _ok("The rating as stored.", _ref("Rating")),
                    **_errors(400, 404, 409, 413, 415, 429, 503),
                },
            },
        },
        "/api/v1/health": {
            "get": {
                "operationId": "health",
                "summary": "Service, database and FAQ status",
                "responses": {
                    "200": _ok(
                        "Up; `degraded` when the FAQ failed to reload or storage is in trouble.",
                        _ref("Health"),
                    ),
                    **_errors(503),
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {
                    "200": _ok(
                        "The OpenAPI document of the visitor API.",
                        {"type": "object", "required": ["openapi", "info", "paths"]},
                    )
                },
            }
        },
    }


def document() -> dict[str, Any]:
    """The OpenAPI document for this app's settings (needs an application context)."""
    max_question = current_app.config["MAX_QUESTION_LENGTH"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Support widget visitor API",
            "version": _package_version(),
            "description": "What the chat widget calls. Every error is "
            '`{"error": {"code", "message"}}`; a path that does not take a method answers '
            "405 with an `Allow` header (components/responses/MethodNotAllowed). Times are "
            "ISO 8601 with offset, scores are from 0 to 1.",
        },
        "paths": _paths(max_question),
        "components": {
            "schemas": _schemas(max_question),
            "responses": RESPONSES,
            "securitySchemes": {
                "conversationToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The `token` from creating the handoff. Without the right "
                    "token a conversation answers 404, exactly as an unknown one.",
                }
            },
        },
    }


@bp.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(document())
