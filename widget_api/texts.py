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
PRIVACY_NOTICE = {
    "en": "Your questions are answered by {shop}'s own server; nothing is sent to third "
    "parties and no cookies are set. If you ask for a person, we store your question and, only "
    "if you give them, your name and e-mail address, to answer you. You can delete the "
    "conversation at any time.",
    "de": "Deine Fragen beantwortet der eigene Server von {shop}; nichts wird an Dritte "
    "übermittelt, es werden keine Cookies gesetzt. Wenn du einen Menschen fragst, speichern "
    "wir deine Frage und, nur wenn du sie angibst, deinen Namen und deine E-Mail-Adresse, um "
    "dir zu antworten. Du kannst das Gespräch jederzeit löschen.",
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
            "notice": PRIVACY_NOTICE[lang].format(shop=shop),
            "url": config["PRIVACY_URL"],
            "version": config["PRIVACY_NOTICE_VERSION"],
        },
        "contact": {"text": contact, "email": config["CONTACT_EMAIL"], "phone": phone},
    }
