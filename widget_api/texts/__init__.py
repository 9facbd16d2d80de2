"""Every text the service shows a visitor, a staff member or a mail reader: one catalogue.

The catalogue is one shape, `{lang: {key: text}}`: each language is one module here named by
its code (`en.py`, `de.py`) holding one block, `TEXTS`, with the same keys in every language
(tests/test_texts.py checks it). Keys are grouped by audience: `widget.`, `privacy.`,
`contact.`, `day.`, `month.`, `hours.`, `reply.`, `conversation.`, `rating.`, `help.`, `mail.`,
`staff.`.
Placeholders in braces are filled by `text()` with str.format.

Adding a language is adding its module here (every key of en.py, translated), its folder in
`faq/`, and its block of labels in static/widget.js, which must work before the server
answers and so keeps its own; the languages the service accepts are the modules found here.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import LanguageAccept


def _load_catalogue() -> dict[str, dict[str, str]]:
    """Every language module of this package, by code, in alphabetical order."""
    blocks = {}
    for module in pkgutil.iter_modules(__path__):
        if re.fullmatch(r"[a-z]{2}", module.name):
            blocks[module.name] = importlib.import_module(f"{__name__}.{module.name}").TEXTS
    return dict(sorted(blocks.items()))


CATALOGUE: dict[str, dict[str, str]] = _load_catalogue()
# The languages the service speaks: the widget, the API's `lang`, the FAQ, the staff pages.
LANGUAGES: tuple[str, ...] = tuple(CATALOGUE)
DAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTH_KEYS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


# The widget's rating question (widget-config's `rating`), asked once a person answered.
RATING_KEYS = ("question", "scale", "comment", "send", "decline", "thanks")


def text(lang: str, key: str, /, **values: object) -> str:
    """The text `key` in `lang`, its placeholders filled from `values`.

    Raises KeyError for a language or key the catalogue does not have: every caller passes a
    language the API has checked, and the catalogue has every key in every language.
    """
    template = CATALOGUE[lang][key]
    return template.format(**values) if values else template


def preferred_language(accepted: LanguageAccept, default: str) -> str:
    """The language of LANGUAGES a browser prefers by its Accept-Language (q-values honoured),
    else `default`, which also wins where the browser likes several equally (`*`)."""
    ordered = [default, *(code for code in LANGUAGES if code != default)]
    return accepted.best_match(ordered, default=default) or default


def day_name(lang: str, weekday: int) -> str:
    """The weekday's name (0 = Monday), as datetime.weekday() counts."""
    return text(lang, f"day.{DAY_KEYS[weekday]}")


def month_name(lang: str, month: int) -> str:
    """The month's name (1 = January)."""
    return text(lang, f"month.{MONTH_KEYS[month - 1]}")


def widget_texts(config: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Greeting, privacy notice, contact and the rating question for the widget, in one
    language."""
    phone = config["CONTACT_PHONE"]
    # An operator's own greeting for this language (GREETING_EN, GREETING_DE) wins; a
    # language without such a setting uses the catalogue's.
    greeting = config.get(f"GREETING_{lang.upper()}") or text(
        lang, "widget.greeting", shop=config["SHOP_NAME"]
    )
    contact = text(
        lang,
        "contact.text",
        email=config["CONTACT_EMAIL"],
        phone=text(lang, "contact.phone", phone=phone) if phone else "",
    )
    return {
        "greeting": greeting,
        "privacy": {
            "notice": privacy_notice(config, lang),
            "summary": privacy_summary(config, lang),
            "more": text(lang, "privacy.more"),
            "url": config["PRIVACY_URL"],
            "version": config["PRIVACY_NOTICE_VERSION"],
        },
        "contact": {"text": contact, "email": config["CONTACT_EMAIL"], "phone": phone},
        "rating": {key: text(lang, f"rating.{key}") for key in RATING_KEYS},
    }


def privacy_summary(config: Mapping[str, Any], lang: str) -> str:
    """The short notice the hand-off form shows first, the full one a click away; or "".

    The full notice is long enough to push the consent box and the send button out of a
    phone's view, so the form leads with a summary (a layered notice). An operator's own
    summary (`PRIVACY_SUMMARY_EN`/`_DE`) wins. An operator who wrote their own notice but no
    summary gets none: the default summary speaks for the default notice only, and could
    contradict theirs, so the widget then shows their full notice in place.
    """
    own = (config.get(f"PRIVACY_SUMMARY_{lang.upper()}") or "").strip()
    if own:
        return own
    if (config.get(f"PRIVACY_NOTICE_{lang.upper()}") or "").strip():
        return ""
    return text(lang, "privacy.summary", shop=config["SHOP_NAME"])


def privacy_notice(config: Mapping[str, Any], lang: str) -> str:
    """The operator's notice (`PRIVACY_NOTICE_EN`/`_DE`), else the default filled from settings.

    The default says what is stored, why, for how long (from the RETENTION_* settings), how to
    delete it and whom to ask; a retention rule set to 0 reads "not automatically".
    """
    own = (config.get(f"PRIVACY_NOTICE_{lang.upper()}") or "").strip()
    if own:
        return own

    def phrase(kind: str, setting: str) -> str:
        days = config[setting]
        return text(lang, f"privacy.{kind}", n=days) if days else text(lang, f"privacy.{kind}_off")

    notice = text(
        lang,
        "privacy.notice",
        shop=config["SHOP_NAME"],
        questions=phrase("questions", "RETENTION_QUESTION_LOG_DAYS"),
        inactive=phrase("inactive", "RETENTION_INACTIVE_CLOSE_DAYS"),
        closed=phrase("closed", "RETENTION_CLOSED_DAYS"),
        email=config["CONTACT_EMAIL"],
        version=config["PRIVACY_NOTICE_VERSION"],
    )
    return " ".join(notice.split())
