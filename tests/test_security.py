"""Security tests (issue 6, items 1-9) that need no browser; test_xss_browser.py has the rest.

What other modules prove already is not repeated here: the 404 shape for a foreign token and odd
tokens (test_handoff_api.py), every staff route refusing anonymous requests, CSRF on the
conversation actions and unknown-user vs wrong-password (test_staff.py), the sanitiser's
allowlist and idempotence (test_render.py), header injection in e-mails (test_notify.py), 50
forged X-Forwarded-For (test_serving.py), postMessage and the one innerHTML
(test_widget_source.py). Each test below fails when the protection it names is taken away.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import random
import re
import secrets
import socket
import threading
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import make_app, shared_path
from tests.test_handoff_api import QUESTION, bearer, conversation_url, hand_off
from tests.test_serving import random_address
from tests.test_staff import PASSWORD, add_account, csrf_of, login_limited_app, sign_in
from tests.test_visitor_api import ORIGIN, error_of
from widget_api.faq.render import ALLOWED_TAGS, LINK_REL, clean_html, is_safe_url, render_answer
from widget_api.server.demo import serve_in_thread
from widget_api.store import accounts, conversations
from widget_api.store.app_db import connect

ADMIN = "root@example.com"
SAFE_HREF = re.compile(r"\A(?:https?://[^\s/?#]+|mailto:[^\s]+@)", re.IGNORECASE)


def payload_corpus() -> list[str]:
    """Every XSS payload line and every naughty string from ../shared/security/, once each."""
    folder = shared_path("security")
    payloads: list[str] = []
    for path in sorted(folder.glob("xss-*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        payloads += [line.removesuffix("\r") for line in text.split("\n")]
    payloads += json.loads((folder / "blns.json").read_text(encoding="utf-8"))
    return list(dict.fromkeys(p for p in payloads if p))


def dump(app) -> str:
    """The whole database as SQL text, to compare before and after."""
    return "\n".join(connect(app.config["DATABASE"]).conn.iterdump())


def fill(rule, values: dict) -> str:
    """A URL for a url_map rule with its arguments filled in."""
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(values[name]), path)
    return path


@pytest.fixture
def admin_app(tmp_path):
    app = make_app(tmp_path, SECURE_COOKIES=False)
    add_account(app, ADMIN, role="admin")
    return app


def admin_client(app):
    client = app.test_client()
    assert sign_in(client, ADMIN).status_code == 302
    return client


def staff_post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_of(client, "/staff/queue"), **data})


def some_work(app, client) -> dict:
    """Conversations in several states, a reply, a note, drafts, logged questions, feedback."""
    visitor = app.test_client()
    created = [
        hand_off(visitor, {**QUESTION, "name": "Ada", "email": "ada@example.com", "consent": True}),
        hand_off(visitor, {**QUESTION, "question": "Do you rent kayaks?"}),
        hand_off(visitor, {**QUESTION, "question": "Wo ist mein Paket?", "lang": "de"}),
    ]
    first, second = created[0]["conversation_id"], created[1]["conversation_id"]
    staff_post(client, f"/staff/conversations/{first}/claim")
    staff_post(client, f"/staff/conversations/{first}/reply", text="Yes, at our lake shop.")
    staff_post(client, f"/staff/conversations/{first}/note", text="Regular customer")
    staff_post(client, f"/staff/conversations/{second}/close")
    db = connect(app.config["DATABASE"])
    (reply_id,) = db.execute(
        "SELECT id FROM messages WHERE author = 'staff' AND kind = 'message'"
    ).fetchone()
    staff_post(client, f"/staff/conversations/{first}/draft", message_id=str(reply_id))
    staff_post(client, f"/staff/conversations/{first}/link", faq_id="shipping-time")
    (draft_id,) = db.execute("SELECT min(id) FROM faq_drafts").fetchone()
    staff_post(client, f"/staff/drafts/{draft_id}/accept")
    visitor.post("/api/v1/ask", json={"question": "Do you sell canoes for dogs?", "lang": "en"})
    visitor.post(
        "/api/v1/feedback", json={"faq_id": "shipping-time", "helpful": False, "question": "hm"}
    )
    return {
        "created": created,
        "conversation_id": first,
        "draft_id": draft_id,
        "message_id": reply_id,
        "delivery_id": 1,  # no delivery waits (no SMTP here): the route answers for a missing one
        "filename": "staff.css",
        # The FAQ editor's routes: the crawl's form has no file hash, so nothing is written.
        "lang": "en",
        "entry_id": "shipping-time",
        # The admin's own account: the admin pages refuse every change to it (403).
        "account_id": accounts.account_id_for_email(db, ADMIN),
    }


# 1. Another visitor's conversation ---------------------------------------------------------


def test_a_foreign_conversation_answers_byte_for_byte_like_a_missing_one(client):
    mine, theirs = hand_off(client), hand_off(client)
    missing = "A" * 22

    def answers(conversation_id: str, headers: dict) -> list[tuple]:
        url = f"/api/v1/conversations/{conversation_id}"
        responses = [
            client.get(url, headers=headers),
            client.post(url + "/messages", json={"text": "hi"}, headers=headers),
            client.post(url + "/messages", data="{", content_type="text/plain", headers=headers),
            client.delete(url, headers=headers),
        ]
        return [
            (r.status_code, r.data, sorted((k, v) for k, v in r.headers if k != "Date"))
            for r in responses
        ]

    expected = answers(missing, bearer(mine["token"]))
    assert expected[0][0] == 404
    for headers in ({}, bearer(theirs["token"]), bearer(""), {"Authorization": mine["token"]}):
        assert answers(mine["conversation_id"], headers) == expected
    assert answers(missing, {}) == expected
    assert client.get(conversation_url(mine), headers=bearer(mine["token"])).status_code == 200


def test_ten_thousand_random_tokens_open_nothing(app, client):
    created = [hand_off(client) for _ in range(20)]
    ids = [c["conversation_id"] for c in created]
    db = connect(app.config["DATABASE"])
    real = created[0]["token"]
    # Near misses and the stored hash itself (the database holds only the hash).
    near = [
        real[:-1] + ("A" if real[-1] != "A" else "B"),
        real[:-1],
        real + "A",
        real.swapcase(),
        hashlib.sha256(real.encode()).hexdigest(),
        real[:-1] + "_",
        real[:-1] + "%",
        "_" * len(real),
        "%",
        "*",
    ]
    rng = random.Random(6)
    guesses = [(rng.choice(ids), secrets.token_urlsafe(32)) for _ in range(10_000)]
    guesses += [(ids[0], token) for token in near]
    opened = [g for g in guesses if conversations.visitor_may_access(db, *g)]
    assert opened == []
    assert all(conversations.get_conversation_for_visitor(db, *g) is None for g in guesses[:500])
    # A sample over HTTP, through the real header parsing.
    for conversation_id, token in guesses[:300] + guesses[-len(near) :]:
        response = client.get(f"/api/v1/conversations/{conversation_id}", headers=bearer(token))
        assert response.status_code == 404
    # The real tokens still work: the test is not passing because nothing ever opens.
    assert all(
        conversations.visitor_may_access(db, c["conversation_id"], c["token"]) for c in created
    )


def test_tokens_appear_only_in_the_answer_that_created_them(admin_app, caplog):
    caplog.set_level(logging.DEBUG)
    client = admin_client(admin_app)
    work = some_work(admin_app, client)
    visitor = admin_app.test_client()
    keyed = {**QUESTION, "question": "Can I bring my dog?", "email": "d@example.com"}
    keyed["consent"] = True
    first = hand_off(visitor, keyed, headers={"Idempotency-Key": "crawl-key-5Hq8wZ2nB7xJ3mK"})
    replay = hand_off(visitor, keyed, headers={"Idempotency-Key": "crawl-key-5Hq8wZ2nB7xJ3mK"})
    assert replay["token"] == first["token"]  # the first answer again, not a second key
    tokens = [c["token"] for c in work["created"]] + [first["token"]]
    target = work["created"][2]  # the visitor calls go to this one; it is deleted last
    values = {**work, "conversation_id": target["conversation_id"]}
    values |= {"lang": "en", "entry_id": "shipping-time"}  # the help centre's pages
    form = {
        "text": "A reply from the crawl",
        "faq_id": "shipping-time",
        "message_id": str(work["message_id"]),
        "email": ADMIN,
        "password": PASSWORD,
    }
    bodies = {
        "visitor_api.ask": {"question": "How long does shipping take?", "lang": "en"},
        "visitor_api.feedback": {"faq_id": "shipping-time", "helpful": True},
        "handoff_api.create_handoff": QUESTION,
        "handoff_api.add_message": {"text": "One more thing"},
        "handoff_api.rate_conversation": {"score": 5, "comment": "Quick and kind"},
    }
    requests = []
    for rule in admin_app.url_map.iter_rules():
        for method in sorted(rule.methods):
            staff = rule.rule.startswith("/staff")
            url = fill(rule, work if staff else values)
            last = method == "DELETE" or rule.endpoint == "staff.logout"
            requests.append((last, method, url, rule.endpoint))
    requests += [
        (False, "GET", f"/staff/queue?view={view}", "staff.queue")
        for view in ("mine", "waiting", "closed")
    ]
    requests += [(False, "GET", "/staff/queue?partial=1", "staff.queue")]
    requests += [(False, "GET", "/staff/try?q=shipping", "staff.try_page")]
    answers = f"/staff/conversations/{work['conversation_id']}?faq_q=shipping"
    requests += [
        (False, "GET", answers, "staff.conversation"),
        (False, "GET", f"{answers}&partial=answers", "staff.conversation"),
        (False, "GET", f"{answers}&insert=en/shipping-time", "staff.conversation"),
    ]
    checked = 0
    for _, method, url, endpoint in sorted(requests):
        headers = {"Origin": ORIGIN, **bearer(target["token"])}
        options = {}
        if method == "POST" and url.startswith("/staff"):
            options["data"] = {"csrf_token": csrf_of(client, "/staff/queue"), **form}
        elif method == "POST":
            options["json"] = bodies[endpoint]
        with client.open(url, method=method, headers=headers, **options) as response:
            seen = response.get_data() + json.dumps(list(response.headers.items())).encode()
        for token in tokens:
            assert token.encode() not in seen, (method, url)
        assert response.status_code < 500, (method, url)
        checked += 1
    assert checked >= 60
    for token in tokens:
        assert token not in caplog.text
    files = Path(admin_app.config["DATABASE"]).parent.glob("widget.sqlite3*")
    data = b"".join(p.read_bytes() for p in files)
    assert not any(token.encode() in data for token in tokens)


# 2. Type confusion on ids and tokens ------------------------------------------------------

ODD_VALUES = [
    "%",
    "*",
    "_",
    "_" * 22,
    "%" * 22,
    "*" * 22,
    "[]",
    "{}",
    '{"$ne": null}',
    "null",
    "0",
    "-1",
    "1e309",
    "true",
    "x" * 5000,
    "a\x00b",
    "\x00",
    "../" * 5,
]


def test_odd_conversation_ids_get_400_or_404(client):
    created = hand_off(client)
    headers = bearer(created["token"])
    for value in ODD_VALUES:
        url = "/api/v1/conversations/" + quote(value, safe="")
        for response in (
            client.get(url, headers=headers),
            client.post(url + "/messages", json={"text": "hi"}, headers=headers),
            client.delete(url, headers=headers),
        ):
            assert response.status_code in (400, 404), (value, response.status_code)
    assert client.get(conversation_url(created), headers=headers).status_code == 200


def test_odd_tokens_in_the_header_or_the_body_get_404(client):
    created = hand_off(client)
    token = created["token"]
    url = conversation_url(created)
    for value in [*ODD_VALUES, token + "\x00", "\x00" + token, f"[{token}]", f'"{token}"']:
        header = {"Authorization": ("Bearer " + value).encode().decode("latin-1")}
        for response in (
            client.get(url, headers=header),
            client.post(url + "/messages", json={"text": "hi"}, headers=header),
            client.delete(url, headers=header),
        ):
            assert response.status_code == 404, (value, response.status_code)
    # The token as a JSON body field or a query parameter opens nothing.
    for body in (
        {"text": "hi", "token": token},
        {"text": "hi", "token": [token], "conversation_id": created["conversation_id"]},
        {"text": "hi", "Authorization": f"Bearer {token}"},
    ):
        assert client.post(url + "/messages", json=body).status_code == 404
    assert client.get(url, query_string={"token": token}).status_code == 404
    assert client.get(url, headers=bearer(token)).status_code == 200


@pytest.mark.parametrize(
    "value", [{}, [], 7, 7.5, True, None, *ODD_VALUES, "shipping-time\x00", "shipping%"]
)
def test_odd_faq_ids_and_languages_get_400_or_404(client, value):
    response = client.post("/api/v1/feedback", json={"faq_id": value, "helpful": True})
    assert response.status_code in (400, 404), response.status_code
    error_of(response)
    for path, body in (
        ("/api/v1/ask", {"question": "shipping", "lang": value}),
        ("/api/v1/handoffs", {**QUESTION, "lang": value}),
    ):
        response = client.post(path, json=body)
        if value is None:  # no language given: allowed, the default is used
            assert response.status_code in (200, 201)
        else:
            assert error_of(response) == (400, "unknown_language")


def test_odd_ids_in_the_staff_area_never_reach_a_page_or_a_500(admin_app):
    client = admin_client(admin_app)
    work = some_work(admin_app, client)
    before = dump(admin_app)
    for value in ODD_VALUES:
        segment = quote(value, safe="")
        assert client.get(f"/staff/conversations/{segment}").status_code == 404
        for action in ("claim", "reply", "note", "close", "reopen", "link", "draft"):
            response = staff_post(client, f"/staff/conversations/{segment}/{action}", text="x")
            assert response.status_code == 404, (value, action)
        assert client.get(f"/staff/drafts/{segment}.md").status_code == 404
        for action in ("accept", "reject"):
            assert staff_post(client, f"/staff/drafts/{segment}/{action}").status_code == 404
        # Odd values in the form fields that name an entry or a message.
        cid = work["conversation_id"]
        response = staff_post(client, f"/staff/conversations/{cid}/draft", message_id=value)
        assert response.status_code == 400, value
        response = staff_post(client, f"/staff/conversations/{cid}/link", faq_id=value)
        assert response.status_code == 302, value
    for query in ("view=%00", "view[]=new", "days=1e309", "days=-1", "partial=%00"):
        assert client.get(f"/staff/queue?{query}").status_code == 200
        assert client.get(f"/staff/gaps?{query}").status_code == 200
    # Nothing was created, claimed or changed by any of it, not even in the audit log.
    assert dump(admin_app) == before


# 3. Stored XSS, server side: the sanitiser over the whole corpus ----------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def assert_allowlisted(html: str, source: str) -> None:
    """Only allowlisted tags; links with a safe href and the fixed rel; nothing else."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, (source, html)
        names = [name for name, _ in attrs]
        if tag == "a":
            assert set(names) <= {"href", "rel"} and dict(attrs)["rel"] == LINK_REL, (source, html)
            href = dict(attrs).get("href")
            assert href is None or SAFE_HREF.match(href), (source, html)
        else:
            assert names == [], (source, html)


