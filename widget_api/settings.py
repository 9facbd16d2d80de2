"""Every setting, declared once: name, default, type, a help line and what values it takes.

Values flow one way: these defaults, then `config.toml` in the instance folder, then
environment variables named `WIDGET_<NAME>`, then the test config given to `create_app`.
`docs/configuration.md` is generated from this list (`widget-api settings --markdown`), and a
test fails when the two disagree, so a setting cannot be added without being documented.
Every check of a value is declared here too (`Setting`, `RULES`) and applied by
`check_settings`, so the service and every command refuse a bad value with the same message.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many

from .faq.model import LANGUAGES, Thresholds
from .notifications.mail import SMTPS_PORT
from .paths import sample_faq_dir
from .privacy.private_files import create_private_file, make_private_dir
from .store.conversations import MAX_REPLAY_SECONDS
from .visitor.service_hours import parse_closed_days, parse_time_zone, parse_weekly_hours

ENV_PREFIX = "WIDGET_"
# A generated key has 64 hex characters; a file with fewer than this was not made by us.
MIN_SECRET_KEY_LENGTH = 32
# The hex forms of a CSS colour: #rgb, #rgba, #rrggbb, #rrggbbaa.
_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the setting and source."""


@dataclass(frozen=True)
class Setting:
    """One configurable value; `kind` is str, int, float, bool or list (comma-separated).

    What a value may be is declared here too, so `check_settings` applies it to the final
    configuration (test config included) and the configuration reference shows it:
    `choices` the values allowed; `minimum`, `maximum` (inclusive) and `above` (exclusive)
    the range of a number; `parse` a function that returns the value read (service hours,
    a time zone) or raises ValueError with a sentence saying what is wrong, with `accepts`
    the form it reads, for the reference. `secret` values are never quoted in an error.
    """

    name: str
    default: Any
    help: str
    kind: type = str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    parse: Callable[[Any], Any] | None = None
    accepts: str = ""
    secret: bool = False

    def problem(self, value: Any) -> str | None:
        """What is wrong with `value` for this setting, one sentence naming the setting;
        None when it can be used."""
        if self.choices and value not in self.choices:
            return f"{self.name} must be {_either(self.choices)} (is {self._quoted(value)})"
        if self._ranged and not self._in_range(value):
            return f"{self.name} must be {self.limits()} (is {self._quoted(value)})"
        if self.parse is not None:
            try:
                self.parse(value)
            except (TypeError, ValueError) as error:
                return f"{self.name}: {error}"
        return None

    def allowed(self) -> str:
        """What values the setting takes, in words for the reference; "" when any of its kind."""
        if self.choices:
            return _either(tuple(f"`{choice}`" for choice in self.choices))
        return self.limits() or self.accepts

    def limits(self) -> str:
        """The allowed values in words ("a whole number from 32 to 128"), or ""."""
        number = "a whole number" if self.kind is int else "a number"
        if self.minimum is not None and self.maximum is not None:
            return f"{number} from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"at least {self.minimum}"
        if self.maximum is not None:
            return f"at most {self.maximum}"
        if self.above is not None:
            return f"more than {self.above}"
        return ""

    @property
    def _ranged(self) -> bool:
        return (self.minimum, self.maximum, self.above) != (None, None, None)

    def _in_range(self, value: Any) -> bool:
        types = int if self.kind is int else (int, float)
        if isinstance(value, bool) or not isinstance(value, types):
            return False
        return (
            (self.minimum is None or value >= self.minimum)
            and (self.maximum is None or value <= self.maximum)
            and (self.above is None or value > self.above)
        )

    def _quoted(self, value: Any) -> str:
        return "set" if self.secret else repr(value)


@dataclass(frozen=True)
class Rule:
    """A rule between settings: `broken` says whether a configuration breaks it, `message`
    is the error then, and the line in the configuration reference."""

    message: str
    broken: Callable[[Mapping[str, Any]], bool]


def _either(choices: tuple[str, ...]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else choices[0]


def is_absolute_http_url(value: str) -> bool:
    """An http(s) URL with a host, and nothing in it that could start another line."""
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(character.isspace() for character in value)
    )


