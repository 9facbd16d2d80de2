"""Finding the FAQ entries that answer a visitor's question, with a confidence from 0 to 1.

The index is built once from the FAQ and never changes; the web app swaps a whole new index
in when the FAQ is reloaded, so any number of threads may call `rank` at the same time.

How a question is scored (per language, each language has its own index):
1. The question goes through the same `Analyser` as the FAQ (normalise, stop words, stem,
   compounds, synonyms). A word the FAQ never uses is corrected to the closest FAQ word
   with the same first letter when one is close enough (typos), or else, for regional
   spellings, to the FAQ word sharing most character trigrams. A correction is a guess: it
   counts only in part (short words and trigram guesses least, see `correction_trust`) and
   the rest of the word counts as unknown, so a match resting on corrections scores below
   one matching as typed. A word that stays unknown lowers the confidence, because a
   question about things the FAQ never mentions is probably not answered by it. Unknown
   words in a row count as less than that many separate words, since they are mostly one
   name.
2. Candidates come from an inverted index over terms, so the cost grows with the number of
   phrasings that share a term with the question, not with the size of the FAQ. Only entries
   sharing a content word are candidates: "how do I" alone says nothing about the topic.
3. Each term weighs its inverse document frequency (stop words and word pairs less). An
   entry scores by its best phrasing (the shared weight over the geometric mean of question
   and phrasing weight, so both must be covered) and by its term profile over all its
   phrasings (cosine: how typical the question's terms are for the entry), half each; a fifth
   of the similarity is the cosine of character trigram profiles, which meet where words
   differ only in inflection, spelling or compounding. Little shared weight lowers that
   (one common word is weak evidence).
4. Naive Bayes, with each entry a class and its phrasings the examples, says how likely the
   question's terms are for each entry. An entry's posterior against its strongest rivals
   (not all entries, so it does not shrink with the FAQ's size) multiplies the similarity:
   a question whose words belong to different entries ("show" from one, "reminder" from
   another) is less likely answered by either, and the entries Naive Bayes prefers rank up.
   Words that define another entry and not this one lower it too (`_own_share`).
   The result is stretched by a fixed power so that the default thresholds suit it. Scores
   are comparable across questions, so they can be thresholded: see `decide`.
"""

from __future__ import annotations

import heapq
import math
import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

from rapidfuzz import fuzz, process

from .model import LANGUAGES, Candidate, FaqEntry, MatchResult, Thresholds
from .text import STOP_WORDS_DE, STOP_WORDS_EN, Analyser, tokenise

