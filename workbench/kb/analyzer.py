"""From raw text to the terms the index and the scorer compare.

normalise → jieba words → synonyms (说法 → 标准词) → drop what carries no question: forms of
address and particles (亲, 请问, 急, 吗) unless nothing else is left, then greetings (在吗, 谢谢)
unless only greetings are left → three term fields:

* words:  canonical content words, plus a concept key ("~物流") for each related-word group;
* chars:  content characters, where a run of latin letters/digits counts as one unit (88vip);
* bigrams: adjacent pairs of those units.

Characters catch what word segmentation misses (能发 vs 发货); words keep short words precise.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from workbench.kb import tokenizer
from workbench.kb.lexicon import CONTENT, GREETING, PARTICLE, get_lexicon
from workbench.kb.normalize import normalize

CONCEPT_PREFIX = "~"


@dataclass(frozen=True, slots=True)
class Analysis:
    normalized: str  # output of `normalize`
    text: str  # canonical content words joined: what rapidfuzz compares
    words: tuple[str, ...]  # canonical content words (with concept keys), in order, repeats kept
    units: tuple[str, ...]  # character units of `text`
    fillers: tuple[str, ...]  # greetings and fillers that were dropped
    synonyms: tuple[tuple[str, str], ...]  # (typed word, canonical word) rewrites applied

    @property
    def empty(self) -> bool:
        return not self.units

    @property
    def bigrams(self) -> tuple[str, ...]:
        u = self.units
        return tuple(a + b for a, b in pairwise(u))


EMPTY = Analysis("", "", (), (), (), ())

RULES = 2  # raise when the same text is analysed differently: the kept analyses then go stale


def revision() -> str:
    """What an analysis depends on besides its text, in a word: these rules and the shipped lexicon's
    words and kinds (the KB's kept analyses and index are only reused under the same revision)."""
    return hashlib.sha256(f"{RULES}:{_lexicon_digest()}".encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def _lexicon_digest() -> str:
    """The shipped lexicon's words and kinds, digested once (it does not change while running)."""
    syn = get_lexicon().synonyms
    text = repr((sorted(syn.classify().items()), sorted(syn.concepts.items())))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# After normalisation the text holds only letters and digits: ASCII runs stay whole (88vip, iphone12)
_UNIT = re.compile(r"[\x00-\x7f]+|.")


def unit_split(text: str) -> list[str]:
    """Split into CJK characters; a run of ASCII letters/digits stays one unit."""
    return _UNIT.findall(text)


_units = unit_split


_HOLLOW = frozenset("了的")  # words that carry no question unless nothing else is said
_CACHE_MAX_LEN = 64  # short messages repeat ("在吗", "什么时候发货"): remember their analysis
_CACHE_SIZE = 1024


@lru_cache(maxsize=_CACHE_SIZE)
def _analyze_short(raw: str) -> Analysis:
    return _analyze(raw)


def analyze(raw: str, cached: bool = True) -> Analysis:
    """Analysis of a message or phrasing (cached for short messages; the result is immutable).
    Index builds pass `cached=False`: every phrasing is seen once and would only evict messages."""
    if cached and len(raw) <= _CACHE_MAX_LEN:
        return _analyze_short(raw)
    return _analyze(raw)


def add_words(words: Iterable[str]) -> list[str]:
    """Make each of `words` (划词 core words as typed) one word of the tokenizer (see
    `tokenizer.add_words`); the remembered analyses are forgotten if that changed any. Returns the
    words made, normalised (call from a worker thread: it may load jieba)."""
    added = tokenizer.add_words(n for n in map(normalize, words) if n)
    if added:
        _analyze_short.cache_clear()
    return added


def _analyze(raw: str) -> Analysis:
    normalized = normalize(raw)
    if not normalized:
        return EMPTY
    lookup, concepts = _word_table()
    tokens: list[tuple[str, int]] = []
    rewrites: list[tuple[str, str]] = []
    for tok in tokenizer.cut(normalized):
        canon, kind = lookup.get(tok) or (tok, CONTENT)
        if canon != tok:
            rewrites.append((tok, canon))
        tokens.append((canon, kind))
    # 了 and 的 mean nothing by themselves: with no other content word they count as particles
    # (拜拜了亲 is a goodbye, not a 了)
    if all(w in _HOLLOW for w, kind in tokens if kind == CONTENT):
        tokens = [(w, PARTICLE if kind == CONTENT else kind) for w, kind in tokens]
    content = [w for w, kind in tokens if kind == CONTENT]
    greetings = [w for w, kind in tokens if kind == GREETING]
    minor = [w for w, kind in tokens if kind == PARTICLE]
    # a pure greeting ("亲，在吗") is the question itself
    if content:
        dropped = greetings + minor
    elif greetings:
        content, dropped = greetings, minor
    else:
        content, dropped = minor, []
    words = list(content)
    for w in content:
        for key in concepts.get(w, ()):
            words.append(CONCEPT_PREFIX + key)
    text = "".join(content)
    return Analysis(
        normalized=normalized,
        text=text,
        words=tuple(words),
        units=tuple(_units(text)),
        fillers=tuple(dropped),
        synonyms=tuple(rewrites),
    )


_table: tuple[dict[str, tuple[str, int]], dict[str, tuple[str, ...]]] | None = None


def _word_table() -> tuple[dict[str, tuple[str, int]], dict[str, tuple[str, ...]]]:
    """(word -> (canonical form, kind), canonical form -> concept keys), built once."""
    global _table
    if _table is None:
        syn = get_lexicon().synonyms
        _table = (syn.classify(), syn.concepts)
    return _table