def browser_origins(value: list[str]) -> list[str]:
    """Origins as a browser sends them in its `Origin` header, or ValueError naming the first
    that is not: CORS compares them as text, so `https://shop.example/` or an upper-case host
    would never match and the widget would fail on that site without a word."""
    for origin in value:
        parts = urlsplit(origin)
        try:
            port = parts.port
        except ValueError:
            port = -1
        default = {"http": 80, "https": 443}.get(parts.scheme)
        shown = f":{port}" if port is not None and port != default else ""
        host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
        canonical = f"{parts.scheme}://{host}{shown}"
        if default is None or not parts.hostname or port == -1 or parts.username is not None:
            raise ValueError(f"{origin!r} is not an http(s) origin (scheme://host[:port])")
        if origin != canonical:
            raise ValueError(f"{origin!r} would never match; write it as {canonical!r}")
    return value


def hex_colour(value: str) -> str:
    """A CSS hex colour (`#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`), the only form the widget's
    accent takes from the server; anything else raises ValueError."""
    if not isinstance(value, str) or not _HEX_COLOUR.fullmatch(value):
        raise ValueError(f"{value!r} is not a hex colour such as '#1d4ed8'")
    return value


def http_url_or_empty(value: str) -> str:
    """An http:// or https:// URL, or empty (off); anything else raises ValueError."""
    if value and urlsplit(value).scheme not in ("http", "https"):
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    return value


def public_url_or_empty(value: str) -> str:
    """An absolute http(s) URL with a host and no query, fragment or user name, or empty
    (unset); anything else raises ValueError. For addresses the service writes into pages
    others keep (the sitemap), which must never come from a request's Host header."""
    if not value:
        return value
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        parts is None
        or not is_absolute_http_url(value)
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ValueError(
            f"{value!r} is not an absolute http:// or https:// URL without query or fragment, "
            "such as 'https://support.example.com/help/'"
        )
    return value


def rate_limit(value: str) -> str:
    """A flask-limiter limit such as `30 per minute;500 per day`; anything else raises ValueError.

    flask-limiter skips a limit it cannot parse, with a log line: a typo would switch the limit
    off without anyone noticing, so it stops the start instead.
    """
    try:
        if not isinstance(value, str) or not parse_many(value):
            raise ValueError
    except ValueError:
        raise ValueError(
            f"{value!r} is not a rate limit such as '30 per minute;500 per day'"
        ) from None
    return value


RATE_LIMIT_FORM = "limits such as `30 per minute;500 per day`"


