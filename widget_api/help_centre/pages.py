"""What the help centre shows, worked out from an FAQ snapshot: plain Python, no Flask.

Groups by tag, the address of an entry's page, and which entry of the other language is the
same topic. Kept apart from the views so each rule can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from ..faq.model import FaqEntry

# Ids may hold '/' and '.' (faq/files.py ID_PATTERN). A browser resolves "." and ".." path
# segments away before it asks, so an id with such a segment has its slashes encoded: the page
# is then one path segment, which the server decodes back to the id.
_DOT_SEGMENTS = {".", ".."}


def entry_path(entry_id: str) -> str:
    """The URL path of an entry below `/help/<lang>/`, readable where the browser keeps it."""
    if _DOT_SEGMENTS & set(entry_id.split("/")):
        return quote(entry_id, safe="")
    return quote(entry_id, safe="/")


def tag_title(tag: str) -> str:
    """A tag as a heading: `delivery-time` reads "Delivery time"."""
    words = tag.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def entries_of(entries: Iterable[FaqEntry], lang: str) -> list[FaqEntry]:
    """The entries of one language, in the order the files list them."""
    return [entry for entry in entries if entry.lang == lang]


def group_by_tag(entries: Iterable[FaqEntry]) -> list[tuple[str, list[FaqEntry]]]:
    """Entries grouped under their first tag (the file's topic, usually), groups in the order
    they first appear; each entry is listed once. Untagged entries come last, under ""."""
    groups: dict[str, list[FaqEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.tags[0] if entry.tags else "", []).append(entry)
    untagged = groups.pop("", None)
    return [*groups.items(), *([("", untagged)] if untagged else [])]


def counterparts(entry: FaqEntry, entries: dict[str, FaqEntry]) -> dict[str, FaqEntry]:
    """The same topic in each other language, by language.

    A `counterpart:` written in either entry decides; without one, the entry of that
    language sharing the most tags, when exactly one does (a tie is no answer: a link to
    the wrong topic is worse than a link to the other language's list).
    """
    found: dict[str, FaqEntry] = {}
    named = entries.get(entry.counterpart)
    if named is not None and named.lang != entry.lang:
        found[named.lang] = named
    for other in entries.values():
        if other.counterpart == entry.id and other.lang != entry.lang:
            found.setdefault(other.lang, other)
    tags = set(entry.tags)
    best: dict[str, tuple[int, list[FaqEntry]]] = {}
    for other in entries.values():
        if other.lang == entry.lang or other.lang in found or not tags:
            continue
        shared = len(tags & set(other.tags))
        score, tied = best.get(other.lang, (0, []))
        if shared > score:
            best[other.lang] = (shared, [other])
        elif shared and shared == score:
            tied.append(other)
    for lang, (_score, candidates) in best.items():
        if len(candidates) == 1:
            found[lang] = candidates[0]
    return found