def test_every_corpus_payload_is_rendered_to_the_allowlist():
    payloads = payload_corpus()
    assert len(payloads) > 1200
    for payload in payloads:
        for source in (payload, f"[link]({payload}) and {payload}"):
            html, _ = render_answer(source)
            assert_allowlisted(html, source)
            assert clean_html(html) == html
        assert_allowlisted(clean_html(payload), payload)


# 4. Links in answers ------------------------------------------------------------------------

LINKS = [
    "[a](javascript:alert(1)//http://x)",
    "[b](<javascript:alert(1)//http://x>)",
    "[c](JaVaScRiPt:alert(1))",
    "[d](&#106;avascript:alert(1))",
    "[e](java%0ascript:alert(1))",
    "[f](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[g](vbscript:msgbox(1))",
    "[h](//evil.example/x)",
    "[i](/relative/path)",
    "[j][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)//http://x">k</a>',
    '<a href=" javascript:alert(1)">l</a>',
    '<a href="jav&#x09;ascript:alert(1)">m</a>',
    '<a href="&#x6a;avascript:alert(1)">n</a>',
    '<a href="https:javascript:alert(1)">o</a>',
    '<a href="mailto:javascript:alert(1)">p</a>',
    '<a href="https://ok.example/" rel="opener" target="_self" onclick="alert(1)">q</a>',
    "[r](https://ok.example/r)",
    "[s](http://ok.example/s)",
    "[t](mailto:help@ok.example)",
    "<https://ok.example/u>",
]