def given_secret_key(value: str) -> str:
    """A key set by the operator, held to the rule a key file is held to (empty: generated)."""
    if value and len(value.strip()) < MIN_SECRET_KEY_LENGTH:
        raise ValueError(
            f"it holds only {len(value.strip())} characters; give a random key of at least "
            f"{MIN_SECRET_KEY_LENGTH}, or none to have one generated"
        )
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE",
        "",
        "Path of the SQLite database file. Empty: `widget.sqlite3` in the "
        "instance folder. Created with all tables on first start.",
    ),
    Setting(
        "FAQ_DIR",
        "",
        "Folder of FAQ Markdown files (see docs/faq-format.md). Empty: the "
        "sample FAQ that ships with the package.",
    ),
    Setting(
        "FAQ_RELOAD_SECONDS",
        2.0,
        "How often, at most, the FAQ folder is checked for "
        "changes; a changed, valid FAQ is served without a restart. 0 turns reloading off.",
        float,
    ),
    Setting(
        "ALLOWED_ORIGINS",
        ["http://127.0.0.1:5001", "http://localhost:5001"],
        "Comma-separated origins (scheme://host[:port]) of the sites that embed the widget; "
        "the visitor API answers cross-origin requests from these only. The default is the "
        "demo page of `widget-api demo`.",
        list,
        parse=browser_origins,
        accepts="origins as browsers send them: `https://shop.example.com`, no path or slash",
    ),
    Setting(
        "SECRET_KEY",
        "",
        "Signs staff sessions and keys rate-limit hashes. Empty: a random "
        "key is generated once into `secret_key` in the instance folder (mode 0600) so "
        "every worker process shares it. Never set a guessable value.",
        parse=given_secret_key,
        accepts=f"empty, or at least {MIN_SECRET_KEY_LENGTH} characters",
        secret=True,
    ),
    Setting(
        "RATELIMIT_ENABLED",
        True,
        "Whether rate limits apply. Turn off only for tests and benchmarks.",
        bool,
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "memory://",
        "Where rate-limit counters live: `memory://` "
        "for one process, a `redis://` URL when several processes or servers serve.",
    ),
    Setting(
        "RATELIMIT_ASK",
        "30 per minute;500 per day",
        "Limit per client for asking.",
        str,
        parse=rate_limit,
        accepts=RATE_LIMIT_FORM,
    ),
    Setting(
        "RATELIMIT_SUGGEST",
        "120 per minute",
        "Limit per client for type-ahead suggestions.",
        str,
        parse=rate_limit,
        accepts=RATE_LIMIT_FORM,
    ),
    Setting(
        "RATELIMIT_FEEDBACK",
        "20 per minute;200 per day",
        "Limit per client for feedback.",
        str,
        parse=rate_limit,
        accepts=RATE_LIMIT_FORM,
    ),
    Setting(
        "RATELIMIT_HANDOFF",
        "5 per hour;20 per day",
        "Limit per client for handing a question to a person (`POST /api/v1/handoffs`); "
        "a retry with the same `Idempotency-Key` counts too.",
        str,
        parse=rate_limit,
        accepts=RATE_LIMIT_FORM,
    ),
    Setting(
        "HANDOFF_REPLAY_SECONDS",
        300,
        "How long a retry of `POST /api/v1/handoffs` with the same `Idempotency-Key` and body "
        "gets the first answer again (the same conversation and token). Later, or once the "
        "conversation changed (a claim, a reply, a visitor message), such a retry is refused "
        "with 409.",
        int,
        minimum=1,
        maximum=MAX_REPLAY_SECONDS,
    ),
    Setting(
        "RATELIMIT_MESSAGE",
        "30 per hour",
        "Limit per client for visitors' follow-up messages in a conversation.",
        str,
        parse=rate_limit,
        accepts=RATE_LIMIT_FORM,
    ),
    Setting(
        "RATELIMIT_RATING",
        "10 per hour;50 per day",
        "Limit per client for rating a closed conversation "
        "(`POST /api/v1/conversations/<id>/rating`; each conversation takes one rating).",
        str,
        parse=rate_limit,
        accepts=RATE_LIMIT_FORM,
    ),
    Setting(
        "RATELIMIT_IPV6_PREFIX",
        64,
        "Every rate limit counts an IPv6 client by the network of this prefix length (bits) "
        "its address is in, not by the full address: one home connection gets a whole /64 "
        "and could take a new address for every request. 128 counts single addresses; IPv4 "
        "addresses always count one by one.",
        int,
        minimum=32,
        maximum=128,
    ),
    Setting(
        "RATELIMIT_LOGIN_ADDRESS",
        "10 per minute;100 per day",
        "Staff sign-in attempts allowed per client address.",
        parse=rate_limit,
        accepts=RATE_LIMIT_FORM,
    ),
    Setting(
        "RATELIMIT_LOGIN_ACCOUNT",
        "5 per minute;30 per hour",
        "Staff sign-in attempts allowed per account, whatever address they come from. A "
        "browser that has signed in to that account before (it holds a device cookie) has "
        "this many attempts of its own, so others' failed guesses do not lock it out.",
        parse=rate_limit,
        accepts=RATE_LIMIT_FORM,
    ),
    Setting(
        "STAFF_SESSION_IDLE_MINUTES",
        60,
        "A staff sign-in ends after this many minutes without a request (an open queue page "
        "refreshes itself, which counts).",
        int,
        minimum=1,
    ),
    Setting(
        "STAFF_SESSION_HOURS",
        12,
        "A staff sign-in ends this many hours after it began, however busy it is; then the "
        "password is asked again.",
        int,
        minimum=1,
    ),
    Setting(
        "STAFF_DEVICE_COOKIE_DAYS",
        90,
        "How long a browser that signed in to a staff account keeps its device cookie (renewed "
        "at each sign-in), which exempts it from the lockout others' guesses cause (see "
        "`RATELIMIT_LOGIN_ACCOUNT`).",
        int,
        minimum=1,
    ),
    Setting(
        "SECURE_COOKIES",
        True,
        "Send the staff session cookie only over HTTPS (the `Secure` flag). Turned off only "
        "by `widget-api demo`, which serves plain HTTP on 127.0.0.1.",
        bool,
    ),
    Setting("MAX_QUESTION_LENGTH", 500, "Longest question a visitor may ask, in characters.", int),
    Setting(
        "MAX_CONTENT_LENGTH",
        65536,
        "Largest request body accepted, in bytes; larger "
        "requests are refused with 413 before they are read. A handoff may be up to 640 KiB "
        "whatever this says, since its transcript may hold 50 messages of 2,000 characters.",
        int,
    ),
    Setting(
        "ANSWER_THRESHOLD",
        -1.0,
        "Score from 0 to 1 the best entry needs to be answered at "
        "once. Negative: the matcher's built-in default. `widget-api faq tune` chooses "
        "it from a labelled set.",
        float,
        maximum=1,
    ),
    Setting(
        "ANSWER_MARGIN",
        -1.0,
        "How far the best entry must lead the second to be answered "
        "at once. Negative: the built-in default.",
        float,
        maximum=1,
    ),
    Setting(
        "SUGGEST_THRESHOLD",
        -1.0,
        "Lowest score at which an entry is offered as a "
        "suggestion. Negative: the built-in default.",
        float,
        maximum=1,
    ),
    Setting(
        "SHOP_NAME",
        "Nordlicht Outdoor",
        "The company's name, shown as the widget's title and in texts.",
    ),
    Setting(
        "GREETING_EN",
        "",
        "The widget's greeting in English. Empty: a default greeting with the shop name.",
    ),
    Setting(
        "GREETING_DE",
        "",
        "The widget's greeting in German. Empty: a default greeting with the shop name.",
    ),
    Setting(
        "THEME_COLOR",
        "#1d4ed8",
        "Accent colour of the widget (a CSS hex colour); white text must be readable on it.",
        parse=hex_colour,
        accepts="`#rgb`, `#rgba`, `#rrggbb` or `#rrggbbaa`",
    ),
    Setting("WIDGET_POSITION", "right", "Corner of the launcher.", choices=("left", "right")),
    Setting("DEFAULT_LANG", "en", "Language when the visitor's is unknown.", choices=LANGUAGES),
    Setting(
        "PRIVACY_URL",
        "https://shop.example.com/privacy",
        "Link to the company's privacy policy, shown with the widget's privacy notice.",
    ),
    Setting(
        "PRIVACY_NOTICE_VERSION",
        "1",
        "Version of the privacy notice; recorded with every "
        "consent. Change it when the notice changes.",
    ),
    Setting("CONTACT_EMAIL", "support@example.com", "Address visitors can write to."),
    Setting("CONTACT_PHONE", "+49 30 1234567", "Phone number visitors can call. Empty: none."),
    Setting(
        "TIMEZONE",
        "Europe/Berlin",
        "Time zone of the service hours.",
        parse=parse_time_zone,
        accepts="an IANA time zone name",
    ),
    Setting(
        "SERVICE_HOURS",
        "mon-fri 09:00-17:00",
        "When a person answers: day ranges with "
        "times, separated by `;`, e.g. `mon-thu 09:00-17:00; fri 09:00-14:00`.",
        parse=parse_weekly_hours,
        accepts="`day[-day] HH:MM-HH:MM`, separated by `;`",
    ),
    Setting(
        "CLOSED_DAYS",
        [],
        "Comma-separated dates when nobody answers, e.g. public holidays.",
        list,
        parse=parse_closed_days,
        accepts="dates written `YYYY-MM-DD`",
    ),
    Setting(
        "PRIVACY_NOTICE_EN",
        "",
        "The widget's privacy notice in English, shown before a visitor leaves a name or "
        "e-mail address. Empty: a default notice that says what is stored, why, for how long "
        "(from the `RETENTION_*` settings), how to delete it and whom to ask "
        "(`CONTACT_EMAIL`). Change `PRIVACY_NOTICE_VERSION` when you change it.",
    ),
    Setting(
        "PRIVACY_NOTICE_DE",
        "",
        "The widget's privacy notice in German. Empty: the default notice, in German.",
    ),
    Setting(
        "PRIVACY_SUMMARY_EN",
        "",
        "The short privacy notice in English that the hand-off form shows first, with a "
        "link that expands the full notice. Empty: a default summary, but only while "
        "`PRIVACY_NOTICE_EN` is empty too; with a notice of your own and no summary, the "
        "form shows your full notice.",
    ),
    Setting(
        "PRIVACY_SUMMARY_DE",
        "",
        "The short privacy notice in German, as `PRIVACY_SUMMARY_EN`.",
    ),
    Setting(
        "RETENTION_CLOSED_DAYS",
        90,
        "Closed conversations are deleted, with their messages, notes and drafts, this many "
        "days after they were closed (their last change). 0 keeps them until deleted by hand.",
        int,
        minimum=0,
    ),
    Setting(
        "RETENTION_INACTIVE_CLOSE_DAYS",
        30,
        "Conversations without any activity for this many days are closed (and then deleted "
        "after `RETENTION_CLOSED_DAYS`). 0 never closes them automatically.",
        int,
        minimum=0,
    ),
    Setting(
        "RETENTION_QUESTION_LOG_DAYS",
        30,
        "Unanswered questions (the gaps report) and visitors' feedback are deleted after this "
        "many days. 0 keeps them.",
        int,
        minimum=0,
    ),
    Setting(
        "RETENTION_AUDIT_DAYS",
        365,
        "Audit log entries are deleted after this many days. 0 keeps them.",
        int,
        minimum=0,
    ),
    Setting(
        "RETENTION_FAQ_VERSIONS_DAYS",
        365,
        "Earlier versions of FAQ entries saved in the staff area's FAQ editor (their text and "
        "the account id of who saved them) are deleted after this many days; at most 20 are "
        "kept per entry. 0 keeps them.",
        int,
        minimum=0,
    ),
    Setting(
        "HEALTH_MIN_FREE_MB",
        64,
        "`GET /api/v1/health` reports the database as degraded when the filesystem that holds "
        "it has less than this many megabytes free (writes fail on a full disk while reads "
        "still work); 0 turns the check off.",
        int,
        minimum=0,
    ),
    Setting(
        "MAINTENANCE_CHECK_SECONDS",
        300,
        "How often each worker process checks whether today's retention run (purge and "
        "compaction of the database file) is due; exactly one process runs it once a day (UTC). "
        "0 turns the automatic run off (then run `widget-api purge` from cron). Not started "
        "when the app is created for tests (`TESTING`).",
        int,
        minimum=0,
    ),
    Setting(
        "SMTP_HOST",
        "",
        "SMTP server for e-mail notifications (a new handoff to staff, a staff reply to a "
        "visitor who left an address and consent). Empty: no e-mail is sent.",
    ),
    Setting(
        "SMTP_PORT",
        587,
        "Port of the SMTP server; 465 means TLS from the first byte (SMTPS).",
        int,
        minimum=1,
        maximum=65535,
    ),
    Setting("SMTP_USERNAME", "", "User name for the SMTP server. Empty: no login."),
    Setting(
        "SMTP_PASSWORD",
        "",
        "Password for the SMTP server; better given as the environment variable than in a file.",
        secret=True,
    ),
    Setting(
        "SMTP_STARTTLS",
        True,
        "Switch the SMTP connection to TLS with STARTTLS (certificate checked). A login needs "
        "STARTTLS or port 465, so the password never travels in clear text.",
        bool,
    ),
    Setting(
        "SMTP_FROM",
        "",
        "Sender of notification e-mails, e.g. `support@example.com` or "
        "`Nordlicht Support <support@example.com>`. Required when `SMTP_HOST` is set.",
    ),
    Setting(
        "SMTP_TIMEOUT_SECONDS",
        10.0,
        "How long one attempt may take, from connecting to the SMTP server's last answer; "
        "after that its connection is cut and it counts as failed (and is tried again).",
        float,
    ),
    Setting(
        "STAFF_NOTIFY_EMAIL",
        "",
        "Address that gets an e-mail for every new handoff (the question and a link to it in "
        "the inbox, in the `DEFAULT_LANG` language). Empty: none. Needs `STAFF_URL`.",
    ),
    Setting(
        "HELP_CENTRE",
        True,
        "Whether the public help centre is served under `/help/` (every FAQ entry as a page, "
        "with search and a sitemap) and the widget links to it. Off: every `/help` address "
        "answers 404 and the widget offers no link.",
        bool,
    ),
    Setting(
        "HELP_CENTRE_URL",
        "",
        "The help centre's public address as visitors open it, e.g. "
        "`https://support.example.com/help/`, for the absolute links of `/help/sitemap.xml`. "
        "Empty: the sitemap answers 404 (its links are never built from the request's `Host` "
        "header, which a client chooses); the pages work with relative links.",
        parse=public_url_or_empty,
        accepts="an absolute `http(s)://` URL, or empty",
    ),
    Setting(
        "RATELIMIT_HELP_SEARCH",
        "30 per minute;500 per day",
        "Limit per client for searches in the help centre (`/help/<lang>/?q=`); browsing "
        "is not limited.",
        str,
        parse=rate_limit,
        accepts=RATE_LIMIT_FORM,
    ),
    Setting(
        "STAFF_URL",
        "",
        "Address of the staff inbox as staff open it, e.g. `https://support.example.com/staff`, "
        "for the link in staff e-mails. Required when `STAFF_NOTIFY_EMAIL` is set: the link is "
        "never built from the request's `Host` header, which a visitor chooses.",
    ),
    Setting(
        "SITE_URL",
        "https://shop.example.com",
        "The company's website, the plain link in e-mails to visitors (they answer in the chat "
        "there).",
    ),
    Setting(
        "WEBHOOK_URL",
        "",
        "http(s) URL that gets a JSON POST for every new handoff "
        '(`{"event": "handoff.created", "conversation_id", "lang", "created_at"}`); redirects '
        "are not followed. Empty: no webhook.",
        parse=http_url_or_empty,
        accepts="an `http://` or `https://` URL, or empty",
    ),
    Setting(
        "WEBHOOK_INCLUDE_PERSONAL_DATA",
        False,
        "Also send the question and the visitor's name and e-mail address to the webhook.",
        bool,
    ),
    Setting(
        "WEBHOOK_TIMEOUT_SECONDS",
        5.0,
        "How long one attempt may take, from connecting to the webhook receiver's last answer; "
        "after that its connection is cut and it counts as failed (and is tried again).",
        float,
    ),
    Setting(
        "WEBHOOK_RETRIES",
        3,
        "How often a failed webhook delivery (no answer, or a 5xx, 408 or 429 status) is tried "
        "again before it counts as failed (shown to admins: `widget-api outbox list`).",
        int,
        minimum=0,
    ),
    Setting(
        "MAIL_RETRIES",
        5,
        "How often a failed e-mail (no connection, or a 4xx answer from the SMTP server) is "
        "tried again before it counts as failed (shown to admins: `widget-api outbox list`).",
        int,
        minimum=0,
    ),
    Setting(
        "NOTIFY_RETRY_DELAY_SECONDS",
        2.0,
        "Wait before the first retry of a failed e-mail or webhook; it doubles with each "
        "further retry, up to an hour. Waiting deliveries are kept in the database, so a "
        "restart loses none. Sending never holds up a visitor's request.",
        float,
        above=0,
    ),
    Setting(
        "NOTIFY_LEASE_SECONDS",
        300.0,
        "How long a worker may take to send one e-mail or webhook before another worker "
        "takes it over (the first one is taken to have died). At least twice "
        "`SMTP_TIMEOUT_SECONDS` and `WEBHOOK_TIMEOUT_SECONDS`; a delivery still running "
        "after this long may be sent twice.",
        float,
    ),
    Setting(
        "PROXY_COUNT",
        0,
        "How many reverse proxies (e.g. nginx) stand in front of the service. 0: the "
        "`X-Forwarded-For`/`-Proto` headers are ignored, so a client cannot choose the address "
        "it is rate-limited by. N > 0: the address and scheme are taken from the N-th hop from "
        "the right of those headers, as the proxies set them.",
        int,
        minimum=0,
    ),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}

