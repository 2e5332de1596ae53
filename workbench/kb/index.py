"""Inverted index over phrasings: IDF statistics, lexical scoring and live updates.

Every phrasing of every enabled entry is one document with up to three term fields (see
`analyzer`): words, character bigrams and characters.  The lexical score of a document d for a
query q is a weighted Dice overlap over the fields together:

    lexical(q, d) = 2·Σ_{t ∈ q∩d} w(t) / (Σ_{t ∈ q} w(t) + Σ_{t ∈ d} w(t)),   w(t) = field weight · idf(t)

It is symmetric, lies in [0, 1] (1 = the same terms), and words the query lacks lower it as much
as words the phrasing lacks, so a long phrasing does not win by merely containing the query.
A field with weight 0 is not indexed at all (by default the bigrams: measured, they add memory and
time but no accuracy on top of words and characters).

The fields share one vocabulary: words carry a one-character tag; characters and bigrams cannot
collide (an ASCII run is one character unit, so a bigram always holds a CJK character).

Search has to be fast in pure Python at 10k entries (~13k phrasings):

1. walk the postings of the query's words and bigrams, accumulating their weight per document;
   common terms (的, 什么) and characters are walked only when too few documents were reached,
   because their lists are long and their weight small;
2. score exactly the documents whose Dice over those terms is highest, from their own term tuples.

Postings are a bare document id while a term occurs once (most terms do), then an int array.
Edits are incremental: a new document is appended; a removed one leaves a tombstone that searches
skip, and an array is compacted once a quarter of it is dead (amortised O(1) per removal).
Document ids are never reused.  The index is not thread-safe by itself: `Matcher` serialises access.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from typing import TypeAlias

from workbench.kb.analyzer import Analysis

FIELDS: tuple[str, ...] = ("words", "bigrams", "units")
N_FIELDS = len(FIELDS)
WORD_TAG = "\x00"  # prefix of word terms in the shared vocabulary

# Terms in more documents than this (or than 2% of them, if more) are walked only while too few
# documents have been reached.
WALK_MAX_DF = 128
WALK_DF_FRACTION = 0.02
_IDF_CACHE_MAX = 100_000
_ZEROS = repeat(0.0)

Postings: TypeAlias = "int | array[int]"  # a bare document id while the term occurs once


@dataclass(frozen=True, slots=True)
class Terms:
    """A text's unique terms per field, interned (thousands of documents share one string);
    words are tagged."""

    words: tuple[str, ...]
    bigrams: tuple[str, ...]
    units: tuple[str, ...]

    @classmethod
    def of(cls, analysis: Analysis, fields: tuple[bool, bool, bool] = (True, True, True), intern: bool = True) -> Terms:
        """`fields` leaves out the fields that are not indexed; queries need no interning."""
        same: Callable[[str], str] = sys.intern if intern else str
        return cls(
            tuple(same(WORD_TAG + w) for w in dict.fromkeys(analysis.words)) if fields[0] else (),
            tuple(map(same, dict.fromkeys(analysis.bigrams))) if fields[1] else (),
            tuple(map(same, dict.fromkeys(analysis.units))) if fields[2] else (),
        )


@dataclass(slots=True)
class Doc:
    """One indexed phrasing."""

    entry_id: int
    source: str  # the phrasing as written in the KB
    text: str  # canonical content text (Analysis.text)
    terms: tuple[str, ...]  # unique terms: tagged words, then bigrams, then characters
    n_words: int
    n_bigrams: int
    category: str
    negative: bool = False
    core: tuple[str, ...] = ()  # canonical 划词 core words
    alive: bool = True

    @classmethod
    def make(
        cls,
        entry_id: int,
        source: str,
        text: str,
        terms: Terms,
        category: str,
        negative: bool = False,
        core: tuple[str, ...] = (),
    ) -> Doc:
        flat = terms.words + terms.bigrams + terms.units
        return cls(entry_id, source, text, flat, len(terms.words), len(terms.bigrams), category, negative, core)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w[1:] for w in self.terms[: self.n_words])

    def split(self) -> Terms:
        b, u = self.n_words, self.n_words + self.n_bigrams
        return Terms(self.terms[:b], self.terms[b:u], self.terms[u:])


def idf_value(n_docs: int, df: int) -> float:
    """BM25-style IDF, always positive; an unseen term gets the largest value."""
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


@dataclass(frozen=True, slots=True)
class QueryTerms:
    weights: dict[str, float]  # every unique query term -> field weight · IDF
    n_walkable: int  # the first terms of `weights` (words, bigrams) are walked first
    mass: float  # sum of the weights


class TermIndex:
    def __init__(self, field_weights: tuple[float, ...]) -> None:
        if len(field_weights) != N_FIELDS or min(field_weights) < 0 or not any(field_weights):
            raise ValueError(f"need {N_FIELDS} non-negative field weights, one positive")
        self.field_weights = field_weights
        self.fields = (field_weights[0] > 0, field_weights[1] > 0, field_weights[2] > 0)
        self.docs: list[Doc] = []
        self.postings: dict[str, Postings] = {}
        self.dead_in: dict[str, int] = {}  # tombstones per array
        # weighted IDF mass of each document: computed when it is added, refreshed by
        # `finish_bulk` (single edits move the statistics only a little)
        self.masses: array[float] = array("d")
        self.blocked = bytearray()  # 1 for removed and negative documents: never a result
        self.n_alive = 0
        self.negatives: set[int] = set()
        self._idf: dict[str, float] = {}  # cache, cleared on every edit

    def __len__(self) -> int:
        return self.n_alive

    # ---------------------------------------------------------------- statistics
    def df(self, term: str) -> int:
        p = self.postings.get(term)
        if p is None:
            return 0
        if isinstance(p, int):
            return 1
        return len(p) - self.dead_in.get(term, 0)

    def idf(self, term: str) -> float:
        cache = self._idf
        v = cache.get(term)
        if v is None:
            if len(cache) >= _IDF_CACHE_MAX:
                cache.clear()
            v = cache[term] = idf_value(self.n_alive, self.df(term))
        return v

    def query_terms(self, terms: Terms) -> QueryTerms:
        fw, idf = self.field_weights, self.idf
        weights: dict[str, float] = {}
        for field, group in enumerate((terms.words, terms.bigrams, terms.units)):
            f = fw[field]
            for t in group:
                weights[t] = f * idf(t)
        return QueryTerms(weights, len(terms.words) + len(terms.bigrams), sum(weights.values()))

    def mass_of(self, terms: Terms) -> float:
        fw, idf = self.field_weights, self.idf
        return (
            fw[0] * sum(map(idf, terms.words))
            + fw[1] * sum(map(idf, terms.bigrams))
            + fw[2] * sum(map(idf, terms.units))
        )

    # ---------------------------------------------------------------- edits
    def add(self, doc: Doc, bulk: bool = False) -> int:
        """Index a document; in `bulk` mode call `finish_bulk` once all are added."""
        doc_id = len(self.docs)
        self.docs.append(doc)
        self.n_alive += 1
        post = self.postings
        for t in doc.terms:
            p = post.get(t)
            if p is None:
                post[t] = doc_id
            elif isinstance(p, int):
                post[t] = array("i", (p, doc_id))
            else:
                p.append(doc_id)
        self.blocked.append(1 if doc.negative else 0)
        if doc.negative:
            self.negatives.add(doc_id)
        if bulk:
            self.masses.append(0.0)
        else:
            self._idf.clear()
            self.masses.append(self.mass_of(doc.split()))
        return doc_id

    def finish_bulk(self) -> None:
        """Compute every document's mass from the final statistics."""
        self._idf.clear()
        n, fw, dead = self.n_alive, self.field_weights, self.dead_in
        idf = {t: idf_value(n, 1 if isinstance(p, int) else len(p) - dead.get(t, 0)) for t, p in self.postings.items()}
        get = idf.__getitem__
        masses = self.masses
        for doc_id, doc in enumerate(self.docs):
            if doc.alive:
                terms, b = doc.terms, doc.n_words
                u = b + doc.n_bigrams
                masses[doc_id] = (
                    fw[0] * sum(map(get, terms[:b]))
                    + fw[1] * sum(map(get, terms[b:u]))
                    + fw[2] * sum(map(get, terms[u:]))
                )

    def remove(self, doc_id: int) -> None:
        doc = self.docs[doc_id]
        if not doc.alive:
            return
        doc.alive = False
        self.blocked[doc_id] = 1
        self.n_alive -= 1
        self.negatives.discard(doc_id)
        self._idf.clear()
        docs, post, dead = self.docs, self.postings, self.dead_in
        for t in doc.terms:
            p = post[t]
            if isinstance(p, int):
                del post[t]
                continue
            n_dead = dead.get(t, 0) + 1
            if n_dead >= len(p):
                del post[t]
                dead.pop(t, None)
            elif n_dead * 4 > len(p):
                alive = [d for d in p if docs[d].alive]
                post[t] = alive[0] if len(alive) == 1 else array("i", alive)
                dead.pop(t, None)
            else:
                dead[t] = n_dead

    # ---------------------------------------------------------------- search
    def search(
        self, q: QueryTerms, limit: int, pool: int, category: str | None = None
    ) -> tuple[list[tuple[float, int]], dict[int, float]]:
        """The `limit` best live positive documents as (lexical score, doc id), best first, and the
        partial weight of every document reached (used to find negative phrasings cheaply)."""
        if q.mass <= 0.0:
            return [], {}
        walk_max = max(WALK_MAX_DF, int(self.n_alive * WALK_DF_FRACTION))
        post = self.postings
        acc: dict[int, float] = {}
        get = acc.get
        later: list[tuple[int, float, array[int]]] = []  # walked only if too few documents reached
        for i, (t, w) in enumerate(q.weights.items()):
            p = post.get(t)
            if p is None:
                continue
            if isinstance(p, int):
                acc[p] = get(p, 0.0) + w
            elif i < q.n_walkable and len(p) <= walk_max:
                for d in p:
                    acc[d] = get(d, 0.0) + w
            else:
                later.append((len(p), w, p))
        if len(acc) < pool and later:
            later.sort(key=lambda x: x[0])
            for _, w, p in later:
                for d in p:
                    acc[d] = get(d, 0.0) + w
                if len(acc) >= pool:
                    break

        # rank the documents reached by their Dice score over the walked terms alone
        blocked, docs, masses, total = self.blocked, self.docs, self.masses, q.mass
        if category is not None:
            usable = [d for d in acc if not blocked[d] and docs[d].category == category]
        else:
            usable = [d for d in acc if not blocked[d]]
        if len(usable) > pool:
            partial = [(acc[d] / (total + masses[d]), d) for d in usable]
            partial.sort(reverse=True)  # C-level: faster than a heap at these sizes
            usable = [d for _, d in partial[:pool]]

        qget = q.weights.get
        scored = [(2.0 * sum(map(qget, docs[d].terms, _ZEROS)) / (total + masses[d]), d) for d in usable]
        scored.sort(reverse=True)
        return scored[:limit], acc

    def lexical(self, q: QueryTerms, doc_id: int) -> float:
        """Exact lexical score of one indexed document."""
        denom = q.mass + self.masses[doc_id]
        shared = sum(map(q.weights.get, self.docs[doc_id].terms, _ZEROS))
        return 2.0 * shared / denom if denom > 0.0 else 0.0

    def lexical_terms(self, q: QueryTerms, terms: Terms) -> float:
        """Exact lexical score of a text that is not indexed (given its terms), with this index's IDF."""
        shared = sum(map(q.weights.get, terms.words + terms.bigrams + terms.units, _ZEROS))
        denom = q.mass + self.mass_of(terms)
        return 2.0 * shared / denom if denom > 0.0 else 0.0
