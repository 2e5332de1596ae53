"""Long messages that open or close with a greeting: the question, not the greeting, wins."""

from __future__ import annotations

import pytest

from workbench.domain.kb import KbEntry, Phrasing
from workbench.kb.matcher import Matcher, OutcomeKind

GREET, COURIER, SHIP, WASH, THANKS = 1, 2, 3, 4, 5


def kb() -> list[KbEntry]:
    """A made-up shop: a greeting entry whose phrasing names the agent (客服在不在), so a bare
    「客服你好」 clause matches it word for word once greetings are dropped."""
    return [
        KbEntry(GREET, "聊天互动", "你好，在吗", ("在的，亲",), (Phrasing("客服在不在"), Phrasing("有人在吗"))),
        KbEntry(COURIER, "物流问题", "发什么快递", ("默认圆通",), (Phrasing("用的哪家快递"), Phrasing("能发顺丰吗"))),
        KbEntry(SHIP, "物流问题", "什么时候发货", ("48小时内发出",), (Phrasing("多久能寄出"),)),
        KbEntry(WASH, "商品问题", "衣服怎么洗", ("冷水手洗",), (Phrasing("洗涤方法"),)),
        KbEntry(THANKS, "聊天互动", "谢谢", ("不客气",), (Phrasing("太感谢了"),)),
        KbEntry(6, "聊天互动", "转人工", ("马上为您转接",), (Phrasing("人工客服"),)),
    ]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(kb())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("客服你好，我们这边只有顺丰送得到家门口，别家都放快递柜，请问你们一般用哪家快递", COURIER),
        ("好的谢谢客服，那你们一般用哪家快递发货", COURIER),  # the thanks comes first here
    ],
)
def test_a_greeting_clause_does_not_outrank_the_question(matcher: Matcher, text: str, expected: int) -> None:
    found = matcher.match(text)
    assert found[0].entry_id == expected
    assert all(s.entry_id != GREET or s.score < found[0].score for s in found)


def test_a_greeting_clause_is_not_a_second_question(matcher: Matcher) -> None:
    text = "客服你好，我昨天晚上付的款，给孩子买的开学礼物，请问什么时候发货"
    outcome = matcher.answer(text)
    assert outcome.best is not None and outcome.best.entry_id == SHIP
    assert GREET not in {s.entry_id for s in outcome.options}


@pytest.mark.parametrize("text", ["客服你好", "你好客服，在不在，我是你们家老顾客了，有人在吗"])
def test_a_message_that_only_greets_gets_the_greeting_entry(matcher: Matcher, text: str) -> None:
    assert matcher.match(text)[0].entry_id == GREET
    assert matcher.decision(text) != OutcomeKind.FALLBACK


@pytest.mark.parametrize(
    "text", ["好嘞，洗涤方法我都记下来了，真是太感谢了", "明白，衣服的洗涤方法我记下来了，太感谢了"]
)
def test_thanks_after_a_statement_stays_the_answer(matcher: Matcher, text: str) -> None:
    # the other clause finds the washing entry but asks nothing: the thanks is what the message says
    assert matcher.match(text)[0].entry_id == THANKS
