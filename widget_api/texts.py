"""Visitor-facing texts the server sends, in German and English, filled from the settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

GREETING = {
    "en": "Hi! I'm the {shop} help assistant. Ask me anything about orders, shipping, returns "
    "or payment. I answer at any hour; a person from our team answers in service hours.",
    "de": "Hallo! Ich bin der Hilfe-Assistent von {shop}. Frag mich zu Bestellung, Versand, "
    "Rückgabe oder Zahlung. Ich antworte rund um die Uhr; unser Team antwortet zu den "
    "Servicezeiten.",
}
PLACEHOLDER = {"en": "Ask a question…", "de": "Deine Frage…"}
# The default notice: what is stored, why, for how long (from the RETENTION_* settings), how
# to delete it and whom to ask. {questions}, {inactive} and {closed} are filled by
# privacy_notice() with the phrases below, which say "not automatically" for a rule set to 0.
PRIVACY_NOTICE = {
    "en": "{shop} answers your questions on its own server: nothing is sent to third parties "
    "and no cookies are set. Questions the assistant could not answer, and whether an answer "
    "helped you, are kept without anything about you {questions}, to improve the answers. If "
    "you ask for a person, we store the conversation and, only if you give them, your name and "
    "e-mail address, to answer you. So that you can read the reply here later, your browser "
    "keeps a key to the conversation in its local storage (not a cookie) until the "
    "conversation is deleted. {inactive} {closed} You can delete the conversation "
    'yourself at any time with "Delete this conversation". Questions about your data: '
    "{email}. (Privacy notice version {version})",
    "de": "Deine Fragen beantwortet der eigene Server von {shop}: Nichts wird an Dritte "
    "übermittelt, es werden keine Cookies gesetzt. Fragen, die der Assistent nicht beantworten "
    "konnte, und ob dir eine Antwort geholfen hat, speichern wir ohne Angaben zu dir "
    "{questions}, um die Antworten zu verbessern. Wenn du einen Menschen fragst, speichern wir "
    "das Gespräch und, nur wenn du sie angibst, deinen Namen und deine E-Mail-Adresse, um dir "
    "zu antworten. Damit du die Antwort später hier lesen kannst, behält dein Browser einen "
    "Schlüssel zum Gespräch im lokalen Speicher (kein Cookie), bis das Gespräch gelöscht ist. "
    "{inactive} {closed} Du kannst das Gespräch jederzeit selbst mit „Dieses "
    "Gespräch löschen“ löschen. Fragen zu deinen Daten: {email}. (Datenschutzhinweis Version "
    "{version})",
}
RETENTION_PHRASES = {
    "en": {
        "questions": "for {n} days",
        "questions_off": "until we delete them",
        "inactive": "After {n} days without activity it is closed.",
        "inactive_off": "",
        "closed": "A closed conversation is deleted after {n} days.",
        "closed_off": "It is kept until you or we delete it.",
    },
    "de": {
        "questions": "{n} Tage lang",
        "questions_off": "bis wir sie löschen",
        "inactive": "Nach {n} Tagen ohne Aktivität wird es geschlossen.",
        "inactive_off": "",
        "closed": "Ein geschlossenes Gespräch wird nach {n} Tagen gelöscht.",
        "closed_off": "Es bleibt gespeichert, bis du oder wir es löschen.",
    },
}
CONTACT = {
    "en": "You can also write to us at {email}{phone_en}.",
    "de": "Du erreichst uns auch per E-Mail an {email}{phone_de}.",
}


def widget_texts(config: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Greeting, placeholder, privacy notice and contact for the widget, in one language."""
    shop = config["SHOP_NAME"]
    phone = config["CONTACT_PHONE"]
    greeting = config[f"GREETING_{lang.upper()}"] or GREETING[lang].format(shop=shop)
    contact = CONTACT[lang].format(
        email=config["CONTACT_EMAIL"],
        phone_en=f" or call {phone}" if phone else "",
        phone_de=f" oder telefonisch unter {phone}" if phone else "",
    )
    return {
        "greeting": greeting,
        "placeholder": PLACEHOLDER[lang],
        "privacy": {
            "notice": privacy_notice(config, lang),
            "url": config["PRIVACY_URL"],
            "version": config["PRIVACY_NOTICE_VERSION"],
        },
        "contact": {"text": contact, "email": config["CONTACT_EMAIL"], "phone": phone},
    }


def privacy_notice(config: Mapping[str, Any], lang: str) -> str:
    """The operator's notice (`PRIVACY_NOTICE_EN`/`_DE`), else the default filled from settings."""
    own = config[f"PRIVACY_NOTICE_{lang.upper()}"].strip()
    if own:
        return own
    phrases = RETENTION_PHRASES[lang]

    def phrase(kind: str, setting: str) -> str:
        days = config[setting]
        return phrases[kind].format(n=days) if days else phrases[f"{kind}_off"]

    text = PRIVACY_NOTICE[lang].format(
        shop=config["SHOP_NAME"],
        questions=phrase("questions", "RETENTION_QUESTION_LOG_DAYS"),
        inactive=phrase("inactive", "RETENTION_INACTIVE_CLOSE_DAYS"),
        closed=phrase("closed", "RETENTION_CLOSED_DAYS"),
        email=config["CONTACT_EMAIL"],
        version=config["PRIVACY_NOTICE_VERSION"],
    )
    return " ".join(text.split())
