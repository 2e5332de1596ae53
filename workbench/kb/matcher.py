"""Knowledge-base matcher: finds the entries that answer a customer's message.

Score of a message q for one phrasing p, both analysed (normalised, segmented, synonyms applied,
greetings dropped; see `analyzer`):

    score = (1 - w_fuzzy) · lexical(q, p) + w_fuzzy · ratio(q, p)

`lexical` is the IDF-weighted Dice overlap of words, character bigrams and characters (see
`index`); `ratio` is rapidfuzz's normalised Indel similarity of the canonical texts, which rewards
near-duplicates and typos.  Both lie in [0, 1] and an identical question scores 1.0, so fixed
thresholds mean the same thing for every KB.

An entry's score is its best positive phrasing's.  Core words (划词) must appear in the message
(unless `require_core_words` is off) and pull the score up; a negative phrasing scoring at least
`t_negative` (nearer the message than the entry's own phrasings, and whose marks of "not this" the
message holds: 不 of 不投诉 where the entry's phrasings say 投诉), or a negative keyword rule that
matches, vetoes the entry; a keyword rule (every one of its words present) scores at least
`keyword_score`.  Disabled entries are not indexed at all.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from rapidfuzz.distance import Indel

from workbench.domain.kb import STANDARD_CATEGORIES, KbEntry, Phrasing, PhrasingKind, Suggestion
from workbench.kb import tokenizer
from workbench.kb.analyzer import CONCEPT_PREFIX, Analysis, add_words, analyze, unit_split
from workbench.kb.index import WORD_TAG, Doc, QueryTerms, StoredDocs, TermIndex, Terms
from workbench.kb.index_cache import AnalysisCache, DocAnalysis, EntryAnalysis, RuleAnalysis, entry_key, index_key
from workbench.kb.kept_entries import KeptEntries
from workbench.kb.lexicon import get_lexicon
from workbench.kb.normalize import normalize
from workbench.kb.pinyin import HomophoneFixer
from workbench.kb.semantic import SemanticStage

log = logging.getLogger(__name__)

_CHECK_ALL_NEGATIVES = 64
SEMANTIC_WAIT_S = 10.0  # the longest the semantic stage waits for `Matcher.semantic_after`
_MAKE_SLICE = 2000  # kept entries made per turn of the query lock (a few milliseconds)
_SMALL_TALK = STANDARD_CATEGORIES[0]  # 聊天互动: greetings, thanks, chit-chat


class OutcomeKind(StrEnum):
    DIRECT = "direct"  # answer with the best entry
    CLARIFY = "clarify"  # "你可能想问" list
    FALLBACK = "fallback"  # nothing good enough: fallback text or transfer


@dataclass(frozen=True, slots=True)
class MatchConfig:
    # chosen on our e-commerce dev split (tests/data/kb_eval) with the semantic stage on: no
    # out-of-scope message answered directly, about 1 in 10 answerable ones dropped
    t_direct: float = 0.80
    t_clarify: float = 0.44
    clarify_window: float = 0.25  # options within this distance of the best score
    max_options: int = 5
    # scoring
    field_weights: tuple[float, float, float] = (0.75, 0.0, 1.0)  # words, char bigrams, chars
    fuzzy_weight: float = 0.2
    require_core_words: bool = True  # a phrasing with 划词 matches only if they all appear
    core_weight: float = 0.2  # share of the score given to core-word coverage
    keyword_score: float = 0.8  # floor for an entry whose keyword rule matches
    t_negative: float = 0.8  # a negative phrasing scoring this much vetoes its entry
    # search effort: phrasings ranked by partial weight, then scored exactly
    pool: int = 20
    exact: int = 12
    # semantic stage (see `semantic`): over the lexical top `semantic_pool`, the score becomes
    # (lexical + semantic_weight·cos) / (1 + semantic_weight); a lexical score of `semantic_sure` or
    # more is final: the model is asked only where the lexical stage is unsure (0.8 chosen on our
    # e-commerce dev split: the same top-1 as 0.95, more messages answered, the model asked less)
    semantic_weight: float = 1.0  # chosen on AFQMC-2k (0.5–3 tried)
    semantic_pool: int = 20
    semantic_sure: float = 0.8
    # ... and only when no other entry scores within `semantic_tie` of it: between entries the words
    # cannot tell apart (questions that differ in one word) the model decides. 0.1 chosen on our
    # e-commerce dev split (0.05 and 0.1 tried: the same top-1, 0.1 answers fewer messages wrongly)
    semantic_tie: float = 0.1
    homophones: bool = True  # also score the message with its homophone typos repaired (see `pinyin`)
    split_clauses: bool = True  # also score each clause of a long message
    clause_weight: float = 0.7  # a clause's score counts this much (chosen on our e-commerce dev split)
    # the best entry of a long message, when one of its clauses alone found that entry too, scores at
    # least that clause's score × this: the question buried in a story is not dropped for the words
    # around it, while the ranking stays `clause_weight`'s (chosen on our e-commerce dev split: 0.7–1.0
    # tried; 0.9 drops a third as many answerable messages as 0.7, answers no more wrongly and no
    # out-of-scope message more)
    confirm_weight: float = 0.9
    # a long message whose clauses each find a different entry scoring this much asks two questions
    t_second_question: float = 0.6
    # off-topic messages: below t_direct, a best entry found by the model alone, that is sharing
    # no informative word with the message (a word rarer than `topic_idf` in general Chinese, as
    # jieba's dictionary counts it, or a related-word concept) and a cosine under `t_topic_cos`,
    # is no answer. Both are absolute, so the rule means the same with 80 or 10,000 entries.
    # t_topic_cos chosen on our e-commerce dev splits with the packs' phrasings of 2026-12 (0.5–0.7
    # tried: 0.6 drops 11 more of the 100 off-topic messages and 20 more of the 1,328 answerable ones
    # than 0.5, still fewer answerable ones than 0.5 did with the earlier packs; above 0.6 about
    # three answerable for each off-topic one); topic_idf 9.5–10 tried earlier. t_topic_cos 0 turns
    # the rule off.
    t_topic_cos: float = 0.6
    topic_idf: float = 10.0


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    kind: OutcomeKind
    best: Suggestion | None
    options: tuple[Suggestion, ...]


@dataclass(frozen=True, slots=True)
class EntryCheck:
    """Why one entry is (not) the answer to a message (问答测试's "why not this entry?")."""

    entry_id: int
    known: bool  # the entry is in the matcher (disabled entries are, without phrasings)
    enabled: bool
    phrasing: str  # its phrasing (or keyword rule) closest to the message; "" if none scores
    score: float  # the entry's score: as suggested when it is among the suggestions, else that phrasing's
    missing_core: tuple[str, ...]  # that phrasing's 划词 core words the message lacks (it cannot match)
    vetoed_by: str  # a negative phrasing or keyword rule of the entry that the message matches
    rank: int | None  # its place among the suggestions (1: first), None if not among the first `depth`
    winner: Suggestion | None  # the suggestion shown first, when it is another entry


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
    doc: Doc | None = None
    rule: _Rule | None = None
    fuzzy: float = 0.0
    note: str = ""  # a reason code from the reading of the message that found it (homophone:, clause:)
    core_complete: bool = False  # a phrasing's 划词 core words all occur in the message: always shown
    cos: float | None = None  # the semantic stage's cosine, when it was asked


@dataclass(frozen=True, slots=True)
class _Found:
    picked: list[tuple[Analysis, _Scored, KbEntry, tuple[str, ...]]]  # best first, with the reading that found it
    questions: tuple[int, ...]  # two or more entries that different clauses are each sure of


@dataclass(frozen=True, slots=True)
class _Prepared:
    """An entry analysed outside the lock, ready to be indexed."""

    entry: KbEntry
    docs: tuple[Doc, ...]
    rules: tuple[_Rule, ...]


class _State:
    """Everything derived from the entries; mutated only under the matcher's lock."""

    def __init__(self, config: MatchConfig) -> None:
        self.entries: MutableMapping[int, KbEntry] = {}  # or the kept entries, made when first read
        self.index = TermIndex(config.field_weights)
        self.entry_docs: dict[int, int | tuple[int, ...]] = {}  # a bare id when there is one
        self.entry_rules: dict[int, tuple[_Rule, ...]] = {}
        self.rules_by_unit: dict[str, list[_Rule]] = {}  # by the first character of the first word
        self.core_by_unit: dict[str, list[int]] = {}  # positive docs with core words, by their first unit
        self.fixer: HomophoneFixer | None = None  # made from the index's words when first needed

    def apply(self, prepared: _Prepared, bulk: bool) -> None:
        entry = prepared.entry
        if self.fixer is not None:
            self.fixer.add(w[1:] for d in prepared.docs if d.terms is not None for w in d.terms.words)
        self.entries[entry.id] = entry
        if prepared.docs:
            ids = tuple(self.index.add(d, bulk) for d in prepared.docs)
            self.entry_docs[entry.id] = ids[0] if len(ids) == 1 else ids
            for doc_id, doc in zip(ids, prepared.docs, strict=True):
                if not doc.negative:
                    self._add_core(doc_id, doc.core)
        if prepared.rules:
            self.entry_rules[entry.id] = prepared.rules
            for rule in prepared.rules:
                self.rules_by_unit.setdefault(rule.words[0][0], []).append(rule)

    def restore(self, entries: Iterable[KbEntry] | KeptEntries, index: TermIndex, rules: list[Any]) -> None:
        """Take a stored `index` and its plain `rules` (`plain_rules`) for `entries` (see `index_cache`);
        kept entries are taken as they are (made when first read)."""
        self.entries = entries if isinstance(entries, KeptEntries) else {e.id: e for e in entries}
        self.index = index
        grouped: dict[int, list[int]] = {}
        for doc_id, entry_id in enumerate(index.entry_ids()):  # without making the documents
            grouped.setdefault(entry_id, []).append(doc_id)
        if not grouped.keys() <= self.entries.keys():
            raise ValueError("the stored index names entries that are not in the KB")
        self.entry_docs = {e: ids[0] if len(ids) == 1 else tuple(ids) for e, ids in grouped.items()}
        docs = index.docs
        if not isinstance(docs, StoredDocs):
            raise TypeError("not a stored index")
        for doc_id, core in docs.positive_cores():  # without making the documents
            self._add_core(doc_id, core)
        for entry_id, words, negative, source, category in rules:
            rule = _Rule(int(entry_id), tuple(map(str, words)), bool(negative), str(source), str(category))
            if rule.entry_id not in self.entries or not rule.words or not rule.words[0]:
                raise ValueError("a stored keyword rule does not fit the KB")
            self.entry_rules[rule.entry_id] = (*self.entry_rules.get(rule.entry_id, ()), rule)
            self.rules_by_unit.setdefault(rule.words[0][0], []).append(rule)

    def _add_core(self, doc_id: int, core: tuple[str, ...]) -> None:
        """A positive document's core words, found by the first character of the first one."""
        if core and core[0]:
            self.core_by_unit.setdefault(core[0][0], []).append(doc_id)

    def plain_rules(self) -> list[Any]:
        """The keyword rules as `restore` takes them back (plain JSON values)."""
        rules = (r for rs in self.entry_rules.values() for r in rs)
        return [[r.entry_id, list(r.words), r.negative, r.source, r.category] for r in rules]

    def drop(self, entry_id: int) -> None:
        if self.entries.pop(entry_id, None) is None:
            return
        doc_ids = self.entry_docs.pop(entry_id, ())
        for doc_id in (doc_ids,) if isinstance(doc_ids, int) else doc_ids:
            doc = self.index.docs[doc_id]
            if doc.core and doc.core[0] and doc.core[0][0] in self.core_by_unit:
                key = doc.core[0][0]
                kept = [d for d in self.core_by_unit[key] if d != doc_id]
                if kept:
                    self.core_by_unit[key] = kept
                else:
                    del self.core_by_unit[key]
            self.index.remove(doc_id)
        for rule in self.entry_rules.pop(entry_id, ()):
            key = rule.words[0][0]
            bucket = [r for r in self.rules_by_unit.get(key, ()) if r is not rule]
            if bucket:
                self.rules_by_unit[key] = bucket
            else:
                self.rules_by_unit.pop(key, None)


def core_words(entries: Iterable[KbEntry]) -> list[str]:
    """The 划词 core words of enabled entries' phrasings, as typed (what `add_words` makes words)."""
    return list(dict.fromkeys(w for e in entries if e.enabled for p in e.phrasings for w in p.core_words))


def _canonical_word(word: str) -> str:
    return analyze(word).text


def _keyword_words(phrasing: Phrasing) -> tuple[str, ...]:
    """A keyword rule's words: its core words if marked, else its text split at spaces/commas."""
    source = phrasing.core_words or tuple(phrasing.text.replace(",", " ").replace("，", " ").split())
    return tuple(dict.fromkeys(w for w in map(_canonical_word, source) if w))


def analyse_entry(entry: KbEntry) -> EntryAnalysis:
    """Analyse an enabled entry's question and phrasings (the slow part of an edit or a build: jieba)."""
    docs: list[DocAnalysis] = []
    rules: list[RuleAnalysis] = []

    def add_doc(source: str, negative: bool, core: tuple[str, ...]) -> None:
        a = analyze(source, cached=False)
        if a.text:
            docs.append(DocAnalysis(source, a.text, a.words, negative, core))

    add_doc(entry.question, False, ())
    for p in entry.phrasings:
        if p.kind == PhrasingKind.KEYWORD:
            words = _keyword_words(p)
            if words:
                rules.append(RuleAnalysis(words, p.negative, p.text))
        else:
            core = tuple(w for w in map(_canonical_word, p.core_words) if w)
            add_doc(p.text, p.negative, core)
    return EntryAnalysis(tuple(docs), tuple(rules))


def _prepare(entry: KbEntry, fields: tuple[bool, bool, bool], analysis: EntryAnalysis | None = None) -> _Prepared:
    """An entry ready to be indexed, from its `analysis` (made now unless given), without touching the index."""
    if not entry.enabled:
        return _Prepared(entry, (), ())
    if analysis is None:
        analysis = analyse_entry(entry)
    docs = tuple(
        Doc(
            entry.id,
            d.source,
            d.text,
            Terms.of(Analysis("", d.text, d.words, tuple(unit_split(d.text)), (), ()), fields),
            entry.category,
            d.negative,
            d.core,
        )
        for d in analysis.docs
    )
    rules = tuple(_Rule(entry.id, r.words, r.negative, r.source, entry.category) for r in analysis.rules)
    return _Prepared(entry, docs, rules)


class Matcher:
    """Thread-safe.  One lock serialises queries and index edits; the slow part of an edit
    (analysing the text) and of a rebuild (everything) happens outside it.

    `upsert` and `remove` change the index in place in about a millisecond whatever the KB size;
    `rebuild` builds a new index and swaps it in.
    """

    def __init__(
        self,
        entries: Iterable[KbEntry] | KeptEntries = (),
        config: MatchConfig | None = None,
        cache: AnalysisCache | None = None,
        semantic: SemanticStage | None = None,
        semantic_later: bool = False,
        revision: str | None = None,
        semantic_after: threading.Event | None = None,
    ) -> None:
        self.config = config or MatchConfig()
        self.semantic = semantic  # None: lexical only
        # True: a (re)build hands the KB's phrasings to the semantic stage on a thread of its own, so
        # reading its vectors file and keying 300k phrasings (seconds at 100k entries) does not delay
        # the matcher; it answers lexically until the stage is ready anyway
        self.semantic_later = semantic_later
        # With `semantic_later`, that thread first waits for this event (at most SEMANTIC_WAIT_S): a
        # desk's window finishing opening, so that importing numpy and the sentence model (about
        # 0.1 s and a second of the interpreter) does not hold up the panels it builds meanwhile
        self.semantic_after = semantic_after
        self._lock = threading.Lock()  # guards self._state
        self._write_lock = threading.Lock()  # one writer at a time
        self._state = _State(self.config)
        self.analysed = 0  # entries the last rebuild analysed (not found in its cache)
        self.revision = ""  # the KB revision key of the last rebuild with a cache (`index_key`)
        self.rebuild(entries, cache, revision)

    def __len__(self) -> int:
        return len(self._state.entries)

    # ---------------------------------------------------------------- edits
    def rebuild(
        self,
        entries: Iterable[KbEntry] | KeptEntries,
        cache: AnalysisCache | None = None,
        revision: str | None = None,
    ) -> None:
        """Build a new index from `entries` and swap it in. With a `cache`, the analyses it holds are
        used instead of analysing those entries again, and it is rewritten if the KB changed; and the
        index built for the same KB revision before is loaded instead of built (`index_cache`).
        `revision`: the entries' `index_key` when the caller knows it (kept with them), else computed.
        Kept entries (`KeptEntries`, with their key and core words) are made only as the stored index
        is read, unless there is none to load."""
        with self._write_lock:
            kept, listed = (entries, []) if isinstance(entries, KeptEntries) else (None, list(entries))
            if kept is not None:
                add_words(list(kept.core_words))
                revision = revision or kept.key
            else:
                add_words(core_words(listed))  # before anything is analysed: the spans are words of the KB
            if cache is not None:
                revision = revision or index_key(listed, self.config.field_weights, tokenizer.shop_words())
                self.revision = revision
                if self._restore(kept if kept is not None else listed, revision, cache):
                    return
            if kept is not None:  # no stored index for them: every entry is made and analysed
                listed = list(kept.values())
            state = _State(self.config)
            fields = state.index.fields
            stored = cache.load(tokenizer.shop_words()) if cache is not None else {}
            used: dict[str, EntryAnalysis] = {}
            for entry in listed:
                state.drop(entry.id)  # a repeated id: the last one wins
                analysis = None
                if cache is not None and entry.enabled:
                    key = entry_key(entry)
                    analysis = stored.get(key)
                    if analysis is None:
                        analysis = analyse_entry(entry)
                    used[key] = analysis
                state.apply(_prepare(entry, fields, analysis), bulk=True)
            state.index.finish_bulk()
            with self._lock:
                self._state = state
            self._want_all()
            self.analysed = len(used) - sum(1 for key in used if key in stored)
            if cache is not None and (len(used) != len(stored) or self.analysed or not cache.digest):
                cache.save(used, tokenizer.shop_words())
            if cache is not None:
                cache.save_index(self.revision, state.index, state.plain_rules())

    def _restore(self, entries: list[KbEntry] | KeptEntries, key: str, cache: AnalysisCache) -> bool:
        """Swap in the index stored for revision `key`, if there is a usable one."""
        stored = cache.load_index(key, self.config.field_weights)
        if stored is None:
            return False
        state = _State(self.config)
        try:
            state.restore(entries, *stored)
        except (ValueError, TypeError) as exc:
            log.warning("ignoring the stored KB index (built from the database): %s", exc)
            return False
        with self._lock:
            self._state = state
        self._want_all()  # its vectors are kept apart (keyed by text): known ones are read
        self.analysed = 0
        return True

    def _want_all(self) -> None:
        """Give the semantic stage every positive phrasing of the index just swapped in (now, or on a
        thread of its own with `semantic_later`). Called under the write lock; the thread takes it
        too, so an edit made meanwhile reaches the stage after the whole KB, as it would without it."""
        if self.semantic is None:
            return
        if not self.semantic_later:
            self._want_all_now()
            return
        threading.Thread(target=self._want_all_later, name="workbench-kb-want", daemon=True).start()

    def _want_all_later(self) -> None:
        if self.semantic_after is not None:
            self.semantic_after.wait(SEMANTIC_WAIT_S)
        with self._write_lock:
            self._want_all_now()

    def _want_all_now(self) -> None:
        if self.semantic is None:
            return
        with self._lock:
            state = self._state
        # Read outside the query lock (300k phrasings at 100k entries: a fifth of a second that queries
        # would wait): the caller holds the write lock, so no edit changes the index meanwhile, and
        # reading the sources makes no document (queries may make some alongside; see `StoredDocs`).
        sources = state.index.positive_sources()
        self.semantic.want(sources, replace=True)

    def upsert(self, entry: KbEntry) -> None:
        """Add or replace one entry (also: edit, enable, disable). A core word that is a new word of
        the tokenizer (a span such as 走光) also re-analyses the other entries whose texts hold it,
        so the message and every phrasing are cut the same way."""
        with self._write_lock:
            fields = self._state.index.fields
            added = add_words(core_words([entry]))
            others = [e for e in self._holding(added) if e.id != entry.id] if added else []
            batch = [_prepare(e, fields) for e in (*others, entry)]
            with self._lock:
                for prepared in batch:
                    self._state.drop(prepared.entry.id)
                    self._state.apply(prepared, bulk=False)
            if self.semantic is not None:
                self.semantic.want(d.source for p in batch for d in p.docs if not d.negative)

    def _holding(self, words: list[str]) -> list[KbEntry]:
        """The entries with a question or phrasing holding one of `words` (normalised). Called under
        the write lock: only queries touch the entries meanwhile, and kept entries not made yet are
        made a slice at a time, so queries are not held up for all of them at once."""
        with self._lock:
            current = self._state.entries
            ids = list(current.keys())
        entries: list[KbEntry] = []
        for start in range(0, len(ids), _MAKE_SLICE):
            with self._lock:
                entries.extend(current[i] for i in ids[start : start + _MAKE_SLICE])
        out = []
        for e in entries:
            texts = [normalize(e.question), *(normalize(p.text) for p in e.phrasings)]
            if any(w in t for w in words for t in texts):
                out.append(e)
        return out

    def remove(self, entry_id: int) -> None:
        with self._write_lock, self._lock:
            self._state.drop(entry_id)

    # ---------------------------------------------------------------- queries
    def match(self, text: str, top: int = 5, category: str | None = None, semantic: bool = True) -> list[Suggestion]:
        """The best entries for `text`, best first, with calibrated scores in [0, 1]. `semantic`
        False: the lexical stage alone (what the assist sidebar shows first)."""
        if top <= 0:
            return []
        found = self._found(text, top, category, semantic)
        return [_suggestion(q, s, entry, words) for q, s, entry, words in found.picked]

    def rank(self, text: str, top: int = 10, category: str | None = None) -> list[tuple[int, float]]:
        """Like `match` but only (entry id, score) pairs, without explanations: for batch use."""
        if top <= 0:
            return []
        found = self._found(text, top, category, True)
        return [(s.entry_id, _shown_score(s)) for _, s, _, _ in found.picked]

    def answer(self, text: str, category: str | None = None, semantic: bool = True) -> MatchOutcome:
        """`match`'s verdict: a direct answer, options to clarify, or nothing. Only the suggestions the
        outcome holds are built with their explanations (the reception bot asks this for every message).
        A message asking two questions (two clauses, each sure of a different entry) gets both as options.
        `semantic` False: the lexical stage alone (the bot under a backlog, see `ReceptionBot`)."""
        cfg = self.config
        if cfg.max_options <= 0:
            return MatchOutcome(OutcomeKind.FALLBACK, None, ())
        found = self._found(text, cfg.max_options, category, semantic)
        kind, kept = decide([_shown_score(s) for _, s, _, _ in found.picked], cfg)
        if kind == OutcomeKind.CLARIFY and off_topic(found.picked[0], cfg):
            kind = OutcomeKind.FALLBACK
        if kind == OutcomeKind.FALLBACK:
            return MatchOutcome(OutcomeKind.FALLBACK, None, ())
        shown = [_suggestion(q, s, entry, words) for q, s, entry, words in found.picked[:kept]]
        if kind == OutcomeKind.DIRECT and len(found.questions) >= 2:
            both = [p for p in found.picked if p[1].entry_id in found.questions][: cfg.max_options]
            options = tuple(_suggestion(q, s, entry, words) for q, s, entry, words in both)
            return MatchOutcome(OutcomeKind.CLARIFY, options[0], options)
        if kind == OutcomeKind.DIRECT:
            return MatchOutcome(OutcomeKind.DIRECT, shown[0], ())
        return MatchOutcome(OutcomeKind.CLARIFY, shown[0], tuple(shown))

    def check(self, text: str, entry_id: int, depth: int = 50) -> EntryCheck:
        """Why entry `entry_id` is or is not the answer to `text`: its closest phrasing and that
        phrasing's score (the core-word requirement aside), the core words the message lacks, a
        negative phrasing that vetoes it, its place among the first `depth` suggestions and the
        suggestion ahead of it."""
        found = self.match(text, top=depth)
        rank = next((i for i, s in enumerate(found, 1) if s.entry_id == entry_id), None)
        winner = found[0] if found and found[0].entry_id != entry_id else None
        q = analyze(text)
        cfg = self.config
        with self._lock:
            state = self._state
            entry = state.entries.get(entry_id)
            if entry is None:
                return EntryCheck(entry_id, False, False, "", 0.0, (), "", rank, winner)
            index = state.index
            qt = index.query_terms(q)
            closest: tuple[float, str, tuple[str, ...]] | None = None
            vetoed_by = ""
            for doc_id in _entry_doc_ids(state, entry_id):
                doc = index.docs[doc_id]
                base = self._combine(index.lexical(qt, doc_id), q.text, doc.text)[0] if not q.empty else 0.0
                if doc.negative:
                    if (
                        base >= cfg.t_negative
                        and not vetoed_by
                        and _holds_negation(q.text, doc, _positive_texts(state, entry_id))
                    ):
                        vetoed_by = doc.source
                    continue
                missing = tuple(c for c in doc.core if c not in q.text)
                if doc.core:
                    base = (1.0 - cfg.core_weight) * base + cfg.core_weight * (1 - len(missing) / len(doc.core))
                if closest is None or base > closest[0]:
                    closest = (base, doc.source, missing)
            for rule in state.entry_rules.get(entry_id, ()):
                if q.text and all(w in q.text for w in rule.words):
                    if rule.negative:
                        vetoed_by = vetoed_by or rule.source
                    elif closest is None or cfg.keyword_score > closest[0]:
                        closest = (cfg.keyword_score, rule.source, ())
        score, phrasing, missing = closest if closest is not None else (0.0, "", ())
        if rank is not None:
            score = found[rank - 1].score
        return EntryCheck(
            entry_id, True, entry.enabled, phrasing, round(min(1.0, score), 4), missing, vetoed_by, rank, winner
        )

    def decision(self, text: str, category: str | None = None) -> OutcomeKind:
        """What the bot would do with `text` (the outcome of `answer`, without building suggestions)."""
        found = self._found(text, self.config.max_options, category, True)
        kind, _ = decide([_shown_score(s) for _, s, _, _ in found.picked], self.config)
        if kind == OutcomeKind.CLARIFY and off_topic(found.picked[0], self.config):
            return OutcomeKind.FALLBACK
        if kind == OutcomeKind.DIRECT and len(found.questions) >= 2:
            return OutcomeKind.CLARIFY
        return kind

    def prefetch(self, texts: Iterable[str], category: str | None = None) -> int:
        """Ready the semantic stage for these messages, about to be answered one by one: the lexical
        stage reads each (as typed, repaired, its clauses) and every reading it is unsure of is
        encoded in ONE call of the model (cached for `answer`). Returns how many readings were
        encoded or found cached (0 when the stage is off or not ready)."""
        stage = self._stage(True)
        if stage is None:
            return 0
        wanted: list[str] = []
        for text in texts:
            q = analyze(text)
            if q.empty:
                continue
            for variant in self._readings(text, q)[0]:
                vq = analyze(variant)
                if vq.empty:
                    continue
                with self._lock:
                    ranked = self._ranked(vq, self.config.semantic_pool, category, set())
                if ranked and not _lexically_sure(ranked, self.config):
                    wanted.append(vq.normalized)
        if wanted:
            stage.encode_queries(wanted)
        return len(wanted)

    def _stage(self, semantic: bool) -> SemanticStage | None:
        stage = self.semantic if semantic else None
        return stage if stage is not None and stage.ready else None

    def _readings(self, text: str, q: Analysis) -> tuple[list[str], int, str]:
        """The readings of a message scored (as typed, homophone typos repaired, each clause of a
        long one: see `clauses`), the index of the first clause, and the repaired text."""
        cfg = self.config
        variants = [text]
        fixed = self._homophones().fix(text) if cfg.homophones else text
        if fixed != text:
            variants.append(fixed)
        parts = clauses(fixed, q) if cfg.split_clauses else []
        return variants + parts, len(variants), fixed

    def _found(self, text: str, top: int, category: str | None, semantic: bool) -> _Found:
        """The `top` best entries for `text`: the message as typed, with its homophone typos repaired,
        and each of its clauses (see `clauses`) are all scored; an entry keeps its best score.
        The readings the lexical stage is unsure of are encoded together (one model call)."""
        q = analyze(text)
        if q.empty:
            return _Found([], ())
        cfg = self.config
        variants, first_clause, fixed = self._readings(text, q)
        stage = self._stage(semantic)
        vetoed: set[int] = set()  # a veto by the whole message holds for its clauses too
        readings = []
        for variant in variants:
            vq, picked, groups = self._variant(variant, top, category, stage is not None, vetoed)
            readings.append((vq, picked, groups, frozenset(vetoed)))
        if stage is not None:
            unsure = [vq.normalized for vq, _, groups, _ in readings if groups is not None]
            if len(unsure) > 1:
                stage.encode_queries(unsure)  # one model call for every reading; `cosines` finds them cached
            for vq, picked, groups, _ in readings:
                if groups is not None:
                    cos = stage.cosines(vq.normalized, groups)
                    if cos is not None:
                        self._fuse(picked, cos)
        kept_by_reading = []
        for _, picked, _, vetoed_then in readings:
            kept = _keep_core(picked, top, lambda p: p[0].core_complete)
            kept_by_reading.append([p for p in kept if p[0].entry_id not in vetoed_then])
        _question_over_greeting(kept_by_reading, [r[0] for r in readings], first_clause, cfg.t_clarify)
        best: dict[int, tuple[Analysis, _Scored, KbEntry, tuple[str, ...]]] = {}
        tops: list[tuple[int, float]] = []
        by_clause: dict[int, float] = {}  # each entry's best score in a clause alone
        for i, (variant, (vq, _, _, _), picked) in enumerate(zip(variants, readings, kept_by_reading, strict=True)):
            if i >= first_clause and picked:
                tops.append((picked[0][0].entry_id, picked[0][0].score))
            for s, entry, words in picked:
                if i >= first_clause:
                    s.note = "clause:" + variant.strip()
                    by_clause[s.entry_id] = max(by_clause.get(s.entry_id, 0.0), s.score)
                    s.score *= cfg.clause_weight
                elif i == 1:
                    s.note = "homophone:" + ",".join(f"{a}={b}" for a, b in zip(text, fixed, strict=True) if a != b)
                cur = best.get(s.entry_id)
                if cur is None or s.score > cur[1].score:
                    s.core_complete = s.core_complete or (cur is not None and cur[1].core_complete)
                    best[s.entry_id] = (vq, s, entry, words)
                elif s.core_complete:
                    cur[1].core_complete = True
        ordered = sorted(best.values(), key=lambda p: (-p[1].score, -p[2].hits, p[1].entry_id))
        ranked = _keep_core(ordered, top, lambda p: p[1].core_complete)
        if ranked:
            best_s = ranked[0][1]
            best_s.score = max(best_s.score, by_clause.get(best_s.entry_id, 0.0) * cfg.confirm_weight)
        sure = cfg.t_second_question
        questions = (
            tuple(dict.fromkeys(e for e, score in tops if score >= sure)) if len(variants) - first_clause >= 2 else ()
        )
        return _Found(ranked, questions if len(questions) >= 2 else ())

    def _variant(
        self, text: str, top: int, category: str | None, semantic: bool, vetoed: set[int]
    ) -> tuple[Analysis, list[tuple[_Scored, KbEntry, tuple[str, ...]]], list[tuple[str, ...]] | None]:
        """The lexical candidates for one reading of the message, best first (the semantic pool deep
        when `semantic`), and the phrasing texts of each if the semantic stage should score them
        (None: the lexical stage is sure, or the stage is off)."""
        q = analyze(text)
        if q.empty:
            return q, [], None
        cfg = self.config
        depth = max(top, cfg.semantic_pool) if semantic else top
        with self._lock:
            state = self._state
            ranked = self._ranked(q, depth, category, vetoed)
            picked = [(s, state.entries[s.entry_id], state.index.doc_words(s.doc) if s.doc else ()) for s in ranked]
            groups = (
                [_entry_sources(state, s.entry_id) for s in ranked]
                if semantic and ranked and not _lexically_sure(ranked, cfg)
                else None
            )
        return q, picked, groups

    def _homophones(self) -> HomophoneFixer:
        """The homophone repairer for the KB as it is now (rebuilt after edits, when first needed)."""
        with self._lock:
            state = self._state
            fixer = state.fixer
            if fixer is None:
                words = [t[1:] for t in state.index.term_text if t.startswith(WORD_TAG) and len(t) >= 3]
                # a longer word lends its two-character dictionary words (添加剂: 添加; 天加剂 → 添加剂)
                pairs = {w[i : i + 2] for w in words if len(w) > 2 for i in range(len(w) - 1)}
                words = [w for w in words if len(w) == 2] + [w for w in pairs if tokenizer.is_word(w)]
                targets = [*words, *get_lexicon().synonyms.classify()]
                fixer = state.fixer = HomophoneFixer(targets, tokenizer.is_word, tokenizer.general_idf)
        return fixer

    def _fuse(self, picked: list[tuple[_Scored, KbEntry, tuple[str, ...]]], cos: list[float]) -> None:
        """Fold the semantic cosines into the lexical scores (in place) and sort again."""
        lam = self.config.semantic_weight
        floor = self.config.keyword_score
        for (s, _, _), c in zip(picked, cos, strict=True):
            s.cos = c
            fused = (s.score + lam * max(0.0, c)) / (1.0 + lam)
            if s.score >= 1.0:  # the same question: stays certain
                fused = 1.0
            elif s.rule is not None:  # a keyword rule keeps its floor
                fused = max(fused, floor)
            s.score = fused
        picked.sort(key=lambda p: (-p[0].score, -p[1].hits, p[0].entry_id))

    def similarity(self, a: str, b: str) -> float:
        """Score of text `b`, as a phrasing, for message `a`, with this KB's term statistics."""
        qa, qb = analyze(a), analyze(b)
        if qa.empty or qb.empty:
            return 0.0
        with self._lock:
            index = self._state.index
            fields = index.fields
            lexical = index.lexical_text(Terms.of(qa, fields), Terms.of(qb, fields))
        return self._combine(lexical, qa.text, qb.text)[0]

    # ---------------------------------------------------------------- scoring
    def _combine(self, lexical: float, q_text: str, d_text: str) -> tuple[float, float]:
        if q_text == d_text:  # the same question once normalised: exactly 1, not 0.9999…
            return 1.0, 1.0
        fuzzy = Indel.normalized_similarity(q_text, d_text)
        w = self.config.fuzzy_weight
        return min(1.0, (1.0 - w) * lexical + w * fuzzy), fuzzy

    def _ranked(self, q: Analysis, top: int, category: str | None, vetoed: set[int] | None = None) -> list[_Scored]:
        state = self._state
        entries = state.entries
        scored = self._score(state, q, top, category, vetoed)
        # ties: the more popular entry (热度), then the older id, so results are deterministic
        ranked = sorted(scored.values(), key=lambda s: (-s.score, -entries[s.entry_id].hits, s.entry_id))
        return _keep_core(ranked, top, lambda s: s.core_complete)

    def _score(
        self, state: _State, q: Analysis, top: int, category: str | None, vetoed_out: set[int] | None = None
    ) -> dict[int, _Scored]:
        """Every entry worth showing, with its score; vetoed entries are left out (and added to
        `vetoed_out`)."""
        cfg = self.config
        index = state.index
        qt = index.query_terms(q)
        exact = max(cfg.exact, top + 4)
        found, reached = index.search(qt, exact, max(cfg.pool, exact), category)

        best: dict[int, _Scored] = {}
        w_fuzzy = cfg.fuzzy_weight
        ratio, q_text, docs = Indel.normalized_similarity, q.text, index.docs
        for lexical, doc_id in found:
            doc = docs[doc_id]
            if doc.text == q_text:
                score = fuzzy = 1.0
            else:
                fuzzy = ratio(q_text, doc.text)
                score = min(1.0, (1.0 - w_fuzzy) * lexical + w_fuzzy * fuzzy)
            if doc.core:
                present = sum(1 for c in doc.core if c in q_text)
                if cfg.require_core_words and present < len(doc.core):
                    continue
                score = (1.0 - cfg.core_weight) * score + cfg.core_weight * present / len(doc.core)
            cur = best.get(doc.entry_id)
            if cur is None or score > cur.score:
                best[doc.entry_id] = _Scored(doc.entry_id, score, doc, None, fuzzy)
        if state.core_by_unit:
            self._core_complete(state, q, qt, category, best)

        vetoed: set[int] = set()
        negatives = index.negatives
        if negatives:
            # a few negative phrasings are all checked; many, only those the search reached (to
            # score high a phrasing must share the message's rarer words)
            if len(negatives) <= _CHECK_ALL_NEGATIVES:
                near = list(negatives)
            elif len(negatives) < len(reached):
                near = [d for d in negatives if d in reached]
            else:
                near = [d for d in reached if d in negatives]
            for doc_id in near:
                doc = docs[doc_id]
                against = self._combine(index.lexical(qt, doc_id), q_text, doc.text)[0]
                positive = best.get(doc.entry_id)
                # the message must be nearer the "not this" than the entry's own phrasings (人工 is
                # near 不要人工 but is 转人工 itself) and hold what makes it "not this" (投诉 is near
                # 不投诉 but has no 不)
                if (
                    against >= cfg.t_negative
                    and (positive is None or against >= positive.score)
                    and _holds_negation(q_text, doc, _positive_texts(state, doc.entry_id))
                ):
                    vetoed.add(doc.entry_id)
        if state.rules_by_unit:
            self._apply_rules(state, q, category, best, vetoed)
        for entry_id in vetoed:
            best.pop(entry_id, None)
        if vetoed_out is not None:
            vetoed_out.update(vetoed)
        return best

    def _core_complete(
        self, state: _State, q: Analysis, qt: QueryTerms, category: str | None, best: dict[int, _Scored]
    ) -> None:
        """Find every phrasing whose 划词 core words all occur in the message, even one the search did
        not reach (a frequent word such as 什么时候 can crowd a rare core word out of its pool), and
        mark its entry to be shown whatever its rank (see `_keep_core`)."""
        cfg = self.config
        docs, index, q_text = state.index.docs, state.index, q.text
        seen: set[int] = set()
        for unit in dict.fromkeys(q_text):
            for doc_id in state.core_by_unit.get(unit, ()):
                doc = docs[doc_id]
                if doc_id in seen or not doc.alive or (category is not None and doc.category != category):
                    continue
                seen.add(doc_id)
                if not all(c in q_text for c in doc.core):
                    continue
                base, fuzzy = self._combine(index.lexical(qt, doc_id), q_text, doc.text)
                score = (1.0 - cfg.core_weight) * base + cfg.core_weight
                cur = best.get(doc.entry_id)
                if cur is None or score > cur.score:
                    best[doc.entry_id] = cur = _Scored(doc.entry_id, score, doc, None, fuzzy)
                cur.core_complete = True

    def _apply_rules(
        self, state: _State, q: Analysis, category: str | None, best: dict[int, _Scored], vetoed: set[int]
    ) -> None:
        floor = self.config.keyword_score
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
                if cur is None:
                    best[rule.entry_id] = _Scored(rule.entry_id, floor, None, rule)
                elif cur.rule is None:
                    cur.rule = rule
                    cur.score = max(cur.score, floor)


_CLAUSE_BREAK = re.compile(r"[。！？!?；;，,\n\r~～…]+|\s{2,}")
_ORDER_NUMBER = re.compile(r"[0-9a-zA-Z]{8,}")  # order and tracking numbers carry no question
_MIN_CLAUSE_UNITS = 2
_MIN_LONG_UNITS = 8


def clauses(text: str, whole: Analysis) -> list[str]:
    """The clauses of a long message worth matching alone (a question buried after greetings, a
    story or an order number; two questions in one message); none for a short one. A clause made
    only of what the whole message's analysis dropped (亲, 在吗, 谢谢) is left out."""
    if len(whole.units) < _MIN_LONG_UNITS:
        return []
    dropped = set(whole.fillers)
    out: dict[str, str] = {}  # canonical text -> clause
    for part in _CLAUSE_BREAK.split(_ORDER_NUMBER.sub(" ", text)):
        cq = analyze(part)
        if len(cq.units) < _MIN_CLAUSE_UNITS or all(w in dropped for w in cq.words):
            continue
        out.setdefault(cq.text, part)
    if len(out) == 1 and whole.text in out:
        return []  # the message is one question already
    return list(out.values())


def _greets(q: Analysis) -> bool:
    """Whether a text carries a greeting (在吗, 你好, 谢谢), dropped or as all it says."""
    greetings = get_lexicon().synonyms.fillers
    return any(w in greetings for w in q.fillers) or any(w in greetings for w in q.words)


# a question word or particle, an A-不-A question (算不算, 有没有), or a request (想, 请, 帮)
_ASKS = re.compile(r"[吗嘛呢吧啥咋谁哪几想请帮]|(?<![这那多])么|多少|如何|可不可以|(.)[不没]\1")


def _asks(q: Analysis) -> bool:
    """Whether a clause reads as a question or a request, not a statement."""
    return _ASKS.search(q.normalized) is not None


def _greets_back(s: _Scored) -> bool:
    """Whether an entry was found by a phrasing that greets (客服在不在, 你好在吗)."""
    return s.doc is not None and _greets(analyze(s.doc.source))


P = TypeVar("P", bound=tuple[_Scored, KbEntry, tuple[str, ...]])


def _question_over_greeting(picks: list[list[P]], readings: list[Analysis], first_clause: int, floor: float) -> None:
    """The question, not the greeting, wins. A greeting clause (客服你好) finds a greeting entry's
    phrasing (客服在不在) word for word, both being 客服 once greetings are dropped, and would outscore
    the question asked beside it. So when another clause reads as a question or a request, and a
    reading that is no greeting clause (the whole message, another clause) finds an entry scoring
    `floor` or more that is no small talk (by its category and its phrasing), what greeting clauses
    found by greeting phrasings is left out (`picks`, one list per reading, is changed in place).
    A message that only greets or chats (太感谢了 after 我记住了) keeps its greeting entry."""
    greeting = [i >= first_clause and _greets(q) for i, q in enumerate(readings)]
    if not any(greeting):
        return
    if not any(_asks(q) for i, q in enumerate(readings[first_clause:], first_clause) if not greeting[i]):
        return
    other = (p for g, found in zip(greeting, picks, strict=True) if not g for p in found)
    if not any(s.score >= floor and entry.category != _SMALL_TALK and not _greets_back(s) for s, entry, _ in other):
        return
    for i, g in enumerate(greeting):
        if g:
            picks[i] = [p for p in picks[i] if not _greets_back(p[0])]


T = TypeVar("T")


def _keep_core(ranked: list[T], top: int, complete: Callable[[T], bool]) -> list[T]:
    """The first `top` of `ranked` (best first), where an entry whose phrasing's core words all occur
    in the message takes the place of the lowest-ranked others: a shop that marked 划词 sees that
    entry among the suggestions whenever the message holds them. The order stays best first."""
    head = ranked[:top]
    extra = [r for r in ranked[top:] if complete(r)]
    if not extra:
        return head
    free = [i for i in range(len(head) - 1, -1, -1) if not complete(head[i])]
    kept = extra[: len(free)]
    dropped = set(free[: len(kept)])
    return [r for i, r in enumerate(head) if i not in dropped] + kept


def decide(scores: list[float], cfg: MatchConfig) -> tuple[OutcomeKind, int]:
    """What the bot does with ranked scores (best first): the outcome and how many entries it shows."""
    if not scores or scores[0] < cfg.t_clarify:
        return OutcomeKind.FALLBACK, 0
    if scores[0] >= cfg.t_direct:
        return OutcomeKind.DIRECT, 1
    floor = max(cfg.t_clarify, scores[0] - cfg.clarify_window)
    return OutcomeKind.CLARIFY, sum(1 for s in scores if s >= floor)


def off_topic(best: tuple[Analysis, _Scored, KbEntry, tuple[str, ...]], cfg: MatchConfig) -> bool:
    """Whether the best entry of a message below t_direct owes its score to the model alone: it
    shares no informative word with the message (你们, 怎么, 可以 are in every question) and the
    cosine is low. Such a message is about something else (另一家店的商品, 闲聊)."""
    q, s, _, words = best
    if s.cos is None or s.cos >= cfg.t_topic_cos or s.rule is not None:
        return False
    shared = set(q.words).intersection(words)
    return not any(w.startswith(CONCEPT_PREFIX) or tokenizer.general_idf(w) >= cfg.topic_idf for w in shared)


def _entry_doc_ids(state: _State, entry_id: int) -> tuple[int, ...]:
    """The documents (question and phrasings) of an entry."""
    ids = state.entry_docs.get(entry_id, ())
    return (ids,) if isinstance(ids, int) else ids


def _positive_docs(state: _State, entry_id: int) -> list[Doc]:
    """An entry's own documents: its question and positive phrasings."""
    docs = state.index.docs
    found = (docs[i] for i in _entry_doc_ids(state, entry_id))
    return [doc for doc in found if not doc.negative]


def _positive_texts(state: _State, entry_id: int) -> list[str]:
    """The canonical texts of an entry's own documents."""
    return [doc.text for doc in _positive_docs(state, entry_id)]


def _holds_negation(q_text: str, negative: Doc, positives: Sequence[str]) -> bool:
    """Whether a message holds what makes a negative phrasing "not this": the characters of the
    phrasing that none of its entry's own phrasings has (不 of 不投诉 beside 我要投诉). A negative
    phrasing made only of the entry's own characters vetoes on its score alone."""
    own = set().union(*positives) if positives else set()
    marks = {c for c in negative.text if not c.isspace()} - own
    return all(c in q_text for c in marks)


def _lexically_sure(ranked: Sequence[_Scored], cfg: MatchConfig) -> bool:
    """The lexical stage's ranking is final: its best entry scores `semantic_sure` or more and no
    other comes within `semantic_tie` of it."""
    best = ranked[0].score
    return best >= cfg.semantic_sure and (len(ranked) < 2 or ranked[1].score < best - cfg.semantic_tie)


def _entry_sources(state: _State, entry_id: int) -> tuple[str, ...]:
    """The texts of an entry's positive phrasings (question included), as the semantic stage keys them."""
    return tuple(doc.source for doc in _positive_docs(state, entry_id))


# -------------------------------------------------------------------- explanations
def _related_pairs(q: Analysis, doc_words: tuple[str, ...]) -> list[tuple[str, str]]:
    """(message word, phrasing word) pairs that matched only as related words (快递 ~ 物流)."""
    concepts = get_lexicon().synonyms.concepts
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


def _shown_score(s: _Scored) -> float:
    """The score a suggestion carries: in [0, 1], to 4 places."""
    return round(min(1.0, max(0.0, s.score)), 4)


def _suggestion(q: Analysis, s: _Scored, entry: KbEntry, doc_words: tuple[str, ...]) -> Suggestion:
    """Reasons are short codes: same, synonym:啥时候=什么时候, related:快递~物流, core:发货,
    fuzzy:0.86, keyword:运费险+退货, ignored:亲,请问."""
    reasons: list[str] = []
    matched: tuple[str, ...] = ()
    phrasing = entry.question
    if s.doc is not None:
        phrasing = s.doc.source
        doc_words = tuple(w for w in doc_words if not w.startswith(CONCEPT_PREFIX))
        matched = tuple(w for w in dict.fromkeys(q.words) if w in doc_words)
        if q.text == s.doc.text:
            reasons.append("same")
        for typed, canon in q.synonyms:
            if canon in doc_words and typed not in s.doc.source:
                reasons.append(f"synonym:{typed}={canon}")
        for qw, dw in _related_pairs(q, doc_words):
            reasons.append(f"related:{qw}~{dw}")
        if 0.8 <= s.fuzzy < 1.0:
            reasons.append(f"fuzzy:{s.fuzzy:.2f}")
        if s.doc.core:
            reasons.append("core:" + ",".join(s.doc.core))
    if s.rule is not None:
        reasons.append("keyword:" + "+".join(s.rule.words))
        if s.doc is None:
            phrasing = s.rule.source
            matched = s.rule.words
    if s.note:
        reasons.append(s.note)
    if q.fillers:
        reasons.append("ignored:" + ",".join(dict.fromkeys(q.fillers)))
    return Suggestion(
        entry_id=entry.id,
        question=entry.question,
        answer=entry.answer,
        score=_shown_score(s),
        category=entry.category,
        matched_phrasing=phrasing,
        matched_words=matched,
        reasons=tuple(dict.fromkeys(reasons)),
    )
