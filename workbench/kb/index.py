"""Inverted index over phrasings: IDF statistics, lexical scoring and live updates.

Every phrasing of every enabled entry is one document with up to three term fields (see
`analyzer`): words, character bigrams and characters.  The lexical score of a document d for a
query q is a weighted Dice overlap over the fields together:

    lexical(q, d) = 2·Σ_{t ∈ q∩d} w(t) / (Σ_{t ∈ q} w(t) + Σ_{t ∈ d} w(t)),   w(t) = field weight · idf(t)

It is symmetric, lies in [0, 1] (1 = the same terms), and words the query lacks lower it as much
as words the phrasing lacks, so a long phrasing does not win by merely containing the query.
A field with weight 0 is not indexed at all (by default the bigrams: measured, they add memory and
time but no accuracy on top of words and characters).

The fields share one vocabulary of term ids: words carry a one-character tag; characters and
bigrams cannot collide (an ASCII run is one character unit, so a bigram always holds a CJK
character).  Documents keep their terms as compact int arrays, which also keeps the exact scoring
below cache-friendly.

Search has to be fast in pure Python at 10k entries (~13k phrasings):

1. walk the postings of the query's words and bigrams, accumulating their weight per document;
   common terms (的, 什么) and characters are walked only when too few documents were reached,
   because their lists are long and their weight small;
2. drop the documents reached with well under the best document's weight, rank the rest by their
   Dice over the walked terms, and score exactly the best of them from their term arrays.

Postings are a bare document id while a term occurs once (most terms do), then an int array.
Edits are incremental: a new document is appended; a removed one leaves a tombstone that searches
skip, and an array is compacted once a quarter of it is dead (amortised O(1) per removal).
Document and term ids are never reused.  The index is not thread-safe by itself: `Matcher`
serialises access.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from typing import Generic, SupportsIndex, TypeAlias, TypeVar, overload

from workbench.kb.analyzer import Analysis

FIELDS: tuple[str, ...] = ("words", "bigrams", "units")
N_FIELDS = len(FIELDS)
WORD_TAG = "\x00"  # prefix of word terms in the shared vocabulary

# Terms in more documents than this (or than 2% of them, if more) are walked only while too few
# documents have been reached.
WALK_MAX_DF = 128
WALK_DF_FRACTION = 0.02
PARTIAL_FLOOR = 0.3
_ZEROS = repeat(0.0)
_NO_IDS: array[int] = array("i")
_first = itemgetter(0)
_NEVER = math.inf  # rank mass of a document that is never a result
_STALE = (math.nan,)

Postings: TypeAlias = "int | array[int] | None"  # a bare document id while the term occurs once
T = TypeVar("T")
_UNMADE = object()  # an item of a `Lazy` list not made yet


class Lazy(list[T], Generic[T]):
    """A list whose items are made when first read, by `make(i)`; everything else (writes, appends,
    `len`) is a plain list's. A stored index (`index_cache`) is loaded as these, so a start does not
    make a Python object for every document and posting of a large KB, only for those a query reads.
    Like the rest of the index, not thread-safe by itself (reads write the items they make)."""

    def __init__(self, n: int, make: Callable[[int], T]) -> None:
        super().__init__([_UNMADE] * n)  # type: ignore[list-item]
        self._make = make

    @overload
    def __getitem__(self, i: SupportsIndex) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: SupportsIndex | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        v = list.__getitem__(self, i)
        if v is _UNMADE:
            j = i.__index__()
            j = j + len(self) if j < 0 else j
            v = self._make(j)
            list.__setitem__(self, j, v)
        return v

    def __iter__(self) -> Iterator[T]:
        return (self[i] for i in range(len(self)))

    def made(self, i: int) -> bool:
        return list.__getitem__(self, i) is not _UNMADE


@dataclass(frozen=True, slots=True)
class Terms:
    """A text's unique terms per field (words tagged)."""

    words: tuple[str, ...]
    bigrams: tuple[str, ...]
    units: tuple[str, ...]

    @classmethod
    def of(cls, analysis: Analysis, fields: tuple[bool, bool, bool] = (True, True, True)) -> Terms:
        """`fields` leaves out the fields that are not indexed."""
        return cls(
            tuple(WORD_TAG + w for w in dict.fromkeys(analysis.words)) if fields[0] else (),
            tuple(dict.fromkeys(analysis.bigrams)) if fields[1] else (),
            tuple(dict.fromkeys(analysis.units)) if fields[2] else (),
        )

    def all(self) -> tuple[str, ...]:
        return self.words + self.bigrams + self.units


