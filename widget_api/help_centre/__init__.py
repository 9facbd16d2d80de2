"""The public help centre, /help: every FAQ entry as a page, with search and a sitemap.

Server-rendered from the FAQ snapshot in service, so an edit to the files shows at once.
No sign-in, no cookie, no script, nothing loaded from elsewhere (a strict CSP); every page
has an ETag from the FAQ generation, so a revalidation costs no rendering. Absolute links
(only in the sitemap) come from the `HELP_CENTRE_URL` setting, never from the `Host` header.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException

from ..faq.library import FaqSnapshot
from ..faq.model import LANGUAGES
from ..input_rules import remove_control_characters
from ..server.security import limiter
from ..texts import preferred_language, text
from .pages import counterparts, entries_of, entry_path, group_by_tag, tag_title

bp = Blueprint("help", __name__, url_prefix="/help", template_folder="templates")
HELP_CSP = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SEARCH_RESULTS = 10
# Parts of the pages that are not FAQ content: a change to one of them changes every ETag.
_PAGE_SETTINGS = (
    "SHOP_NAME",
    "THEME_COLOR",
    "SITE_URL",
    "CONTACT_EMAIL",
    "HELP_CENTRE_URL",
    "MAX_QUESTION_LENGTH",
    "DEFAULT_LANG",
)


def _snapshot() -> FaqSnapshot:
    return current_app.extensions["faq_library"].current()


def _etag(snapshot: FaqSnapshot) -> str:
    """This address's tag: the FAQ generation, the page's settings and templates, the query."""
    digest = hashlib.sha256(current_app.extensions["help_pages_digest"].encode())
    digest.update(f"\0{snapshot.generation}\0{request.full_path}".encode())
    return digest.hexdigest()[:24]


def _conditional(render: Callable[[FaqSnapshot], str], mimetype: str = "text/html") -> Response:
    """304 when the client has this version (If-None-Match), else the rendered page."""
    snapshot = _snapshot()
    tag = _etag(snapshot)
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        response = Response(render(snapshot), mimetype=mimetype)
    response.set_etag(tag)
    return response


def _language(lang: str) -> str:
    if lang not in LANGUAGES:
        abort(404)
    return lang


def _page(template: str, lang: str, **context: Any) -> str:
    config = current_app.config
    others = [other for other in LANGUAGES if other != lang]
    return render_template(
        template,
        lang=lang,
        others=others,
        t=lambda key, **values: text(lang, f"help.{key}", **values),
        text=text,
        shop=config["SHOP_NAME"],
        site_url=config["SITE_URL"],
        contact_email=config["CONTACT_EMAIL"],
        max_length=config["MAX_QUESTION_LENGTH"],
        entry_url=lambda entry: url_for("help.index", lang=entry.lang) + entry_path(entry.id),
        **context,
    )


@bp.before_request
def help_centre_on() -> None:
    if not current_app.config["HELP_CENTRE"]:
        abort(404)


@bp.after_request
def help_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = HELP_CSP
    response.headers.setdefault("Cache-Control", "no-cache")
    return response


@bp.errorhandler(HTTPException)
def help_error(error: HTTPException):
    """A page in the help centre's own look, in the address's language if it has one."""
    lang = (request.view_args or {}).get("lang")
    lang = lang if lang in LANGUAGES else current_app.config["DEFAULT_LANG"]
    key = "too_many" if error.code == 429 else "not_found"
    body = _page("help/message.html", lang, message=text(lang, f"help.{key}"))
    headers = {"Retry-After": "60"} if error.code == 429 else {}
    return body, error.code or 500, headers


@bp.get("/")
def choose_language() -> Response:
    """To the visitor's language by Accept-Language (q-values honoured), else DEFAULT_LANG."""
    lang = preferred_language(request.accept_languages, current_app.config["DEFAULT_LANG"])
    response = redirect(url_for("help.index", lang=lang), 302)
    response.vary.add("Accept-Language")
    return response


@bp.get("/style.css")
def style() -> Response:
    return _conditional(
        lambda _: render_template("help/style.css", accent=current_app.config["THEME_COLOR"]),
        "text/css",
    )


