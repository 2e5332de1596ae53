"""Knowledge-base matcher: finds the entries that answer a customer's message.

Scoring of a query q against one phrasing p (both analysed, see `analyzer`):

    score = Σ_field w_field · Dice_field(q, p) + w_fuzzy · ratio(q, p)

Dice_field is the IDF-weighted Dice overlap of the field's unique terms (words, character
bigrams, characters): 2·Σ_shared idf / (Σ_q idf + Σ_p idf).  It is symmetric and lies in [0, 1];
unmatched words on either side lower it, so a long phrasing does not win by containing the
query.  `ratio` is rapidfuzz's normalised Indel similarity of the canonical texts and rewards
near-duplicates and typos.  The weights sum to 1, so an identical question (after normalisation,
synonyms and fillers) scores 1.0 and the score can be read against fixed thresholds.

An entry's score is its best positive phrasing's.  Core words (划词) must appear in the message
(by default) and pull the score up; a negative phrasing that matches at `t_negative` or more, or a
negative keyword rule, vetoes the entry; a keyword rule (every word present) scores at least
`keyword_score`.  Disabled entries are not indexed at all.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz.distance import Indel

from workbench.domain.kb import KbEntry, Phrasing, PhrasingKind, Suggestion
from workbench.kb.analyzer import CONCEPT_PREFIX, Analysis, analyze
from workbench.kb.index import FIELDS, N_FIELDS, Doc, TermIndex, Weights, doc_terms
from workbench.kb.lexicon import get_lexicon


class OutcomeKind(StrEnum):
    DIRECT = "direct"  # answer with the best entry
    CLARIFY = "clarify"  # "你可能想问" list
    FALLBACK = "fallback"  # nothing good enough: fallback text or transfer


@dataclass(frozen=True, slots=True)
class MatchConfig:
    t_direct: float = 0.75
    t_clarify: float = 0.45
    clarify_window: float = 0.25  # options within this distance of the best score
    max_options: int = 5
    # scoring (weights sum to 1 so that scores stay in [0, 1])
    field_weights: tuple[float, float, float] = (0.35, 0.25, 0.25)  # words, bigrams, characters
    fuzzy_weight: float = 0.15
    require_core_words: bool = True  # a phrasing with 划词 only matches if they all appear
    core_weight: float = 0.2  # share of the score given to core-word coverage
    keyword_score: float = 0.8  # floor for an entry whose keyword rule matches
    t_negative: float = 0.8  # a negative phrasing scoring this much vetoes its entry
    candidates: int = 32  # phrasings scored exactly per query


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    kind: OutcomeKind
    best: Suggestion | None
    options: tuple[Suggestion, ...]


@dataclass(frozen=True, slots=True)
class _Rule:
    """A KEYWORD phrasing: matches when every word occurs in the message."""

    entry_id: int
    words: tuple[str, ...]  # canonical words
    negative: bool
    source: str
    category: str


@dataclass(slots=True)
class _Scored:
    entry_id: int
    score: float
    doc: Doc | None
    rule: _Rule | None
    fuzzy: float = 0.0


class _State:
    """Everything derived from the entries. Mutated only under the matcher's lock."""

    def __init__(self) -> None:
        self.entries: dict[int, KbEntry] = {}
        self.index = TermIndex()
        self.entry_docs: dict[int, list[int]] = {}
        self.entry_rules: dict[int, list[_Rule]] = {}
        self.rules_by_unit: dict[str, list[_Rule]] = {}  # first character of each rule's first word


@dataclass(frozen=True, slots=True)
class _Prepared:
    """An entry analysed outside the lock, ready to be indexed."""

    entry: KbEntry
    docs: tuple[Doc, ...]
    rules: tuple[_Rule, ...]


def _canonical_word(word: str) -> str:
    return analyze(word).text


def _keyword_words(phrasing: Phrasing) -> tuple[str, ...]:
    source = phrasing.core_words or tuple(phrasing.text.replace(",", " ").replace("，", " ").split())
    words = tuple(dict.fromkeys(w for w in (_canonical_word(s) for s in source) if w))
    return words


