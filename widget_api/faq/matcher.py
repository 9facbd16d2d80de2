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
   name (`query_terms`).
2. Candidates come from an inverted index over terms, so the cost grows with the number of
   phrasings that share a term with the question, not with the size of the FAQ. Only entries
   sharing a content word are candidates: "how do I" alone says nothing about the topic.
   Those whose term profiles fit best are shortlisted (`_shortlist`). Profiles and Naive
   Bayes likelihoods (step 4) are added up for the candidates alone, and for every entry
   only when one sharing no content word could be among the likeliest (`_fit`).
3. Each term weighs its inverse document frequency (stop words and word pairs less). An
   entry scores by its best phrasing (the shared weight over the geometric mean of question
   and phrasing weight, so both must be covered) and by its term profile over all its
   phrasings (cosine: how typical the question's terms are for the entry), half each; a fifth
   of the similarity is the cosine of character trigram profiles, which meet where words
   differ only in inflection, spelling or compounding. Little shared weight lowers that
   (one common word is weak evidence). Each shortlisted entry is scored on its own
   (`_score_entry`, `_best_phrasing`).
4. Naive Bayes, with each entry a class and its phrasings the examples, says how likely the
   question's terms are for each entry. An entry's posterior against its strongest rivals
   (not all entries, so it does not shrink with the FAQ's size) multiplies the similarity:
   a question whose words belong to different entries ("show" from one, "reminder" from
   another) is less likely answered by either, and the entries Naive Bayes prefers rank up.
   Words that define another entry and not this one lower it too (`_own_share`).
   The result is stretched by a fixed power so that the default thresholds suit it. Scores
   are comparable across questions, so they can be thresholded: see `decide`.
5. The best entries are explained: the phrasing that matched best and the question's words
   it has (`_explained`).

The index holds the tables these steps read, each built by a function named for what it
computes (`_idf`, `_postings`, `_term_profiles`, `_defining_shares`, `_naive_bayes`, ...), in
the order `_LanguageIndex.__init__` lists.
"""

from __future__ import annotations

import heapq
import math
import operator
from array import array
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from functools import lru_cache
from itertools import compress, pairwise, repeat
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
# A word the FAQ uses as typed is that word; its compound parts ("versand", "kost" of
# "Versandkosten") still meet phrasings that say them apart, but at this share of their idf,
# like word pairs: at full weight one known compound counted as two or three words, so a
# question of a known compound and a word the FAQ never uses looked mostly known. The parts
# of a word the FAQ does not know stand in for it and count in full.
KNOWN_WORD_PART_WEIGHT = 0.3
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
# A term used by at least this many entries, and this share of them, has its profile weights
# and gains stored by entry number as well (`_dense_fit`): read for all candidates at once.
DENSE_MIN_ENTRIES = 32
DENSE_MIN_SHARE = 1 / 16
# Adding a term's gains to every entry in one C loop beats walking its postings when it is
# used by more than about this share of the entries (measured in CPython 3.11).
DENSE_ADD_SHARE = 0.6


class _QueryTerm(NamedTuple):
    term: str  # "" for a word the FAQ does not know
    word: str
    weight: float
    guessed: bool = False  # a correction or a resemblance, not the word as typed


@lru_cache(maxsize=65536)
def _trigrams(word: str) -> tuple[str, ...]:
    """A word's distinct character trigrams, with its start and end marked ("#ve", ...,
    "nd#"), sorted: sums over them then come out the same whatever the string hashing.
    Cached: every question's words are cut into trigrams, and visitors use the same words."""
    padded = f"#{word}#"
    return tuple(sorted({padded[i : i + 3] for i in range(len(padded) - 2)}))


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


def _picker(indices: list[int]) -> Callable[[Sequence[float]], Sequence[float]]:
    """`operator.itemgetter(*indices)`, a C loop, but always giving a tuple (itemgetter of
    one index gives the item itself)."""
    if len(indices) == 1:
        only = indices[0]
        return lambda row: (row[only],)
    return operator.itemgetter(*indices)


def _with_bigrams(terms: list[str]) -> list[str]:
    """Terms plus neighbouring pairs; "" (an unknown word) breaks a pair."""
    pairs = [f"{a} {b}" for a, b in pairwise(terms) if a and b]
    return terms + pairs


# A phrasing as the index sees it: its entry's number, its text, and its distinct terms.
_Phrasing = tuple[int, str, frozenset[str]]
# term -> entry number -> the numbers of the entry's phrasings that use the term.
_Postings = dict[str, dict[int, list[int]]]


def _idf(found: Sequence[_Phrasing]) -> tuple[dict[str, float], float]:
    """Each term's inverse document frequency over the phrasings, and the largest possible.

    BM25's idf (always above 0), so a term in most phrasings still counts a little; stop
    words and word pairs weigh less (STOP_WEIGHT, BIGRAM_WEIGHT), since they tell less about
    the topic. The largest idf, of a term in no phrasing, is what unknown words weigh.
    """
    df: dict[str, int] = defaultdict(int)
    for _, _, terms in found:
        for term in terms:
            df[term] += 1
    n = max(len(found), 1)
    idf: dict[str, float] = {}
    for term, count in df.items():
        weight = math.log(1 + (n - count + 0.5) / (count + 0.5))
        if term[0] == "~":
            weight *= STOP_WEIGHT
        if " " in term:
            weight *= BIGRAM_WEIGHT
        idf[term] = weight
    return idf, math.log(1 + (n + 0.5) / 0.5)


def _postings(found: Sequence[_Phrasing]) -> _Postings:
    """The inverted index: for each term, the phrasings using it, grouped by entry, so that
    ranking looks only at the entries sharing a term with the question."""
    postings: _Postings = defaultdict(lambda: defaultdict(list))
    for p_idx, (e_idx, _, terms) in enumerate(found):
        for term in sorted(terms):
            postings[term][e_idx].append(p_idx)
    return postings


def _phrasings_per_entry(phrasing_entry: Sequence[int], entries: int) -> list[int]:
    """How many distinct phrasings each entry has: the base of every share of phrasings."""
    counts = [0] * entries
    for e_idx in phrasing_entry:
        counts[e_idx] += 1
    return counts


def _term_profiles(
    postings: _Postings, counts: Sequence[int], idf: dict[str, float]
) -> dict[str, dict[int, float]]:
    """term -> entry -> the term's weight in the entry's profile: its idf times the share of
    the entry's phrasings using it, to PROFILE_POWER, so the words most of an entry's
    phrasings share (its defining words) count most in the cosine with the question."""
    return {
        t: {e: idf[t] * (len(ps) / counts[e]) ** PROFILE_POWER for e, ps in per_entry.items()}
        for t, per_entry in postings.items()
    }


def _profile_norms(profile: dict[str, dict[int, float]], entries: int) -> list[float]:
    """Each entry's profile length, the divisor of its cosine with a question."""
    norms = [0.0] * entries
    for per_entry in profile.values():
        for e_idx, weight in per_entry.items():
            norms[e_idx] += weight * weight
    return [math.sqrt(n) for n in norms]


def _defining_shares(postings: _Postings, counts: Sequence[int]) -> dict[str, float]:
    """term -> the largest share of one entry's phrasings that use it: how far the term
    defines some entry; a question using a word that defines another entry is less likely
    asked of this one (see ELSEWHERE_STRENGTH)."""
    return {
        t: max(len(ps) / counts[e] for e, ps in per_entry.items())
        for t, per_entry in postings.items()
    }


def _naive_bayes(postings: _Postings, counts: Sequence[int]) -> tuple[list[float], list[float]]:
    """Naive Bayes over entries, ready to add up: each entry's log(total term count + alpha
    * vocabulary), and log(1 + count / alpha) for every count a term can have in an entry.

    A question's log-likelihood for an entry is then a sum of gains over the postings of its
    terms minus the entry's base times the question's term count (`_fit`).
    """
    totals = [0.0] * len(counts)
    for per_entry in postings.values():
        for e_idx, ps in per_entry.items():
            totals[e_idx] += len(ps)
    vocab = len(postings)
    gain = [math.log1p(c / NB_ALPHA) for c in range(max(counts, default=0) + 1)]
    base = [math.log(total + NB_ALPHA * vocab) for total in totals]
    return base, gain


def _nb_weight(term: str) -> float:
    """How much a term counts in the Naive Bayes likelihood: stop words and word pairs less."""
    return STOP_WEIGHT if term[0] == "~" else BIGRAM_WEIGHT if " " in term else 1.0


# term -> (entry, its profile weight, its weighted Naive Bayes gain) for every entry using it.
_EntryPostings = dict[str, tuple[tuple[int, float, float], ...]]


def _entry_postings(
    postings: _Postings, profile: dict[str, dict[int, float]], gain: Sequence[float]
) -> _EntryPostings:
    """For every term, the entries using it with its profile weight and Naive Bayes gain
    (times the term's share, `_nb_weight`): `rank` adds them up over the question's terms."""
    return {
        t: tuple((e, profile[t][e], _nb_weight(t) * gain[len(ps)]) for e, ps in per_entry.items())
        for t, per_entry in postings.items()
    }


def _stop_gain_ceilings(entry_postings: _EntryPostings) -> dict[str, float]:
    """Stop word or pair of stop words -> its largest weighted Naive Bayes gain in any entry:
    what it can add at most to the logit of an entry sharing no content word (`_fit`)."""
    return {
        t: max(gain for _, _, gain in per_entry)
        for t, per_entry in entry_postings.items()
        if all(word[0] == "~" for word in t.split(" "))
    }


class _DenseTerm(NamedTuple):
    """A term many entries use, its figures by entry number (0.0 where unused)."""

    shares: array  # its profile weight
    products: array  # its idf times that: the profile dot product of the term as typed
    gains: array  # its weighted Naive Bayes gain


def _dense_fit(
    entry_postings: _EntryPostings, idf: dict[str, float], entries: int
) -> dict[str, _DenseTerm]:
    """The terms many entries use (stop words mostly) by entry number: `_candidate_sums`
    reads the candidates' figures in one step instead of looking each up."""
    dense = {}
    for t, per_entry in entry_postings.items():
        if len(per_entry) >= max(DENSE_MIN_ENTRIES, entries * DENSE_MIN_SHARE):
            row = _DenseTerm(*(array("d", bytes(8 * entries)) for _ in range(3)))
            for e_idx, share, gain in per_entry:
                row.shares[e_idx] = share
                row.products[e_idx] = idf[t] * share
                row.gains[e_idx] = gain
            dense[t] = row
    return dense


class _Question(NamedTuple):
    """What scoring a shortlisted entry needs to know of the question, worked out once."""

    # The known terms' weights, postings, and whether each is a content word, in the
    # question's order (so sums come out the same).
    term_postings: list[tuple[float, dict[int, tuple[int, ...]], bool]]
    total: float  # the weight of every word, unknown ones too
    norm: float  # the length of that weight vector
    content_defining: list[tuple[float, dict[int, tuple[int, ...]]]]  # see `_own_share`
    profile: dict[int, float]  # each candidate's profile dot product with the question
    logits: dict[int, float]  # each candidate's and rival's tempered Naive Bayes logit
    strongest: list[float]  # the logits of the strongest NB_RIVALS - 1 entries
    others_of: dict[int, list[float]]  # a rival's own strongest others
    grams: list[str]  # the question's character trigrams some entry has
    gram_weights: list[float]  # their weights in the question's trigram profile
    zeros: list[float]  # one 0.0 per trigram, the default of an entry without it


# A scored entry: (calibrated score, entry, best phrasing, signals for `signals`).
_ScoredEntry = tuple[float, int, int, tuple[float, ...]]


def _question_weights(qterms: Sequence[_QueryTerm]) -> tuple[dict[str, float], float, float]:
    """The question's known terms with their weights (in the question's order), and the
    total and the vector length of all its words' weights: unknown words count in both, so
    a question about things the FAQ never mentions is covered less by any entry."""
    total = squares = 0.0
    weights: dict[str, float] = {}
    for q in qterms:
        total += q.weight
        squares += q.weight * q.weight
        if q.term:
            weights[q.term] = q.weight
    return weights, total, math.sqrt(squares)


def _content_terms(weights: dict[str, float]) -> list[str]:
    """The question's content words (no stop words or word pairs), which pick the entries
    and phrasings worth a look; all its terms when it has none."""
    return [t for t in weights if t[0] != "~" and " " not in t] or list(weights)


def _shortlist(
    candidates: Collection[int], profile: dict[int, float], rivals: list[int], limit: int
) -> list[int]:
    """The candidates compared in full.

    The candidates whose profiles fit best (SHORTLIST, or `limit` when more are asked for),
    plus the `rivals` (the likeliest entries by Naive Bayes) among the candidates: every
    entry's posterior is taken against them, and they may fit by profile less well.
    """
    shortlist = _largest(max(SHORTLIST, limit), candidates, profile.__getitem__)
    shortlist += [e for e in rivals if e in candidates and e not in shortlist]
    return shortlist


def _rival_logits(
    logits: dict[int, float], rivals: list[int]
) -> tuple[list[float], dict[int, list[float]]]:
    """The logits each entry's Naive Bayes share is taken against: the strongest
    NB_RIVALS - 1 entries, or for a rival itself the strongest NB_RIVALS - 1 others."""
    strongest = [logits[r] for r in rivals[: NB_RIVALS - 1]]
    others_of = {r: [logits[o] for o in rivals if o != r][: NB_RIVALS - 1] for r in rivals}
    return strongest, others_of


class _LanguageIndex:
    """The inverted index and term statistics for the entries of one language."""

    def __init__(self, lang: str, entries: list[FaqEntry], synonyms: Sequence[Sequence[str]]):
        """Build every table `rank` reads, step by step: each uses the ones before it."""
        vocabulary = {w for e in entries for p in e.phrasings for w in tokenise(p, lang)}
        self.analyser = Analyser(lang, synonyms, vocabulary)
        self.entries = entries
        self.words: dict[str, str] = {}  # every FAQ word -> its term, for typo correction
        found = self._distinct_phrasings()
        self.idf, self.max_idf = _idf(found)
        found = self._number_phrasings(found)
        postings = _postings(found)
        counts = _phrasings_per_entry(self.phrasing_entry, len(entries))
        profile = _term_profiles(postings, counts, self.idf)
        self.profile_norm = _profile_norms(profile, len(entries))
        self.defining_share = _defining_shares(postings, counts)
        # term -> entry -> the entry's phrasings with the term, for phrasing-level scores.
        self.postings = {
            t: {e: tuple(ps) for e, ps in per_entry.items()} for t, per_entry in postings.items()
        }
        self.nb_base, gain = _naive_bayes(postings, counts)
        self.min_nb_base = min(self.nb_base, default=0.0)
        self.entry_postings = _entry_postings(postings, profile, gain)
        self.stop_gain_ceiling = _stop_gain_ceilings(self.entry_postings)
        self.dense_fit = _dense_fit(self.entry_postings, self.idf, len(entries))
        self._index_words_for_typos()
        self._index_word_trigrams()
        self._build_char_profiles()

    def _distinct_phrasings(self) -> list[_Phrasing]:
        """Every entry's phrasings with their terms, each set of terms once per entry (the
        same terms again change no score); fills `words` on the way."""
        found: list[_Phrasing] = []
        for e_idx, entry in enumerate(self.entries):
            seen: set[frozenset[str]] = set()
            for text in entry.phrasings:
                terms = frozenset(self._phrasing_terms(text))
                if terms and terms not in seen:
                    seen.add(terms)
                    found.append((e_idx, text, terms))
        return found

    def _number_phrasings(self, found: list[_Phrasing]) -> list[_Phrasing]:
        """The phrasings in their final order, with their entry, text, terms and weight
        stored by number; returns them in that order.

        Phrasings are numbered entry by entry, lightest first: of an entry's equally good
        phrasings, `rank` shows the shortest. Terms are added up in sorted order, here and
        below: a set's order changes with Python's string hashing from run to run, and
        floats added in another order can differ in the last bit, which breaks exact ties
        differently (another phrasing shown, `faq eval` figures not reproducible).
        """
        weight_of = {terms: sum(self.idf[t] for t in sorted(terms)) for _, _, terms in found}
        found = sorted(found, key=lambda f: (f[0], weight_of[f[2]]))
        self.phrasing_entry = [e_idx for e_idx, _, _ in found]
        self.phrasing_text = [text for _, text, _ in found]
        self.phrasing_terms = [terms for _, _, terms in found]
        self.phrasing_weight = [weight_of[terms] for _, _, terms in found]
        self.inv_root_weight = [1 / math.sqrt(w) if w > 0 else 0.0 for w in self.phrasing_weight]
        return found

    def _index_words_for_typos(self) -> None:
        """The FAQ's words by first letter, where `correct` looks for the word a typo means
        (typing errors rarely hit the first letter), with its answers cached."""
        self.by_first: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self.words):
            self.by_first[word[0]].append(word)
        self.correct = lru_cache(maxsize=16384)(self._correct)

    def _index_word_trigrams(self) -> None:
        """Character trigrams of the FAQ's content words, by first letter and trigram, for
        the words that are no typo of one (regional spellings, see `_resemble`)."""
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
                found.extend(
                    _QueryTerm(p, token.word, self.idf[p] * KNOWN_WORD_PART_WEIGHT)
                    for p in token.parts
                )
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

    def _fit(
        self, weights: dict[str, float], candidates: set[int]
    ) -> tuple[dict[int, float], dict[int, float], list[int]]:
        """The candidates' profile dot products with the question and tempered Naive Bayes
        logits, by entry, and the NB_RIVALS entries of highest logit of all.

        The logit is the log-likelihood of the question's terms: each term counts once (stop
        words and word pairs at their reduced share); terms the FAQ does not know change no
        entry's odds, so they are left out. Stop words reach nearly every entry, and adding
        them up for every entry was most of a question's time, while only the candidates
        need a profile and only the likeliest entries a logit. So the candidates are added
        up alone (`_candidate_sums`), and the other entries only when one of them could be
        among the likeliest (`_others_bound`). Every sum adds the same terms in the same
        order whichever way it is taken, so every score is the same to the last bit.
        """
        ordered = sorted(candidates)  # ties between rivals go to the lower entry number
        profile, sums, mass = self._candidate_sums(weights, ordered)
        base = _picker(ordered)(self.nb_base)
        mass_base = map(operator.mul, repeat(mass), base)
        tempered = list(
            map(operator.truediv, map(operator.sub, sums, mass_base), repeat(NB_TEMPERATURE))
        )
        logits = dict(zip(ordered, tempered, strict=True))
        rivals = _largest(NB_RIVALS, ordered, logits.__getitem__)
        if len(rivals) < NB_RIVALS or logits[rivals[-1]] <= self._others_bound(weights, mass):
            rivals = self._likeliest_of_all(weights, mass, logits, rivals)
        return dict(zip(ordered, profile, strict=True)), logits, rivals

    def _likeliest_of_all(
        self, weights: dict[str, float], mass: float, logits: dict[int, float], rivals: list[int]
    ) -> list[int]:
        """The NB_RIVALS entries of highest logit among all entries, their logits added to
        `logits`, when the candidates' `rivals` may not be those.

        Every entry's likelihood sum is added up, but only the entries whose sum can reach
        the third candidate's logit get a logit (`compress`, a C loop): no other can be
        among the likeliest.
        """
        sums = self._all_sums(weights)
        if len(rivals) < NB_RIVALS:  # fewer candidates than rivals: every entry may be one
            reaching: Iterable[int] = range(len(sums))
        else:
            least = logits[rivals[-1]] * NB_TEMPERATURE + mass * self.min_nb_base - 1e-9
            reaching = compress(range(len(sums)), map(operator.le, repeat(least), sums))
        base = self.nb_base
        found = {e_idx: (sums[e_idx] - mass * base[e_idx]) / NB_TEMPERATURE for e_idx in reaching}
        logits.update(found)
        return _largest(NB_RIVALS, list(found), found.__getitem__)

    def _candidate_sums(
        self, weights: dict[str, float], ordered: list[int]
    ) -> tuple[list[float], list[float], float]:
        """The candidates' (in `ordered`) profile dot products and Naive Bayes log-likelihood
        sums, and the question's term mass (the count of its terms, each at its share).

        A term used by many entries has its shares and gains stored by entry number
        (`dense_fit`), so the candidates' are read in one step; an entry without the term
        adds 0.0, which changes no sum. A rarer term's postings are walked.
        """
        at = {e_idx: i for i, e_idx in enumerate(ordered)}
        pick = _picker(ordered)
        profile = [0.0] * len(ordered)
        sums = [0.0] * len(ordered)
        mass = 0.0
        for term, weight in weights.items():
            mass += _nb_weight(term)
            per_entry = self.entry_postings[term]
            dense = self.dense_fit.get(term)
            if dense is not None and len(per_entry) > len(ordered):
                if weight == self.idf[term]:  # as typed: the products are ready
                    weighted = pick(dense.products)
                else:  # a correction, weighing less
                    weighted = map(operator.mul, repeat(weight), pick(dense.shares))
                profile = list(map(operator.add, profile, weighted))
                sums = list(map(operator.add, sums, pick(dense.gains)))
                continue
            for e_idx, share, gain in per_entry:
                i = at.get(e_idx)
                if i is not None:
                    profile[i] += weight * share
                    sums[i] += gain
        return profile, sums, mass

    def _others_bound(self, weights: dict[str, float], mass: float) -> float:
        """The highest tempered logit an entry sharing no content word with the question
        may have, with a margin for rounding.

        Such an entry shares at most the question's stop words and pairs of them (a pair
        with a content word is in phrasings that have the word, which makes them
        candidates), each gaining at most its largest gain in any entry.
        """
        ceiling = self.stop_gain_ceiling
        elsewhere = 0.0
        for term in weights:
            elsewhere += ceiling.get(term, 0.0)
        return (elsewhere - mass * self.min_nb_base) / NB_TEMPERATURE + 1e-9

    def _all_sums(self, weights: dict[str, float]) -> list[float]:
        """Every entry's Naive Bayes log-likelihood sum, by entry number."""
        sums = [0.0] * len(self.entries)
        for term in weights:
            dense = self.dense_fit.get(term)
            per_entry = self.entry_postings[term]
            if dense is not None and len(per_entry) > len(sums) * DENSE_ADD_SHARE:
                sums = list(map(operator.add, sums, dense.gains))
                continue
            for e_idx, _, gain in per_entry:
                sums[e_idx] += gain
        return sums

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

    def _scored(self, question: str, limit: int) -> tuple[list[_QueryTerm], list[_ScoredEntry]]:
        """The question's terms and the shortlisted entries scored (score, entry, best
        phrasing, signals), best first.

        The steps: the question's terms and weights; the entries sharing a content word
        with it (the candidates); every entry's profile fit and Naive Bayes logit in one
        pass; a shortlist of the candidates; each shortlisted entry scored on its own.
        """
        qterms = self.query_terms(question)
        weights, total, norm = _question_weights(qterms)
        if total <= 0:
            return qterms, []
        content = _content_terms(weights)
        # An entry sharing no content word is no candidate: its stop words and word pairs
        # alone ("how do i", "my order") say nothing about the topic asked.
        candidates = {e_idx for t in content for e_idx in self.postings[t]}
        if not candidates:  # out of scope, or asked in the other language
            return qterms, []
        profile, logits, rivals = self._fit(weights, candidates)
        shortlist = _shortlist(candidates, profile, rivals, limit)
        strongest, others_of = _rival_logits(logits, rivals)
        grams, gram_weights = self._question_grams(question)
        asked = _Question(
            term_postings=[(w, self.postings[t], t in content) for t, w in weights.items()],
            total=total,
            norm=norm,
            content_defining=self._defining_weights(content, weights),
            profile=profile,
            logits=logits,
            strongest=strongest,
            others_of=others_of,
            grams=grams,
            gram_weights=gram_weights,
            zeros=[0.0] * len(grams),
        )
        scored = [self._score_entry(e_idx, asked) for e_idx in shortlist]
        scored.sort(key=lambda s: (-s[0], s[1]))
        return qterms, scored

    def _question_grams(self, question: str) -> tuple[list[str], list[float]]:
        """The question's character trigrams that some entry has, and their weights:
        trigrams no entry has add nothing to a cosine, so only the others are looked up."""
        char_vector = self._char_vector(question)
        grams = [g for g in char_vector if g in self.gram_idf]
        return grams, [char_vector[g] for g in grams]

    def _defining_weights(
        self, content: list[str], weights: dict[str, float]
    ) -> list[tuple[float, dict[int, tuple[int, ...]]]]:
        """For each content word of the question: its weight times how far it defines some
        entry (to ELSEWHERE_POWER), and the entries using it, for `_own_share`."""
        return [
            (weights[t] * self.defining_share[t] ** ELSEWHERE_POWER, self.postings[t])
            for t in content
            if t[0] != "~" and " " not in t
        ]

    def _score_entry(self, e_idx: int, asked: _Question) -> _ScoredEntry:
        """One shortlisted entry's calibrated score, its best phrasing, and the signals.

        The similarity is the best phrasing's overlap and the profile cosine, half each,
        with CHAR_SHARE of the trigram cosine; then lowered by little shared weight (weak
        evidence), by the Naive Bayes share against the strongest rivals, and by the
        question's words that define other entries.
        """
        overlap, shared_best, p_best = self._best_phrasing(e_idx, asked)
        overlap /= math.sqrt(asked.total)
        cosine = asked.profile[e_idx] / (asked.norm * self.profile_norm[e_idx])
        in_profile = map(self.char_profile[e_idx].get, asked.grams, asked.zeros)
        char_cosine = sum(map(operator.mul, asked.gram_weights, in_profile))
        similarity = (1 - CHAR_SHARE) * (0.5 * overlap + 0.5 * cosine)
        similarity += CHAR_SHARE * char_cosine
        similarity *= 1 - math.exp(-shared_best / (EVIDENCE_SCALE * self.max_idf))
        others = asked.others_of.get(e_idx, asked.strongest)
        nb = self._nb_share(asked.logits[e_idx], others)
        similarity *= nb**NB_POWER
        own = self._own_share(e_idx, asked.content_defining, asked.total)
        similarity *= own
        signals = (
            shared_best / asked.total,
            shared_best * self.inv_root_weight[p_best] ** 2,
            nb,
            own,
            cosine,
            char_cosine,
            overlap,
        )
        return similarity**CALIBRATION, e_idx, p_best, signals

    def _best_phrasing(self, e_idx: int, asked: _Question) -> tuple[float, float, int]:
        """The entry's phrasing that best covers the question and is covered by it: the
        shared weight over the root of the phrasing's weight (the question's root is the
        same for every phrasing, `_score_entry` divides by it). Returns that overlap, the
        shared weight, and the phrasing's number; of equal ones the first (lightest).

        Only the EXACT_PHRASINGS phrasings sharing most of the question's content words (by
        weight over the phrasing's root weight) are compared, so an entry with hundreds of
        phrasings costs not much more than one with eight. Both sums are added up from the
        entry's postings, term by term in the question's order, in one pass.
        """
        inv_root = self.inv_root_weight
        content_share: dict[int, float] = {}  # by content words, to choose the compared
        shared_of: dict[int, float] = {}  # by every known term
        for w, per_entry, is_content in asked.term_postings:
            phrasings = per_entry.get(e_idx)
            if phrasings is None:
                continue
            for p_idx in phrasings:
                shared_of[p_idx] = shared_of.get(p_idx, 0.0) + w
            if is_content:
                for p_idx in phrasings:
                    content_share[p_idx] = content_share.get(p_idx, 0.0) + w * inv_root[p_idx]
        compared = sorted(content_share, key=content_share.__getitem__, reverse=True)
        overlap, shared_best, p_best = -1.0, 0.0, -1
        for p_idx in compared[:EXACT_PHRASINGS]:
            shared = shared_of[p_idx]
            value = shared * inv_root[p_idx]
            if value > overlap:
                overlap, shared_best, p_best = value, shared, p_idx
        return overlap, shared_best, p_best

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
        """The best `limit` entries for the question, best first, each explained."""
        qterms, scored = self._scored(question, limit)
        # The words that may explain a match: each word's own term (not a pair's), and
        # whether it is a stop word.
        shown = [(q.term, q.word, q.term[0] == "~") for q in qterms if q.term and " " not in q.term]
        return [self._explained(shown, s, e_idx, p_idx) for s, e_idx, p_idx, _ in scored[:limit]]

    def _explained(
        self, shown: list[tuple[str, str, bool]], score: float, e_idx: int, p_idx: int
    ) -> Candidate:
        """A scored entry as the visitor and the editor see it: the score clamped to 0-1 and
        rounded, the phrasing it matched best, and the question's words that phrasing has."""
        return Candidate(
            entry=self.entries[e_idx],
            score=round(min(max(score, 0.0), 1.0), 4),
            matched_phrasing=self.phrasing_text[p_idx],
            matched_terms=self._shared_words(shown, p_idx),
        )

    def _shared_words(self, shown: list[tuple[str, str, bool]], p_idx: int) -> tuple[str, ...]:
        """The question's words, as typed and each once, whose terms the phrasing has (word
        pairs not: their words are shown already). Stop words explain little ("wie", "my");
        they are shown only when nothing else is."""
        terms = self.phrasing_terms[p_idx]
        words: list[str] = []
        stop_words: list[str] = []
        for term, word, stop in shown:
            if term in terms:
                (stop_words if stop else words).append(word)
        return tuple(dict.fromkeys(words or stop_words))


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

        With `lang` given, only that language's entries are considered (none when the FAQ has
        none in it: a list of one language never shows the other's). With `lang` None the
        question is scored against every language (each with its own stemmer) and the lists
        are merged; `answer_language` says which to pass for a visitor's question.
        """
        if lang is not None:
            index = self._indexes.get(lang)
            return index.rank(question, limit) if index is not None else []
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