@dataclass(slots=True)
class Doc:
    """One indexed phrasing."""

    entry_id: int
    source: str  # the phrasing as written in the KB
    text: str  # canonical content text (Analysis.text)
    terms: Terms | None  # until indexed; then `term_ids` holds them
    category: str
    negative: bool = False
    core: tuple[str, ...] = ()  # canonical 划词 core words
    alive: bool = True
    term_ids: array[int] | None = None  # words, then bigrams, then characters
    n_words: int = 0
    n_bigrams: int = 0


class StoredDocs(Lazy[Doc]):
    """The documents of a loaded index: made from the file's arrays when first read. What every
    document's entry and sign are can be read without making them (`entry_id`, `positive_sources`)."""

    def __init__(
        self,
        n: int,
        make: Callable[[int], Doc],
        entry_of: array[int],
        negative: array[int],
        source: Callable[[int], str],
        core_of: Mapping[int, tuple[str, ...]],
    ) -> None:
        super().__init__(n, make)
        self._entry_of, self._negative, self._source, self._core_of = entry_of, negative, source, core_of

    def entry_ids(self) -> Iterator[int]:
        """Each document's entry id, by document id."""
        stored = len(self._entry_of)
        return (self._entry_of[i] if i < stored else self[i].entry_id for i in range(len(self)))

    def positive_cores(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        """(document id, core words) of every positive document with core words, in id order, read
        from the file's list of them for the stored documents (a document's core words never change)."""
        negative = self._negative
        for i in sorted(self._core_of):
            if self._core_of[i] and not negative[i]:
                yield i, self._core_of[i]
        for i in range(len(self._entry_of), len(self)):
            d = self[i]
            if d.core and not d.negative:
                yield i, d.core

    def positive_sources(self) -> list[str]:
        """The source of every live positive document (a document not made yet is as stored: live)."""
        stored, negative, source, made = len(self._entry_of), self._negative, self._source, self.made
        out: list[str] = []
        for i in range(len(self)):
            if i < stored and not made(i):
                if not negative[i]:
                    out.append(source(i))
            else:
                d = self[i]
                if d.alive and not d.negative:
                    out.append(d.source)
        return out


def idf_value(n_docs: int, df: int) -> float:
    """BM25-style IDF, always positive; an unseen term gets the largest value."""
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


@dataclass(frozen=True, slots=True)
class QueryTerms:
    weights: dict[int, float]  # every query term the index knows (by id) -> field weight · IDF
    n_walkable: int  # the first terms of `weights` (words, bigrams) are walked first
    mass: float  # sum of the weights of all query terms, unknown ones included


class TermIndex:
    def __init__(self, field_weights: tuple[float, ...]) -> None:
        if len(field_weights) != N_FIELDS or min(field_weights) < 0 or not any(field_weights):
            raise ValueError(f"need {N_FIELDS} non-negative field weights, one positive")
        self.field_weights = field_weights
        self.fields = (field_weights[0] > 0, field_weights[1] > 0, field_weights[2] > 0)
        self.vocab: dict[str, int] = {}  # term -> id
        self.term_text: list[str] = []  # id -> term
        self.postings: list[Postings] = []  # by term id
        self.dead_in: dict[int, int] = {}  # tombstones per postings array
        self.docs: list[Doc] = []
        # weighted IDF mass of each document: computed when it is added, refreshed by
        # `finish_bulk` (single edits move the statistics only a little)
        self.masses: array[float] = array("d")
        # the mass again for ranking, infinite for removed and negative documents: never a result
        self.rank_masses: array[float] = array("d")
        self.term_ids: list[array[int]] = []  # by document id: `Doc.term_ids`, without the lookup
        self.n_alive = 0
        self.negatives: set[int] = set()
        # IDF by term id: all computed by `finish_bulk`; after an edit every value is stale (NaN)
        # and recomputed when first needed
        self._idf: array[float] = array("d")

    def __len__(self) -> int:
        return self.n_alive

    # ---------------------------------------------------------------- statistics
    def df(self, term: str) -> int:
        tid = self.vocab.get(term)
        return 0 if tid is None else self._df(tid)

    def _df(self, tid: int) -> int:
        p = self.postings[tid]
        if p is None:
            return 0
        if isinstance(p, int):
            return 1
        return len(p) - self.dead_in.get(tid, 0)

    def _idf_id(self, tid: int) -> float:
        v = self._idf[tid]
        if v != v:  # NaN: stale
            v = self._idf[tid] = idf_value(self.n_alive, self._df(tid))
        return v

    def _forget_idf(self) -> None:
        self._idf = array("d", _STALE) * len(self.postings)  # C-level fill: well under 1 ms

    def query_terms(self, q: Analysis) -> QueryTerms:
        """Weights of a query's unique terms, in walking order (words, bigrams, characters)."""
        fields = self.fields
        groups: tuple[Iterable[str], ...] = (
            (WORD_TAG + w for w in dict.fromkeys(q.words)) if fields[0] else (),
            dict.fromkeys(q.bigrams) if fields[1] else (),
            dict.fromkeys(q.units) if fields[2] else (),
        )
        fw, vocab, idf = self.field_weights, self.vocab, self._idf_id
        unseen = idf_value(self.n_alive, 0)
        weights: dict[int, float] = {}
        mass = 0.0
        n_walkable = 0
        for field, group in enumerate(groups):
            f = fw[field]
            for t in group:
                tid = vocab.get(t)
                if tid is None:
                    mass += f * unseen
                    continue
                w = weights[tid] = f * idf(tid)
                mass += w
            if field < 2:
                n_walkable = len(weights)
        return QueryTerms(weights, n_walkable, mass)

    def string_weights(self, terms: Terms) -> dict[str, float]:
        """Field weight · IDF of each term of a text (for texts that are not indexed)."""
        fw, vocab, idf = self.field_weights, self.vocab, self._idf_id
        unseen = idf_value(self.n_alive, 0)
        out: dict[str, float] = {}
        for field, group in enumerate((terms.words, terms.bigrams, terms.units)):
            for t in group:
                tid = vocab.get(t)
                out[t] = fw[field] * (unseen if tid is None else idf(tid))
        return out

    def doc_words(self, doc: Doc) -> tuple[str, ...]:
        ids = doc.term_ids
        if ids is None:
            return ()
        text = self.term_text
        return tuple(text[i][1:] for i in ids[: doc.n_words])

    def entry_ids(self) -> Iterable[int]:
        """Each document's entry id, by document id (removed ones too)."""
        docs = self.docs
        return docs.entry_ids() if isinstance(docs, StoredDocs) else (d.entry_id for d in docs)

    def positive_sources(self) -> list[str]:
        """The phrasing of every live positive document."""
        docs = self.docs
        if isinstance(docs, StoredDocs):
            return docs.positive_sources()
        return [d.source for d in docs if d.alive and not d.negative]

    # ---------------------------------------------------------------- edits
    def add(self, doc: Doc, bulk: bool = False) -> int:
        """Index a document; in `bulk` mode call `finish_bulk` once all are added."""
        terms = doc.terms
        if terms is None:
            raise ValueError("document already indexed")
        doc_id = len(self.docs)
        vocab, text, postings = self.vocab, self.term_text, self.postings
        ids = array("i")
        for t in terms.all():
            tid = vocab.get(t)
            if tid is None:
                tid = vocab[t] = len(text)
                text.append(t)
                postings.append(doc_id)
                self._idf.append(math.nan)
            else:
                p = postings[tid]
                if p is None:
                    postings[tid] = doc_id
                elif isinstance(p, int):
                    postings[tid] = array("i", (p, doc_id))
                else:
                    p.append(doc_id)
            ids.append(tid)
        doc.term_ids, doc.n_words, doc.n_bigrams, doc.terms = ids, len(terms.words), len(terms.bigrams), None
        self.docs.append(doc)
        self.term_ids.append(ids)
        self.n_alive += 1
        if doc.negative:
            self.negatives.add(doc_id)
        if bulk:
            mass = 0.0
        else:
            self._forget_idf()
            mass = self._mass_ids(doc, self._idf_id)
        self.masses.append(mass)
        self.rank_masses.append(_NEVER if doc.negative else mass)
        return doc_id

    def _mass_ids(self, doc: Doc, idf: Callable[[int], float]) -> float:
        ids = doc.term_ids or _NO_IDS
        fw, b = self.field_weights, doc.n_words
        u = b + doc.n_bigrams
        return fw[0] * sum(map(idf, ids[:b])) + fw[1] * sum(map(idf, ids[b:u])) + fw[2] * sum(map(idf, ids[u:]))

    def finish_bulk(self) -> None:
        """Compute every document's mass from the final statistics."""
        n = self.n_alive
        self._idf = idf = array("d", [idf_value(n, self._df(tid)) for tid in range(len(self.postings))])
        get = idf.__getitem__
        masses, rank_masses = self.masses, self.rank_masses
        for doc_id, doc in enumerate(self.docs):
            if doc.alive:
                masses[doc_id] = mass = self._mass_ids(doc, get)
                rank_masses[doc_id] = _NEVER if doc.negative else mass

    def remove(self, doc_id: int) -> None:
        doc = self.docs[doc_id]
        if not doc.alive or doc.term_ids is None:
            return
        doc.alive = False
        self.rank_masses[doc_id] = _NEVER
        self.n_alive -= 1
        self.negatives.discard(doc_id)
        self._forget_idf()
        docs, postings, dead = self.docs, self.postings, self.dead_in
        for tid in doc.term_ids:
            p = postings[tid]
            if p is None or isinstance(p, int):
                postings[tid] = None
                continue
            n_dead = dead.get(tid, 0) + 1
            if n_dead >= len(p):
                postings[tid] = None
                dead.pop(tid, None)
            elif n_dead * 4 > len(p):
                alive = [d for d in p if docs[d].alive]
                postings[tid] = alive[0] if len(alive) == 1 else array("i", alive)
                dead.pop(tid, None)
            else:
                dead[tid] = n_dead

    # ---------------------------------------------------------------- search
    def search(
        self, q: QueryTerms, limit: int, pool: int, category: str | None = None
    ) -> tuple[list[tuple[float, int]], dict[int, float]]:
        """The `limit` best live positive documents as (lexical score, doc id), best first, and the
        partial weight of every document reached (used to find negative phrasings cheaply)."""
        if q.mass <= 0.0:
            return [], {}
        walk_max = max(WALK_MAX_DF, int(self.n_alive * WALK_DF_FRACTION))
        postings = self.postings
        acc: dict[int, float] = {}
        get = acc.get
        later: list[tuple[int, float, array[int]]] = []  # walked only if too few documents reached
        n_walkable = q.n_walkable
        for i, (tid, w) in enumerate(q.weights.items()):
            p = postings[tid]
            if p is None:
                continue
            # `__class__ is int` narrows only this branch for mypy (isinstance would narrow both, but
            # costs more in this loop); in the other branches `p` is an array, hence the ignores.
            if p.__class__ is int:
                acc[p] = get(p, 0.0) + w
            elif i < n_walkable and len(p) <= walk_max:  # type: ignore[arg-type]
                for d in p:  # type: ignore[union-attr]
                    acc[d] = get(d, 0.0) + w
            else:
                later.append((len(p), w, p))  # type: ignore[arg-type]
        if len(acc) < pool and later:
            later.sort(key=_first)
            for _, w, p in later:
                for d in p:
                    acc[d] = get(d, 0.0) + w
                if len(acc) >= pool:
                    break
        if category is not None:
            docs = self.docs
            acc_in = {d: a for d, a in acc.items() if docs[d].category == category}
        else:
            acc_in = acc
        if len(acc_in) > 2 * pool:
            # a document with well under the best walked weight is not among the closest: measured,
            # this cut loses no accuracy and halves the ranking below
            floor = max(acc_in.values()) * PARTIAL_FLOOR
            acc_in = {d: a for d, a in acc_in.items() if a >= floor}

        # rank the documents reached by their Dice score over the walked terms alone; blocked
        # documents have an infinite rank mass, so they score 0 and are dropped
        total = q.mass
        rank_mass = self.rank_masses
        partial = [(a / (total + rank_mass[d]), d) for d, a in acc_in.items()]
        partial.sort(reverse=True)  # C-level: faster than a heap at these sizes
        usable = [d for s, d in partial[:pool] if s > 0.0]

        ids_of, masses, qget = self.term_ids, self.masses, q.weights.get
        scored = sorted(
            ((2.0 * sum(map(qget, ids_of[d], _ZEROS)) / (total + masses[d]), d) for d in usable), reverse=True
        )
        return scored[:limit], acc

    def lexical(self, q: QueryTerms, doc_id: int) -> float:
        """Exact lexical score of one indexed document."""
        ids = self.docs[doc_id].term_ids
        denom = q.mass + self.masses[doc_id]
        if ids is None or denom <= 0.0:
            return 0.0
        return 2.0 * sum(map(q.weights.get, ids, _ZEROS)) / denom

    def lexical_text(self, a: Terms, b: Terms) -> float:
        """Lexical score of two texts that need not be indexed, with this index's IDF."""
        wa = self.string_weights(a)
        wb = self.string_weights(b)
        denom = sum(wa.values()) + sum(wb.values())
        shared = sum(w for t, w in wa.items() if t in wb)
        return 2.0 * shared / denom if denom > 0.0 else 0.0
