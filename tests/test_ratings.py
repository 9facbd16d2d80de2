"""Satisfaction after a person answered (issue #14, point 5): the API, the store, erasure,
export, retention, the migration and the statistics page, on a real database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.test_handoff_api import bearer, conversation_url, hand_off
from tests.test_staff import add_account, sign_in
from widget_api.input_rules import MAX_RATING_COMMENT_LENGTH
from widget_api.privacy import gdpr, retention
from widget_api.store import accounts, erasure, ratings, staff_queue
from widget_api.store.app_db import connect
from widget_api.store.migrations import migrate


def answered_and_closed(app, client, staff_id: int | None = None) -> dict:
    """A handoff that a staff member answered and closed, as the visitor holds it."""
    created = hand_off(client)
    db = connect(app.config["DATABASE"])
    if staff_id is None:
        staff_id = add_account(app, f"s{created['conversation_id'][:6]}@example.com")
    staff_queue.claim_conversation(db, created["conversation_id"], staff_id)
    staff_queue.add_staff_reply(db, created["conversation_id"], staff_id, "Yes, from 9 to 5.")
    staff_queue.close_conversation(db, created["conversation_id"])
    return created


def rate(client, created, payload, token=None):
    return client.post(
        conversation_url(created) + "/rating",
        json=payload,
        headers=bearer(token or created["token"]),
    )


def wanted(client, created) -> bool:
    response = client.get(conversation_url(created), headers=bearer(created["token"]))
    assert response.status_code == 200
    return response.get_json()["rating_wanted"]


def test_a_closed_answered_conversation_is_rated_once(app, client):
    created = answered_and_closed(app, client)
    assert wanted(client, created) is True
    response = rate(client, created, {"score": 4, "comment": "  Quick\x00 answer,\nthanks!  "})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["score"], body["comment"]) == (4, "Quick answer,\nthanks!")
    assert wanted(client, created) is False
    again = rate(client, created, {"score": 5})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_rated"
    db = connect(app.config["DATABASE"])
    assert ratings.rating_of(db, created["conversation_id"])["score"] == 4


def test_no_thanks_is_stored_and_the_widget_is_not_asked_again(app, client):
    created = answered_and_closed(app, client)
    assert rate(client, created, {"score": None, "comment": " \x01 "}).status_code == 201
    assert wanted(client, created) is False
    assert rate(client, created, {"score": 3}).get_json()["error"]["code"] == "already_rated"


def test_only_a_closed_conversation_that_staff_answered_is_rated(app, client):
    created = hand_off(client)
    db = connect(app.config["DATABASE"])
    assert wanted(client, created) is False
    refused = rate(client, created, {"score": 5})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "not_closed")
    staff_queue.close_conversation(db, created["conversation_id"])  # closed, nobody answered
    assert wanted(client, created) is False
    refused = rate(client, created, {"score": 5})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "not_answered")
    # Answered, closed, then the visitor writes again: open once more, so not rated.
    answered = answered_and_closed(app, client)
    client.post(
        conversation_url(answered) + "/messages",
        json={"text": "One more thing"},
        headers=bearer(answered["token"]),
    )
    assert wanted(client, answered) is False
    assert rate(client, answered, {"score": 2}).get_json()["error"]["code"] == "not_closed"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({}, "missing_score"),
        ({"score": 0}, "invalid_score"),
        ({"score": 6}, "invalid_score"),
        ({"score": 4.5}, "invalid_score"),
        ({"score": "5"}, "invalid_score"),
        ({"score": True}, "invalid_score"),
        ({"score": [5]}, "invalid_score"),
        ({"score": 5, "comment": 7}, "invalid_comment"),
        ({"score": 5, "comment": "x" * (MAX_RATING_COMMENT_LENGTH + 1)}, "comment_too_long"),
        ({"score": None, "comment": "Meh"}, "comment_without_score"),
    ],
)
def test_bad_ratings_are_refused_with_the_field_named(app, client, payload, code):
    created = answered_and_closed(app, client)
    response = rate(client, created, payload)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code
    assert wanted(client, created) is True  # nothing was stored


def test_rating_needs_the_token_json_and_answers_like_the_others(app, client):
    created = answered_and_closed(app, client)
    other = hand_off(client)
    url = conversation_url(created) + "/rating"
    for headers in ({}, bearer(other["token"]), bearer("x" * 43)):
        response = client.post(url, json={"score": 5}, headers=headers)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    unknown = client.post(
        "/api/v1/conversations/AAAAAAAAAAAAAAAAAAAAAA/rating",
        json={"score": 5},
        headers=bearer(created["token"]),
    )
    assert unknown.status_code == 404
    not_json = client.post(url, data="score=5", headers=bearer(created["token"]))
    assert not_json.status_code == 415
    listed = client.post(url, json=[5], headers=bearer(created["token"]))
    assert listed.get_json()["error"]["code"] == "invalid_body"
    assert client.get(url).status_code == 405
    assert wanted(client, created) is True
    assert 5.0 in ratings.SCORES and rate(client, created, {"score": 5.0}).status_code == 201


def test_ratings_are_rate_limited_per_client(tmp_path):
    from tests.conftest import make_app

    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_RATING="2 per hour")
    client = app.test_client()
    created = answered_and_closed(app, client)
    codes = [rate(client, created, {"score": 9}).status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_the_rating_counts_for_the_assignee_and_outlives_a_deleted_account(app, client):
    ann = add_account(app, "ann@example.com")
    created = answered_and_closed(app, client, staff_id=ann)
    rate(client, created, {"score": 5})
    db = connect(app.config["DATABASE"])
    since = datetime.now(UTC).date().isoformat()
    assert [(p["email"], p["count"]) for p in ratings.scores_per_staff(db, since)] == [
        ("ann@example.com", 1)
    ]
    accounts.set_disabled(db, "ann@example.com")
    assert ratings.scores_per_staff(db, since)[0]["disabled"] == 1
    db.execute("DELETE FROM staff_accounts WHERE id = ?", [ann])
    assert [
        (p["staff_id"], p["email"], p["mean"]) for p in ratings.scores_per_staff(db, since)
    ] == [(None, None, 5.0)]
    # A conversation assigned to an id with no account is rated for nobody, not refused.
    orphan = answered_and_closed(app, client, staff_id=987654)
    assert rate(client, orphan, {"score": 1}).status_code == 201
    assert ratings.scores_per_staff(db, since)[0]["count"] == 2


def test_export_includes_and_erasure_removes_the_rating(app, client):
    created = answered_and_closed(app, client)
    rate(client, created, {"score": 2, "comment": "Okapi-rating-marker"})
    db = connect(app.config["DATABASE"])
    subject = gdpr.Subject(conversation_id=created["conversation_id"])
    exported = gdpr.export(db, subject)["conversations"][0]["rating"]
    assert (exported["score"], exported["comment"]) == (2, "Okapi-rating-marker")
    assert set(exported) == {"score", "comment", "created_at"}  # no staff id
    removed, _ = gdpr.erase(db, subject)
    assert removed["ratings"] == 1 and removed["conversations"] == 1
    assert db.execute("SELECT COUNT(*) FROM conversation_ratings").fetchone() == (0,)


def test_the_visitors_delete_and_retention_take_the_rating(app, client):
    created = answered_and_closed(app, client)
    rate(client, created, {"score": 3})
    response = client.delete(conversation_url(created), headers=bearer(created["token"]))
    assert response.status_code == 204
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT COUNT(*) FROM conversation_ratings").fetchone() == (0,)
    old = answered_and_closed(app, client)
    rate(client, old, {"score": 4})
    later = datetime.now(UTC) + timedelta(days=91)
    counts = retention.purge(db, later, policy=retention.RetentionPolicy())
    assert counts["ratings_deleted"] == 1 and counts["conversations_deleted"] == 1
    assert erasure.erase_conversations(db, [])["ratings"] == 0


def test_two_ratings_at_once_keep_one(app, client):
    created = answered_and_closed(app, client)
    db = connect(app.config["DATABASE"])
    ratings.rate_conversation(db, created["conversation_id"], 5, None)
    with pytest.raises(ratings.RatingRefused) as refused:
        ratings.rate_conversation(db, created["conversation_id"], 1, None)
    assert refused.value.reason == "already_rated"
    with pytest.raises(ratings.RatingRefused) as missing:
        ratings.rate_conversation(db, "AAAAAAAAAAAAAAAAAAAAAA", 1, None)
    assert missing.value.reason == "not_found"


def test_migration_0015_adds_the_table_to_an_older_database(app, client):
    created = hand_off(client)
    db = connect(app.config["DATABASE"])
    # A database as version 0014 left it.
    db.execute("DROP TABLE conversation_ratings")
    db.execute("DELETE FROM _migrations WHERE name = '0015_conversation_ratings'")
    db.conn.commit()
    assert migrate(db) == ["0015_conversation_ratings"]
    assert migrate(db) == []
    assert db["conversation_ratings"].columns_dict == {
        "conversation_id": str,
        "score": int,
        "comment": str,
        "staff_id": int,
        "created_at": str,
    }
    assert ratings.rating_wanted(db, created["conversation_id"]) is False
    with pytest.raises(Exception, match="CHECK constraint"):
        db.execute(
            "INSERT INTO conversation_ratings (conversation_id, score, created_at) "
            "VALUES (?, 6, 'now')",
            [created["conversation_id"]],
        )


def stats_page(app, email: str, role: str, days: int = 7) -> str:
    app.config["SESSION_COOKIE_SECURE"] = False
    add_account(app, email, role)
    client = app.test_client()
    sign_in(client, email)
    response = client.get(f"/staff/stats?days={days}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_stats_show_the_score_to_editors_and_per_staff_and_comments_to_admins(app, client):
    ann = add_account(app, "ann@example.com")
    for score, comment in ((5, "<b>Great</b> & fast"), (2, None)):
        rate(
            client,
            answered_and_closed(app, client, staff_id=ann),
            {"score": score, "comment": comment},
        )
    rate(client, answered_and_closed(app, client, staff_id=ann), {"score": None})
    editor = stats_page(app, "eve@example.com", "editor")
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)", editor))
    assert (figures["Mean satisfaction (1 to 5)"], figures["Ratings"]) == ("3.5", "2")
    assert figures["Declined to rate"] == "1"
    assert 'id="score-chart-title"' in editor and "score-rows" in editor
    assert "Great" not in editor and "ann@example.com" not in editor
    assert "Satisfaction per staff member" not in editor
    admin = stats_page(app, "ada@example.com", "admin")
    assert "&lt;b&gt;Great&lt;/b&gt; &amp; fast" in admin and "<b>Great" not in admin
    row = re.search(
        r'id="score-per-staff".*?<tbody><tr><td>([^<]+)</td><td>([^<]+)</td>', admin, re.S
    )
    assert row.groups() == ("ann@example.com", "3.5")
    weekly = stats_page(app, "adam@example.com", "admin", days=90)
    assert "Mean satisfaction per week" in weekly and "Week from" in weekly


def test_stats_without_ratings_say_so(app):
    page = stats_page(app, "ada@example.com", "admin")
    assert page.count("No visitor rated a conversation in this period.") == 2
    assert "No comments in this period." in page and "score-chart-title" not in page
