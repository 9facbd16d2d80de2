"""The schema, as recorded steps applied in order at start-up, each exactly once.

A step is never edited after release; a change is a new step. Applying runs inside one
`BEGIN IMMEDIATE` transaction, so worker processes starting together apply each step once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from ..input_rules import is_email_address
from ..privacy.private_files import create_private_file, warn_if_readable_by_others
from .sqlite import connect, write_transaction

MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = []


def migration(name: str) -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
    """Register a schema step under a name that never changes."""

    def register(step: Callable[[Database], None]) -> Callable[[Database], None]:
        MIGRATIONS.append((name, step))
        return step

    return register


@migration("0001_feedback")
def _feedback(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            faq_id TEXT NOT NULL,
            helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
            question TEXT,
            lang TEXT,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX feedback_created ON feedback (created_at)")
    db.execute("CREATE INDEX feedback_faq ON feedback (faq_id)")


@migration("0002_conversations")
def _conversations(db: Database) -> None:
    # Ids and tokens are random (secrets); only the token's sha256 is stored. No IP address or
    # user agent is stored, by design. assigned_to is a staff account id (no FK yet).
    db.execute(
        """
        CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            token_hash TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'open', 'waiting', 'closed')),
            lang TEXT NOT NULL CHECK (lang IN ('de', 'en')),
            question TEXT NOT NULL,
            name TEXT,
            email TEXT,
            consent_at TEXT,
            consent_notice_version TEXT,
            assigned_to INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_visitor_at TEXT,
            first_staff_reply_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX conversations_queue ON conversations (status, updated_at)")
    db.execute(
        "CREATE INDEX conversations_assigned ON conversations (assigned_to, status, updated_at)"
    )
    db.execute("CREATE INDEX conversations_email ON conversations (email)")
    db.execute(
        """
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            conversation_id TEXT NOT NULL
                REFERENCES conversations (id) ON DELETE CASCADE,
            author TEXT NOT NULL CHECK (author IN ('visitor', 'bot', 'staff')),
            kind TEXT NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'note')),
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            staff_id INTEGER,
            in_transcript INTEGER NOT NULL DEFAULT 0 CHECK (in_transcript IN (0, 1))
        )
        """
    )
    db.execute("CREATE INDEX messages_conversation ON messages (conversation_id, id)")
    db.execute(
        """
        CREATE TABLE idempotency_keys (
            key_hash TEXT PRIMARY KEY,
            body_hash TEXT NOT NULL,
            conversation_id TEXT NOT NULL
                REFERENCES conversations (id) ON DELETE CASCADE,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)")
    db.execute("CREATE INDEX idempotency_keys_conversation ON idempotency_keys (conversation_id)")


@migration("0003_staff_and_drafts")
def _staff_and_drafts(db: Database) -> None:
    # Staff accounts: passwords only as werkzeug (scrypt) hashes. Drafts are kept in the
    # database, linked to the conversation they came from so retention and erasure reach them.
    db.execute(
        """
        CREATE TABLE staff_accounts (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('staff', 'editor', 'admin')),
            disabled_at TEXT,
            created_at TEXT NOT NULL,
            last_login_at TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE faq_drafts (
            id INTEGER PRIMARY KEY,
            conversation_id TEXT REFERENCES conversations (id) ON DELETE CASCADE,
            kind TEXT NOT NULL DEFAULT 'entry' CHECK (kind IN ('entry', 'alternative')),
            faq_id TEXT,
            lang TEXT NOT NULL CHECK (lang IN ('de', 'en')),
            question TEXT NOT NULL,
            answer TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'proposed'
                CHECK (status IN ('proposed', 'accepted', 'rejected')),
            created_by INTEGER REFERENCES staff_accounts (id) ON DELETE SET NULL,
            reviewed_by INTEGER REFERENCES staff_accounts (id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            reviewed_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX faq_drafts_status ON faq_drafts (status, created_at)")
    db.execute("CREATE INDEX faq_drafts_conversation ON faq_drafts (conversation_id)")


@migration("0004_question_log")
def _question_log(db: Database) -> None:
    # What the bot could not answer, or a visitor found unhelpful: the question text only (no
    # contact data, no address), kept for the gaps report and purged by retention.
    db.execute(
        """
        CREATE TABLE question_log (
            id INTEGER PRIMARY KEY,
            question TEXT NOT NULL,
            lang TEXT,
            outcome TEXT NOT NULL CHECK (outcome IN ('suggest', 'handoff', 'not_helpful')),
            best_faq_id TEXT,
            best_score REAL,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX question_log_created ON question_log (created_at)")


@migration("0005_ask_stats")
def _ask_stats(db: Database) -> None:
    # Counts only, per day, language and outcome: how the bot is doing, without any text.
    db.execute(
        """
        CREATE TABLE ask_stats (
            day TEXT NOT NULL,
            lang TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('answer', 'suggest', 'handoff')),
            count INTEGER NOT NULL,
            PRIMARY KEY (day, lang, outcome)
        )
        """
    )


@migration("0006_audit_log")
def _audit_log(db: Database) -> None:
    # Who did what, when: actions on conversations, accounts, settings and personal data.
    # staff_id is NULL when the actor is the CLI, the service itself or a visitor; details is
    # a JSON object of counts and ids, never an address or a text (audit.py refuses them).
    db.execute(
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            actor TEXT NOT NULL CHECK (actor IN ('staff', 'cli', 'system', 'visitor')),
            staff_id INTEGER,
            action TEXT NOT NULL,
            target TEXT,
            details TEXT NOT NULL DEFAULT '{}'
        )
        """
    )
    db.execute("CREATE INDEX audit_log_created ON audit_log (created_at)")


@migration("0007_maintenance")
def _maintenance(db: Database) -> None:
    # One row per daily job; a worker process runs a job only after claiming its row with one
    # conditional UPDATE, so several processes run it exactly once a day.
    db.execute(
        """
        CREATE TABLE maintenance (
            name TEXT PRIMARY KEY,
            last_run TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute("INSERT INTO maintenance (name, last_run) VALUES ('purge', '')")


@migration("0008_maintenance_finished")
def _maintenance_finished(db: Database) -> None:
    # When the claimed run finished ('' while it runs): a claim left unfinished by a killed
    # process is taken over after a lease, so a kill during the purge does not skip the day.
    db.execute("ALTER TABLE maintenance ADD COLUMN finished TEXT NOT NULL DEFAULT ''")


@migration("0009_staff_sessions")
def _staff_sessions(db: Database) -> None:
    # One row per staff sign-in; the cookie holds a random id, the row only its sha256, so a
    # copy of the database cannot be turned into a cookie. Sign-out deletes the row. The
    # trigger ends every session of an account whose password, role or disabled state
    # changes, whatever code path changes it (CLI, admin pages, a future import).
    db.execute(
        """
        CREATE TABLE staff_sessions (
            id_hash TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            last_seen TEXT NOT NULL
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX staff_sessions_account ON staff_sessions (account_id)")
    db.execute(
        """
        CREATE TRIGGER staff_sessions_end_on_account_change
        AFTER UPDATE OF password_hash, role, disabled_at ON staff_accounts
        WHEN OLD.password_hash IS NOT NEW.password_hash
            OR OLD.role IS NOT NEW.role
            OR OLD.disabled_at IS NOT NEW.disabled_at
        BEGIN
            DELETE FROM staff_sessions WHERE account_id = NEW.id;
        END
        """
    )


@migration("0010_outbox")
def _outbox(db: Database) -> None:
    # Notifications waiting to go out, written in the same transaction as the handoff or reply
    # they announce, so a restart loses none. A row holds ids only: the e-mail or webhook
    # document is built from the conversation when it is sent, so an erased conversation
    # takes its rows with it. `claim` and `lease_until` belong to the worker sending it now.
    db.execute(
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('staff_email', 'visitor_email', 'webhook')),
            conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            message_id INTEGER REFERENCES messages (id) ON DELETE CASCADE,
            delivery_key TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            due_at TEXT NOT NULL,
            claim TEXT,
            lease_until TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX outbox_due ON outbox (status, due_at)")
    db.execute("CREATE INDEX outbox_conversation ON outbox (conversation_id)")
    db.execute("CREATE INDEX outbox_message ON outbox (message_id)")


@migration("0011_handoff_replay")
def _handoff_replay(db: Database) -> None:
    # The first answer's token, sealed with a pad derived from the Idempotency-Key (whose
    # sha256 alone is stored), so a retry within the replay window gets the same token back
    # and the owner's keeps working; cleared when the window ends. A database copy alone
    # cannot open it.
    db.execute("ALTER TABLE idempotency_keys ADD COLUMN sealed_token TEXT")


@migration("0012_input")
def _input(db: Database) -> None:
    # Before this step the API stored an "email" such as "a@example.org,root,postmaster", and a
    # staff reply went to every address in it. A stored value that is not one address by the
    # rule of input_rules is forgotten: no reply e-mail goes to it, and the visitor still reads
    # the replies in the widget. On a new database there is nothing to check.
    rows = db.execute("SELECT id, email FROM conversations WHERE email IS NOT NULL").fetchall()
    for conversation_id, email in rows:
        if not is_email_address(email.strip()):
            db.execute("UPDATE conversations SET email = NULL WHERE id = ?", [conversation_id])


@migration("0013_ask_language_stats")
def _ask_language_stats(db: Database) -> None:
    # Counts per day of the widget page's language and the language the question was
    # answered in: editors see how many visitors type in the other language.
    db.execute(
        """
        CREATE TABLE ask_language_stats (
            day TEXT NOT NULL,
            page_lang TEXT NOT NULL,
            answer_lang TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (day, page_lang, answer_lang)
        )
        """
    )


@migration("0014_faq_versions")
def _faq_versions(db: Database) -> None:
    # Earlier versions of FAQ entries changed in the staff area's editor, to view and restore.
    # The entry's text as written to its file, and who wrote it as an account id only; kept
    # for RETENTION_FAQ_VERSIONS_DAYS and at most faq_versions.KEPT_PER_ENTRY per entry.
    db.execute(
        """
        CREATE TABLE faq_versions (
            id INTEGER PRIMARY KEY,
            entry_id TEXT NOT NULL,
            lang TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('before', 'saved', 'created', 'deleted')),
            markdown TEXT NOT NULL,
            staff_id INTEGER,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX faq_versions_entry ON faq_versions (lang, entry_id, id)")
    db.execute("CREATE INDEX faq_versions_created ON faq_versions (created_at)")


@migration("0015_conversation_ratings")
def _conversation_ratings(db: Database) -> None:
    # The visitor's satisfaction after staff answered and closed a conversation: one row per
    # conversation (its primary key), erased with it. score NULL means the visitor declined.
    # staff_id is whom it counts for (the assignee when it was rated), NULL once that account
    # is gone; the rating itself stays in the totals.
    db.execute(
        """
        CREATE TABLE conversation_ratings (
            conversation_id TEXT PRIMARY KEY
                REFERENCES conversations (id) ON DELETE CASCADE,
            score INTEGER CHECK (score BETWEEN 1 AND 5),
            comment TEXT,
            staff_id INTEGER REFERENCES staff_accounts (id) ON DELETE SET NULL,
            created_at TEXT NOT NULL
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX conversation_ratings_created ON conversation_ratings (created_at)")


def migrate(db: Database) -> list[str]:
    """Apply the steps not yet recorded; return the names applied now."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    applied_now = []
    with write_transaction(db):
        done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
        for name, step in MIGRATIONS:
            if name in done:
                continue
            step(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [name, datetime.now(UTC).isoformat(timespec="seconds")],
            )
            applied_now.append(name)
    return applied_now


def init_database(path: str | Path) -> list[str]:
    """Create the file, switch it to WAL and apply every migration not yet applied.

    A database this creates is 0600 in a 0700 folder (privacy/private_files.py), and so are the
    `-wal` and `-shm` files SQLite makes beside it. A database that exists keeps its mode (a
    warning names it when others can read it); a `file:` URI is opened as it is.
    """
    if not str(path).startswith("file:") and not create_private_file(path):
        warn_if_readable_by_others(path)
    db = connect(path)
    try:
        db.conn.execute("PRAGMA journal_mode = WAL")
        return migrate(db)
    finally:
        db.close()