def write_faq(folder: Path, entries: list[tuple[str, str, str]]) -> Path:
    """An FAQ folder with one English file holding (id, question, answer) entries."""
    (folder / "en").mkdir(parents=True)
    text = "---\nlang: en\n---\n\n" + "\n".join(
        f"## {question}\nid: {entry_id}\n\n{answer}\n" for entry_id, question, answer in entries
    )
    (folder / "en" / "links.md").write_text(text, encoding="utf-8")
    return folder


def test_links_in_answers_are_only_http_https_mailto_each_with_the_fixed_rel(tmp_path):
    faq = write_faq(
        tmp_path / "faq",
        [("links", "Which links are allowed here?", "\n\n".join(f"Link: {x}" for x in LINKS))],
    )
    client = make_app(tmp_path, FAQ_DIR=str(faq)).test_client()
    body = client.post("/api/v1/ask", json={"question": "Which links are allowed here?"})
    html = body.get_json()["answer"]["html"]
    assert_allowlisted(html, "links")
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert sorted(hrefs) == [
        "http://ok.example/s",
        "https://ok.example/",
        "https://ok.example/r",
        "https://ok.example/u",
        "mailto:help@ok.example",
    ]
    assert html.count(f'rel="{LINK_REL}"') == html.count("<a ")
    # The check itself, anchored: bleach's own scheme check must not be the only line.
    for target in (
        "javascript:alert(1)//http://x",
        "javascript:alert(1);//https://x",
        "x https://ok.example",
        "data:text/html,https://ok.example",
        "https:javascript:alert(1)",
        "mailto:javascript:alert(1)",
        "//ok.example",
        "java\tscript:alert(1)",
    ):
        assert not is_safe_url(target), target


