"""Turning German and English text into the terms the matcher compares.

Visitors type "Größe", "groesse" or "grosse", inflect words ("Lieferung", "geliefert"), glue
German nouns together ("Versandkosten") and use their own words for the shop's things. Every
step here exists so that such variants meet on one term, in FAQ entries and questions alike:
normalise (NFKC, casefold, accents and umlauts folded), tokenise, drop stop words, stem
(Snowball via PyStemmer), split German compounds into parts the FAQ itself uses, and map the
editor's synonym groups onto one canonical term.

Plain Python with no Flask imports. An `Analyser` is immutable after construction and safe to
share between threads (its caches are only ever filled with deterministic values).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import Stemmer

STOP_WORDS_EN = frozenset(
    """
    a an the and or but if of at by for with about to from in on into onto over under up down
    out off is am are was were be been being do does did doing have has had having will would
    shall should can could may might must i me my mine myself you your yours yourself we us our
    ours he him his she her hers it its they them their this that these those there here what
    which who whom whose when where why how all any some such no not nor only own so than too
    very just also as please pls plz hi hello hey thanks thank ok okay im ive id ill youre dont
    doesnt didnt cant isnt arent wasnt whats hows wheres thats theres lets s t get got tell know
    want wanna need like let
    """.split()
)
"""English words that carry no topic. Kept short on purpose: "how long" vs "how much" is
decided by "long" and "much", which stay; question words are dropped because every FAQ
question has one."""

STOP_WORDS_DE = frozenset(
    """
    der die das den dem des ein eine einen einem einer eines und oder aber wenn dass ob zu zum
    zur von vom mit bei beim fur aus auf an am im in ins uber unter um nach vor bis durch gegen
    ohne ist sind war waren bin bist sein seid wird werden wurde wurden hat habe haben hast hatte
    hatten kann kannst konnen konnte muss mussen soll sollen darf durfen mochte will wollen ich
    mir mich mein meine meinen meinem meiner du dir dich dein deine sie ihr ihre ihnen ihrem
    ihren er ihn ihm es wir uns unser unsere euch euer man was wer wie wo wann warum wieso
    weshalb welche welcher welches welchen nicht kein keine keinen auch noch schon nur sehr so
    da dann denn doch mal bitte hallo hi danke ja nein gibt gib etwas sich
    habt hattest hattet warst wart werde wirst werdet wurdest wurdet konnt konnten konntest
    konntet musst musste mussten sollst sollt sollte sollten darfst durft durfte willst wollt
    wollte mochtest mochten mochtet
    """.split()
)
"""German words that carry no topic, written without umlauts because text is folded before
the lookup ("für" -> "fur", "müssen" -> "mussen"). The auxiliary and modal verbs are listed
in every person of the present and simple past: a shop's visitors write "habt ihr", "könnt
ihr", and a form missing here would weigh as a rare topic word of whichever entry uses it."""

STOP_WORDS = {"de": STOP_WORDS_EN | STOP_WORDS_DE, "en": STOP_WORDS_EN}
"""German questions often mix in English words ("Tracking", "Login"), so English stop words
are dropped from German text too, never the other way round."""

STEMMER_NAMES = {"de": "german", "en": "english"}

# Letters that precede "ue" etc. without it being an umlaut ("neue", "Quelle", "Bauer").
_DIGRAPHS = re.compile(r"(?<![aeiouq])(ae|oe|ue)")
_DIGRAPH_VOWEL = {"ae": "a", "oe": "o", "ue": "u"}
_APOSTROPHES = re.compile(r"['\u2019\u2018`´]")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_SEPARATOR = re.compile(r"\s*=\s*")

# German linking elements ("Fugen") between compound parts: Versand-s-kosten, Liefer-n-...
_LINKS = ("", "s", "es", "n", "en", "e")
# English rarely glues words ("cellphone", "checkbook"), so it needs longer parts.
MIN_COMPOUND_PART = {"de": 3, "en": 4}
MIN_COMPOUND_LENGTH = {"de": 7, "en": 8}
# A German word that splits into known parts only in part ("Filmvorstellungspläne", where
# "vorstellung" is new) gets its known start and end, each at least this long: short ends
# ("ter", "ung") would find a known word in almost any word.
MIN_PARTIAL_PART = 4