def _prepare(entry: KbEntry, cache: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] | None = None) -> _Prepared:
    """Analyse an entry's phrasings (the slow part of an edit: jieba), without touching the index."""
    if not entry.enabled:
        return _Prepared(entry, (), ())
    docs: list[Doc] = []
    rules: list[_Rule] = []

    def add_doc(source: str, negative: bool, core: tuple[str, ...]) -> None:
        hit = cache.get(source) if cache is not None else None
        if hit is None:
            a = analyze(source)
            hit = (a.text, doc_terms(a))
            if cache is not None:
                cache[source] = hit
        text, terms = hit
        if not text:
            return
        docs.append(Doc(entry.id, source, text, terms, entry.category, negative, core))

    add_doc(entry.question, False, ())
    for p in entry.phrasings:
        if p.kind == PhrasingKind.KEYWORD:
            words = _keyword_words(p)
            if words:
                rules.append(_Rule(entry.id, words, p.negative, p.text, entry.category))
        else:
            core = tuple(w for w in (_canonical_word(c) for c in p.core_words) if w)
            add_doc(p.text, p.negative, core)
    return _Prepared(entry, tuple(docs), tuple(rules))


class Matcher:
    """Thread-safe: a lock serialises queries and edits; rebuilds are prepared outside it.

    Edits (`upsert`, `remove`) change the index in place in about a millisecond, whatever the KB
    size; `rebuild` analyses everything afresh and swaps the new index in.
    """

    def __init__(self, entries: Iterable[KbEntry] = (), config: MatchConfig | None = None) -> None:
        self.config = config or MatchConfig()
        self._lock = threading.Lock()  # guards self._state
        self._write_lock = threading.Lock()  # one writer at a time, held while preparing
        self._state = _State()
        self.rebuild(entries)

    def __len__(self) -> int:
        return len(self._state.entries)

    # ---------------------------------------------------------------- edits
    def rebuild(self, entries: Iterable[KbEntry]) -> None:
        with self._write_lock:
            state = _State()
            cache: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {}
            for entry in entries:
                self._apply(state, _prepare(entry, cache), refresh_mass=False)
            state.index.refresh_masses()
            with self._lock:
                self._state = state

    def upsert(self, entry: KbEntry) -> None:
        """Add or replace one entry (also: edit, enable, disable)."""
        with self._write_lock:
            prepared = _prepare(entry)
            with self._lock:
                self._drop(self._state, entry.id)
                self._apply(self._state, prepared, refresh_mass=True)

    def remove(self, entry_id: int) -> None:
        with self._write_lock, self._lock:
            self._drop(self._state, entry_id)

    @staticmethod
    def _apply(state: _State, prepared: _Prepared, refresh_mass: bool) -> None:
        entry = prepared.entry
        state.entries[entry.id] = entry
        if prepared.docs:
            state.entry_docs[entry.id] = [state.index.add(d, refresh_mass) for d in prepared.docs]
        if prepared.rules:
            state.entry_rules[entry.id] = list(prepared.rules)
            for rule in prepared.rules:
                state.rules_by_unit.setdefault(rule.words[0][0], []).append(rule)

    @staticmethod
    def _drop(state: _State, entry_id: int) -> None:
        if state.entries.pop(entry_id, None) is None:
            return
        for doc_id in state.entry_docs.pop(entry_id, ()):
            state.index.remove(doc_id)
        for rule in state.entry_rules.pop(entry_id, ()):
            bucket = state.rules_by_unit.get(rule.words[0][0], [])
            if rule in bucket:
                bucket.remove(rule)
            if not bucket:
                state.rules_by_unit.pop(rule.words[0][0], None)

    # ---------------------------------------------------------------- queries
    def match(self, text: str, top: int = 5, category: str | None = None) -> list[Suggestion]:
        """The best entries for `text`, best first, with calibrated scores in [0, 1]."""
        if top <= 0:
            return []
        q = analyze(text)
        if q.empty:
            return []
        with self._lock:
            state = self._state
            scored = self._score(state, q, category)
            ranked = sorted(
                scored.values(),
                key=lambda s: (-s.score, -state.entries[s.entry_id].hits, s.entry_id),
            )[:top]
            picked = [(s, state.entries[s.entry_id]) for s in ranked]
        return [self._suggestion(q, s, entry) for s, entry in picked]

    def rank(self, text: str, top: int = 10, category: str | None = None) -> list[tuple[int, float]]:
        """Like `match`, as bare (entry id, score) pairs (no explanations): for batch use."""
        q = analyze(text)
        if q.empty or top <= 0:
            return []
        with self._lock:
            state = self._state
            scored = self._score(state, q, category)
            ranked = sorted(
                scored.values(),
                key=lambda s: (-s.score, -state.entries[s.entry_id].hits, s.entry_id),
            )[:top]
        return [(s.entry_id, round(s.score, 4)) for s in ranked]

    def answer(self, text: str, category: str | None = None) -> MatchOutcome:
        cfg = self.config
        ranked = self.match(text, top=cfg.max_options, category=category)
        if not ranked or ranked[0].score < cfg.t_clarify:
            return MatchOutcome(OutcomeKind.FALLBACK, None, ())
        best = ranked[0]
        if best.score >= cfg.t_direct:
            return MatchOutcome(OutcomeKind.DIRECT, best, ())
        floor = max(cfg.t_clarify, best.score - cfg.clarify_window)
        options = tuple(s for s in ranked if s.score >= floor)
        return MatchOutcome(OutcomeKind.CLARIFY, best, options)

    def similarity(self, a: str, b: str) -> float:
        """Score of text `b` as a phrasing for message `a`, with this KB's term statistics."""
        qa, qb = analyze(a), analyze(b)
        if qa.empty or qb.empty:
            return 0.0
        with self._lock:
            index = self._state.index
            weights = index.query_weights(qa)
            terms = doc_terms(qb)
            overlap = tuple(sum(weights[i].get(t, 0.0) for t in terms[i]) for i in range(N_FIELDS))
            masses = index.doc_masses(terms)
        q_masses = [sum(w.values()) for w in weights]
        return self._combine(overlap, q_masses, masses, qa.text, qb.text)[0]

    # ---------------------------------------------------------------- scoring
    def _combine(
        self,
        overlap: tuple[float, ...],
        q_masses: list[float],
        d_masses: list[float],
        q_text: str,
        d_text: str,
    ) -> tuple[float, float]:
        """(score, fuzzy ratio) of one phrasing, before core words."""
        cfg = self.config
        score = 0.0
        for i in range(N_FIELDS):
            denom = q_masses[i] + d_masses[i]
            if denom > 0.0:
                score += cfg.field_weights[i] * 2.0 * overlap[i] / denom
        fuzzy = Indel.normalized_similarity(q_text, d_text)
        score += cfg.fuzzy_weight * fuzzy
        return min(1.0, score), fuzzy

    def _doc_score(
        self, index: TermIndex, q: Analysis, weights: Weights, q_masses: list[float], doc_id: int
    ) -> tuple[float, float]:
        masses = index.masses
        d_masses = [masses[0][doc_id], masses[1][doc_id], masses[2][doc_id]]
        return self._combine(index.overlap(doc_id, weights), q_masses, d_masses, q.text, index.docs[doc_id].text)

    def _score(self, state: _State, q: Analysis, category: str | None) -> dict[int, _Scored]:
        cfg = self.config
        index = state.index
        weights = index.query_weights(q)
        q_masses = [sum(w.values()) for w in weights]
        best: dict[int, _Scored] = {}
        vetoed: set[int] = set()

        cand, touched = index.candidates(weights, cfg.field_weights, cfg.candidates, category)
        for doc_id in cand:
            doc = index.docs[doc_id]
            score, fuzzy = self._doc_score(index, q, weights, q_masses, doc_id)
            if doc.core:
                present = sum(1 for c in doc.core if c in q.text)
                if cfg.require_core_words and present < len(doc.core):
                    continue
                score = (1.0 - cfg.core_weight) * score + cfg.core_weight * present / len(doc.core)
            cur = best.get(doc.entry_id)
            if cur is None or score > cur.score:
                best[doc.entry_id] = _Scored(doc.entry_id, score, doc, None, fuzzy)

        # negative phrasings: only those sharing a term with the message can reach t_negative
        negatives = index.negatives
        if negatives:
            near = (
                [d for d in negatives if d in touched]
                if len(negatives) < len(touched)
                else [d for d in touched if d in negatives]
            )
            for doc_id in near:
                if self._doc_score(index, q, weights, q_masses, doc_id)[0] >= cfg.t_negative:
                    vetoed.add(index.docs[doc_id].entry_id)

        # keyword rules
        if state.rules_by_unit:
            seen: set[int] = set()
            for unit in dict.fromkeys(q.text):
                for rule in state.rules_by_unit.get(unit, ()):
                    if id(rule) in seen:
                        continue
                    seen.add(id(rule))
                    if category is not None and rule.category != category:
                        continue
                    if not all(w in q.text for w in rule.words):
                        continue
                    if rule.negative:
                        vetoed.add(rule.entry_id)
                        continue
                    cur = best.get(rule.entry_id)
                    if cur is None or cur.score < cfg.keyword_score:
                        prev = cur.score if cur else 0.0
                        best[rule.entry_id] = _Scored(rule.entry_id, max(prev, cfg.keyword_score), None, rule)
                    elif cur.rule is None:
                        cur.rule = rule

        for entry_id in vetoed:
            best.pop(entry_id, None)
        return best

    # ---------------------------------------------------------------- explanations
    @staticmethod
    def _suggestion(q: Analysis, s: _Scored, entry: KbEntry) -> Suggestion:
        reasons: list[str] = []
        matched: tuple[str, ...] = ()
        phrasing = entry.question
        if s.doc is not None:
            doc = s.doc
            phrasing = doc.source
            doc_words = set(_doc_words(doc))
            matched = tuple(w for w in dict.fromkeys(q.words) if w in doc_words)
            if s.score >= 0.9999:
                reasons.append("same")
            for typed, canon in q.synonyms:
                if canon in doc_words and typed not in doc_words:
                    reasons.append(f"synonym:{typed}={canon}")
            for qw, dw in _related_pairs(q, doc):
                reasons.append(f"related:{qw}~{dw}")
            if doc.core:
                reasons.append("core:" + ",".join(doc.core))
            if s.fuzzy >= 0.8 and s.score < 0.9999:
                reasons.append(f"fuzzy:{s.fuzzy:.2f}")
        if s.rule is not None:
            reasons.append("keyword:" + "+".join(s.rule.words))
            if s.doc is None:
                phrasing = s.rule.source
                matched = s.rule.words
        if q.fillers:
            reasons.append("ignored:" + ",".join(dict.fromkeys(q.fillers)))
        return Suggestion(
            entry_id=entry.id,
            question=entry.question,
            answer=entry.answer,
            score=round(min(1.0, max(0.0, s.score)), 4),
            category=entry.category,
            matched_phrasing=phrasing,
            matched_words=matched,
            reasons=tuple(dict.fromkeys(reasons)),
        )


def _doc_words(doc: Doc) -> tuple[str, ...]:
    return tuple(w for w in doc.terms[0] if not w.startswith(CONCEPT_PREFIX))


def _related_pairs(q: Analysis, doc: Doc) -> list[tuple[str, str]]:
    """(message word, phrasing word) pairs that matched only as related words (快递 ~ 物流)."""
    concepts = get_lexicon().synonyms.concepts
    doc_words = _doc_words(doc)
    pairs: list[tuple[str, str]] = []
    for qw in dict.fromkeys(w for w in q.words if not w.startswith(CONCEPT_PREFIX)):
        keys = set(concepts.get(qw, ()))
        if not keys or qw in doc_words:
            continue
        for dw in doc_words:
            if dw != qw and keys.intersection(concepts.get(dw, ())):
                pairs.append((qw, dw))
                break
    return pairs


__all__ = ["FIELDS", "MatchConfig", "MatchOutcome", "Matcher", "OutcomeKind"]
