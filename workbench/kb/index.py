"""Inverted index over phrasings, with IDF statistics and live updates.

Every phrasing of every enabled entry is one document with three term fields (see `analyzer`):
words, character bigrams and characters.  Postings are plain lists of document ids; each document
keeps its unique terms (interned strings, shared with the postings) so it can be removed and scored
exactly.

Search is two-stage, to stay fast in pure Python at 10k entries:

1. `candidates`: walk the postings of the query's rarer terms (common ones such as 的/什么 have
   long lists and little weight) and accumulate the IDF-weighted share of the query each document
   covers;
2. the caller scores the best candidates exactly with `overlap` (every query term counts there).

Edits are incremental: a new document is appended; a removed one becomes a tombstone that searches
skip, and a postings list is compacted once a quarter of it is dead (amortised O(1) per removal).
Document ids are never reused.  The index is not thread-safe by itself: `Matcher` serialises access.
"""

from __future__ import annotations

import heapq
import math
import sys
from array import array
from collections import defaultdict
from dataclasses import dataclass
from itertools import repeat

from workbench.kb.analyzer import Analysis

FIELDS: tuple[str, ...] = ("words", "bigrams", "units")
N_FIELDS = len(FIELDS)

# A term is "common" when its postings are longer than this (and than 2% of the documents): such
# terms are walked only if the rarer ones reached too few documents.
MIN_COMMON_DF = 256
COMMON_DF_FRACTION = 0.02

Weights = tuple[dict[str, float], ...]  # per field: query term -> IDF


@dataclass(slots=True)
class Doc:
    """One indexed phrasing."""

    entry_id: int
    source: str  # the phrasing as written in the KB
    text: str  # canonical content text (Analysis.text)
    terms: tuple[tuple[str, ...], ...]  # unique terms per field
    category: str
    negative: bool = False
    core: tuple[str, ...] = ()  # canonical 划词 core words
    alive: bool = True


def doc_terms(analysis: Analysis) -> tuple[tuple[str, ...], ...]:
    """Unique terms per field, interned: thousands of documents share one string per term."""
    intern = sys.intern
    return (
        tuple(map(intern, dict.fromkeys(analysis.words))),
        tuple(map(intern, dict.fromkeys(analysis.bigrams))),
        tuple(map(intern, dict.fromkeys(analysis.units))),
    )


def idf_value(n_docs: int, df: int) -> float:
    """BM25-style IDF, always positive; an unseen term gets the largest value."""
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