def _search_query() -> str:
    """The search words: control characters removed, cut to the longest question allowed."""
    query = remove_control_characters(request.args.get("q", "")).strip()
    return query[: current_app.config["MAX_QUESTION_LENGTH"]]


@bp.get("/<lang>/")
@limiter.limit(
    lambda: current_app.config["RATELIMIT_HELP_SEARCH"], exempt_when=lambda: not _search_query()
)
def index(lang: str) -> Response:
    """Every entry of the language by tag; with `?q=`, the matcher's results instead."""
    lang = _language(lang)
    query = _search_query()

    def render(snapshot: FaqSnapshot) -> str:
        if not query:
            groups = group_by_tag(entries_of(snapshot.entries.values(), lang))
            titled = [(tag_title(tag) or text(lang, "help.more"), items) for tag, items in groups]
            return _page("help/index.html", lang, groups=titled, query="")
        # As in the widget: words clearly typed in the other language find its entries (and
        # every language is searched when the FAQ has none in this page's).
        found_lang = snapshot.index.answer_language(query, lang)
        floor = current_app.extensions["thresholds"].suggest
        found = snapshot.index.rank(query, lang=found_lang, limit=SEARCH_RESULTS)
        results = [candidate.entry for candidate in found if candidate.score >= floor]
        return _page("help/index.html", lang, results=results, query=query)

    return _conditional(render)


@bp.get("/<lang>/<path:entry_id>")
def entry(lang: str, entry_id: str) -> Response:
    """One entry at a stable address; under the other language's prefix, sent to its own."""
    lang = _language(lang)
    found = _snapshot().entries.get(entry_id)
    if found is None:
        abort(404)
    if found.lang != lang:
        return redirect(url_for("help.index", lang=found.lang) + entry_path(found.id), 301)

    def render(snapshot: FaqSnapshot) -> str:
        current = snapshot.entries.get(entry_id, found)
        same_topic = counterparts(current, snapshot.entries)
        # Absolute from the setting when there is one (as the sitemap has it), else relative.
        base = current_app.config["HELP_CENTRE_URL"]
        path = entry_path(current.id)
        canonical = (
            f"{base.rstrip('/')}/{current.lang}/{path}"
            if base
            else url_for("help.index", lang=current.lang) + path
        )
        return _page(
            "help/entry.html", lang, entry=current, same_topic=same_topic, canonical=canonical
        )

    return _conditional(render)


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every page with absolute URLs from HELP_CENTRE_URL; 404 with a reason without it."""
    base = current_app.config["HELP_CENTRE_URL"]
    if not base:
        message = text(current_app.config["DEFAULT_LANG"], "help.no_sitemap")
        return Response(message + "\n", 404, mimetype="text/plain")
    base = base.rstrip("/") + "/"

    def render(snapshot: FaqSnapshot) -> str:
        pages = [f"{base}{lang}/" for lang in LANGUAGES]
        pages += [f"{base}{e.lang}/{entry_path(e.id)}" for e in snapshot.entries.values()]
        return render_template("help/sitemap.xml", pages=pages)

    return _conditional(render, "application/xml")


def widget_link(config: Mapping[str, Any], lang: str) -> dict[str, str] | None:
    """For widget-config: where the help centre is, relative to the service's own address
    (the widget resolves it against its script's origin), and the widget's two link texts;
    None when the help centre is off."""
    if not config["HELP_CENTRE"]:
        return None
    return {
        "url": bp.url_prefix + "/",
        "browse": text(lang, "help.browse"),
        "page": text(lang, "help.open_page"),
    }


def _pages_digest(app: Flask) -> str:
    """A hash of what, besides the FAQ, makes up a page: settings shown and the templates."""
    digest = hashlib.sha256()
    for name in _PAGE_SETTINGS:
        digest.update(f"{name}={app.config[name]}\0".encode())
    for template in sorted((Path(__file__).parent / "templates").rglob("*")):
        if template.is_file():
            digest.update(template.read_bytes())
    return digest.hexdigest()


def init_app(app: Flask) -> None:
    """Register /help (it answers 404 throughout when `HELP_CENTRE` is off)."""
    app.extensions["help_pages_digest"] = _pages_digest(app)
    app.register_blueprint(bp)