# A question word the FAQ does not know may be corrected to an FAQ word at least this similar
# (rapidfuzz ratio, 0-100): one typo in a 5-letter word is about 80.
TYPO_MIN_SIMILARITY = 80.0
TYPO_MIN_LENGTH = 4
# A correction is a guess. Short words have many real words one edit away ("cars" and
# "cards", "wash" and "cash"), so a short word is trusted less to be a typo: a corrected
# word of TYPO_MIN_LENGTH letters counts at the share TYPO_SHORT_TRUST of an FAQ word typed
# as such, rising to the full share at TYPO_TRUSTED_LENGTH letters. The rest of the word
# counts as unknown, so a match resting on corrections scores below one matching as typed.
TYPO_SHORT_TRUST = 0.25
TYPO_TRUSTED_LENGTH = 5
# A word neither known nor a typo of an FAQ word (regional spellings: "Bstellig", "zruck")
# is compared by character trigrams with the FAQ's words; the most similar one, when it
# shares at least NGRAM_MIN_DICE of their trigrams (Dice), counts at NGRAM_TRUST times that
# similarity, the rest as unknown.
NGRAM_MIN_DICE = 0.4
NGRAM_TRUST = 0.5
NGRAM_MIN_LENGTH = 4
# The similarity is this share of the cosine of character trigram profiles (the question's
# content words against all of an entry's phrasings), the rest the word-level similarity:
# inflections, typos and compounds share most trigrams where they share no term. Chosen on
# clinc150's validation questions (0.2 and 0.3 equal on top-1; the smaller change taken).
CHAR_SHARE = 0.2
# A word the FAQ never uses weighs like a term in no phrasing (the largest idf) times this:
# questions about things the FAQ never mentions should not look answered.
UNKNOWN_WEIGHT = 1.0
# Unknown words in a row are mostly one name ("Monty Python Live at the Hollywood Bowl"), one
# unknown thing rather than several: each further word of a run weighs this times the last.
UNKNOWN_RUN_DECAY = 0.5
# Stop words still tell "how" from "when" and "my" from "your", but weigh this much less.
STOP_WEIGHT = 0.3
# Neighbouring word pairs ("how long", "my name") are terms too, at this share of their idf.
BIGRAM_WEIGHT = 0.3
# How many of the entries sharing a content word with the question (best by term profile) get
# their phrasings compared with it, and how many phrasings of each (chosen by their content
# words) are scored exactly.
SHORTLIST = 15
EXACT_PHRASINGS = 8
# Shared weight below about this share of the largest idf lowers the confidence: one common
# word in common is weak evidence however short the question.
EVIDENCE_SCALE = 0.5
# A question word that other entries' phrasings use (and this entry's do not) lowers the
# entry's confidence by the word's share of the question's weight times how far it defines
# another entry: the largest share of one entry's phrasings using it, to ELSEWHERE_POWER
# (squared, a word most phrasings of another entry use counts, a word one of five uses
# hardly). "Alle Wecker löschen" against "Alle Wecker anzeigen", when "löschen" is the word
# of the entry for deleting reminders. Words no entry uses (names, things the FAQ never
# mentions) are not counted here; they weigh as unknown. At strength 1 the factor is 1
# minus that share (not tuned); the power was chosen on clinc150's validation questions
# (1: top-1 73.8 %, AUROC 0.887; 2: 73.9 %, 0.889; without: 73.9 %, 0.890).
ELSEWHERE_STRENGTH = 1.0
ELSEWHERE_POWER = 2.0
# Scores are similarity ** CALIBRATION: a monotone stretch that puts well-separated answers
# around 0.6 (the default answer threshold) on the evaluation sets; ranks are unchanged.
# 0.38 since the character trigram share (lower than the word-level similarity on the same
# match) came in: on the sample FAQ's tuning questions 76 % answered right, 2.6 % wrong
# (0.4: 74 %); the shared sets answer about as many, as rightly, as before the trigrams.
# 0.37 since ELSEWHERE_STRENGTH lowers scores: at the default thresholds clinc150's
# validation questions (k5) are answered 45.2 % right, 3.5 % wrong without it, 43.4 / 3.0
# with it at 0.38, 44.5 / 3.2 at 0.37; the sample FAQ's tuning questions are the same.
CALIBRATION = 0.37
# An entry's profile weighs a term by the share of its phrasings using it, to this power:
# above 1 the words most phrasings of the entry share (its defining words) count most.
PROFILE_POWER = 1.5
# Naive Bayes over entries (each entry a class, its phrasings the examples, a phrasing's terms
# counted once): the additive smoothing, and the temperature that softens its log-odds.
NB_ALPHA = 0.5
NB_TEMPERATURE = 2.0
# An entry's posterior is taken against the best NB_RIVALS - 1 other entries only (so it does
# not shrink with the size of the FAQ), and the similarity is multiplied by it to this power:
# a question whose words point to several entries is less certain than its overlap suggests.
NB_RIVALS = 3
NB_POWER = 0.43
# A question is answered in the other language than the widget's when that language's words
# (its stop words and the FAQ's vocabulary in it) outweigh the page language's by this much:
# one word more. Words both languages know ("Newsletter", "PayPal", numbers) decide nothing.
LANGUAGE_LEAD = 1.0
# And the other language needs more than one word of its own: a single word ("PayPal",
# "Versand") may be a product or brand name the page's language uses too.
LANGUAGE_MIN_EVIDENCE = 1.5
# A word known only as a typo of an FAQ word, or only by its compound parts, is weaker
# evidence of the language than a word the FAQ uses as typed.
LANGUAGE_GUESS_WEIGHT = 0.5
OWN_STOP_WORDS = {"de": STOP_WORDS_DE, "en": STOP_WORDS_EN}
# At most this many entries are offered when no answer is confident enough.
MAX_SUGGESTIONS = 3


DEFAULT_THRESHOLDS = Thresholds()
# Up to this many items, sorting is faster than heapq.nlargest's heap (both in CPython 3.11).
SORT_LIMIT = 256


class _QueryTerm(NamedTuple):
    term: str  # "" for a word the FAQ does not know
    word: str
    weight: float
    guessed: bool = False  # a correction or a resemblance, not the word as typed


def _trigrams(word: str) -> list[str]:
    """A word's distinct character trigrams, with its start and end marked ("#ve", ...,
    "nd#"), sorted: sums over them then come out the same whatever the string hashing."""
    padded = f"#{word}#"
    return sorted({padded[i : i + 3] for i in range(len(padded) - 2)})


def _normalised(vector: dict[str, float]) -> dict[str, float]:
    """The vector scaled to length 1 (summed in sorted order, so the same in every run)."""
    norm = math.sqrt(sum(vector[k] ** 2 for k in sorted(vector))) or 1.0
    return {k: v / norm for k, v in vector.items()}


