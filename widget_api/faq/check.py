"""The FAQ checker: every problem in an FAQ folder, each with file and line.

Per-file problems come from the loader; this module adds what only shows across entries:
duplicate ids, and the same or a nearly identical phrasing in two entries of one language
(a visitor asking it would get either answer, so the editor must decide which one is meant).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from .files import FaqFiles, Problem, read_faq_folder
from .model import FaqEntry
from .text import parse_synonyms

NEAR_IDENTICAL = 95.0


def _duplicate_ids(entries: list[FaqEntry]) -> list[Problem]:
    first_seen: dict[str, FaqEntry] = {}
    problems = []
    for entry in entries:
        if entry.id in first_seen:
            other = first_seen[entry.id]
            problems.append(
                Problem(
                    entry.source,
                    entry.line,
                    f"duplicate id {entry.id!r}: also used at {other.source}:{other.line}",
                )
            )
        else:
            first_seen[entry.id] = entry
    return problems


def _conflicting_phrasings(entries: list[FaqEntry]) -> list[Problem]:
    """Phrasings of different entries (same language) that are equal or nearly so."""
    problems = []
    by_lang: dict[str, list[tuple[str, FaqEntry]]] = defaultdict(list)
    for entry in entries:
        for phrasing in entry.phrasings:
            by_lang[entry.lang].append((default_process(phrasing), entry))
    for items in by_lang.values():
        texts = [text for text, _ in items]
        reported: set[tuple[str, str]] = set()
        close_pairs = (
            (i, j)
            for i, text in enumerate(texts)
            for _, _, j in process.extract(
                text, texts, scorer=fuzz.ratio, score_cutoff=NEAR_IDENTICAL, limit=None
            )
        )
        for i, j in close_pairs:
            if i >= j:
                continue
            (text_a, entry_a), (text_b, entry_b) = items[i], items[j]
            pair = (entry_a.id, entry_b.id)
            if entry_a.id == entry_b.id or pair in reported:
                continue
            reported.add(pair)
            kind = "the same question" if text_a == text_b else "a nearly identical question"
            problems.append(
                Problem(
                    entry_b.source,
                    entry_b.line,
                    f"entry {entry_b.id!r} has "
                    f"{kind} as {entry_a.id!r} ({entry_a.source}:{entry_a.line}):"
                    f" {text_b!r}",
                )
            )
    return problems


def _unknown_counterparts(entries: list[FaqEntry]) -> list[Problem]:
    """`counterpart:` ids that name no entry of another language (a warning: the help centre
    then links the other language's list instead, and deleting an entry must not make the
    other language's files fail to load)."""
    lang_of = {entry.id: entry.lang for entry in entries}
    problems = []
    for entry in entries:
        if not entry.counterpart:
            continue
        other = lang_of.get(entry.counterpart)
        if other is None or other == entry.lang:
            where = "no entry has this id" if other is None else f"it is in {other!r} too"
            problems.append(
                Problem(
                    entry.source,
                    entry.line,
                    f"entry {entry.id!r}: counterpart {entry.counterpart!r} is not an entry "
                    f"in another language ({where})",
                    "warning",
                )
            )
    return problems


def check_faq(files: FaqFiles) -> list[Problem]:
    """All problems of a loaded FAQ folder, in file and line order."""
    problems = list(files.problems)
    problems += _duplicate_ids(files.entries)
    problems += _conflicting_phrasings(files.entries)
    problems += _unknown_counterparts(files.entries)
    if files.synonyms_text:
        try:
            parse_synonyms(files.synonyms_text)
        except ValueError as error:
            # parse_synonyms says "line N: ..." so the message can point at the line.
            match = re.match(r"line (\d+): (.*)", str(error), re.DOTALL)
            line, message = (int(match.group(1)), match.group(2)) if match else (0, str(error))
            problems.append(Problem(files.synonyms_source, line, message))
    return sorted(problems, key=lambda p: (p.source, p.line))


def check_path(
    path: str | Path, texts: Mapping[Path, str] | None = None
) -> tuple[FaqFiles, list[Problem]]:
    """Load and check a folder or file; the entries are usable only when no problem is an error.

    `texts` replaces some files' text on disk (the FAQ editor checks a change before writing).
    """
    files = read_faq_folder(path, texts=texts)
    problems = check_faq(files)
    if not files.entries and not any(p.severity == "error" for p in problems):
        problems.append(Problem(str(path), 0, "the FAQ has no entries"))
    return files, problems
