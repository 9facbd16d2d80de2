"""The conversation store on a real SQLite file: handoffs, tokens, claims, queues, erasure."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta

import pytest

from widget_api.store import conversations, erasure, staff_queue
from widget_api.store.app_db import connect, get_db
from widget_api.store.conversations import Handoff
from widget_api.store.migrations import init_database

TRANSCRIPT = (("visitor", "Where is my parcel 4711?"), ("bot", "Sorry, I could not find that."))


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "conversations.sqlite3"
    init_database(path)
    return path


@pytest.fixture
def db(db_path):
    database = connect(db_path)
    yield database
    database.close()


def handoff(**changes) -> Handoff:
    fields = {"question": "Where is my parcel 4711?", "lang": "en", "transcript": TRANSCRIPT}
    fields.update(changes)
    return Handoff(**fields)


def create(db, key=None, **changes) -> conversations.CreatedHandoff:
    return conversations.create_handoff(db, handoff(**changes), "3", idempotency_key=key)


def counts(db) -> dict[str, int]:
    tables = ("conversations", "messages", "idempotency_keys")
    return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def test_create_stores_question_transcript_and_consent(db):
    created = create(db, name="Ada", email="ada@example.com", consent=True)
    assert created.status == "new" and not created.replayed
    assert len(created.token) >= 43 and len(created.conversation_id) >= 22
    conversation = conversations.get_conversation(db, created.conversation_id)
    assert conversation["question"] == "Where is my parcel 4711?"
    assert conversation["name"] == "Ada" and conversation["email"] == "ada@example.com"
    assert conversation["consent_notice_version"] == "3" and conversation["consent_at"]
    assert "token_hash" not in conversation
    assert [(m["author"], m["in_transcript"]) for m in conversation["messages"]] == [
        ("visitor", True),
        ("bot", True),
        ("visitor", False),
    ]


def test_no_consent_recorded_without_contact_data(db):
    created = create(db, consent=True)
    conversation = conversations.get_conversation(db, created.conversation_id)
    assert conversation["consent_at"] is None and conversation["consent_notice_version"] is None


def test_contact_data_needs_consent(db):
    with pytest.raises(conversations.ConsentRequired):
        create(db, email="ada@example.com")
    assert counts(db)["conversations"] == 0


def test_ids_and_tokens_are_random(db):
    created = [create(db) for _ in range(20)]
    assert len({c.conversation_id for c in created}) == 20
    assert len({c.token for c in created}) == 20


def test_ids_never_start_like_a_command_line_option(db, monkeypatch):
    """`widget-api queue show ID` would read an id that starts with `-` as an option."""
    real = conversations.secrets.token_urlsafe
    drawn = iter(["-Mk2Vq0bJ9xTt1rYwZp4e3A", "_Ak2Vq0bJ9xTt1rYwZp4e3A", "Rk2Vq0bJ9xTt1rYwZp4e3A"])

    def draw(nbytes=None):
        return next(drawn) if nbytes == 16 else real(nbytes)

    monkeypatch.setattr(conversations.secrets, "token_urlsafe", draw)
    assert create(db).conversation_id == "Rk2Vq0bJ9xTt1rYwZp4e3A"


def test_visitor_access_needs_the_right_token(db):
    mine, other = create(db), create(db)
    seen = conversations.get_conversation_for_visitor(db, mine.conversation_id, mine.token)
    assert seen["id"] == mine.conversation_id
    assert conversations.get_conversation_for_visitor(db, mine.conversation_id, other.token) is None
    assert conversations.get_conversation_for_visitor(db, "x" * 22, mine.token) is None
    for token in ("", "x" * 10_000, "\x00", "tökén", "\ud800"):
        assert conversations.get_conversation_for_visitor(db, mine.conversation_id, token) is None
    for odd_id in ("", "\x00" * 30, "ü" * 30, "a" * 10_000):
        assert not conversations.visitor_may_access(db, odd_id, mine.token)


def test_idempotent_create_returns_the_first_answer_and_keeps_the_token(db):
    first = create(db, key="key-1")
    again = create(db, key="key-1")
    assert again.conversation_id == first.conversation_id and again.replayed
    assert again.token == first.token
    assert conversations.get_conversation_for_visitor(db, first.conversation_id, first.token)
    assert counts(db) == {"conversations": 1, "messages": 3, "idempotency_keys": 1}
    stored_key, sealed, token_hash = db.execute(
        "SELECT key_hash, sealed_token, token_hash FROM idempotency_keys "
        "JOIN conversations ON conversations.id = conversation_id"
    ).fetchone()
    assert stored_key == hashlib.sha256(b"key-1").hexdigest()
    # Neither the token nor anything that opens it without the key is stored.
    assert (
        first.token not in sealed and token_hash == hashlib.sha256(first.token.encode()).hexdigest()
    )


def test_a_replay_after_the_conversation_moved_on_is_refused(db):
    first = create(db, key="key-1")
    staff_queue.claim_conversation(db, first.conversation_id, staff_id=1)
    with pytest.raises(conversations.ReplayRefused) as refused:
        create(db, key="key-1")
    assert refused.value.reason == "moved_on"
    assert conversations.get_conversation_for_visitor(db, first.conversation_id, first.token)


@pytest.mark.parametrize("change", ["claim", "staff_reply", "note", "visitor_message", "close"])
def test_a_change_in_the_same_millisecond_as_the_handoff_still_ends_replays(db, change):
    """Times are stored to the millisecond: a change at the handoff's own instant leaves
    updated_at equal to created_at, and the conversation has moved on all the same."""
    at = datetime(2026, 12, 5, 9, 0, 0, 123000, tzinfo=UTC)
    first = conversations.create_handoff(db, handoff(), "3", idempotency_key="key-1", now=at)
    cid = first.conversation_id
    {
        "claim": lambda: staff_queue.claim_conversation(db, cid, staff_id=1, now=at),
        "staff_reply": lambda: staff_queue.add_staff_reply(db, cid, 1, "Hello", now=at),
        "note": lambda: staff_queue.add_note(db, cid, 1, "internal", now=at),
        "visitor_message": lambda: conversations.add_visitor_message(db, cid, "more", now=at),
        "close": lambda: staff_queue.close_conversation(db, cid, now=at),
    }[change]()
    with pytest.raises(conversations.ReplayRefused) as refused:
        conversations.create_handoff(db, handoff(), "3", idempotency_key="key-1", now=at)
    assert refused.value.reason == "moved_on"


def test_a_replay_after_the_window_is_refused_and_the_token_forgotten(db):
    start = datetime.now(UTC)
    first = conversations.create_handoff(db, handoff(), "3", idempotency_key="k", now=start)
    later = start + timedelta(seconds=conversations.REPLAY_SECONDS - 1)
    again = conversations.create_handoff(db, handoff(), "3", idempotency_key="k", now=later)
    assert again.token == first.token
    too_late = start + timedelta(seconds=conversations.REPLAY_SECONDS + 1)
    with pytest.raises(conversations.ReplayRefused) as refused:
        conversations.create_handoff(db, handoff(), "3", idempotency_key="k", now=too_late)
    assert refused.value.reason == "expired"
    assert db.execute("SELECT sealed_token FROM idempotency_keys").fetchall() == [(None,)]
    assert counts(db)["conversations"] == 1


def test_same_key_with_another_body_is_a_conflict(db):
    create(db, key="key-1")
    with pytest.raises(conversations.IdempotencyConflict):
        create(db, key="key-1", question="Something else entirely")
    with pytest.raises(conversations.IdempotencyConflict):
        create(db, key="key-1", transcript=())
    assert create(db, key="key-2").conversation_id
    assert counts(db)["conversations"] == 2


def test_idempotency_keys_are_kept_24_hours(db):
    old = datetime.now(UTC) - timedelta(hours=25)
    first = conversations.create_handoff(db, handoff(), "3", idempotency_key="k", now=old)
    later = create(db, key="k")
    assert later.conversation_id != first.conversation_id and not later.replayed
    assert conversations.purge_idempotency_keys(db, datetime.now(UTC) + timedelta(hours=25)) == 1


def test_visitor_message_reopens_for_the_queue(db):
    created = create(db)
    cid = created.conversation_id
    message = conversations.add_visitor_message(db, cid, "Any news?")
    assert message["author"] == "visitor" and message["text"] == "Any news?"
    assert conversations.get_conversation(db, cid)["status"] == "new"
    staff_queue.close_conversation(db, cid)
    conversations.add_visitor_message(db, cid, "Hello?")
    assert conversations.get_conversation(db, cid)["status"] == "new"
    staff_queue.claim_conversation(db, cid, staff_id=7)
    staff_queue.add_staff_reply(db, cid, 7, "On its way.")
    assert conversations.get_conversation(db, cid)["status"] == "waiting"
    conversations.add_visitor_message(db, cid, "Thanks!")
    assert conversations.get_conversation(db, cid)["status"] == "open"
    with pytest.raises(conversations.ConversationNotFound):
        conversations.add_visitor_message(db, "n" * 22, "lost")


def test_staff_workflow_and_queues(db):
    a, b = create(db).conversation_id, create(db, lang="de").conversation_id
    assert {c["id"] for c in staff_queue.list_queue(db, "new")} == {a, b}
    staff_queue.claim_conversation(db, a, staff_id=1)
    staff_queue.claim_conversation(db, a, staff_id=1)  # claiming one's own again is fine
    assert [c["id"] for c in staff_queue.list_queue(db, "mine", staff_id=1)] == [a]
    assert staff_queue.list_queue(db, "mine", staff_id=2) == []
    assert [c["id"] for c in staff_queue.list_queue(db, "new")] == [b]
    reply = staff_queue.add_staff_reply(db, a, 1, "It ships today.")
    note = staff_queue.add_note(db, a, 1, "Customer called twice.")
    assert reply["kind"] == "message" and note["kind"] == "note"
    assert [c["id"] for c in staff_queue.list_queue(db, "waiting")] == [a]
    conversation = conversations.get_conversation(db, a)
    assert conversation["first_staff_reply_at"] and conversation["assigned_to"] == 1
    assert [m["kind"] for m in conversation["messages"]][-2:] == ["message", "note"]
    staff_queue.close_conversation(db, a)
    assert [c["id"] for c in staff_queue.list_queue(db, "closed")] == [a]
    staff_queue.reopen_conversation(db, a)
    assert conversations.get_conversation(db, a)["status"] == "open"
    staff_queue.close_conversation(db, b)
    staff_queue.reopen_conversation(db, b)
    assert conversations.get_conversation(db, b)["status"] == "new"
    with pytest.raises(ValueError):
        staff_queue.list_queue(db, "everything")
    for action in (
        lambda: staff_queue.claim_conversation(db, "none", 1),
        lambda: staff_queue.add_staff_reply(db, "none", 1, "x"),
        lambda: staff_queue.add_note(db, "none", 1, "x"),
        lambda: staff_queue.close_conversation(db, "none"),
        lambda: staff_queue.reopen_conversation(db, "none"),
        lambda: conversations.get_conversation(db, "none"),
    ):
        with pytest.raises(conversations.ConversationNotFound):
            action()


def test_visitor_never_sees_notes_or_staff_ids(db):
    created = create(db)
    staff_queue.add_staff_reply(db, created.conversation_id, 3, "Reply")
    staff_queue.add_note(db, created.conversation_id, 3, "Secret note")
    seen = conversations.get_conversation_for_visitor(db, created.conversation_id, created.token)
    assert [m["text"] for m in seen["messages"]][-1] == "Reply"
    assert all("staff_id" not in m and "kind" not in m for m in seen["messages"])
    assert "Secret note" not in repr(seen)


def test_two_concurrent_claims_exactly_one_wins(db, db_path):
    ids = [create(db).conversation_id for _ in range(10)]
    for conversation_id in ids:
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def claim(
            staff_id: int, conversation_id=conversation_id, barrier=barrier, outcomes=outcomes
        ) -> None:
            own = connect(db_path)
            try:
                barrier.wait()
                staff_queue.claim_conversation(own, conversation_id, staff_id)
                outcomes.append(f"won:{staff_id}")
            except staff_queue.AlreadyClaimed:
                outcomes.append("lost")
            finally:
                own.close()

        threads = [threading.Thread(target=claim, args=(staff,)) for staff in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [o for o in outcomes if o.startswith("won")]
        assert len(winners) == 1 and outcomes.count("lost") == 1, outcomes
        assigned = conversations.get_conversation(db, conversation_id)["assigned_to"]
        assert winners == [f"won:{assigned}"]


def test_delete_removes_every_row_in_every_table(db):
    kept = create(db, key="other")
    gone = create(db, key="mine", email="ada@example.com", consent=True)
    conversations.add_visitor_message(db, gone.conversation_id, "more")
    staff_queue.add_staff_reply(db, gone.conversation_id, 1, "reply")
    staff_queue.add_note(db, gone.conversation_id, 1, "note")
    before = counts(db)
    assert erasure.delete_conversation(db, gone.conversation_id) is True
    assert erasure.delete_conversation(db, gone.conversation_id) is False
    assert counts(db) == {"conversations": 1, "messages": 3, "idempotency_keys": 1}
    assert before["messages"] == 9
    for table, column in (
        ("conversations", "id"),
        ("messages", "conversation_id"),
        ("idempotency_keys", "conversation_id"),
    ):
        sql = f"SELECT COUNT(*) FROM {table} WHERE {column} = ?"
        assert db.execute(sql, [gone.conversation_id]).fetchone()[0] == 0
    assert conversations.get_conversation(db, kept.conversation_id)


def test_deleted_text_does_not_linger_in_the_file(db, db_path):
    gone = create(db, email="erase-me@example.com", consent=True, question="Secret parcel 987")
    erasure.delete_conversation(db, gone.conversation_id)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db_path.read_bytes()
    assert b"erase-me@example.com" not in data and b"Secret parcel 987" not in data


def test_token_is_stored_only_as_a_hash(db, db_path):
    created = create(db, key="idem-key-plain")
    again = create(db, key="idem-key-plain")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    files = [db_path, *(db_path.with_name(db_path.name + s) for s in ("-wal", "-shm"))]
    data = b"".join(f.read_bytes() for f in files if f.exists())
    for secret in (created.token, again.token, "idem-key-plain"):
        assert secret.encode() not in data
    stored = db.execute("SELECT token_hash FROM conversations").fetchone()[0]
    assert stored == hashlib.sha256(again.token.encode()).hexdigest()


def test_no_address_or_user_agent_columns(db):
    columns = {column.name.lower() for table in db.tables for column in table.columns}
    assert not {c for c in columns if c == "ip" or "addr" in c or "agent" in c}


def test_every_connection_is_durable(db, tmp_path):
    from tests.conftest import make_app

    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    app = make_app(tmp_path / "app")
    with app.app_context():
        assert get_db().execute("PRAGMA synchronous").fetchone()[0] == 2
