"""Knowledge-editor rules: validation with fields and codes, validity windows, fingerprints, 热度 order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from tests.unit.kb_admin.conftest import draft
from workbench.domain.kb import STANDARD_CATEGORIES, Phrasing, PhrasingKind
from workbench.domain.kb_admin import (
    Answer,
    EntrySort,
    IssueField,
    KnowledgeEntry,
    check_category_name,
    filter_entries,
    sort_key,
    split_core_words,
    validate_category_name,
    validate_entry,
    with_answer,
)


def codes(d: object) -> list[tuple[str, str, int]]:
    return [(i.field.value, i.code, i.index) for i in validate_entry(d.cleaned(), STANDARD_CATEGORIES)]  # type: ignore[attr-defined]


def test_a_good_entry_has_no_issues() -> None:
    assert codes(draft()) == []


def test_core_words_must_be_inside_their_phrasing_and_at_most_three() -> None:
    bad = draft(
        phrasings=(
            Phrasing("能包邮吗", core_words=("包邮", "顺丰")),
            Phrasing("今天能发吗", core_words=("今天", "能", "发", "吗")),
        )
    )
    issues = validate_entry(bad.cleaned(), STANDARD_CATEGORIES)
    assert [(i.field, i.code, i.index, dict(i.params)) for i in issues] == [
        (IssueField.CORE_WORDS, "kb.core.not_in_phrasing", 0, {"word": "顺丰"}),
        (IssueField.CORE_WORDS, "kb.core.too_many", 1, {"limit": 3}),
    ]


def test_question_answers_and_category_are_required() -> None:
    assert codes(draft(question="  ", category="不存在", answers=())) == [
        ("category", "kb.category.unknown", -1),
        ("question", "kb.question.empty", -1),
        ("answer", "kb.answer.none", -1),
    ]
    assert codes(draft(answers=(Answer("  "),))) == [("answer", "kb.answer.empty", 0)]
    assert codes(draft(answers=tuple(Answer(f"答{i}") for i in range(6)))) == [("answer", "kb.answer.too_many", -1)]
    assert codes(draft(question="问" * 201)) == [("question", "kb.question.too_long", -1)]


def test_duplicate_phrasings_and_the_question_repeated() -> None:
    d = draft(phrasings=(Phrasing("啥时候能发"), Phrasing("啥时候能发？"), Phrasing("什么时候发货")))
    assert codes(d) == [("phrasing", "kb.phrasing.duplicate", 1), ("phrasing", "kb.phrasing.is_question", 2)]
    # a negative phrasing may repeat words of the question; an empty one is an error
    assert codes(draft(phrasings=(Phrasing("什么时候发货", negative=True), Phrasing(" ")))) == [
        ("phrasing", "kb.phrasing.empty", 1)
    ]


def test_validity_window_order_and_use() -> None:
    window = Answer("双11满300减50", date(2026, 11, 1), date(2026, 11, 11))
    assert codes(draft(answers=(Answer("x", date(2026, 11, 11), date(2026, 11, 1)),))) == [
        ("validity", "kb.answer.window_order", 0)
    ]
    assert window.valid_on(date(2026, 11, 1)) and window.valid_on(date(2026, 11, 11))
    assert not window.valid_on(date(2026, 10, 31)) and not window.valid_on(date(2026, 11, 12))
    assert Answer("一直有效").valid_on(date(1999, 1, 1))


def entry(**changes: object) -> KnowledgeEntry:
    base = KnowledgeEntry(
        id=1,
        category="活动优惠",
        question="双十一有什么活动",
        phrasings=(Phrasing("双11优惠多少"),),
        answers=(Answer("双11满300减50", date(2026, 11, 1), date(2026, 11, 11)), Answer("关注店铺看活动")),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_live_entry_keeps_only_the_answers_valid_that_day() -> None:
    assert entry().live(date(2026, 11, 5)).answers == ("双11满300减50", "关注店铺看活动")
    assert entry().live(date(2026, 12, 1)).answers == ("关注店铺看活动",)
    only_window = entry(answers=(Answer("双11满300减50", date(2026, 11, 1), date(2026, 11, 11)),))
    expired = only_window.live(date(2026, 12, 1))
    assert expired.answers == () and not expired.enabled  # nothing to say: the matcher drops it
    assert not entry(enabled=False).live(date(2026, 11, 5)).enabled


def test_fingerprint_ignores_the_switch_but_not_content() -> None:
    d = draft()
    assert d.fingerprint() == replace(d, enabled=False).fingerprint()
    assert d.fingerprint() != replace(d, answers=(Answer("亲，24小时内发货"),)).fingerprint()
    assert d.fingerprint() != replace(d, needs_human=True).fingerprint()
    assert d.fingerprint() != replace(d, phrasings=(Phrasing("啥时候能发", PhrasingKind.KEYWORD),)).fingerprint()


def test_with_answer_replaces_one_answer_and_keeps_its_window() -> None:
    changed = with_answer(entry(), 0, "双11全场8折")
    assert changed.answers[0] == Answer("双11全场8折", date(2026, 11, 1), date(2026, 11, 11))
    assert changed.answers[1].text == "关注店铺看活动"
    assert with_answer(entry(answers=()), 0, "新答案").answers == (Answer("新答案"),)


def test_hot_entries_sort_first_and_search_looks_everywhere() -> None:
    entries = [
        entry(id=1, hits=50, hits_yesterday=1, hits_week=9),
        entry(id=2, hits=5, hits_yesterday=3, hits_week=3, question="包邮吗", category="物流问题"),
        entry(id=3, hits=0, updated_at=datetime(2026, 11, 12)),
    ]
    assert [e.id for e in sorted(entries, key=sort_key(EntrySort.HOT_YESTERDAY))] == [2, 1, 3]
    assert [e.id for e in sorted(entries, key=sort_key(EntrySort.HOT_WEEK))] == [1, 2, 3]
    assert [e.id for e in sorted(entries, key=sort_key(EntrySort.HITS))] == [1, 2, 3]
    assert next(e.id for e in sorted(entries, key=sort_key(EntrySort.UPDATED))) == 3
    assert [e.id for e in filter_entries(entries, "物流问题")] == [2]
    assert [e.id for e in filter_entries(entries, search="8折")] == []
    assert [e.id for e in filter_entries(entries, search="关注店铺")] == [1, 2, 3]  # found in an answer
    assert [e.id for e in filter_entries(entries, search="11优惠")] == [1, 2, 3]  # in a phrasing


def test_category_names() -> None:
    assert check_category_name(" 尺码专区 ", ["聊天互动"]) == "尺码专区"
    assert [i.code for i in validate_category_name("", [])] == ["kb.category.name_empty"]
    assert [i.code for i in validate_category_name("物流问题", [])] == ["kb.category.name_taken"]
    assert [i.code for i in validate_category_name("尺码专区", ["尺码专区"])] == ["kb.category.name_taken"]
    assert [i.code for i in validate_category_name("长" * 21, [])] == ["kb.category.name_too_long"]


def test_core_words_typed_in_a_cell() -> None:
    assert split_core_words("今天、发 | 顺丰，包邮") == ("今天", "发", "顺丰", "包邮")
    assert split_core_words("  ") == ()
