"""Analysis: synonyms, greetings and fillers, character units."""

from __future__ import annotations

import pytest

from workbench.kb import analyzer
from workbench.kb.analyzer import CONCEPT_PREFIX, analyze


def test_colloquial_words_become_standard() -> None:
    a = analyze("啥时候发货")
    assert a.text == "什么时候发货"
    assert ("啥时候", "什么时候") in a.synonyms
    assert analyze("咋退款").text == analyze("怎么退款").text


def test_greetings_and_fillers_are_dropped_from_a_question() -> None:
    plain = analyze("什么时候发货")
    wrapped = analyze("亲，在吗？请问什么时候发货呀？谢谢！急")
    assert wrapped.text == plain.text
    assert wrapped.words == plain.words
    assert set(wrapped.fillers) == {"亲", "在吗", "请问", "呀", "谢谢", "急"}


def test_a_pure_greeting_is_the_question() -> None:
    assert analyze("在吗").text == "在吗"
    assert analyze("亲，在不在呀").text == "在吗"  # address and particle dropped, greeting kept
    assert analyze("亲").text == "亲"


def test_related_words_share_a_concept() -> None:
    a, b = analyze("快递到哪了"), analyze("物流到哪了")
    shared = {w for w in a.words if w.startswith(CONCEPT_PREFIX)} & set(b.words)
    assert shared == {CONCEPT_PREFIX + "物流"}
    assert "快递" in a.words and "快递" not in b.words


def test_ascii_runs_are_one_unit() -> None:
    a = analyze("88VIP有折扣吗")
    assert a.units == ("88vip", "有", "折", "扣")
    assert a.bigrams == ("88vip有", "有折", "折扣")


def test_empty_and_punctuation_only() -> None:
    assert analyze("").empty
    assert analyze("？？！！😊").empty


def test_a_lone_le_or_de_is_no_content_of_its_own() -> None:
    # 拜拜了亲 says goodbye: the 了 must not make it the same text as 麻烦你了
    assert analyze("拜拜了亲").text == "再见"
    assert analyze("麻烦你了").text != analyze("拜拜了亲").text
    assert analyze("收到了").text == "收到了"  # with another content word it stays as typed
    assert analyze("了").text == "了"  # alone it is all there is


def test_chat_shorthand_for_thanks() -> None:
    for typed in ("3q", "3Q啦亲", "thx", "Thanks"):
        assert analyze(typed).text == "谢谢", typed


def test_the_revision_changes_with_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    before = analyzer.revision()
    assert before == analyzer.revision()
    monkeypatch.setattr(analyzer, "RULES", analyzer.RULES + 1)
    assert analyzer.revision() != before
