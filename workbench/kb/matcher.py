"""Knowledge-base matcher: finds the entries that answer a customer's message."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz

from workbench.domain.kb import KbEntry, Suggestion
from workbench.kb import tokenizer


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


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    kind: OutcomeKind
    best: Suggestion | None
    options: tuple[Suggestion, ...]


class Matcher:
    """Thread-safe: queries read an immutable snapshot; edits swap in a new one."""

    def __init__(self, entries: Iterable[KbEntry] = (), config: MatchConfig | None = None) -> None:
        self.config = config or MatchConfig()
        self._lock = threading.Lock()
        self._entries: dict[int, KbEntry] = {}
        self.rebuild(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def rebuild(self, entries: Iterable[KbEntry]) -> None:
        snapshot = {e.id: e for e in entries}
        with self._lock:
            self._entries = snapshot

    def upsert(self, entry: KbEntry) -> None:
        with self._lock:
            snapshot = dict(self._entries)
            snapshot[entry.id] = entry
            self._entries = snapshot

    def remove(self, entry_id: int) -> None:
        with self._lock:
            snapshot = dict(self._entries)
            snapshot.pop(entry_id, None)
            self._entries = snapshot

    def match(self, text: str, top: int = 5, category: str | None = None) -> list[Suggestion]:
        query = text.strip()[:500]
        if not query:
            return []
        words = set(tokenizer.cut(query))
        results: list[Suggestion] = []
        for entry in self._entries.values():
            if not entry.enabled or (category and entry.category != category):
                continue
            best_score, best_text = 0.0, ""
            for phr in ((entry.question, False), *((p.text, p.negative) for p in entry.phrasings)):
                score = fuzz.ratio(query, phr[0]) / 100.0
                if phr[1] and score >= 0.8:
                    best_score = 0.0
                    break
                if score > best_score:
                    best_score, best_text = score, phr[0]
            if best_score <= 0:
                continue
            matched = tuple(w for w in tokenizer.cut(best_text) if w in words)
            results.append(
                Suggestion(
                    entry_id=entry.id,
                    question=entry.question,
                    answer=entry.answer,
                    score=round(best_score, 4),
                    category=entry.category,
                    matched_phrasing=best_text,
                    matched_words=matched,
                )
            )
        results.sort(key=lambda s: s.score, reverse=True)
        return results[:top]

    def answer(self, text: str, category: str | None = None) -> MatchOutcome:
        cfg = self.config
        ranked = self.match(text, top=cfg.max_options, category=category)
        if not ranked or ranked[0].score < cfg.t_clarify:
            return MatchOutcome(OutcomeKind.FALLBACK, None, ())
        best = ranked[0]
        if best.score >= cfg.t_direct:
            return MatchOutcome(OutcomeKind.DIRECT, best, ())
        options = tuple(s for s in ranked if s.score >= max(cfg.t_clarify, best.score - cfg.clarify_window))
        return MatchOutcome(OutcomeKind.CLARIFY, best, options)