RULES: tuple[Rule, ...] = (
    Rule(
        "SMTP_FROM must be set when SMTP_HOST is",
        lambda c: bool(c["SMTP_HOST"]) and not c["SMTP_FROM"],
    ),
    Rule(
        "SMTP_USERNAME needs SMTP_STARTTLS or port 465 (no clear text)",
        lambda c: (
            bool(c["SMTP_HOST"] and c["SMTP_USERNAME"])
            and not (c["SMTP_STARTTLS"] or c["SMTP_PORT"] == SMTPS_PORT)
        ),
    ),
    # The link in the staff e-mail comes from STAFF_URL and nowhere else: built from the
    # request's Host header, a visitor could point it at any site (issue 11, point 5).
    Rule(
        "STAFF_NOTIFY_EMAIL needs STAFF_URL, the inbox's address as staff open it "
        "(e.g. https://support.example.com/staff): links in e-mails are never built "
        "from a request's Host header",
        lambda c: bool(c["STAFF_NOTIFY_EMAIL"]) and not is_absolute_http_url(c["STAFF_URL"]),
    ),
    Rule(
        "NOTIFY_LEASE_SECONDS must be at least twice SMTP_TIMEOUT_SECONDS and "
        "WEBHOOK_TIMEOUT_SECONDS, or a slow delivery would be sent twice",
        lambda c: (
            c["NOTIFY_LEASE_SECONDS"]
            < 2 * max(c["SMTP_TIMEOUT_SECONDS"], c["WEBHOOK_TIMEOUT_SECONDS"])
        ),
    ),
)


