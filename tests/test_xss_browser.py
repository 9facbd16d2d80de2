"""Stored XSS in real headless Chromium (issue 6, items 3 and 4): nothing injected ever runs.

Every payload of ../shared/security/ (the XSS lists and the big list of naughty strings) is sent
through the API as a question (ask and handoff), a name, an e-mail address, a follow-up and the
bot transcript, through the inbox as a staff reply and a note, and written into the FAQ as
answers. Then the views that show them are loaded: the widget on the demo shop restoring a
conversation and showing FAQ answers, the widget re-sanitising raw HTML (the server bypassed),
the inbox queue, the conversation pages and the gaps report.

On every view a trap (alert, confirm, prompt, print and console overridden before any script,
plus Playwright's dialog and console events) must record nothing, and the DOM, shadow roots
included, must hold no script, iframe, svg, math, style, object or embed element, no on*
attribute and no javascript:/data: URL that is not the page's own. Pages are loaded with the
page's Content-Security-Policy bypassed: the policy is a second line, and these tests are about
the first (escaping, sanitising, textContent). Payloads are batched: about 280 messages per
conversation, 70 per FAQ answer, 200 inbox pages per combined document.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import socket
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest

from tests.browser_pages import sign_in_with_form
from tests.conftest import make_app
from tests.test_security import LINKS, payload_corpus
from tests.test_staff import PASSWORD, add_account, csrf_of, sign_in
from widget_api.input_rules import remove_control_characters
from widget_api.server.demo import create_demo_app, serve_in_thread
from widget_api.store.sqlite import connect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 15_000
EDITOR = "xss-editor@example.com"
STORAGE_KEY = "support-widget:conversation"
HTML = "text/html; charset=utf-8"
OWN_ASSETS = re.compile(
    r'<link rel="stylesheet" href="/staff/assets/staff\.css">'
    r'|<script src="/staff/assets/staff\.js" defer></script>'
)
BATCHES = 5  # conversations carrying the follow-ups and replies
PER_ANSWER = 70  # payloads per FAQ answer
PAGES_PER_DOCUMENT = 200  # inbox pages per combined document
WORDS = (
    "aardvark albatross armadillo barracuda capybara chameleon chinchilla cormorant dromedary "
    "flamingo gazelle hedgehog jellyfish kangaroo lemming mongoose narwhal ocelot pangolin "
    "platypus porcupine salamander tarantula wolverine quokka"
).split()
# Closes whatever context a payload left open, so that it cannot hide the next one.
SEPARATOR = (
    "\"'--></textarea></title></style></xmp></noscript></noembed></noframes></iframe>"
    "</script></template></select></svg></math>\n<br>\n"
)
WIDGET_TAGS = (
    "abbr a b blockquote br code del em h3 h4 h5 h6 hr i li ol p pre s span strong sub sup "
    "table tbody td th thead tr u ul"
).split()

TRAP = """
(() => {
  const seen = [];
  Object.defineProperty(window, '__xss', {value: seen});
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    window[name] = function () { seen.push(name + ': ' + Array.from(arguments).join(' ')); };
  }
  for (const name of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table']) {
    const original = console[name];
    console[name] = function () {
      const text = Array.from(arguments).map(String).join(' ');
      if (!(name === 'warn' && text.startsWith('support-widget: '))) {
        seen.push('console.' + name + ': ' + text);
      }
      return original.apply(console, arguments);
    };
  }
})();
"""

INSPECT = r"""
(own) => {
  const BAD = ['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'svg',
    'math', 'style', 'base', 'link', 'meta', 'portal'];
  const URLS = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster',
    'background', 'codebase', 'cite', 'lowsrc', 'dynsrc', 'ping', 'srcset', 'srcdoc', 'content',
    'manifest', 'longdesc', 'usemap', 'icon', 'archive', 'classid', 'code'];
  const found = [];
  const describe = (el) => '<' + el.localName + Array.from(el.attributes)
    .map((a) => ' ' + a.name + '="' + a.value.slice(0, 80) + '"').join('') + '>';
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (!own.some((selector) => el.matches(selector))) {
        if (BAD.includes(el.localName.toLowerCase())) found.push('element ' + describe(el));
        for (const attr of el.attributes) {
          const name = attr.name.toLowerCase();
          const value = attr.value.replace(/[\s\x00-\x20]/g, '').toLowerCase();
          if (name.startsWith('on')) found.push('handler ' + describe(el));
          if (URLS.includes(name) && /^(javascript|data|vbscript):/.test(value)) {
            found.push('url ' + describe(el));
          }
          if (name === 'style' && /javascript:|expression\(|url\(/.test(value)) {
            found.push('style ' + describe(el));
          }
        }
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
}
"""

ANSWER_LINKS = r"""
(allowed) => {
  const root = document.querySelector('support-widget').shadowRoot;
  const found = [];
  for (const body of root.querySelectorAll('.sw-answer-body')) {
    for (const el of body.querySelectorAll('*')) {
      if (!allowed.includes(el.localName)) found.push('tag ' + el.localName);
      if (el.localName !== 'a') continue;
      if (el.getAttribute('rel') !== 'noopener noreferrer nofollow') found.push('rel ' + el.rel);
      // The scheme as written, anchored, and as the browser resolves it (':' is a URL that does
      // not parse, such as 'https:javascript:x': the browser cannot follow it).
      if (el.hasAttribute('href') && !(/^(https?:|mailto:)/i.test(el.getAttribute('href'))
          && ['http:', 'https:', 'mailto:', ':'].includes(el.protocol))) {
        found.push('href ' + el.getAttribute('href'));
      }
    }
  }
  return found;
}
"""

WIDGET_OWN = ['script[src$="/widget.js"]', "head > style", "head > meta", ".sw-launcher > svg"]
STAFF_OWN = [
    'script[src="/staff/assets/staff.js"]',
    'link[rel="stylesheet"][href="/staff/assets/staff.css"]',
    "meta[charset]",
    'meta[name="viewport"]',
]


@dataclass
class Site:
    """The API (FAQ of payload answers) and the demo shop, with what was stored in them."""

    app: object
    api_url: str
    demo_url: str
    faq_questions: dict[str, str] = field(default_factory=dict)  # entry id -> question
    batches: list[dict] = field(default_factory=list)  # {"conversation_id", "token"}
    singles: list[str] = field(default_factory=list)  # one conversation per payload
    answer_batches: list[list[str]] = field(default_factory=list)


@dataclass
class Watch:
    """What a page did that it should not: trapped calls, dialogs, console lines, errors."""

    page: object
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("dialog", self._dialog)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))
        self.page.on("request", lambda request: self.requests.append(request.url))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message) -> None:
        if message.type == "warning" and message.text.startswith("support-widget: "):
            return
        if message.location.get("url", "").endswith("/favicon.ico"):
            return  # the browser's own look for an icon neither server has
        self.console.append(f"{message.type}: {message.text}")

    def assert_clean(self, own: list[str], what: str) -> None:
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(100)  # error and load handlers of anything injected
        trapped = self.page.evaluate("() => window.__xss")
        injected = self.page.evaluate(INSPECT, own)
        assert (trapped, self.dialogs, self.console) == ([], [], []), what
        assert injected == [], (what, injected[:20])


def split(items: list, parts: int) -> list[list]:
    size = math.ceil(len(items) / parts)
    return [items[start : start + size] for start in range(0, len(items), size)]


def write_payload_faq(folder: Path, payloads: list[str]) -> dict[str, str]:
    """FAQ entries whose answers are the payloads, PER_ANSWER to an entry; id -> question."""
    batches = split(payloads, math.ceil(len(payloads) / PER_ANSWER))
    assert len(batches) < len(WORDS)
    questions, entries = {}, []
    for number, batch in enumerate(batches):
        paragraphs = []
        for payload in batch:
            # A line starting "## " would begin a new entry in the file format.
            lines = payload.splitlines()
            paragraphs.append("\n".join(" " + x if x.startswith("## ") else x for x in lines))
        entry_id, question = f"payloads-{number}", f"{WORDS[number].capitalize()}?"
        questions[entry_id] = question
        answer = f"Payload answer {number}.\n\n" + "\n\n".join(paragraphs)
        entries.append(f"## {question}\nid: {entry_id}\n\n{answer}\n")
    questions["links"] = "Which links are allowed here?"
    entries.append(
        "## Which links are allowed here?\nid: links\n\n"
        + "\n\n".join(f"Link: {link}" for link in LINKS)
        + "\n"
    )
    (folder / "en").mkdir(parents=True)
    text = "---\nlang: en\n---\n\n" + "\n".join(entries)
    (folder / "en" / "payloads.md").write_text(text, encoding="utf-8")
    return questions


def derived_email(payload: str) -> str:
    """The payload shaped to pass the address check, so that some are stored as e-mails."""
    return re.sub(r"[\s@]", "/", payload)[:200] + "@xss.example"


def hand_off_with_fallbacks(client, payload: str, number: int, **extra) -> dict:
    """Send the payload as question, name and e-mail; whatever is refused (400) is replaced
    or left out and the handoff sent again, until it is stored."""
    emails = [derived_email(payload)]
    body = {"question": payload, "lang": "en", "name": payload, "email": payload}
    body.update(consent=True, **extra)
    for _ in range(8):
        response = client.post("/api/v1/handoffs", json=body)
        assert response.status_code in (201, 400), (payload, response.status_code)
        if response.status_code == 201:
            return response.get_json()
        code = response.get_json()["error"]["code"]
        if code.endswith("question") or code.startswith("question"):
            body["question"] = f"Payload question {number}"
        elif "email" in code:
            body["email"] = emails.pop() if emails else None
        elif "name" in code:
            body["name"] = None
        else:
            pytest.fail(f"unexpected refusal {code} for {payload!r}")
    pytest.fail(f"no handoff stored for {payload!r}")


def stored_text(text: str, limit: int) -> bool:
    """Whether the API would take this as a message text."""
    cleaned = remove_control_characters(text).strip()
    return 0 < len(cleaned) <= limit


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xss")
    payloads = payload_corpus()
    faq_questions = write_payload_faq(tmp / "faq", [p for p in payloads if p.strip()])
    # As conftest's LiveServer: the API's port first, the shop, then the API allowing it.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api_url = f"http://127.0.0.1:{port}"
    shop = serve_in_thread(create_demo_app(f"{api_url}/widget.js"))
    # About 6,000 durable writes: on tmpfs when there is one, so that fsync on a busy disk
    # does not decide how long the module takes (durability is tested elsewhere).
    shm = Path("/dev/shm")
    data = Path(tempfile.mkdtemp(dir=shm)) if os.access(shm, os.W_OK) else tmp
    app = make_app(
        tmp,
        DATABASE=str(data / "widget.sqlite3"),
        FAQ_DIR=str(tmp / "faq"),
        ALLOWED_ORIGINS=[shop.url],
        SECURE_COOKIES=False,
    )
    server = serve_in_thread(app, port=port)
    site = Site(app, api_url, shop.url, faq_questions)
    try:
        fill_site(site, payloads)
        yield site
    finally:
        server.stop()
        shop.stop()
        if data != tmp:
            shutil.rmtree(data, ignore_errors=True)


def fill_site(site: Site, payloads: list[str]) -> None:
    app = site.app
    visitor = app.test_client()
    snapshot = app.extensions["faq_library"].current()
    assert set(site.faq_questions) <= set(snapshot.entries), "the payload FAQ did not load"
    for entry_id, question in site.faq_questions.items():
        answer = visitor.post("/api/v1/ask", json={"question": question}).get_json()
        assert answer["answered"] and answer["answer"]["id"] == entry_id, question

    # Questions asked (the gaps report) and handed to a person, with names and e-mails.
    for payload in payloads:
        status = visitor.post("/api/v1/ask", json={"question": payload}).status_code
        assert status in (200, 400), (payload, status)
    for number, payload in enumerate(payloads):
        site.singles.append(hand_off_with_fallbacks(visitor, payload, number)["conversation_id"])

    # A few conversations carry everything else: the bot transcript, follow-ups, staff work.
    texts = [p for p in payloads if stored_text(p, 2000)]
    for number in range(BATCHES):
        transcript = [
            {"from": ("visitor", "bot")[i % 2], "text": text}
            for i, text in enumerate(texts[number * 50 : number * 50 + 50])
        ]
        payload = payloads[number * 7]
        created = hand_off_with_fallbacks(visitor, payload, number, transcript=transcript)
        site.batches.append(created)
    for number, payload in enumerate(payloads):
        created = site.batches[number % BATCHES]
        response = visitor.post(
            f"/api/v1/conversations/{created['conversation_id']}/messages",
            json={"text": payload},
            headers={"Authorization": f"Bearer {created['token']}"},
        )
        assert response.status_code in (201, 400), (payload, response.status_code)

    add_account(app, EDITOR, role="editor")
    staff = app.test_client()
    assert sign_in(staff, EDITOR).status_code == 302
    csrf = csrf_of(staff, "/staff/queue")
    for number, payload in enumerate(payloads):
        conversation_id = site.batches[(number + 1) % BATCHES]["conversation_id"]
        action = "note" if number % 10 == 0 else "reply"
        response = staff.post(
            f"/staff/conversations/{conversation_id}/{action}",
            data={"csrf_token": csrf, "text": payload},
        )
        assert response.status_code == 302, (payload, response.status_code)
    # One of each queue: waiting (replied), closed, mine (a follow-up after the reply).
    batch = [b["conversation_id"] for b in site.batches]
    staff.post(f"/staff/conversations/{batch[1]}/close", data={"csrf_token": csrf})
    visitor.post(
        f"/api/v1/conversations/{batch[2]}/messages",
        json={"text": payloads[0]},
        headers={"Authorization": f"Bearer {site.batches[2]['token']}"},
    )
    site.answer_batches = split(payloads, math.ceil(len(payloads) / 15))


@pytest.fixture(scope="module")
def visitor_context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    context.set_default_timeout(TIMEOUT)
    context.add_init_script(TRAP)
    yield context
    context.close()


@pytest.fixture(scope="module")
def staff_context(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    context.set_default_timeout(TIMEOUT)
    context.add_init_script(TRAP)
    page = context.new_page()
    sign_in_with_form(page, site.api_url, EDITOR, PASSWORD)
    page.close()
    yield context
    context.close()


def in_widget(page, script: str):
    """Evaluate `script` with `root` bound to the widget's shadow root."""
    return page.evaluate(
        f"() => {{ const root = document.querySelector('support-widget').shadowRoot; {script} }}"
    )


def test_widget_shows_restored_conversations_without_running_anything(visitor_context, site):
    client = site.app.test_client()
    for created in site.batches:
        headers = {"Authorization": f"Bearer {created['token']}"}
        url = f"/api/v1/conversations/{created['conversation_id']}"
        messages = client.get(url, headers=headers).get_json()["messages"]
        shown = sum(1 for m in messages if not m["transcript"])
        stored = {"conversation_id": created["conversation_id"], "token": created["token"]}
        page = visitor_context.new_page()
        watch = Watch(page)
        value = json.dumps(json.dumps({**stored, "seen": 0}))
        page.add_init_script(f"localStorage.setItem({STORAGE_KEY!r}, {value})")
        page.goto(site.demo_url + "/")
        page.locator("#sw-launcher").click()
        page.wait_for_function(
            "n => document.querySelector('support-widget').shadowRoot"
            ".querySelectorAll('.sw-msg.sw-conv').length >= n",
            arg=shown + 1,
        )
        counts = in_widget(
            page,
            "return ['.sw-staff', '.sw-visitor.sw-conv', '.sw-gone']"
            ".map(s => root.querySelectorAll(s).length)",
        )
        assert counts[0] > 100 and counts[1] > 200 and counts[2] == 0, counts
        watch.assert_clean(WIDGET_OWN, f"widget restoring {created['conversation_id']}")
        # The token travels in a header only: never in a URL, and only to the API.
        assert not [url for url in watch.requests if created["token"] in url]
        origins = {re.match(r"https?://[^/]+", url).group(0) for url in watch.requests}
        assert origins <= {site.demo_url, site.api_url}, origins
        page.close()


def ask_in_widget(page, questions: list[str]) -> None:
    """Ask each question through the widget's API and wait for its answer to be shown."""
    for number, question in enumerate(questions):
        page.evaluate("q => window.SupportWidget.ask(q)", question)
        page.locator(".sw-answer").nth(number).wait_for()
        page.locator(".sw-typing").wait_for(state="detached")


def test_widget_shows_faq_answers_built_from_payloads(visitor_context, site):
    page = visitor_context.new_page()
    watch = Watch(page)
    page.goto(site.demo_url + "/")
    page.locator("#sw-launcher").click()
    page.locator(".sw-greeting").wait_for()
    ask_in_widget(page, list(site.faq_questions.values()))
    shown = in_widget(
        page, "return Array.from(root.querySelectorAll('.sw-answer')).map(a => a.dataset.faqId)"
    )
    assert shown == list(site.faq_questions)
    watch.assert_clean(WIDGET_OWN, "widget with FAQ answers from payloads")
    found = page.evaluate(ANSWER_LINKS, WIDGET_TAGS)
    assert found == [], sorted(set(found))
    body_links = "[data-faq-id=links] .sw-answer-body a[href]"
    kept = in_widget(page, f"return root.querySelectorAll({body_links!r}).length")
    assert kept == 5  # http, https, mailto kept; every other link lost its href
    # Each answer's page link stays in the help centre, whatever its id.
    pages = in_widget(page, "return [...root.querySelectorAll('.sw-answer > a')].map(a => a.href)")
    assert len(pages) == len(shown)
    assert all(url.startswith(f"{site.api_url}/help/") for url in pages), pages
    page.close()


def test_widget_resanitises_raw_html_the_server_never_sent(visitor_context, site):
    """The widget's second line of defence alone: answers replaced by raw payload HTML."""
    page = visitor_context.new_page()
    watch = Watch(page)

    def raw_answer(route):
        if route.request.method != "POST":
            return route.continue_()
        number = int(route.request.post_data_json["question"].split()[-1])
        batch = site.answer_batches[number]
        html = SEPARATOR.join(batch) + SEPARATOR + "".join(f"<p>{link}</p>" for link in LINKS)
        answer = {"id": f"raw-{number}", "question": f"Raw {number}", "html": html, "score": 1}
        response = route.fetch()
        body = {**response.json(), "answered": True, "answer": answer, "handoff_offered": False}
        route.fulfill(response=response, json=body)

    page.route(f"{site.api_url}/api/v1/ask", raw_answer)
    page.goto(site.demo_url + "/")
    page.locator("#sw-launcher").click()
    page.locator(".sw-greeting").wait_for()
    ask_in_widget(page, [f"raw batch {n}" for n in range(len(site.answer_batches))])
    watch.assert_clean(WIDGET_OWN, "widget with raw payload HTML")
    found = page.evaluate(ANSWER_LINKS, WIDGET_TAGS)
    assert found == [], sorted(set(found))
    page.close()


def test_inbox_queue_conversations_and_gaps_run_nothing(staff_context, site):
    page = staff_context.new_page()
    watch = Watch(page)
    urls = [f"/staff/queue?view={view}" for view in ("new", "mine", "waiting", "closed")]
    urls += [f"/staff/conversations/{b['conversation_id']}" for b in site.batches]
    urls += ["/staff/gaps", "/staff/gaps?days=7", "/staff/drafts"]
    for url in urls:
        watch.requests.clear()
        response = page.goto(site.api_url + url)
        assert response.status == 200, url
        watch.assert_clean(STAFF_OWN, url)
        expected = {site.api_url + url} | {
            f"{site.api_url}/staff/assets/{name}" for name in ("staff.css", "staff.js")
        }
        assert set(watch.requests) <= expected, set(watch.requests) - expected
    # Every new conversation, page by page through the inbox's own "Next page" links.
    page.goto(site.api_url + "/staff/queue?view=new")
    rows = page.locator("table.queue tbody tr").count()
    while page.locator("a[rel=next]").count():
        watch.requests.clear()
        page.locator("a[rel=next]").click()
        page.wait_for_load_state()
        watch.assert_clean(STAFF_OWN, page.url)
        rows += page.locator("table.queue tbody tr").count()
    db = connect(site.app.config["DATABASE"])
    [(waiting,)] = db.execute("SELECT COUNT(*) FROM conversations WHERE status = 'new'")
    db.close()
    assert rows == waiting > 200
    page.goto(site.api_url + "/staff/gaps")
    assert page.locator("article.gap").count() >= 10
    page.close()


def fulfil_html(route, request, html: str) -> None:
    route.fulfill(body=html, content_type=HTML)


def test_every_payload_conversation_page_runs_nothing(staff_context, site):
    """All one-per-payload conversations (question, name, e-mail), PAGES_PER_DOCUMENT pages
    concatenated into one document each: the browser parses and runs them as it would one by
    one, in the staff area's origin, without a page load per payload."""
    staff = site.app.test_client()
    assert sign_in(staff, EDITOR).status_code == 302
    page = staff_context.new_page()
    watch = Watch(page)
    for number, batch in enumerate(split(site.singles, len(site.singles) // PAGES_PER_DOCUMENT)):
        pages: list[str] = []
        for conversation_id in batch:
            response = staff.get(f"/staff/conversations/{conversation_id}")
            assert response.status_code == 200
            html = response.get_data(as_text=True)
            # The page's own stylesheet and script once: a <link> in the body makes the
            # browser restyle the whole document, 200 of them take it minutes.
            html, own = OWN_ASSETS.subn("", html) if pages else (html, 2)
            assert own == 2
            pages.append(html)
        url = f"{site.api_url}/staff/xss-batch/{number}"
        page.route(url, partial(fulfil_html, html="".join(pages)))
        watch.requests.clear()
        page.goto(url)
        watch.assert_clean(STAFF_OWN, f"conversation pages, batch {number}")
        # Every page was parsed as a page: no payload swallowed the ones after it.
        assert page.locator("h1").count() == len(batch)
        expected = {url} | {f"{site.api_url}/staff/assets/{n}" for n in ("staff.css", "staff.js")}
        assert set(watch.requests) <= expected, set(watch.requests) - expected
    page.close()