def correction_trust(word: str, faq_word: str) -> float:
    """How far the correction of `word` to `faq_word` is trusted (0-1).

    When one word starts with the other, only the ending differs ("sell" and "seller",
    "kost" and "kostet"): the same word family, trusted fully. An edit inside the word is
    trusted by the word's length, since short words have many real neighbours one edit
    away ("cars" and "cards").
    """
    if faq_word.startswith(word) or word.startswith(faq_word):
        return 1.0
    span = max(TYPO_TRUSTED_LENGTH - TYPO_MIN_LENGTH, 1)
    share = (len(word) - TYPO_MIN_LENGTH) / span
    return min(1.0, TYPO_SHORT_TRUST + (1.0 - TYPO_SHORT_TRUST) * max(share, 0.0))


def _largest(n: int, items: Collection[int], key: Callable[[int], float]) -> list[int]:
    """`heapq.nlargest(n, items, key)`; a short list is sorted instead (faster than a heap)."""
    if len(items) <= SORT_LIMIT:
        return sorted(items, key=key, reverse=True)[:n]
    return heapq.nlargest(n, items, key=key)


def _with_bigrams(terms: list[str]) -> list[str]:
    """Terms plus neighbouring pairs; "" (an unknown word) breaks a pair."""
    pairs = [f"{a} {b}" for a, b in pairwise(terms) if a and b]
    return terms + pairs