def configured_thresholds(config: Mapping[str, Any]) -> Thresholds:
    """The matcher's thresholds from the settings; a negative setting means the default."""
    default = Thresholds()

    def pick(name: str, fallback: float) -> float:
        return config[name] if config[name] >= 0 else fallback

    return Thresholds(
        answer=pick("ANSWER_THRESHOLD", default.answer),
        margin=pick("ANSWER_MARGIN", default.margin),
        suggest=pick("SUGGEST_THRESHOLD", default.suggest),
    )


def check_settings(config: Mapping[str, Any]) -> None:
    """Apply every declared check, then every rule between settings, to the final
    configuration; raises SettingsError with the first problem, one line naming the setting.

    The only place settings are checked: the app factory and every command call it, so a bad
    value stops each of them with the same message (and the modules that use a setting can
    trust it).
    """
    for setting in SETTINGS:
        problem = setting.problem(config[setting.name])
        if problem:
            raise SettingsError(problem)
    for rule in RULES:
        if rule.broken(config):
            raise SettingsError(rule.message)


def parse_value(setting: Setting, raw: Any, source: str) -> Any:
    """Turn a raw value (a string from the environment, or a TOML value) into the setting's type."""
    try:
        if setting.kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError("expected true or false")
        if setting.kind is list:
            if isinstance(raw, list):
                return [str(item).strip() for item in raw if str(item).strip()]
            return [item.strip() for item in str(raw).split(",") if item.strip()]
        if setting.kind in (int, float) and isinstance(raw, bool):
            raise ValueError("expected a number")
        return setting.kind(raw)
    except (TypeError, ValueError) as error:
        raise SettingsError(f"{setting.name} from {source}: {error}") from None


