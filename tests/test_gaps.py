"""What the FAQ did not answer: logged by the API, grouped, shown to editors and on the CLI."""

from __future__ import annotations

import json
import random

import pytest

from tests.test_staff import add_account, sign_in
from widget_api.faq import gaps as gaps_module
from widget_api.faq.gaps import group_gaps
from widget_api.staff.gaps_views import GAPS_SHOWN
from widget_api.store import question_log
from widget_api.store.app_db import connect

UNANSWERED = [
    "Can I rent a canoe from you?",
    "do you rent canoes",
    "rent a canoe please",
    "Where is your store in Berlin?",
    "store in berlin address",
]


def rows(*questions, lang="en"):
    return [
        {"id": i, "question": q, "lang": lang, "outcome": "handoff"}
        for i, q in enumerate(questions)
    ]


def test_similar_questions_form_groups_largest_first():
    gaps = group_gaps(rows(*UNANSWERED, "Hello?"))
    assert [gap.size for gap in gaps] == [3, 2, 1]
    assert gaps[0].suggested_question in UNANSWERED[:3]
    assert {q["question"] for q in gaps[1].questions} == set(UNANSWERED[3:5])
    assert gaps[0].languages == ["en"] and gaps[0].outcomes == {"handoff": 3}


def test_german_inflections_meet():
    gaps = group_gaps(
        rows("Verleiht ihr Kanus?", "Kanu verleihen", "Kann ich ein Kanu leihen", lang="de")
    )
    assert gaps[0].size >= 2


def test_empty_and_punctuation_only_questions_are_ignored():
    assert group_gaps(rows("?!", "   ")) == []


def test_api_logs_unanswered_and_unhelpful_questions_only(app, client):
    client.post("/api/v1/ask", json={"question": "Can I rent a canoe from you?", "lang": "en"})
    client.post("/api/v1/ask", json={"question": "How long does shipping take?", "lang": "en"})
    client.post(
        "/api/v1/feedback",
        json={"faq_id": "shipping-time", "helpful": False, "question": "shipping to Iceland?"},
    )
    client.post(
        "/api/v1/feedback", json={"faq_id": "shipping-time", "helpful": True, "question": "ok"}
    )
    logged = question_log.logged_questions(connect(app.config["DATABASE"]))
    assert [(r["question"], r["outcome"]) for r in logged] == [
        ("Can I rent a canoe from you?", "handoff"),
        ("shipping to Iceland?", "not_helpful"),
    ]
    assert logged[1]["best_faq_id"] == "shipping-time"
    columns = {c.name for c in connect(app.config["DATABASE"])["question_log"].columns}
    assert columns == {
        "id",
        "question",
        "lang",
        "outcome",
        "best_faq_id",
        "best_score",
        "created_at",
    }


def test_cli_prints_groups(cli):
    assert cli("faq", "gaps").exit_code == 0
    db = connect(cli.database)
    for question in UNANSWERED:
        question_log.log_question(db, question, "en", "handoff", None, None)
    result = cli("faq", "gaps", "--since", "7")
    assert result.exit_code == 0
    first = result.output.splitlines()[0]
    assert first.startswith("   3 × ") and "canoe" in first.lower()
    data = json.loads(cli("faq", "gaps", "--json").output)
    assert [gap["size"] for gap in data] == [3, 2]
    assert cli("faq", "gaps", "--since", "0").exit_code != 0


def test_gaps_page_is_for_editors(app, client):
    for question in UNANSWERED:
        client.post("/api/v1/ask", json={"question": question, "lang": "en"})
    client.post("/api/v1/feedback", json={"faq_id": "shipping-time", "helpful": False})
    app.config["SESSION_COOKIE_SECURE"] = False
    add_account(app, "staff@example.com", "staff")
    add_account(app, "editor@example.com", "editor")
    staff, editor = app.test_client(), app.test_client()
    sign_in(staff, "staff@example.com")
    assert staff.get("/staff/gaps").status_code == 403
    sign_in(editor, "editor@example.com")
    page = editor.get("/staff/gaps?days=7").get_data(as_text=True)
    assert "3 ×" in page and "canoe" in page
    assert "How long does shipping take?" in page  # the entry marked not helpful


