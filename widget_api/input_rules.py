"""What a visitor or an account may type: the e-mail address rule, the control characters a
text may not keep, the field limits and the Idempotency-Key's shape.

One module owns these so the API, the OpenAPI document, the widget (through widget-config) and
staff accounts cannot drift apart. An address that passes here is exactly one mailbox: no list,
no group, no display name, no comment and no routing trick, so mail sent to it reaches one
person. The pattern is written in the part of regular-expression syntax that Python and
JavaScript (and so JSON Schema) read alike.
"""

from __future__ import annotations

import re

MAX_TRANSCRIPT_ENTRIES = 50
MAX_MESSAGE_LENGTH = 2000
MAX_NAME_LENGTH = 100
MAX_EMAIL_LENGTH = 254
# The optional comment with a satisfaction rating (it is shown to admins on a staff page).
MAX_RATING_COMMENT_LENGTH = 1000
# A staff reply or internal note (the staff inbox's form and its check).
MAX_STAFF_TEXT_LENGTH = 5000

# An Idempotency-Key is a secret of at least 128 random bits: 22 URL-safe base64 characters
# (or 32 hex digits, a UUID...). A shorter key could be guessed, and whoever guesses it within
# the replay window could take the conversation's token.
MIN_IDEMPOTENCY_KEY_LENGTH = 22
MAX_IDEMPOTENCY_KEY_LENGTH = 200
IDEMPOTENCY_KEY = re.compile(
    rf"[A-Za-z0-9_-]{{{MIN_IDEMPOTENCY_KEY_LENGTH},{MAX_IDEMPOTENCY_KEY_LENGTH}}}"
)

# C0/C1 control characters and the Unicode line separators: refused in one-line fields (name,
# e-mail), in mail headers, and replaced in the request log's lines.
CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
LINE_BREAKS_OR_CONTROLS = re.compile(f"[{CONTROL_CHARACTERS}]")
# C0/C1 control characters but tab, line feed and carriage return: dropped from texts of several
# lines (questions, messages, staff replies, FAQ answers before sanitising).
_CONTROLS_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Whitespace that str.strip() removes but that is not a control character. A text holding
# nothing else (and control characters) is empty once cleaned and trimmed.
SPACES = r"\x20\xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
# One character that keeps a text from being empty: neither a control character nor a space.
NOT_BLANK = f"[^{CONTROL_CHARACTERS}{SPACES}]"

# Latin letters with accents (ä, ß, é, ...) besides ASCII; × and ÷ are not letters.
_LATIN = r"\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
# RFC 5322 atext without the characters that route or deliver elsewhere: `%` (the percent
# hack), `!` (bang paths), `|` and `/` (programs and files in local aliases). Commas,
# semicolons, spaces, quotes, brackets and colons are not atext: they make lists and groups.
_LOCAL_CHAR = rf"[A-Za-z0-9{_LATIN}_+=&'~#$*?^`{{}}-]"
_LABEL_CHAR = rf"[A-Za-z0-9{_LATIN}]"
_LABEL = rf"{_LABEL_CHAR}(?:[A-Za-z0-9{_LATIN}-]{{0,61}}{_LABEL_CHAR})?"
# The last label (top-level domain) starts with a letter and has at least two characters.
_TOP_LABEL = rf"[A-Za-z{_LATIN}](?:[A-Za-z0-9{_LATIN}-]{{0,61}}{_LABEL_CHAR})"
# local@domain: up to 64 characters before the @ (no dot first or last), a dotted domain.
EMAIL_PATTERN = (
    rf"{_LOCAL_CHAR}(?:[A-Za-z0-9{_LATIN}_+=&'~#$*?^`{{}}.-]{{0,62}}{_LOCAL_CHAR})?"
    rf"@(?:{_LABEL}\.)+{_TOP_LABEL}"
)
_EMAIL = re.compile(EMAIL_PATTERN)


def remove_control_characters(text: str) -> str:
    """Drop C0/C1 control characters other than tab and newlines."""
    return _CONTROLS_IN_TEXT.sub("", text)


def is_email_address(text: str) -> bool:
    """True when `text` (already trimmed) is one mailbox address within MAX_EMAIL_LENGTH."""
    return len(text) <= MAX_EMAIL_LENGTH and _EMAIL.fullmatch(text) is not None


def widget_limits(max_question_length: int) -> dict[str, int | str]:
    """The limits the widget checks before sending; the server checks them again regardless."""
    return {
        "question_length": max_question_length,
        "name_length": MAX_NAME_LENGTH,
        "email_length": MAX_EMAIL_LENGTH,
        "message_length": MAX_MESSAGE_LENGTH,
        "transcript_entries": MAX_TRANSCRIPT_ENTRIES,
        "rating_comment_length": MAX_RATING_COMMENT_LENGTH,
        "email_pattern": EMAIL_PATTERN,
    }
