"""An FAQ answer as readable plain text, for a staff reply that quotes it.

Staff replies reach the visitor as plain text (the widget puts them in with `textContent`, the
reply e-mail is text/plain), so Markdown syntax would arrive as `**` and `[shop](https://…)`
that a visitor cannot read. The text is made from the answer's sanitised HTML, the very thing
the widget shows for it, so nothing that sanitising removed can come back: paragraphs become
blank lines, list items `- ` or `1. ` lines, a link its text with the address in brackets,
emphasis just its words. Whatever it holds stays text: nothing here is HTML to anyone.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_BREAK = "\x00"  # a <br> while spaces are collapsed; no sanitised answer holds one
_BLOCKS = {"p", "ul", "ol", "li"}


class _PlainText(HTMLParser):
    """Collects the text of the widget's HTML subset (render.ALLOWED_TAGS) line by line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []  # (which outermost list, 0 for none; text)
        self.list_count = 0
        self.words: list[str] = []
        self.marker = ""  # the list item's "- " or "2. ", until its first line is written
        self.lists: list[list[int]] = []  # per open list: [next number], 0 for bullets
        self.links: list[tuple[str, int]] = []  # href, and where its text began in `words`

    def finish_line(self) -> None:
        text = _SPACES.sub(" ", "".join(self.words)).strip(" ")
        text = "\n".join(part.strip(" ") for part in text.split(_BREAK)).strip("\n")
        self.words = []
        if not text:
            return
        indent = "  " * max(len(self.lists) - 1, 0)
        lead = self.marker or ("  " if self.lists else "")
        self.lines.append((self.list_count if self.lists else 0, indent + lead + text))
        self.marker = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.finish_line()
        if tag == "br":
            self.words.append(_BREAK)
        elif tag in ("ul", "ol"):
            self.list_count += 0 if self.lists else 1
            self.lists.append([1 if tag == "ol" else 0])
        elif tag == "li" and self.lists:
            number = self.lists[-1][0]
            self.marker = f"{number}. " if number else "- "
            if number:
                self.lists[-1][0] = number + 1
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.words)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href, start = self.links.pop()
            shown = _SPACES.sub(" ", "".join(self.words[start:])).strip()
            address = href.removeprefix("mailto:")
            if href and address != shown:
                self.words.append(f" ({address})")
        elif tag in _BLOCKS:
            self.finish_line()
            if tag in ("ul", "ol") and self.lists:
                self.lists.pop()

    def handle_data(self, data: str) -> None:
        self.words.append(data)


def answer_as_plain_text(html: str) -> str:
    """The sanitised answer HTML as plain text: paragraphs apart by a blank line, a list's
    items on lines of their own (nested ones indented), links as `text (address)`."""
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    parser.finish_line()
    out: list[str] = []
    previous = 0
    for in_list, text in parser.lines:
        if out:
            out.append("\n" if in_list and in_list == previous else "\n\n")
        out.append(text)
        previous = in_list
    return "".join(out)