# 5. The staff area ------------------------------------------------------------------------


def test_every_state_change_without_a_valid_csrf_token_is_403(admin_app):
    client = admin_client(admin_app)
    other = admin_client(admin_app)  # another session's token is not this session's
    foreign = csrf_of(other, "/staff/queue")
    work = some_work(admin_app, client)
    before = dump(admin_app)
    checked = 0
    for rule in admin_app.url_map.iter_rules():
        if not rule.rule.startswith("/staff"):
            continue
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            url = fill(rule, work)
            form = {"text": "forged", "faq_id": "shipping-time", "message_id": work["message_id"]}
            for token in (None, "", "forged", foreign, foreign[:-1]):
                data = dict(form) if token is None else {**form, "csrf_token": token}
                response = client.open(url, method=method, data=data)
                assert response.status_code == 403, (method, url, token)
                response = client.open(url, method=method, headers={"X-CSRF-Token": token or ""})
                assert response.status_code == 403, (method, url, token)
            checked += 1
    assert checked >= 10
    assert dump(admin_app) == before
    assert client.get("/staff/queue").status_code == 200  # still signed in: no logout happened


def test_every_get_leaves_the_database_unchanged(admin_app):
    # A sign-in's last_seen is written at most once a minute: a stopped clock keeps a slow run
    # from writing it in the middle of this check.
    moment = datetime.now(UTC)
    admin_app.extensions["clock"] = lambda: moment
    client = admin_client(admin_app)
    work = some_work(admin_app, client)
    # Asks are counted in memory and written now and then; the stats page writes what is
    # pending (a cache, not a change a GET makes). Write it first so the dump compares alike.
    admin_app.extensions["ask_counter"].flush(connect(admin_app.config["DATABASE"]))
    before = dump(admin_app)
    urls = []
    for rule in admin_app.url_map.iter_rules():
        if "GET" in rule.methods:
            values = {**work, "draft_id": work["draft_id"], "lang": "en"}
            values["entry_id"] = "shipping-time"  # the help centre's pages
            urls.append(fill(rule, values))
    cid = work["conversation_id"]
    urls += [f"/staff/queue?view={v}" for v in ("new", "mine", "waiting", "closed")]
    urls += ["/staff/queue?partial=1", "/staff/try?q=shipping&lang=en", "/staff/login"]
    urls += [f"/staff/{page}?days={d}" for page in ("gaps", "stats", "audit") for d in (1, 7, 90)]
    urls += [f"/staff/conversations/{cid}", "/api/v1/suggest?q=shipping&lang=en"]
    statuses = []
    for url in urls:
        for method in ("GET", "HEAD"):
            with client.open(url, method=method) as response:
                statuses.append(response.status_code)
    assert statuses.count(200) >= 40 and 500 not in statuses
    assert dump(admin_app) == before