class _LanguageIndex:
    """The inverted index and term statistics for the entries of one language."""

    def __init__(self, lang: str, entries: list[FaqEntry], synonyms: Sequence[Sequence[str]]):
        vocabulary = {w for e in entries for p in e.phrasings for w in tokenise(p, lang)}
        self.analyser = Analyser(lang, synonyms, vocabulary)
        self.entries = entries
        self.words: dict[str, str] = {}  # every FAQ word -> its term, for typo correction
        found: list[tuple[int, str, frozenset[str]]] = []
        for e_idx, entry in enumerate(entries):
            seen: set[frozenset[str]] = set()
            for text in entry.phrasings:
                terms = frozenset(self._phrasing_terms(text))
                if terms and terms not in seen:  # the same terms again change no score
                    seen.add(terms)
                    found.append((e_idx, text, terms))
        df: dict[str, int] = defaultdict(int)
        for _, _, terms in found:
            for term in terms:
                df[term] += 1
        n = max(len(found), 1)
        self.idf: dict[str, float] = {}
        for term, count in df.items():
            idf = math.log(1 + (n - count + 0.5) / (count + 0.5))  # BM25's idf, always > 0
            if term[0] == "~":
                idf *= STOP_WEIGHT
            if " " in term:
                idf *= BIGRAM_WEIGHT
            self.idf[term] = idf
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        # Phrasings are numbered entry by entry, lightest first: of an entry's equally good
        # phrasings, `rank` shows the shortest. Terms are added up in sorted order, here and
        # below: a set's order changes with Python's string hashing from run to run, and
        # floats added in another order can differ in the last bit, which breaks exact ties
        # differently (another phrasing shown, `faq eval` figures not reproducible).
        weight_of = {terms: sum(self.idf[t] for t in sorted(terms)) for _, _, terms in found}
        found.sort(key=lambda f: (f[0], weight_of[f[2]]))
        self.phrasing_entry = [e_idx for e_idx, _, _ in found]
        self.phrasing_text = [text for _, text, _ in found]
        self.phrasing_terms = [terms for _, _, terms in found]
        self.phrasing_weight = [weight_of[terms] for _, _, terms in found]
        self.inv_root_weight = [1 / math.sqrt(w) if w > 0 else 0.0 for w in self.phrasing_weight]
        postings: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        for p_idx, (e_idx, _, terms) in enumerate(found):
            for term in sorted(terms):
                postings[term][e_idx].append(p_idx)
        counts = [0] * len(entries)
        for e_idx in self.phrasing_entry:
            counts[e_idx] += 1
        # The entry's term profile: idf times (share of its phrasings using the term) ** power.
        profile = {
            t: {
                e: self.idf[t] * (len(ps) / counts[e]) ** PROFILE_POWER
                for e, ps in per_entry.items()
            }
            for t, per_entry in postings.items()
        }
        norms = [0.0] * len(entries)
        for per_entry in profile.values():
            for e_idx, weight in per_entry.items():
                norms[e_idx] += weight * weight
        self.profile_norm = [math.sqrt(n) for n in norms]
        # term -> the largest share of one entry's phrasings that use it: how far the term
        # defines some entry (see ELSEWHERE_STRENGTH).
        self.defining_share = {
            t: max(len(ps) / counts[e] for e, ps in per_entry.items())
            for t, per_entry in postings.items()
        }
        # term -> entry -> the entry's phrasings with the term, for phrasing-level scores.
        self.postings = {
            t: {e: tuple(ps) for e, ps in per_entry.items()} for t, per_entry in postings.items()
        }
        # Naive Bayes: log(1 + count / alpha) per term and entry, and each entry's
        # log(total count + alpha * vocabulary), so a question's log-likelihood is a sum over
        # the postings of its terms minus the entry's base times the question's term count.
        totals = [0.0] * len(entries)
        for per_entry in postings.values():
            for e_idx, ps in per_entry.items():
                totals[e_idx] += len(ps)
        vocab = len(postings)
        gain = [math.log1p(c / NB_ALPHA) for c in range(max(counts, default=0) + 1)]
        self.nb_base = [math.log(total + NB_ALPHA * vocab) for total in totals]
        # term -> (entry, its profile weight, its Naive Bayes gain) for every entry using it:
        # `rank` adds up profiles and likelihoods in one pass over the question's postings.
        self.entry_postings = {
            t: tuple((e, profile[t][e], gain[len(ps)]) for e, ps in per_entry.items())
            for t, per_entry in postings.items()
        }
        self.by_first: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self.words):
            self.by_first[word[0]].append(word)
        self.correct = lru_cache(maxsize=16384)(self._correct)
        # Character trigrams of the FAQ's content words, for words that are no typo of one,
        # by first letter (see `_resemble`).
        self._gram_words = [
            w
            for w in sorted(self.words)
            if len(w) >= NGRAM_MIN_LENGTH and w.isalpha() and self.words[w][0] != "~"
        ]
        self._gram_sizes = [len(_trigrams(w)) for w in self._gram_words]
        grams: dict[tuple[str, str], list[int]] = defaultdict(list)
        for w_idx, word in enumerate(self._gram_words):
            for gram in _trigrams(word):
                grams[(word[0], gram)].append(w_idx)
        self._grams = {key: tuple(ids) for key, ids in grams.items()}
        self.resemble = lru_cache(maxsize=16384)(self._resemble)
        self._build_char_profiles()

    def _build_char_profiles(self) -> None:
        """Each entry's character trigram profile over its phrasings' content words.

        Sublinear trigram counts times their inverse entry frequency, L2-normalised, so the
        question's profile (`_char_vector`) gives a cosine. A trigram no entry has weighs
        like the rarest one.
        """
        counts: list[dict[str, int]] = [defaultdict(int) for _ in self.entries]
        for p_idx, text in enumerate(self.phrasing_text):
            entry_counts = counts[self.phrasing_entry[p_idx]]
            for token in self.analyser.tokens(text):
                if not token.stop:
                    for gram in _trigrams(token.word):
                        entry_counts[gram] += 1
        entry_freq: dict[str, int] = defaultdict(int)
        for entry_counts in counts:
            for gram in entry_counts:
                entry_freq[gram] += 1
        n = max(len(self.entries), 1)
        self.gram_idf = {g: math.log(1 + n / c) for g, c in entry_freq.items()}
        self.unknown_gram_idf = math.log(1 + n)
        self.char_profile: list[dict[str, float]] = []
        for entry_counts in counts:
            vector = {g: (1 + math.log(c)) * self.gram_idf[g] for g, c in entry_counts.items()}
            self.char_profile.append(_normalised(vector))

    def _char_vector(self, question: str) -> dict[str, float]:
        """The question's character trigram profile, as the entries' (unknown words too)."""
        counts: dict[str, int] = defaultdict(int)
        for token in self.analyser.tokens(question):
            if not token.stop:
                for gram in _trigrams(token.word):
                    counts[gram] += 1
        idf, unknown = self.gram_idf, self.unknown_gram_idf
        return _normalised({g: (1 + math.log(c)) * idf.get(g, unknown) for g, c in counts.items()})

    def _phrasing_terms(self, text: str) -> list[str]:
        """A phrasing's terms: each word's term, neighbouring pairs, compound parts."""
        primary, parts = [], []
        for token in self.analyser.tokens(text):
            self.words.setdefault(token.word, token.term)
            primary.append(token.term)
            parts.extend(token.parts)
        return _with_bigrams(primary) + parts

    def _correct(self, word: str) -> tuple[str, float] | None:
        """The FAQ term a misspelt word most likely means, and how far that is trusted (0-1):
        the similarity times `correction_trust`."""
        if len(word) < TYPO_MIN_LENGTH or not word.isalpha():
            return None
        # Typing errors rarely hit the first letter; a different one more likely means a
        # different word ("suche" is not "buche"), so only words starting alike are tried.
        found = process.extractOne(
            word,
            self.by_first.get(word[0], ()),
            scorer=fuzz.ratio,
            score_cutoff=TYPO_MIN_SIMILARITY,
        )
        if found is None:
            return None
        return self.words[found[0]], found[1] / 100.0 * correction_trust(word, found[0])

    def _resemble(self, word: str) -> tuple[str, float] | None:
        """The FAQ term whose word shares most character trigrams with word, and the Dice
        similarity, when at least NGRAM_MIN_DICE; None otherwise."""
        if len(word) < NGRAM_MIN_LENGTH or not word.isalpha():
            return None
        own = _trigrams(word)
        shared: dict[int, int] = defaultdict(int)
        # As for typos, only FAQ words with the same first letter: a different one more
        # likely means another word ("suche", "buche"; "place" inside "replace").
        first = word[0]
        for gram in own:
            for w_idx in self._grams.get((first, gram), ()):
                shared[w_idx] += 1
        best, best_dice = -1, 0.0
        for w_idx, count in sorted(shared.items()):
            dice = 2 * count / (len(own) + self._gram_sizes[w_idx])
            if dice > best_dice:
                best, best_dice = w_idx, dice
        if best < 0 or best_dice < NGRAM_MIN_DICE:
            return None
        return self.words[self._gram_words[best]], best_dice

    def _unknown_weight(self, stop: bool, run: int) -> float:
        """What a word the FAQ does not know weighs, the `run`-th unknown word in a row."""
        weight = self.max_idf * UNKNOWN_WEIGHT * (STOP_WEIGHT if stop else 1.0)
        return weight * UNKNOWN_RUN_DECAY**run

    def query_terms(self, question: str) -> list[_QueryTerm]:
        """The question's terms with their weights; unknown words get the term "" (no match).

        A word the FAQ does not know is tried, in order, as the first half of a word the FAQ
        writes together ("log in" -> "login"), by its compound parts, and as a typo of an FAQ
        word; only when all fail does it count as unknown.
        """
        tokens = self.analyser.tokens(question)
        found: list[_QueryTerm] = []
        primary: list[str] = []  # one term (or "") per word, for the word pairs
        i = 0
        run = 0
        while i < len(tokens):
            token = tokens[i]
            i += 1
            if primary and primary[-1] != "":
                run = 0
            if token.term in self.idf:
                found.append(_QueryTerm(token.term, token.word, self.idf[token.term]))
                if token.parts:
                    found.extend(_QueryTerm(p, token.word, self.idf[p]) for p in token.parts)
                primary.append(token.term)
                continue
            joined = token.word + tokens[i].word if i < len(tokens) else ""
            if joined in self.words:
                term = self.words[joined]
                found.append(_QueryTerm(term, f"{token.word} {tokens[i].word}", self.idf[term]))
                primary.append(term)
                i += 1
                continue
            primary.append("")
            parts = [p for p in token.parts if p in self.idf]
            if parts:
                found.extend(_QueryTerm(p, token.word, self.idf[p]) for p in parts)
                continue
            guess = None if token.stop else self._guess(token.word)
            if guess is not None:
                # Partly the FAQ's word, partly unknown: see TYPO_SHORT_TRUST, NGRAM_TRUST.
                term, trust = guess
                found.append(_QueryTerm(term, token.word, self.idf[term] * trust, True))
                found.append(
                    _QueryTerm("", token.word, self._unknown_weight(False, 0) * (1 - trust))
                )
                primary[-1] = term
                continue
            found.append(_QueryTerm("", token.word, self._unknown_weight(token.stop, run)))
            run += 1
        for pair in _with_bigrams(primary)[len(primary) :]:
            if pair in self.idf:
                found.append(_QueryTerm(pair, pair, self.idf[pair]))
        # A term found twice (a word and a compound part) counts once, at its best.
        best: dict[str, _QueryTerm] = {}
        unknown = []
        for q in found:
            if not q.term:
                unknown.append(q)
            elif q.term not in best or best[q.term].weight < q.weight:
                best[q.term] = q
        return [*best.values(), *unknown]

    def language_evidence(self, question: str) -> float:
        """How much of the question is written in this index's language, counted in words.

        A word counts fully when it is one of the language's own stop words or a word (or
        stem) of the FAQ's entries in the language, and half when it is known only as a typo
        of an FAQ word or by its compound parts. Numbers and words of neither count nothing.
        The FAQ's own vocabulary is the signal, not a language model: it knows the shop's
        words in both languages, and a question in neither is not answered anyway.
        """
        own_stop = OWN_STOP_WORDS.get(self.analyser.lang, frozenset())
        evidence = 0.0
        for word in tokenise(question, self.analyser.lang):
            if word.isdigit():
                continue
            if word in own_stop or word in self.words:
                evidence += 1.0
                continue
            token = self.analyser.word_token(word)
            if token.stop:  # a stop word of the other language only (English in German)
                continue
            if token.term in self.idf:
                evidence += 1.0
            elif any(p in self.idf for p in token.parts) or self.correct(word) is not None:
                evidence += LANGUAGE_GUESS_WEIGHT
        return evidence

    def _guess(self, word: str) -> tuple[str, float] | None:
        """The FAQ term an unknown word probably means, and how far that is trusted (0-1).

        A typo of an FAQ word (same first letter, close by edit distance) first, trusted by
        the word's length; else the FAQ word sharing most character trigrams (regional
        spellings), trusted less.
        """
        corrected = self.correct(word)
        if corrected is not None:
            return corrected
        resembling = self.resemble(word)
        if resembling is not None:
            term, dice = resembling
            return term, dice * NGRAM_TRUST
        return None

    def _profiles_and_logits(self, weights: dict[str, float]) -> tuple[list[float], list[float]]:
        """Each entry's profile dot product with the question, and its Naive Bayes logit.

        The dot product is 0 for entries sharing no term with the question. The logit is the
        log-likelihood of the question's terms, tempered, for every entry: each term counts
        once (stop words and word pairs at their reduced share); terms the FAQ does not know
        change no entry's odds, so they are left out. Both are lists indexed by entry: this
        loop over the postings of the question's terms (stop words reach nearly every entry)
        is the hottest in `rank`, and adding into a list is faster than into a dictionary.
        """
        profile = [0.0] * len(self.entries)
        logits = [0.0] * len(self.entries)
        mass = 0.0
        for term, weight in weights.items():
            w = STOP_WEIGHT if term[0] == "~" else BIGRAM_WEIGHT if " " in term else 1.0
            mass += w
            for e_idx, share, gain in self.entry_postings[term]:
                profile[e_idx] += weight * share
                logits[e_idx] += w * gain
        tempered = [
            (v - mass * b) / NB_TEMPERATURE for v, b in zip(logits, self.nb_base, strict=True)
        ]
        return profile, tempered

    @staticmethod
    def _nb_share(own: float, others: list[float]) -> float:
        """An entry's posterior (its logit `own`) against the strongest other entries' logits."""
        top = max([own, *others])
        mine = math.exp(own - top)
        odds = 0.0
        for v in others:
            odds += math.exp(v - top)
        return mine / (mine + odds)

    @staticmethod
    def _own_share(
        e_idx: int, content_defining: list[tuple[float, dict[int, tuple[int, ...]]]], total: float
    ) -> float:
        """1 minus the question's weight on words that define other entries, not this one.

        A question that shares most words with an entry but adds a word another entry is
        built on ("alle Wecker löschen" against "alle Wecker anzeigen", "löschen" from the
        entry for deleting reminders) probably asks the thing neither entry answers, a
        neighbouring task. Words no entry uses are not counted: they are mostly names
        (songs, places) that in-scope questions bring, and they already weigh as unknown.
        """
        elsewhere = 0.0
        for weight, per_entry in content_defining:
            if e_idx not in per_entry:
                elsewhere += weight
        return max(1.0 - ELSEWHERE_STRENGTH * elsewhere / total, 0.0)

    def _scored(self, question: str, limit: int) -> tuple[list[_QueryTerm], list[tuple]]:
        """The question's terms and the shortlisted entries scored (score, entry, best
        phrasing, signals), best first."""
        qterms = self.query_terms(question)
        total = squares = 0.0
        weights: dict[str, float] = {}
        for q in qterms:
            total += q.weight
            squares += q.weight * q.weight
            if q.term:
                weights[q.term] = q.weight
        if total <= 0:
            return qterms, []
        q_norm = math.sqrt(squares)
        content = [t for t in weights if t[0] != "~" and " " not in t] or list(weights)
        # Content words pick the phrasings worth an exact look. An entry sharing none of them
        # is no candidate: its stop words and word pairs alone ("how do i", "my order") say
        # nothing about the topic asked.
        candidates = {e_idx for t in content for e_idx in self.postings[t]}
        if not candidates:  # out of scope, or asked in the other language
            return qterms, []
        profile, logits = self._profiles_and_logits(weights)
        # Of those, the entries whose profiles fit best are compared, and the entries Naive
        # Bayes finds likeliest (which are also the rivals).
        shortlist = _largest(max(SHORTLIST, limit), candidates, profile.__getitem__)
        rivals = _largest(NB_RIVALS, range(len(logits)), logits.__getitem__)
        shortlist += [e for e in rivals if e in candidates and e not in shortlist]
        # Each entry's Naive Bayes share is against the strongest NB_RIVALS - 1 other entries.
        strongest = [logits[r] for r in rivals[: NB_RIVALS - 1]]
        others_of = {r: [logits[o] for o in rivals if o != r][: NB_RIVALS - 1] for r in rivals}
        # Trigrams no entry has add nothing to a cosine: only the others are looked up.
        char_vector = self._char_vector(question)
        grams = [g for g in char_vector if g in self.gram_idf]
        gram_weights = [char_vector[g] for g in grams]
        zeros = [0.0] * len(grams)
        query = list(weights.items())  # in the question's order, so sums come out the same
        content_postings = [(weights[t], self.postings[t]) for t in content]
        content_defining = [
            (weights[t] * self.defining_share[t] ** ELSEWHERE_POWER, self.postings[t])
            for t in content
            if t[0] != "~" and " " not in t
        ]
        inv_root, phrasing_terms = self.inv_root_weight, self.phrasing_terms
        scored = []
        for e_idx in shortlist:
            partial: dict[int, float] = {}
            for w, per_entry in content_postings:
                for p in per_entry.get(e_idx, ()):
                    partial[p] = partial.get(p, 0.0) + w * inv_root[p]
            chosen = sorted(partial, key=partial.__getitem__, reverse=True)[:EXACT_PHRASINGS]
            overlap, shared_best, p_best = -1.0, 0.0, -1
            for p_idx in chosen:
                terms = phrasing_terms[p_idx]
                shared = 0.0
                for t, w in query:
                    if t in terms:
                        shared += w
                value = shared * inv_root[p_idx]
                if value > overlap:
                    overlap, shared_best, p_best = value, shared, p_idx
            overlap /= math.sqrt(total)
            cosine = profile[e_idx] / (q_norm * self.profile_norm[e_idx])
            in_profile = map(self.char_profile[e_idx].get, grams, zeros)
            char_cosine = sum(map(operator.mul, gram_weights, in_profile))
            similarity = (1 - CHAR_SHARE) * (0.5 * overlap + 0.5 * cosine)
            similarity += CHAR_SHARE * char_cosine
            similarity *= 1 - math.exp(-shared_best / (EVIDENCE_SCALE * self.max_idf))
            others = others_of.get(e_idx, strongest)
            nb = self._nb_share(logits[e_idx], others)
            similarity *= nb**NB_POWER
            own = self._own_share(e_idx, content_defining, total)
            similarity *= own
            signals = (
                shared_best / total,
                shared_best * inv_root[p_best] ** 2,
                nb,
                own,
                cosine,
                char_cosine,
                overlap,
            )
            scored.append((similarity**CALIBRATION, e_idx, p_best, signals))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return qterms, scored

    def signals(self, question: str) -> dict | None:
        """What the matcher knows about its best entries for question (None without one):
        for the benchmarks that weigh other confidences (bench/confidence_signals.py)."""
        qterms, scored = self._scored(question, SHORTLIST)
        if not scored:
            return None
        total = sum(q.weight for q in qterms)
        words = [q for q in qterms if " " not in q.term and q.term[:1] != "~"]
        q = {
            "known": sum(q.weight for q in qterms if q.term) / total,
            "guessed": sum(q.weight for q in qterms if q.guessed) / total,
            "known_words": sum(1 for q in words if q.term and not q.guessed) / max(len(words), 1),
            "total": total / self.max_idf,
        }
        names = ("cover", "entry_cover", "nb", "own", "cosine", "char", "overlap")
        top = [
            {"score": sc, "entry": self.entries[e].id, **dict(zip(names, sg, strict=True))}
            for sc, e, _, sg in scored[:5]
        ]
        s2 = scored[1][0] if len(scored) > 1 else 0.0
        return {"s1": scored[0][0], "s2": s2, "top": top, **q, **top[0]}

    def rank(self, question: str, limit: int) -> list[Candidate]:
        qterms, scored = self._scored(question, limit)
        out = []
        for score, e_idx, p_idx, _ in scored[:limit]:
            terms = self.phrasing_terms[p_idx]
            words: list[str] = []
            stop_words: list[str] = []
            for q in qterms:
                if q.term in terms and " " not in q.term:
                    (stop_words if q.term[0] == "~" else words).append(q.word)
            # Stop words explain little ("wie", "my"); they are shown only when nothing else is.
            matched = tuple(dict.fromkeys(words or stop_words))
            out.append(
                Candidate(
                    entry=self.entries[e_idx],
                    score=round(min(max(score, 0.0), 1.0), 4),
                    matched_phrasing=self.phrasing_text[p_idx],
                    matched_terms=matched,
                )
            )
        return out