DATABASE_FILE_NAME = "widget.sqlite3"


def resolve_instance_path() -> str:
    """`WIDGET_INSTANCE_PATH`, else Flask's default instance folder for this package."""
    from flask import Flask

    return os.environ.get("WIDGET_INSTANCE_PATH") or Flask("widget_api").instance_path


def faq_folder(config: Mapping[str, Any]) -> str:
    """The FAQ folder: `FAQ_DIR`, else the sample FAQ shipped with the code (the demo)."""
    return config["FAQ_DIR"] or str(sample_faq_dir())


def database_path(config: Mapping[str, Any], instance_path: str) -> str:
    """The database file: `DATABASE`, else `widget.sqlite3` in the instance folder."""
    return config["DATABASE"] or str(Path(instance_path) / DATABASE_FILE_NAME)


def load_settings(
    instance_path: str,
    environ: Mapping[str, str] | None = None,
    sources: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Defaults, then `config.toml` in the instance folder, then `WIDGET_*` variables.

    `sources`, when given, is filled with where each value came from ("default", the config
    file's path, or the environment variable's name), for the admin settings page.
    """
    environ = os.environ if environ is None else environ
    sources = {} if sources is None else sources
    values = {setting.name: setting.default for setting in SETTINGS}
    sources.update(dict.fromkeys(values, "default"))
    config_file = Path(instance_path) / "config.toml"
    if config_file.exists():
        try:
            data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise SettingsError(f"{config_file}: {error}") from None
        for key, raw in data.items():
            setting = BY_NAME.get(key.upper().removeprefix(ENV_PREFIX))
            if setting is None:
                raise SettingsError(f"{config_file}: unknown setting {key!r}")
            values[setting.name] = parse_value(setting, raw, str(config_file))
            sources[setting.name] = f"config file {config_file}"
    for setting in SETTINGS:
        env_name = ENV_PREFIX + setting.name
        if env_name in environ:
            values[setting.name] = parse_value(setting, environ[env_name], env_name)
            sources[setting.name] = f"environment {env_name}"
    return values


def ensure_secret_key(instance_path: str) -> str:
    """Read the generated key from the instance folder, creating it (mode 0600) the first time.

    The key is written to a private temporary file and then linked into place, which fails
    when the file exists: worker processes starting together agree on one key, and none can
    read a file another is still writing. So an empty or short `secret_key` is never ours
    half-written but an operator's mistake, and it is refused (SettingsError): an empty key
    would make every sign-in fail and key the rate-limit hashes with nothing.
    """
    path = Path(instance_path) / "secret_key"
    make_private_dir(instance_path)
    if not path.exists():
        temporary = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(8)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_hex(32))
                out.flush()
                os.fsync(out.fileno())
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            temporary.unlink()
    return read_secret_key(path)


def check_secret_key_file(instance_path: str) -> None:
    """Refuse an existing key file that the service would refuse, without creating one.

    For commands that need no key: they stop on the same broken file the service stops on.
    """
    path = Path(instance_path) / "secret_key"
    if path.exists():
        read_secret_key(path)


def read_secret_key(path: Path) -> str:
    """The key in `path`; raises SettingsError when it cannot be read, is empty or short."""
    try:
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"cannot read the secret key {path}: {error}") from None
    if len(key) < MIN_SECRET_KEY_LENGTH:
        problem = "is empty" if not key else f"holds only {len(key)} characters"
        raise SettingsError(
            f"the secret key {path} {problem}; the service will not start without a real one. "
            f"Delete the file to have a new key generated (this signs every staff member out), "
            f"or put a random key of at least {MIN_SECRET_KEY_LENGTH} characters in it."
        )
    return key


def write_setting(instance_path: str, name: str, value: float | int | str | bool) -> Path:
    """Set one setting in the instance `config.toml`, keeping every other line as it was."""
    setting = BY_NAME[name]
    parse_value(setting, value, "write_setting")
    path = Path(instance_path) / "config.toml"
    create_private_file(path)  # it may hold SMTP_PASSWORD: private when we create it
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if isinstance(value, bool):
        rendered = "true" if value else "false"
    elif isinstance(value, int | float):
        rendered = repr(value)
    else:
        rendered = '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    new_line = f"{name} = {rendered}"
    for index, line in enumerate(lines):
        key = line.split("=", 1)[0].strip()
        if key.upper().removeprefix(ENV_PREFIX) == name:
            lines[index] = new_line
            break
    else:
        lines.append(new_line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def configuration_markdown() -> str:
    """The configuration reference, as docs/configuration.md holds it."""
    rows = [
        "# Configuration",
        "",
        "Every setting can be given in `config.toml` in the instance folder (`NAME = value`) or",
        "as an environment variable `WIDGET_NAME`; the environment wins. Lists are",
        "comma-separated in the environment and TOML arrays or comma-separated strings in the",
        "file. The instance folder is `./instance` in a checkout, or `WIDGET_INSTANCE_PATH`.",
        "",
        "This file is generated by `widget-api settings --markdown > docs/configuration.md`;",
        "a test fails when it is out of date.",
        "",
        "| setting | environment variable | default | allowed | meaning |",
        "|---|---|---|---|---|",
    ]
    for setting in SETTINGS:
        default = setting.default
        if isinstance(default, list):
            default = ",".join(default)
        elif isinstance(default, bool):
            default = str(default).lower()
        shown = f"`{default}`" if default != "" else "(empty)"
        rows.append(
            f"| `{setting.name}` | `{ENV_PREFIX}{setting.name}` | {shown} "
            f"| {setting.allowed()} | {setting.help} |"
        )
    rows += [
        "",
        "## Rules between settings",
        "",
        "The service and every `widget-api` command refuse to start when one is broken:",
        "",
        *(f"- {_code_names(rule.message)}." for rule in RULES),
    ]
    return "\n".join(rows) + "\n"


def _code_names(text: str) -> str:
    """`text` with every setting name in it set as code, for the Markdown reference."""
    return re.sub(r"\b[A-Z][A-Z0-9_]+\b", lambda m: _code(m[0]), text)


def _code(word: str) -> str:
    return f"`{word}`" if word in BY_NAME else word