@pytest.mark.parametrize("proxy_count", [0, 1])
def test_per_account_sign_in_limit_holds_while_x_forwarded_for_rotates(tmp_path, proxy_count):
    app = login_limited_app(
        tmp_path, per_account="3 per minute", per_address="1000 per minute", PROXY_COUNT=proxy_count
    )
    add_account(app)
    statuses = []
    for _ in range(6):
        client = app.test_client()  # a new session each time, and a new forwarded address
        client.environ_base["HTTP_X_FORWARDED_FOR"] = random_address()
        statuses.append(sign_in(client, password="wrong password!").status_code)
    assert statuses == [401, 401, 401, 429, 429, 429]
    # The right password does not get through the limit either.
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = random_address()
    assert sign_in(client).status_code == 429


def test_per_address_sign_in_limit_holds_while_x_forwarded_for_rotates(tmp_path):
    app = login_limited_app(tmp_path, per_account="1000 per minute", per_address="3 per minute")
    client = app.test_client()
    statuses = []
    for number in range(6):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = random_address()
        statuses.append(sign_in(client, f"user{number}@example.com").status_code)
    assert statuses == [401, 401, 401, 429, 429, 429]


def test_only_a_post_can_try_a_password(tmp_path):
    """HEAD is routed like GET: it must not sign in, skipping the CSRF check and the limits."""
    app = make_app(
        tmp_path, SECURE_COOKIES=False, RATELIMIT_ENABLED=True, RATELIMIT_LOGIN_ACCOUNT="2/minute"
    )
    add_account(app)
    client = app.test_client()
    form = {"email": "ann@example.com", "password": PASSWORD}
    for method in ("HEAD", "GET", "HEAD", "HEAD"):
        assert client.open("/staff/login", method=method, data=form).status_code == 200
    assert client.get("/staff/queue").status_code == 302
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == 0
    assert sign_in(client).status_code == 302  # the limit was not used up by the HEADs