class FaqIndex:
    """An immutable index over FAQ entries; build once, then rank questions from any thread."""

    def __init__(self, entries: Sequence[FaqEntry], synonyms: Sequence[Sequence[str]] = ()):
        self._entries = tuple(entries)
        by_lang: dict[str, list[FaqEntry]] = defaultdict(list)
        for entry in self._entries:
            by_lang[entry.lang if entry.lang in LANGUAGES else "en"].append(entry)
        self._indexes = {
            lang: _LanguageIndex(lang, items, synonyms) for lang, items in by_lang.items()
        }

    @property
    def entries(self) -> tuple[FaqEntry, ...]:
        """Every entry in the index, in the order given."""
        return self._entries

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the FAQ has entries in."""
        return tuple(self._indexes)

    def rank(self, question: str, lang: str | None = None, limit: int = 10) -> list[Candidate]:
        """The best entries for question, best first, with scores from 0 to 1.

        With `lang` given and entries in that language, only those are considered; otherwise
        the question is scored against every language (each with its own stemmer) and the
        lists are merged, since a visitor's language setting and the words typed can differ.
        """
        if lang in self._indexes:
            return self._indexes[lang].rank(question, limit)
        merged = [c for index in self._indexes.values() for c in index.rank(question, limit)]
        merged.sort(key=lambda c: -c.score)
        return merged[:limit]

    def signals(self, question: str, lang: str) -> dict | None:
        """The signals behind the best entries' scores in `lang` (see `_LanguageIndex.signals`),
        for bench/confidence_signals.py; None when nothing matches or the FAQ lacks `lang`."""
        index = self._indexes.get(lang)
        return index.signals(question) if index is not None else None

    def answer_language(self, question: str, page_lang: str | None) -> str | None:
        """The language the question is written in, to answer from that language's entries.

        Visitors type in their own language whatever their browser set the widget to. The
        page's language stays unless another language of the FAQ clearly knows more of the
        question's words (see `language_evidence`), and more than one of them: a question of
        numbers, a single name or word, or words of neither keeps the page's language.
        Without a page language (or one the FAQ has no entries in) the question goes to every
        language.
        """
        if page_lang not in self._indexes:
            return None
        own = self._indexes[page_lang].language_evidence(question)
        best_lang, best = page_lang, max(own + LANGUAGE_LEAD, LANGUAGE_MIN_EVIDENCE)
        for lang, index in self._indexes.items():
            if lang != page_lang:
                evidence = index.language_evidence(question)
                if evidence >= best:
                    best_lang, best = lang, evidence
        return best_lang

    def match(
        self, question: str, lang: str | None = None, thresholds: Thresholds = DEFAULT_THRESHOLDS
    ) -> MatchResult:
        """Rank and decide in one call: answer, suggest or hand off.

        `decide` looks at the best MAX_SUGGESTIONS entries only (the best two for the lead),
        so only those are ranked; the result's candidates are those few.
        """
        return decide(self.rank(question, lang, limit=MAX_SUGGESTIONS), thresholds)


def decide(
    candidates: Sequence[Candidate],
    thresholds: Thresholds,
    max_suggestions: int = MAX_SUGGESTIONS,
) -> MatchResult:
    """Choose what the visitor sees from ranked candidates (best first).

    "answer" needs a best score of at least `thresholds.answer` and a lead of at least
    `thresholds.margin` over the second entry, because two close entries mean the question is
    ambiguous and a wrong answer costs more than a choice. Otherwise up to `max_suggestions`
    entries scoring at least `thresholds.suggest` are offered; with none, "handoff".
    """
    ranked = tuple(sorted(candidates, key=lambda c: -c.score))
    if ranked:
        best = ranked[0]
        second = ranked[1].score if len(ranked) > 1 else 0.0
        # The tolerance keeps 0.6 - 0.5 >= 0.1 true despite binary floating point.
        lead = best.score - second + 1e-9
        if best.score >= thresholds.answer and lead >= thresholds.margin:
            return MatchResult("answer", best, (), ranked)
    suggestions = tuple(c for c in ranked if c.score >= thresholds.suggest)[:max_suggestions]
    if suggestions:
        return MatchResult("suggest", None, suggestions, ranked)
    return MatchResult("handoff", None, (), ranked)