def test_gap_logging_leaves_the_connection_durable(app):
    from widget_api.store.app_db import connect

    db = connect(app.config["DATABASE"])
    question_log.log_question(db, "anything at all", "en", "handoff", None, None)
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again afterwards


# -- Anyone can fill the log: grouping stays near-linear, the page stays small ------------------

WORDS = "order parcel return refund tent canoe rental store invoice payment boots jacket".split()


def long_questions(count: int, seed: int, near_identical: bool) -> list[str]:
    """500-character questions: copies of one with one word changed, or each of random words."""
    rng = random.Random(seed)
    base = [rng.choice(WORDS) for _ in range(90)]
    questions = []
    for number in range(count):
        if near_identical:
            words = list(base)
            words[number % len(words)] = f"word{number}"
        else:
            words = [f"{rng.choice(WORDS)}{rng.randrange(100_000)}" for _ in range(70)]
        questions.append(" ".join(words)[:500])
    return questions


@pytest.fixture
def comparisons(monkeypatch):
    """Counts the similarity comparisons grouping makes (a spy on rapidfuzz's scorer)."""
    calls = [0]
    scorer = gaps_module.fuzz.token_set_ratio

    def counting(*args, **kwargs):
        calls[0] += 1
        return scorer(*args, **kwargs)

    monkeypatch.setattr(gaps_module.fuzz, "token_set_ratio", counting)
    return calls


def test_near_identical_long_questions_form_one_group_without_pairwise_comparisons(comparisons):
    questions = long_questions(300, seed=1, near_identical=True)
    gaps = group_gaps(rows(*questions))
    assert [gap.size for gap in gaps] == [300]
    assert gaps[0].suggested_question in questions
    # Each question is compared with the one group at most; comparing every pair of the
    # group to find its central member took 300 * 300.
    assert comparisons[0] <= len(questions)


def test_distinct_questions_are_compared_with_a_few_groups_each(comparisons):
    questions = long_questions(600, seed=2, near_identical=False)
    gaps = group_gaps(rows(*questions))
    assert len(gaps) == 600  # nothing alike: each its own group
    assert comparisons[0] <= gaps_module.CANDIDATES * len(questions)  # pairwise: 600 * 599 / 2


def test_the_similar_group_is_found_among_many_others():
    filler = long_questions(400, seed=3, near_identical=False)
    gaps = group_gaps(rows("Can I rent a canoe from you?", *filler, "do you rent canoes"))
    canoe = next(gap for gap in gaps if "Can I rent a canoe from you?" in gap.suggested_question)
    assert {q["question"] for q in canoe.questions} == {
        "Can I rent a canoe from you?",
        "do you rent canoes",
    }


def test_the_central_question_is_the_one_sharing_most_words():
    gaps = group_gaps(
        rows("rent canoe", "rent a canoe for a day", "canoe rent weekend", "rent canoe today")
    )
    assert gaps[0].size == 4 and gaps[0].suggested_question == "rent canoe"


def test_the_page_shows_the_largest_groups_and_counts_the_rest(app):
    db = connect(app.config["DATABASE"])
    questions = long_questions(GAPS_SHOWN + 30, seed=4, near_identical=False)
    for question in [*UNANSWERED, *questions]:
        question_log.log_question(db, question, "en", "handoff", None, None)
    app.config["SESSION_COOKIE_SECURE"] = False
    add_account(app, "editor@example.com", "editor")
    editor = app.test_client()
    sign_in(editor, "editor@example.com")
    page = editor.get("/staff/gaps").get_data(as_text=True)
    assert page.count('<article class="card gap">') == GAPS_SHOWN
    assert "3 ×" in page and "2 ×" in page  # the largest groups are among those shown
    hidden = GAPS_SHOWN + 30 + 2 - GAPS_SHOWN
    assert f"{hidden} smaller groups with {hidden} questions in all are not shown" in page
    german = editor.get("/staff/gaps", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert f"{hidden} kleinere Gruppen mit zusammen {hidden} Fragen" in german