# 6. Spoofed client address ----------------------------------------------------------------


def test_a_thousand_forged_addresses_are_limited_as_one_client(tmp_path):
    app = make_app(
        tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_HANDOFF="5 per hour", RATELIMIT_SUGGEST="5/hour"
    )
    client = app.test_client()
    statuses = {"handoff": [], "suggest": []}
    for _ in range(1000):
        forged = {"X-Forwarded-For": random_address(), "X-Real-IP": random_address()}
        response = client.post("/api/v1/handoffs", json=QUESTION, headers=forged)
        statuses["handoff"].append(response.status_code)
        response = client.get("/api/v1/suggest?q=ab", headers=forged)
        statuses["suggest"].append(response.status_code)
    assert statuses["handoff"].count(201) == 5 and statuses["handoff"].count(429) == 995
    assert statuses["suggest"].count(200) == 5 and statuses["suggest"].count(429) == 995
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == 5


def test_with_a_configured_proxy_each_forwarded_address_is_its_own_client(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_SUGGEST="5/hour", PROXY_COUNT=1)
    client = app.test_client()
    addresses = [f"198.51.{n // 250}.{n % 250 + 1}" for n in range(1000)]
    statuses = [
        client.get("/api/v1/suggest?q=ab", headers={"X-Forwarded-For": a}).status_code
        for a in addresses
    ]
    assert statuses == [200] * 1000
    again = [
        client.get("/api/v1/suggest?q=ab", headers={"X-Forwarded-For": addresses[0]}).status_code
        for _ in range(5)
    ]
    assert again == [200, 200, 200, 200, 429]


# 7. Floods --------------------------------------------------------------------------------


def _sent_before_the_answer(server, head: bytes, body_chunks) -> tuple[bytes, int]:
    """Send a request head, then body chunks from another thread until the server answers.

    Returns the answer's first bytes and how many body bytes had been sent when it came. (The
    development server discards what a client sends after the answer, so that the client sees
    it rather than a reset: what counts is whether the answer came before the body was read.)
    """
    sock = socket.create_connection((server.server.host, server.server.port))
    sock.settimeout(10)
    sent = [0]

    def send() -> None:
        try:
            sock.sendall(head)
            for chunk in body_chunks:
                sock.sendall(chunk)
                sent[0] += len(chunk)
        except OSError:
            pass  # closed once the answer is in

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        answer = sock.recv(4096)
        sent_by_then = sent[0]
    finally:
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        sender.join(timeout=10)
    return answer, sent_by_then


