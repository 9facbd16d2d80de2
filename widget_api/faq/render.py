"""Answers from Markdown to the only HTML the widget ever inserts: rendered, then sanitised.

Sanitise on the way in: bleach with a small allowlist, links only to http, https and mailto
(checked anchored, on the whole value), each link with a fixed `rel`. Control characters are
removed first because bleach is not idempotent on them (a form feed, for example, changes
between two passes), and the result must be a fixed point: clean(clean(x)) == clean(x).
"""

from __future__ import annotations

import re
from functools import lru_cache

import bleach
from bleach.html5lib_shim import Filter
from markdown_it import MarkdownIt

from ..input_rules import remove_control_characters

ALLOWED_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a", "code"})
LINK_REL = "noopener noreferrer nofollow"
_SAFE_URL = re.compile(r"\A(?:https?://[^\s/?#]+|mailto:[^\s]+@)", re.IGNORECASE)


# Characters no real URL has unencoded; a value holding them is markup smuggled into an href
# (and bleach re-escapes such values differently on every pass, so cleaning would not settle).
_NOT_IN_URLS = re.compile(r"[\s\"'<>`\\]")


def is_safe_url(url: str) -> bool:
    """True for absolute http(s) URLs with a host and mailto: addresses; nothing else."""
    url = url.strip()
    return bool(_SAFE_URL.match(url)) and not _NOT_IN_URLS.search(url)


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    return tag == "a" and name == "href" and is_safe_url(value)


class _FixedLinkRel(Filter):
    """Give every link the same rel, whatever the source said, and drop links without href."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                data = dict(token["data"])
                data[(None, "rel")] = LINK_REL
                token["data"] = data
            yield token


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allowed_attribute,
    protocols=["http", "https", "mailto"],
    strip=True,
    strip_comments=True,
    filters=[_FixedLinkRel],
)


def clean_html(html: str) -> str:
    """Sanitise HTML to the allowlist; the result is a fixed point of this function."""
    current = _cleaner.clean(remove_control_characters(html))
    for _ in range(5):
        again = _cleaner.clean(current)
        if again == current:
            return current
        current = again
    return current


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # Raw HTML is let through the renderer so that the sanitiser, not the Markdown parser,
    # decides what stays, and the checker can tell the editor what was removed.
    return MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})


def render_markdown(markdown_text: str) -> str:
    """The editor's Markdown as the raw HTML it renders to, before sanitising."""
    return _markdown().render(markdown_text)


def render_answer(markdown_text: str) -> tuple[str, list[str]]:
    """Render and sanitise an answer; return the HTML and what the sanitiser had to remove."""
    raw = render_markdown(markdown_text)
    html = clean_html(raw).strip()
    return html, _removed_parts(raw, html)


_TAG = re.compile(r"<\s*([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>")
_HREF = re.compile(r"""href\s*=\s*["']?([^"'\s>]*)""", re.IGNORECASE)


_MARKDOWN_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")


def _removed_parts(raw: str, clean: str) -> list[str]:
    """Human-readable notes on the tags and links that sanitising removed."""
    removed = [
        f"link to {target!r}" for target in _MARKDOWN_LINK.findall(raw) if not is_safe_url(target)
    ]
    tags = {match.group(1).lower() for match in _TAG.finditer(raw)}
    for tag in sorted(tags - ALLOWED_TAGS):
        removed.append(f"<{tag}>")
    for match in _TAG.finditer(raw):
        if match.group(1).lower() != "a":
            continue
        href = _HREF.search(match.group(2))
        if href and not is_safe_url(bleach.html5lib_shim.convert_entities(href.group(1))):
            removed.append(f"link to {href.group(1)!r}")
        attributes = re.findall(r"\s([a-zA-Z-]+)\s*=", match.group(2))
        for name in attributes:
            if name.lower() not in {"href", "title"}:
                removed.append(f"attribute {name}= on a link")
    if "<!--" in raw and "<!--" not in clean:
        removed.append("HTML comment")
    return removed
