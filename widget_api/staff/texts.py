"""The staff pages' language, and their texts from the catalogue (widget_api/texts).

The browser's preferred language decides; English when it prefers none the service speaks.
"""

from __future__ import annotations

from flask import request

from ..texts import preferred_language, text

DEFAULT_STAFF_LANG = "en"


def staff_lang() -> str:
    """The staff member's language from the browser's Accept-Language; English otherwise."""
    return preferred_language(request.accept_languages, DEFAULT_STAFF_LANG)


def t(key: str, **values: object) -> str:
    """A staff-facing text (`staff.<key>` in the catalogue) in the request's language."""
    return text(staff_lang(), f"staff.{key}", **values)