def test_oversize_bodies_get_413_before_they_are_read_whole(tmp_path):
    app = make_app(tmp_path, SECURE_COOKIES=False)
    created = hand_off(app.test_client())
    server = serve_in_thread(app)
    claimed = 200 * 1024 * 1024
    chunk = b" " * 65536
    try:
        for path, ctype in (
            ("/api/v1/ask", "application/json"),
            ("/api/v1/feedback", "application/json"),
            ("/api/v1/handoffs", "application/json"),
            (conversation_url(created) + "/messages", "application/json"),
            ("/staff/login", "application/x-www-form-urlencoded"),
        ):
            auth = f"Authorization: Bearer {created['token']}\r\n" if "messages" in path else ""
            head = (
                f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {ctype}\r\n{auth}"
                f"Content-Length: {claimed}\r\n\r\n"
            ).encode()
            started = time.monotonic()
            answer, sent = _sent_before_the_answer(server, head, iter([b"{" + chunk[:1023]]))
            assert answer.startswith(b"HTTP/1.1 413"), (path, answer[:80])
            assert sent <= 1024 and time.monotonic() - started < 5
            # Without a Content-Length (chunked) the size is known only while reading: the
            # answer must come once the limit is reached, long before the body ends.
            head = head.replace(
                f"Content-Length: {claimed}".encode(), b"Transfer-Encoding: chunked"
            )
            frames = (b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(claimed // len(chunk)))
            answer, sent = _sent_before_the_answer(server, head, frames)
            assert answer.startswith(b"HTTP/1.1 413"), (path, answer[:80])
            assert sent < claimed // 4, (path, sent)
    finally:
        server.stop()


def test_anonymous_handoffs_are_limited_by_default(tmp_path):
    from limits import parse_many

    app = make_app(tmp_path)
    limits = parse_many(app.config["RATELIMIT_HANDOFF"])
    assert limits and all(limit.amount <= 100 for limit in limits)
    (tmp_path / "on").mkdir()
    app = make_app(tmp_path / "on", RATELIMIT_ENABLED=True)
    client = app.test_client()
    statuses = [client.post("/api/v1/handoffs", json=QUESTION).status_code for _ in range(120)]
    assert 429 in statuses and statuses.count(201) <= min(limit.amount for limit in limits)


@pytest.mark.slow
def test_memory_stays_flat_over_ten_thousand_rejected_requests(tmp_path):
    app = make_app(
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_ASK="1 per hour",
        RATELIMIT_HANDOFF="1 per hour",
        RATELIMIT_FEEDBACK="1000000 per hour",
        MAX_CONTENT_LENGTH=1024,
    )
    client = app.test_client()
    created = hand_off(client)
    url = conversation_url(created)
    too_large = {"CONTENT_LENGTH": str(100 * 1024 * 1024)}

    def rejected(count: int) -> None:
        for number in range(count):
            forged = {"X-Forwarded-For": random_address()}
            kind = number % 5
            if kind == 0:
                response = client.post("/api/v1/ask", json={"question": "hi"}, headers=forged)
                expected = 429
            elif kind == 1:
                response = client.post("/api/v1/handoffs", json=QUESTION, headers=forged)
                expected = 429
            elif kind == 2:
                response = client.post(
                    "/api/v1/feedback",
                    data=b"{",
                    content_type="application/json",
                    environ_overrides=too_large,
                    headers=forged,
                )
                expected = 413
            elif kind == 3:
                response = client.get(url, headers=bearer(secrets.token_urlsafe(32)))
                expected = 404
            else:
                response = client.post(
                    "/api/v1/feedback", data="{", content_type="application/json"
                )
                expected = 400
            assert response.status_code == expected, (kind, response.status_code)

    client.post("/api/v1/ask", json={"question": "hi"})  # the one allowed of each
    client.post("/api/v1/handoffs", json=QUESTION)
    # The request log would pile up in pytest's log capture, which is not the service's memory.
    logging.disable(logging.INFO)
    try:
        rejected(2000)  # warm up: caches, lazily built objects, the limiter's counters
        gc.collect()
        before = resident_bytes()
        rejected(10_000)
        gc.collect()
        grown = resident_bytes() - before
    finally:
        logging.disable(logging.NOTSET)
    # Generous: a request that kept even 300 bytes (a limiter key per forged address, say)
    # would add 3 MB.
    assert grown < 3 * 1024 * 1024, f"{grown} bytes more after 10,000 rejected requests"


def resident_bytes() -> int:
    """This process's resident memory (Linux)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024


# 8. Cross-origin --------------------------------------------------------------------------

NOT_ALLOWED_ORIGINS = [
    "https://evil.example",
    "null",
    "https://shop.example.com.evil.example",
    "https://evil-shop.example.com",
    "http://shop.example.com",
    "https://shop.example.com:8443",
    "https://shop.example.com/",
    ORIGIN + " https://evil.example",
    "*",
]


def test_the_visitor_api_answers_cors_only_for_allowed_origins_on_every_route(client):
    created = hand_off(client)
    values = {"conversation_id": created["conversation_id"]}
    checked = 0
    for rule in client.application.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        url = fill(rule, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS", "DELETE"}):
            for origin in [ORIGIN, *NOT_ALLOWED_ORIGINS]:
                headers = {"Origin": origin, **bearer(created["token"])}
                response = client.open(url, method=method, json={}, headers=headers)
                allowed = response.headers.get("Access-Control-Allow-Origin")
                assert allowed == (origin if origin == ORIGIN else None), (url, origin)
                assert "Access-Control-Allow-Credentials" not in response.headers
                preflight = client.options(
                    url, headers={"Origin": origin, "Access-Control-Request-Method": method}
                )
                allowed = preflight.headers.get("Access-Control-Allow-Origin")
                assert allowed == (origin if origin == ORIGIN else None), (url, origin)
                assert "Access-Control-Allow-Credentials" not in preflight.headers
            checked += 1
    assert checked >= 8


def test_staff_pages_send_no_cors_and_forbid_framing(admin_app):
    client = admin_client(admin_app)
    work = some_work(admin_app, client)
    checked = 0
    for rule in admin_app.url_map.iter_rules():
        if not rule.rule.startswith("/staff") or rule.endpoint == "staff.logout":
            continue
        url = fill(rule, work)
        for method in sorted(rule.methods - {"HEAD"}):
            options = {"headers": {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}}
            if method == "POST":
                options["data"] = {"csrf_token": csrf_of(client, "/staff/queue"), "text": "x"}
            with client.open(url, method=method, **options) as response:
                pass
            assert not any(k.startswith("Access-Control-") for k, _ in response.headers), url
            assert response.headers["X-Frame-Options"] == "DENY", (method, url)
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
            checked += 1
    assert checked >= 25


# 9. Header injection through the handoff API ----------------------------------------------


@pytest.mark.parametrize(
    "breaker", ["\r", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\u2028", "\u2029"]
)
def test_line_breaks_of_any_kind_in_name_or_email_are_refused(app, client, breaker):
    for field, value in (
        ("name", f"Ada{breaker}Bcc: evil@example.org"),
        ("email", f"ada@example.com{breaker}Bcc: evil@example.org"),
        ("email", f"ada{breaker}@example.com"),
    ):
        response = client.post("/api/v1/handoffs", json={**QUESTION, field: value, "consent": True})
        assert error_of(response) == (400, f"invalid_{field}")
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/staff", "/staff/"), ("/help", "/help/"), ("/staff/queue?view=mine", None)],
)
def test_no_redirect_names_the_host_a_client_sent(tmp_path, path, expected):
    """werkzeug builds the slash redirect (and Flask's redirects after sign-in) from the Host
    header, which the client chose; every Location to this service stays relative."""
    app = make_app(tmp_path)
    add_account(app, "ann@example.com", "staff")
    client = app.test_client()
    client.environ_base["HTTP_HOST"] = "attacker.example"
    response = client.get(path)
    assert response.status_code in (302, 303, 308)
    location = response.headers["Location"]
    assert "attacker.example" not in location and location.startswith("/")
    if expected is not None:
        assert location == expected
    # Signing in answers with a redirect too: it is relative as well.
    assert sign_in(client).headers["Location"].startswith("/staff/")
