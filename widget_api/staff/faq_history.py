"""What happens around an FAQ editor's write: versions kept, and forms prefilled.

Kept apart from faq_views.py so the views stay the request flow.
"""

from __future__ import annotations

from typing import Any

from ..faq.editing import WriteResult
from ..faq.model import FaqEntry


def after_write(
    result: WriteResult, action: str, entry: FaqEntry, old_id: str | None = None
) -> None:
    """Nothing yet."""


def versions_for_page(lang: str, entry_id: str) -> list[dict[str, Any]]:
    return []


def prefill_existing(values: dict[str, str], lang: str, entry_id: str) -> dict[str, str]:
    return values


def prefill_new(values: dict[str, str]) -> dict[str, str]:
    return values