def normalise(text: str, lang: str = "en") -> str:
    """Fold text so spelling variants meet: NFKC, casefold (ß -> ss), accents and umlauts off.

    For German, "ae"/"oe"/"ue" written for an umlaut become the plain vowel as well, so
    "Größe", "groesse" and "grosse" all become "grosse". Apostrophes are removed
    ("what's" -> "whats") so contractions stay one token.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if not text.isascii():  # ASCII has no accents to take off (most questions, in English)
        decomposed = unicodedata.normalize("NFD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", text)
    if lang == "de":
        text = _DIGRAPHS.sub(lambda m: _DIGRAPH_VOWEL[m.group(1)], text)
    return text


def tokenise(text: str, lang: str = "en") -> list[str]:
    """Split normalised text into words: runs of letters and digits, everything else separates."""
    return _TOKEN.findall(normalise(text, lang))


def parse_synonyms(text: str) -> list[tuple[str, ...]]:
    """Read the `synonyms.txt` format: one group a line, members separated by `=`.

    `#` starts a comment; blank lines are skipped. Members may be several words
    ("customer care = hotline"). A line with fewer than two members or an empty member is
    an editor's mistake, so it raises ValueError naming the line rather than being ignored.
    """
    groups: list[tuple[str, ...]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        members = [" ".join(m.split()) for m in _SEPARATOR.split(line)]
        if "=" not in line:
            raise ValueError(f"line {number}: a synonym group needs words separated by '='")
        if any(not m for m in members):
            raise ValueError(f"line {number}: empty word in synonym group {raw.strip()!r}")
        if len(set(m.casefold() for m in members)) < 2:
            raise ValueError(f"line {number}: a synonym group needs two different words")
        groups.append(tuple(members))
    return groups


@dataclass(frozen=True)
class Token:
    """One word of a text as the matcher sees it.

    `word` is the normalised word (several words joined by a space when a multi-word synonym
    matched), `term` its stem or its synonym group's canonical term, `parts` the terms of
    its compound parts, and `stop` whether it is a stop word or a number (its term is then "~"
    and the unstemmed word, so it never meets a content word with the same stem).
    """

    word: str
    term: str
    parts: tuple[str, ...] = ()
    stop: bool = False


class Analyser:
    """Text to terms for one language, with the FAQ's own vocabulary for compounds.

    Terms are stems, so the index and the questions must go through the same Analyser.
    `compound_vocabulary` holds the (normalised) words the FAQ uses: a long word is split
    only into those words or their stems, so splits never invent topics the FAQ does not
    have. `synonyms` groups are mapped to their first member's terms. `stem(word)`,
    `split_compound(word)` and `word_token(word)` are cached per word, since visitors ask with
    the same words.
    """

    def __init__(
        self,
        lang: str,
        synonyms: Sequence[Sequence[str]] = (),
        compound_vocabulary: Iterable[str] = (),
    ) -> None:
        self.lang = lang if lang in STEMMER_NAMES else "en"
        self.stop_words = STOP_WORDS[self.lang]
        self._stemmer = Stemmer.Stemmer(STEMMER_NAMES[self.lang])
        self._stem_lock = threading.Lock()  # PyStemmer objects are not thread-safe
        self.stem = lru_cache(maxsize=65536)(self._stem_uncached)
        # Each known word and each known stem may be a compound part; a part's term is its stem.
        self._parts: dict[str, str] = {}
        for word in compound_vocabulary:
            if len(word) >= MIN_COMPOUND_PART[self.lang] and word not in self.stop_words:
                stem = self.stem(word)
                self._parts[word] = stem
                if len(stem) >= MIN_COMPOUND_PART[self.lang]:
                    self._parts.setdefault(stem, stem)
        self._synonyms: dict[tuple[str, ...], str] = {}
        for group in synonyms:
            keys = [tuple(self.stem(t) for t in tokenise(m, self.lang)) for m in group]
            keys = [k for k in keys if k]
            for key in keys:
                self._synonyms[key] = "_".join(keys[0])
        self._longest_synonym = max((len(k) for k in self._synonyms), default=0)
        self.split_compound = lru_cache(maxsize=65536)(self._split_compound)
        self.word_token = lru_cache(maxsize=65536)(self._word_token)

    def _stem_uncached(self, word: str) -> str:
        with self._stem_lock:
            return self._stemmer.stemWord(word)

    def words(self, text: str, keep_stop_words: bool = False) -> list[str]:
        """The normalised words of text, without stop words unless asked (numbers are kept)."""
        words = tokenise(text, self.lang)
        return words if keep_stop_words else [w for w in words if w not in self.stop_words]

    def _split_compound(self, word: str) -> tuple[str, ...]:
        """The terms of a long word's known parts ("versandkosten" -> versand, kost), or ()."""
        if len(word) < MIN_COMPOUND_LENGTH[self.lang] or not word.isalpha():
            return ()
        links = _LINKS if self.lang == "de" else ("",)
        best = _best_split(word, self._parts, MIN_COMPOUND_PART[self.lang], links)
        if best and len(best) > 1:
            return tuple(self._parts[p] for p in best)
        if self.lang != "de":
            return ()
        return _partial_split(word, self._parts, MIN_PARTIAL_PART)

    def synonym(self, term: str) -> str:
        """The canonical term for a single term (itself when it is in no group)."""
        return self._synonyms.get((term,), term)

    def tokens(self, text: str) -> list[Token]:
        """Every word of text (stop words marked, not dropped) with its term and parts.

        Synonym groups are applied longest member first, so "customer care" becomes one
        token before "care" alone could match another group.
        """
        words = tokenise(text, self.lang)
        if self._longest_synonym < 2:  # no group of several words: each word stands alone
            return [self.word_token(word) for word in words]
        stems = [self.stem(w) for w in words]
        out: list[Token] = []
        i = 0
        while i < len(words):
            for size in range(min(self._longest_synonym, len(words) - i), 1, -1):
                canonical = self._synonyms.get(tuple(stems[i : i + size]))
                if canonical is not None:
                    out.append(Token(" ".join(words[i : i + size]), canonical))
                    i += size
                    break
            else:
                out.append(self.word_token(words[i]))
                i += 1
        return out

    def _word_token(self, word: str) -> Token:
        """The token of one normalised word on its own (cached as `word_token`)."""
        if word in self.stop_words or word.isdigit():
            # Not stemmed and marked, so "nach" never meets "nächste" (stem "nach").
            # Numbers count like stop words: they are mostly a time, an amount or an
            # order number, rarely what the question is about.
            return Token(word, "~" + word, (), True)
        parts = tuple(self.synonym(p) for p in self.split_compound(word))
        return Token(word, self.synonym(self.stem(word)), parts)

    def terms(self, text: str) -> list[str]:
        """The terms of text without stop words, each word's compound parts after it."""
        return [t for tok in self.tokens(text) if not tok.stop for t in (tok.term, *tok.parts)]


