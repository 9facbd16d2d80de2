"""Type-ahead: FAQ questions that complete what the visitor is still typing.

The matcher ranks whole words; while typing, the last word is usually cut off ("how do I retu"),
so completion matches every typed word as the beginning of a word of a phrasing instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.utils import default_process

from .model import FaqEntry


@dataclass(frozen=True)
class CompletionTable:
    """Every phrasing's words, built once per FAQ snapshot."""

    rows: tuple[tuple[FaqEntry, int, tuple[str, ...]], ...]

    @classmethod
    def build(cls, entries: Sequence[FaqEntry]) -> CompletionTable:
        rows = []
        for entry in entries:
            for position, phrasing in enumerate(entry.phrasings):
                rows.append((entry, position, tuple(default_process(phrasing).split())))
        return cls(tuple(rows))

    def complete(self, typed: str, lang: str | None = None, limit: int = 5) -> list[FaqEntry]:
        """Entries with a phrasing in which every typed word begins some word, best first.

        Best is: the entry's own question before an alternative, then the shorter phrasing.
        """
        words = default_process(typed).split()
        if not words:
            return []
        found: dict[str, tuple[tuple[int, int], FaqEntry]] = {}
        for entry, position, phrasing_words in self.rows:
            if lang and entry.lang != lang:
                continue
            if all(any(w.startswith(t) for w in phrasing_words) for t in words):
                rank = (min(position, 1), len(phrasing_words))
                if entry.id not in found or rank < found[entry.id][0]:
                    found[entry.id] = (rank, entry)
        ordered = sorted(found.values(), key=lambda item: item[0])
        return [entry for _, entry in ordered[:limit]]
