"""A second, plainly lexical ranker over every entry of one language: BM25 and character n-grams.

Issue #12 point 6 asks whether a full second ranker, fused with the matcher, lifts top-1 where
re-ranking the matcher's best few did not (BENCHMARKS.md). This ranker scores every entry that
shares a term or a character n-gram with the question, from inverted indexes, so its cost
grows with the question's terms, not with the FAQ:
- BM25 over single phrasings, an entry scoring by its best phrasing;
- BM25 over an entry's phrasings joined as one document;
- TF-IDF cosine of character 3-5-grams of the content words (inside word boundaries).
Each BM25 score is divided by the most the question's terms could score (their idf times
k1 + 1, an unknown word counting at the largest idf), so all three lie in 0-1 and mean the
same for every question. `scores` walks every postings list (exact, for the measurements);
`combined` is the form a matcher could afford: only entries sharing a content term, the
character cosine for the best few. `bench/hybrid_ranker.py` measures fusing it with the
matcher; it was not kept in the matcher (BENCHMARKS.md), so it lives here.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Sequence

from widget_api.faq.model import FaqEntry
from widget_api.faq.text import Analyser, tokenise

K1 = 1.2
B = 0.75
GRAM_SIZES = (3, 4, 5)
# The combined score: best phrasing's BM25, whole entry's BM25, character cosine (chosen on
# clinc150's validation questions, bench/hybrid_ranker.py), and how many entries (best by
# the two BM25 scores) get their character cosine computed.
MIX = (0.2, 0.4, 0.4)
CHAR_POOL = 30


def _bm25_idf(n_docs: int, containing: int) -> float:
    """BM25's idf, kept positive (Lucene's form), so a common term never lowers a score."""
    return math.log(1 + (n_docs - containing + 0.5) / (containing + 0.5))


def char_grams(words: Sequence[str]) -> Counter[str]:
    """Character 3-5-grams of each word padded with spaces (n-grams never span two words)."""
    grams: Counter[str] = Counter()
    for word in words:
        padded = f" {word} "
        for n in GRAM_SIZES:
            for i in range(len(padded) - n + 1):
                grams[padded[i : i + n]] += 1
    return grams


class _Bm25:
    """BM25 over documents given as term counts, with postings by term."""

    def __init__(self, docs: Sequence[Counter[str]]) -> None:
        self.n = len(docs)
        lengths = [sum(d.values()) for d in docs]
        avg = (sum(lengths) / self.n) if self.n else 1.0
        norm = [K1 * (1 - B + B * length / (avg or 1.0)) for length in lengths]
        containing: Counter[str] = Counter(t for d in docs for t in d)
        self.idf = {t: _bm25_idf(self.n, c) for t, c in containing.items()}
        self.max_idf = _bm25_idf(self.n, 0)
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.parts: list[dict[str, float]] = []  # per document: term -> its share of a score
        for d_idx, doc in enumerate(docs):
            parts = {}
            for term in sorted(doc):
                tf = doc[term]
                parts[term] = self.idf[term] * tf * (K1 + 1) / (tf + norm[d_idx])
                postings[term].append((d_idx, parts[term]))
            self.parts.append(parts)
        self.postings = {t: tuple(p) for t, p in postings.items()}

    def scores(self, terms: Counter[str]) -> tuple[dict[int, float], float]:
        """Each document sharing a term: its score; and the most the terms could score."""
        out: dict[int, float] = defaultdict(float)
        ceiling = 0.0
        for term, count in terms.items():
            ceiling += count * self.idf.get(term, self.max_idf) * (K1 + 1)
            for d_idx, part in self.postings.get(term, ()):
                out[d_idx] += count * part
        return out, ceiling

    def ceiling(self, terms: Counter[str]) -> float:
        """The most the terms could score (each tf saturated): divides scores into 0-1."""
        return sum(c * self.idf.get(t, self.max_idf) * (K1 + 1) for t, c in terms.items()) or 1.0

    def sharing(self, terms: Counter[str], content: Sequence[str]) -> dict[int, float]:
        """The scores of the documents sharing a content term only, each summed over all the
        question's terms from the document's own table: a stop word's long postings list is
        never walked."""
        docs = {d for t in content for d, _ in self.postings.get(t, ())}
        items = list(terms.items())
        return {d: sum(c * self.parts[d].get(t, 0.0) for t, c in items) for d in docs}


class LexicalRanker:
    """The three lexical scores of every entry sharing something with a question."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        lang: str,
        synonyms: Sequence[Sequence[str]] = (),
        stop_words: bool = True,
        char_stop_words: bool = True,
    ) -> None:
        self.stop_words, self.char_stop_words = stop_words, char_stop_words
        vocabulary = {w for e in entries for p in e.phrasings for w in tokenise(p, lang)}
        self.analyser = Analyser(lang, synonyms, vocabulary)
        self.entries = tuple(entries)
        phrasing_docs: list[Counter[str]] = []
        self.phrasing_entry: list[int] = []
        entry_docs: list[Counter[str]] = [Counter() for _ in entries]
        entry_grams: list[Counter[str]] = [Counter() for _ in entries]
        for e_idx, entry in enumerate(entries):
            for text in entry.phrasings:
                terms = self._terms(text)
                phrasing_docs.append(terms)
                self.phrasing_entry.append(e_idx)
                entry_docs[e_idx].update(terms)
                entry_grams[e_idx].update(char_grams(self._content_words(text)))
        self.phrasings = _Bm25(phrasing_docs)
        self.whole = _Bm25(entry_docs)
        n = max(len(entries), 1)
        containing: Counter[str] = Counter(g for grams in entry_grams for g in grams)
        self.gram_idf = {g: math.log((1 + n) / (1 + c)) + 1 for g, c in containing.items()}
        self.unknown_gram_idf = math.log(1 + n) + 1
        gram_postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.gram_vectors: list[dict[str, float]] = []
        for e_idx, grams in enumerate(entry_grams):
            vector = {g: (1 + math.log(c)) * self.gram_idf[g] for g, c in grams.items()}
            norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
            self.gram_vectors.append({g: v / norm for g, v in vector.items()})
            for g in sorted(vector):
                gram_postings[g].append((e_idx, vector[g] / norm))
        self.gram_postings = {g: tuple(p) for g, p in gram_postings.items()}

    def _content_words(self, text: str) -> list[str]:
        return [t.word for t in self.analyser.tokens(text) if self.char_stop_words or not t.stop]

    def _terms(self, text: str) -> Counter[str]:
        """The text's terms (stop words marked "~") and compound parts. Word pairs were
        measured too and cost top-1 (clinc150 val, lexical alone: 74.0 to 73.2 %)."""
        tokens = self.analyser.tokens(text)
        terms = [t.term for t in tokens if self.stop_words or not t.stop]
        terms += [p for t in tokens for p in t.parts]
        return Counter(terms)

    def _question_grams(self, question: str) -> dict[str, float]:
        grams = char_grams(self._content_words(question))
        vector = {
            g: (1 + math.log(c)) * self.gram_idf.get(g, self.unknown_gram_idf)
            for g, c in grams.items()
        }
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {g: v / norm for g, v in vector.items() if g in self.gram_idf}

    def combined(self, question: str, also: Sequence[int] = ()) -> dict[int, float]:
        """Entry number -> MIX of the three scores, for the entries sharing a content term
        with the question: the phrasing and whole-entry BM25 of all of them, the character
        cosine of the best CHAR_POOL by BM25 and of `also` (the matcher's candidates). The
        per-question cost grows with the postings of the question's content terms."""
        terms = self._terms(question)
        content = [t for t in terms if t[0] != "~"]
        best: dict[int, float] = defaultdict(float)
        for p_idx, s in self.phrasings.sharing(terms, content).items():
            e_idx = self.phrasing_entry[p_idx]
            if s > best[e_idx]:
                best[e_idx] = s
        whole = self.whole.sharing(terms, content)
        p_mix = MIX[0] / self.phrasings.ceiling(terms)
        w_mix = MIX[1] / self.whole.ceiling(terms)
        out = {e: p_mix * best[e] + w_mix * whole.get(e, 0.0) for e in best}
        pool = set(heapq.nlargest(CHAR_POOL, out, key=out.__getitem__)) | set(also)
        grams = list(self._question_grams(question).items())
        for e_idx in pool:
            vector = self.gram_vectors[e_idx]
            char = sum(v * vector.get(g, 0.0) for g, v in grams)
            out[e_idx] = out.get(e_idx, 0.0) + MIX[2] * char
        return out

    def scores(self, question: str) -> dict[int, tuple[float, float, float]]:
        """Entry number -> (best phrasing's BM25, whole entry's BM25, character cosine), each
        0-1, for every entry sharing a term or a character n-gram with the question (exact,
        every postings list walked: for the benchmark; `combined` is the fast form)."""
        terms = self._terms(question)
        by_phrasing, ceiling = self.phrasings.scores(terms)
        best: dict[int, float] = defaultdict(float)
        for p_idx, s in by_phrasing.items():
            e_idx = self.phrasing_entry[p_idx]
            if s > best[e_idx]:
                best[e_idx] = s
        whole, whole_ceiling = self.whole.scores(terms)
        grams = char_grams(self._content_words(question))
        vector = {
            g: (1 + math.log(c)) * self.gram_idf.get(g, self.unknown_gram_idf)
            for g, c in grams.items()
        }
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        char: dict[int, float] = defaultdict(float)
        for g, v in vector.items():
            for e_idx, w in self.gram_postings.get(g, ()):
                char[e_idx] += v * w / norm
        p_div = ceiling or 1.0
        w_div = whole_ceiling or 1.0
        return {
            e: (best.get(e, 0.0) / p_div, whole.get(e, 0.0) / w_div, char.get(e, 0.0))
            for e in set(best) | set(whole) | set(char)
        }