def _partial_split(word: str, vocabulary: dict[str, str], min_part: int) -> tuple[str, ...]:
    """The terms of the longest known end and the longest known start of a word, or ().

    German puts the head of a compound last ("Dipsom-kino" is a cinema), so a known end
    says most about a word the FAQ cannot split whole; a known start adds the topic.
    """
    found = []
    for start in range(1, len(word) - min_part + 1):
        if word[start:] in vocabulary:
            found.append(vocabulary[word[start:]])
            break
    for end in range(len(word) - 1, min_part - 1, -1):
        if word[:end] in vocabulary:
            found.append(vocabulary[word[:end]])
            break
    return tuple(dict.fromkeys(found))


def _best_split(
    word: str, vocabulary: dict[str, str], min_part: int, links: tuple[str, ...]
) -> list[str] | None:
    """The split of word into vocabulary parts with the fewest, then longest, parts.

    A part may be followed by a linking element ("s" in "Arbeitszeit") before the next one.
    """

    @cache
    def split_from(start: int) -> tuple[str, ...] | None:
        rest = word[start:]
        if rest in vocabulary and start > 0:
            return (rest,)
        best: tuple[str, ...] | None = None
        for end in range(len(word) - min_part, start + min_part - 1, -1):
            part = word[start:end]
            if part not in vocabulary:
                continue
            for link in links:
                if not word.startswith(link, end):
                    continue
                tail = split_from(end + len(link))
                if tail is not None and (best is None or len(tail) + 1 < len(best)):
                    best = (part, *tail)
        return best

    result = split_from(0)
    return list(result) if result else None
