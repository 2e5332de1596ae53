"""智能辅助's ranking over the demo shop's real knowledge base and matcher (no Qt, no database)."""

from __future__ import annotations

from datetime import datetime

import pytest

from workbench.demo.content import load_demo_content
from workbench.domain.conversations import Message, Sender
from workbench.domain.kb import Suggestion
from workbench.domain.orders import Order, OrderState
from workbench.kb import tokenizer
from workbench.kb.matcher import Matcher
from workbench.services.assist import (
    FILLER_WORDS,
    order_in_question,
    pending_buyer_texts,
    rank,
    suggest_for_chat,
)


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    if not tokenizer.is_ready():
        tokenizer.set_cache_dir(tmp_path_factory.mktemp("jieba"))
    tokenizer.ensure_loaded()
    entries = [e.to_kb_entry(i) for i, e in enumerate(load_demo_content().kb_entries, 1)]
    return Matcher(entries)


def questions(suggestions: tuple[Suggestion, ...]) -> list[str]:
    return [s.question for s in suggestions]


def message(i: int, sender: Sender, text: str) -> Message:
    return Message(i, 1, sender, text, datetime(2026, 11, 11, 10, 0, i))


def order(no: str, state: OrderState, day: int = 1) -> Order:
    return Order(day, no, 1, state, 19900, datetime(2026, 11, day, 9, 0))


def test_the_question_wins_over_the_greeting_after_it(matcher: Matcher) -> None:
    # The matcher alone answers the last line, a greeting, with 在的呢 at full score.
    assert matcher.match("有人吗？", top=1)[0].question == "你好，在吗"
    result = rank(matcher.match, ["帮我查一下快递到哪了", "有人吗？"])
    assert result.suggestions[0].question == "我的快递到哪了"
    assert result.texts == ("帮我查一下快递到哪了", "有人吗？")
    greeting = next(s for s in result.suggestions if s.question == "你好，在吗")
    assert greeting.score < result.suggestions[0].score


def test_a_greeting_alone_is_still_answered(matcher: Matcher) -> None:
    assert rank(matcher.match, ["有人吗？"]).suggestions[0].question == "你好，在吗"


def test_lines_since_the_agents_last_reply() -> None:
    messages = [
        message(1, Sender.CUSTOMER, "在吗"),
        message(2, Sender.AGENT, "在的亲"),
        message(3, Sender.CUSTOMER, "帮我查一下快递"),
        message(4, Sender.BOT, "亲，客服暂时忙碌，请您稍候"),  # an auto reply answers nothing
        message(5, Sender.CUSTOMER, "有人吗？"),
    ]
    assert pending_buyer_texts(messages) == ["帮我查一下快递", "有人吗？"]
    assert pending_buyer_texts([*messages, message(6, Sender.AGENT, "亲，我查一下")]) == []


def test_a_clicked_message_is_answered_alone(matcher: Matcher) -> None:
    messages = [message(1, Sender.CUSTOMER, "帮我查一下快递到哪了"), message(2, Sender.CUSTOMER, "尺码偏大吗")]
    result = suggest_for_chat(matcher.match, messages, [], only=messages[0])
    assert result.texts == ("帮我查一下快递到哪了",)
    assert result.suggestions[0].question == "我的快递到哪了"


def test_an_angry_buyer_gets_calming_replies_first(matcher: Matcher) -> None:
    result = rank(matcher.match, ["什么破衣服"])
    assert result.angry
    first = result.suggestions[0]
    assert any(w in first.answer for w in ("抱歉", "不好意思")), first
    calm = rank(matcher.match, ["这件衣服是什么面料"])
    assert not calm.angry


def test_the_order_state_ranks_an_exchange_request(matcher: Matcher) -> None:
    text = "尺码拍错了，想换个大一码"
    delivered = questions(rank(matcher.match, [text], OrderState.SIGNED).suggestions)
    assert delivered.index("怎么换货") < delivered.index("拍错尺码了怎么改")
    not_shipped = questions(rank(matcher.match, [text], OrderState.AWAITING_SHIPMENT).suggestions)
    assert not_shipped.index("拍错尺码了怎么改") < not_shipped.index("怎么换货")


def test_a_fading_complaint_is_not_answered_normal_first(matcher: Matcher) -> None:
    for text in ("洗了一次就掉色了", "衣服掉色掉得厉害，染到别的衣服了"):
        first = rank(matcher.match, [text], OrderState.SIGNED).suggestions[0]
        assert "正常现象" not in first.answer, (text, first)
    # A question about fading before buying is still answered by it.
    asked = rank(matcher.match, ["这条裤子会掉色吗"]).suggestions[0]
    assert "正常现象" in asked.answer


def test_filler_words_are_not_shown_as_matched_keywords(matcher: Matcher) -> None:
    texts = ("什么破衣服", "洗了不掉色吗", "帮我查一下快递到哪了")
    raw = [w for t in texts for s in matcher.match(t, 5) for w in s.matched_words]
    assert FILLER_WORDS & set(raw), "the matcher itself reports some filler"
    for text in texts:
        for s in rank(matcher.match, [text]).suggestions:
            assert not FILLER_WORDS & set(s.matched_words), s


def test_the_order_in_question() -> None:
    old = order("2026110100000001", OrderState.SIGNED, 1)
    new = order("2026110500000002", OrderState.AWAITING_SHIPMENT, 5)
    assert order_in_question([old, new], ["在吗"]) is new
    assert order_in_question([old, new], ["订单 2026110100000001 想换货"]) is old
    assert order_in_question([], ["在吗"]) is None
