"""Knowledge-base domain objects: categories, entries, phrasings, answers and match results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# The seven standard 店小蜜 categories, in display order.
STANDARD_CATEGORIES: tuple[str, ...] = (
    "聊天互动",
    "商品问题",
    "活动优惠",
    "购买操作",
    "物流问题",
    "售后问题",
    "更多问题",
)

MAX_CORE_WORDS = 3


class PhrasingKind(StrEnum):
    SIMILAR = "similar"  # a full question the customer might type
    KEYWORD = "keyword"  # a keyword rule: every word must appear


@dataclass(frozen=True, slots=True)
class Phrasing:
    """One way a customer asks the entry's question (问法)."""

    text: str
    kind: PhrasingKind = PhrasingKind.SIMILAR
    negative: bool = False  # a negative phrasing vetoes the entry when it matches
    core_words: tuple[str, ...] = ()  # 划词: at most MAX_CORE_WORDS words inside `text`
    id: int | None = None


@dataclass(frozen=True, slots=True)
class KbEntry:
    """A standard question with its phrasings and answers."""

    id: int
    category: str
    question: str
    answers: tuple[str, ...]
    phrasings: tuple[Phrasing, ...] = ()
    enabled: bool = True
    needs_human: bool = False
    custom: bool = False
    hits: int = 0

    @property
    def answer(self) -> str:
        return self.answers[0] if self.answers else ""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A matcher result: an entry, a calibrated score in [0, 1] and why it matched."""

    entry_id: int
    question: str
    answer: str
    score: float
    category: str = ""
    matched_phrasing: str = ""
    matched_words: tuple[str, ...] = ()
    reasons: tuple[str, ...] = field(default=())
