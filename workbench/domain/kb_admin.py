"""Knowledge-base administration (店小蜜 专业问答知识配置): editable entries, answers with a validity
window, categories, 热度 and the validation rules behind the editor and the importer.

Validation returns `Issue`s (a field, a stable code, the index of the phrasing or answer and the
values for the message) so a form can show each problem beside its field and an importer can add a
line number; the UI turns codes into translated text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from workbench.domain.errors import DomainError
from workbench.domain.kb import MAX_CORE_WORDS, STANDARD_CATEGORIES, KbEntry, Phrasing, PhrasingKind
from workbench.domain.text import clean_text

ALL_CATEGORIES = ""  # the 全部知识 node: no category filter
FALLBACK_CATEGORY = "更多问题"  # where a deleted custom category's entries go

MAX_QUESTION_LEN = 200
MAX_PHRASING_LEN = 200
MAX_ANSWER_LEN = 2000
MAX_ANSWERS = 5
MAX_CATEGORY_LEN = 20


class IssueField(StrEnum):
    """The form field an issue belongs to (also the importer's column)."""

    CATEGORY = "category"
    QUESTION = "question"
    PHRASING = "phrasing"
    CORE_WORDS = "core_words"
    ANSWER = "answer"
    VALIDITY = "validity"
    KIND = "kind"
    NEGATIVE = "negative"
    ENABLED = "enabled"
    NEEDS_HUMAN = "needs_human"
    FILE = "file"  # the file as a whole (importer)
    NAME = "name"  # a category name


@dataclass(frozen=True, slots=True)
class Issue:
    """One broken rule. `index` is the phrasing's or answer's position (-1: the field itself);
    `line` is the file line when it came from an import (0: not from a file)."""

    field: IssueField
    code: str
    index: int = -1
    # `dataclasses.field`, spelled out: the bare name would be this class's own `field` attribute
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    line: int = 0

    def at_line(self, line: int) -> Issue:
        return replace(self, line=line)


class KbValidationError(DomainError):
    """An entry, a category or an import file broke the rules; `issues` says where and why."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        first = self.issues[0] if self.issues else None
        super().__init__(
            first.code if first else "kb.invalid", first.field.value if first else "", count=len(self.issues)
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer; with a validity window it is only used from `valid_from` to `valid_to` (inclusive)."""

    text: str
    valid_from: date | None = None
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to

    @property
    def has_window(self) -> bool:
        return self.valid_from is not None or self.valid_to is not None


@dataclass(frozen=True, slots=True)
class PackLink:
    """Where an entry came from when it was installed by an industry pack (行业包)."""

    pack_id: str
    key: str  # the entry's key inside the pack
    version: str  # the pack version the entry's content comes from
    edited: bool = False  # the shop changed it since: an upgrade keeps it


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """What the editor (or an import row group, or a pack) says an entry should be."""

    category: str
    question: str
    phrasings: tuple[Phrasing, ...] = ()
    answers: tuple[Answer, ...] = ()
    enabled: bool = True
    needs_human: bool = False

    def cleaned(self) -> EntryDraft:
        """Texts stripped, phrasing ids dropped, core words de-duplicated (order kept)."""
        return EntryDraft(
            category=clean_text(self.category, multiline=False, field="category"),
            question=clean_text(self.question, multiline=False, field="question"),
            phrasings=tuple(
                Phrasing(
                    text=clean_text(p.text, multiline=False, field="phrasing"),
                    kind=p.kind,
                    negative=p.negative,
                    core_words=tuple(
                        dict.fromkeys(
                            w for w in (clean_text(w, multiline=False, field="core_words") for w in p.core_words) if w
                        )
                    ),
                )
                for p in self.phrasings
            ),
            answers=tuple(Answer(clean_text(a.text, field="answer"), a.valid_from, a.valid_to) for a in self.answers),
            enabled=self.enabled,
            needs_human=self.needs_human,
        )

    def fingerprint(self) -> str:
        """A hash of the content a shop edits (not the on/off switch): tells edited pack entries apart."""
        content = {
            "c": self.category.strip(),
            "q": self.question.strip(),
            "p": [[p.text.strip(), p.kind.value, p.negative, list(p.core_words)] for p in self.phrasings],
            "a": [
                [
                    a.text.strip(),
                    a.valid_from.isoformat() if a.valid_from else "",
                    a.valid_to.isoformat() if a.valid_to else "",
                ]
                for a in self.answers
            ],
            "h": self.needs_human,
        }
        raw = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class KnowledgeEntry:
    """An entry as the knowledge editor sees it: content, 热度 and origin."""

    id: int
    category: str
    question: str
    phrasings: tuple[Phrasing, ...]
    answers: tuple[Answer, ...]
    enabled: bool = True
    needs_human: bool = False
    custom: bool = False  # a 自定义问题 the shop created (not from a pack or the starter KB)
    hits: int = 0  # all time
    hits_yesterday: int = 0
    hits_week: int = 0  # the last 7 days, today included
    updated_at: datetime | None = None
    pack: PackLink | None = None

    def draft(self) -> EntryDraft:
        return EntryDraft(self.category, self.question, self.phrasings, self.answers, self.enabled, self.needs_human)

    def live(self, today: date) -> KbEntry:
        """The entry for the matcher on `today`: only answers valid that day; none valid → not matched."""
        answers = tuple(a.text for a in self.answers if a.valid_on(today))
        return KbEntry(
            id=self.id,
            category=self.category,
            question=self.question,
            answers=answers,
            phrasings=self.phrasings,
            enabled=self.enabled and bool(answers),
            needs_human=self.needs_human,
            custom=self.custom,
            hits=self.hits,
        )

    @property
    def answer(self) -> str:
        return self.answers[0].text if self.answers else ""

    def search_text(self) -> str:
        """Everything the list's search box looks in."""
        return "\n".join(
            [self.question, self.category, *(p.text for p in self.phrasings), *(a.text for a in self.answers)]
        ).lower()


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    name: str
    standard: bool
    entries: int = 0
    enabled: int = 0  # entries switched on


class EntrySort(StrEnum):
    """Orders for the entry list (热度 first, as the 全部知识 screen sorts)."""

    HOT_YESTERDAY = "hot_yesterday"
    HOT_WEEK = "hot_week"
    HITS = "hits"
    UPDATED = "updated"
    QUESTION = "question"


def sort_key(sort: EntrySort) -> Any:
    """A key function for `sorted`: hottest / newest first, ties by id so the order is stable."""
    match sort:
        case EntrySort.HOT_YESTERDAY:
            return lambda e: (-e.hits_yesterday, -e.hits_week, -e.hits, e.id)
        case EntrySort.HOT_WEEK:
            return lambda e: (-e.hits_week, -e.hits_yesterday, -e.hits, e.id)
        case EntrySort.HITS:
            return lambda e: (-e.hits, e.id)
        case EntrySort.UPDATED:
            return lambda e: (-(e.updated_at.timestamp() if e.updated_at else 0.0), e.id)
        case _:
            return lambda e: (e.question, e.id)


def filter_entries(
    entries: Iterable[KnowledgeEntry], category: str = ALL_CATEGORIES, search: str = ""
) -> list[KnowledgeEntry]:
    needle = search.strip().lower()
    return [
        e
        for e in entries
        if (category == ALL_CATEGORIES or e.category == category) and (not needle or needle in e.search_text())
    ]


# -- validation ------------------------------------------------------------------------------------


def phrase_key(text: str) -> str:
    """Comparison key for duplicate phrasings: case, spaces and end punctuation do not count."""
    return re.sub(r"[\s?？!！。.,，~～]+", "", text).lower()


def split_core_words(raw: str) -> tuple[str, ...]:
    """Core words as typed in a cell: separated by 、 | , ， ; ； or spaces."""
    return tuple(w for w in re.split(r"[、|,，;；\s]+", raw.strip()) if w)


def validate_phrasing(phrasing: Phrasing, index: int = -1) -> list[Issue]:
    issues: list[Issue] = []
    text = phrasing.text.strip()
    if not text:
        issues.append(Issue(IssueField.PHRASING, "kb.phrasing.empty", index))
    elif len(text) > MAX_PHRASING_LEN:
        issues.append(Issue(IssueField.PHRASING, "kb.phrasing.too_long", index, {"limit": MAX_PHRASING_LEN}))
    if len(phrasing.core_words) > MAX_CORE_WORDS:
        issues.append(Issue(IssueField.CORE_WORDS, "kb.core.too_many", index, {"limit": MAX_CORE_WORDS}))
    if text:
        for word in phrasing.core_words:
            if word not in text:
                issues.append(Issue(IssueField.CORE_WORDS, "kb.core.not_in_phrasing", index, {"word": word}))
    return issues


def validate_answer(answer: Answer, index: int = -1) -> list[Issue]:
    issues: list[Issue] = []
    text = answer.text.strip()
    if not text:
        issues.append(Issue(IssueField.ANSWER, "kb.answer.empty", index))
    elif len(text) > MAX_ANSWER_LEN:
        issues.append(Issue(IssueField.ANSWER, "kb.answer.too_long", index, {"limit": MAX_ANSWER_LEN}))
    if answer.valid_from is not None and answer.valid_to is not None and answer.valid_to < answer.valid_from:
        issues.append(Issue(IssueField.VALIDITY, "kb.answer.window_order", index))
    return issues


def validate_entry(draft: EntryDraft, categories: Collection[str]) -> list[Issue]:
    """Every problem with `draft` (already `cleaned()`); empty when it can be saved."""
    issues: list[Issue] = []
    if not draft.category:
        issues.append(Issue(IssueField.CATEGORY, "kb.category.empty"))
    elif draft.category not in categories:
        issues.append(Issue(IssueField.CATEGORY, "kb.category.unknown", params={"name": draft.category}))
    if not draft.question:
        issues.append(Issue(IssueField.QUESTION, "kb.question.empty"))
    elif len(draft.question) > MAX_QUESTION_LEN:
        issues.append(Issue(IssueField.QUESTION, "kb.question.too_long", params={"limit": MAX_QUESTION_LEN}))
    seen: dict[str, int] = {}
    qkey = phrase_key(draft.question)
    for i, p in enumerate(draft.phrasings):
        issues.extend(validate_phrasing(p, i))
        key = phrase_key(p.text)
        if not key:
            continue
        if key in seen:
            issues.append(Issue(IssueField.PHRASING, "kb.phrasing.duplicate", i, {"text": p.text}))
        elif key == qkey and not p.negative and p.kind is PhrasingKind.SIMILAR:
            issues.append(Issue(IssueField.PHRASING, "kb.phrasing.is_question", i, {"text": p.text}))
        seen.setdefault(key, i)
    if not draft.answers:
        issues.append(Issue(IssueField.ANSWER, "kb.answer.none"))
    elif len(draft.answers) > MAX_ANSWERS:
        issues.append(Issue(IssueField.ANSWER, "kb.answer.too_many", params={"limit": MAX_ANSWERS}))
    for i, a in enumerate(draft.answers):
        issues.extend(validate_answer(a, i))
    return issues


def check_entry(draft: EntryDraft, categories: Collection[str]) -> EntryDraft:
    """`draft` cleaned, or KbValidationError with every issue."""
    cleaned = draft.cleaned()
    issues = validate_entry(cleaned, categories)
    if issues:
        raise KbValidationError(issues)
    return cleaned


def validate_category_name(name: str, existing: Collection[str]) -> list[Issue]:
    name = clean_text(name, multiline=False, field="name")
    if not name:
        return [Issue(IssueField.NAME, "kb.category.name_empty")]
    if len(name) > MAX_CATEGORY_LEN:
        return [Issue(IssueField.NAME, "kb.category.name_too_long", params={"limit": MAX_CATEGORY_LEN})]
    if name in existing or name in STANDARD_CATEGORIES:
        return [Issue(IssueField.NAME, "kb.category.name_taken", params={"name": name})]
    return []


def check_category_name(name: str, existing: Collection[str]) -> str:
    issues = validate_category_name(name, existing)
    if issues:
        raise KbValidationError(issues)
    return clean_text(name, multiline=False, field="name")


def with_answer(entry: KnowledgeEntry, index: int, text: str) -> EntryDraft:
    """The entry's draft with answer `index` replaced (修改答案内容 in the test window); its window stays."""
    answers = list(entry.answers)
    if 0 <= index < len(answers):
        answers[index] = replace(answers[index], text=text)
    else:
        answers.append(Answer(text))
    return replace(entry.draft(), answers=tuple(answers))