class TermIndex:
    def __init__(self) -> None:
        self.docs: list[Doc] = []
        self.postings: tuple[defaultdict[str, list[int]], ...] = tuple(defaultdict(list) for _ in FIELDS)
        self.dead_in: tuple[dict[str, int], ...] = tuple({} for _ in FIELDS)  # tombstones per list
        # IDF mass of each document per field (sum of its terms' IDF), kept when statistics move
        # a little with edits and refreshed by `refresh_masses`
        self.masses: tuple[array[float], ...] = tuple(array("d") for _ in FIELDS)
        self.n_alive = 0
        self.negatives: set[int] = set()

    # ---------------------------------------------------------------- statistics
    def df(self, field: int, term: str) -> int:
        lst = self.postings[field].get(term)
        return len(lst) - self.dead_in[field].get(term, 0) if lst else 0

    def idf(self, field: int, term: str) -> float:
        return idf_value(self.n_alive, self.df(field, term))

    def query_weights(self, analysis: Analysis) -> Weights:
        """IDF of each unique query term, per field."""
        return tuple({t: self.idf(i, t) for t in dict.fromkeys(getattr(analysis, f))} for i, f in enumerate(FIELDS))

    def doc_masses(self, terms: tuple[tuple[str, ...], ...]) -> list[float]:
        return [sum(self.idf(i, t) for t in terms[i]) for i in range(N_FIELDS)]

    # ---------------------------------------------------------------- edits
    def add(self, doc: Doc, with_masses: bool = True) -> int:
        doc_id = len(self.docs)
        self.docs.append(doc)
        self.n_alive += 1
        for post, terms in zip(self.postings, doc.terms, strict=True):
            for t in terms:
                post[t].append(doc_id)
        masses = self.doc_masses(doc.terms) if with_masses else [0.0] * N_FIELDS
        for i in range(N_FIELDS):
            self.masses[i].append(masses[i])
        if doc.negative:
            self.negatives.add(doc_id)
        return doc_id

    def remove(self, doc_id: int) -> None:
        doc = self.docs[doc_id]
        if not doc.alive:
            return
        doc.alive = False
        self.n_alive -= 1
        self.negatives.discard(doc_id)
        docs = self.docs
        for i in range(N_FIELDS):
            post, dead = self.postings[i], self.dead_in[i]
            for t in doc.terms[i]:
                lst = post[t]
                n_dead = dead.get(t, 0) + 1
                if n_dead >= len(lst):
                    del post[t]
                    dead.pop(t, None)
                elif n_dead * 4 > len(lst):
                    post[t] = [d for d in lst if docs[d].alive]
                    dead.pop(t, None)
                else:
                    dead[t] = n_dead

    def refresh_masses(self) -> None:
        """Recompute every document's IDF mass from the current statistics (after bulk loads)."""
        n = self.n_alive
        for i in range(N_FIELDS):
            dead = self.dead_in[i]
            idf = {t: idf_value(n, len(lst) - dead.get(t, 0)) for t, lst in self.postings[i].items()}
            get = idf.__getitem__
            self.masses[i][:] = array("d", (sum(map(get, d.terms[i])) if d.alive else 0.0 for d in self.docs))

    # ---------------------------------------------------------------- search
    def candidates(
        self,
        weights: Weights,
        field_weights: tuple[float, ...],
        limit: int,
        category: str | None = None,
    ) -> tuple[list[int], dict[int, float]]:
        """Up to `limit` live positive documents most worth scoring, and every document touched
        with its coverage.

        Rare terms are always walked; common ones only while fewer than `limit` documents have
        been reached.
        """
        n_common = max(MIN_COMMON_DF, int(self.n_alive * COMMON_DF_FRACTION))
        plan: list[tuple[int, float, list[int]]] = []
        for i in range(N_FIELDS):
            total = sum(weights[i].values())
            if not total or not field_weights[i]:
                continue
            post = self.postings[i]
            share = field_weights[i] / total
            for t, w in weights[i].items():
                lst = post.get(t)
                if lst:
                    plan.append((len(lst), share * w, lst))
        plan.sort(key=lambda p: p[0])
        acc: dict[int, float] = {}
        get = acc.get
        for df, w, lst in plan:
            if df > n_common and len(acc) >= limit:
                break
            for d in lst:
                acc[d] = get(d, 0.0) + w
        docs = self.docs

        def usable(d: int) -> bool:
            doc = docs[d]
            return doc.alive and not doc.negative and (category is None or doc.category == category)

        # most touched documents are usable: look at the best few first
        best = heapq.nlargest(2 * limit, acc, key=acc.__getitem__) if len(acc) > 2 * limit else list(acc)
        keep = [d for d in best if usable(d)]
        if len(keep) < limit and len(best) < len(acc):
            keep = heapq.nlargest(limit, (d for d in acc if usable(d)), key=acc.__getitem__)
        return keep[:limit], acc

    def overlap(self, doc_id: int, weights: Weights) -> tuple[float, float, float]:
        """Per field, the summed query IDF of the terms the document shares with the query."""
        w, b, u = self.docs[doc_id].terms
        return (
            sum(map(weights[0].get, w, repeat(0.0))),
            sum(map(weights[1].get, b, repeat(0.0))),
            sum(map(weights[2].get, u, repeat(0.0))),
        )
