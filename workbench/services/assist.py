"""智能辅助: the replies suggested to the agent for what the buyer said, ranked for the chat at hand.

The KB matcher scores one text at a time. A buyer writes several lines before the agent answers
(「帮我查一下快递…」 then 「有人吗？」), may be angry, and talks about an order in a given state. This
module asks the matcher about every buyer line since the agent's last reply and ranks the answers:

- a question beats a greeting: 聊天互动 answers (在的呢) drop below the other lines' answers;
- an angry buyer (the emotion lexicon, workbench/assets/nlp/emotion.txt) gets calming answers first;
- the order's state ranks the answer: after delivery an exchange (怎么换货) beats changing the order
  before shipment (拍错尺码了怎么改), and before shipment the other way round;
- a complaint (a statement about a problem, not a question, or an angry line) is never answered
  "正常现象" first;
- filler words (了, 不, 什么) are not shown as matched keywords.

Pure functions over the matcher's public `match`, so the ranking is tested without Qt or a database;
`suggest_for_chat` reads the chat and the buyer's order through the services.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from workbench.domain.conversations import Message, Sender
from workbench.domain.emotion import EmotionDetector, default_detector
from workbench.domain.kb import Suggestion
from workbench.domain.orders import Order, OrderState

MatchFn = Callable[[str, int], list[Suggestion]]  # (text, top) → suggestions, best first (Matcher.match)

GREETING_CATEGORY = "聊天互动"
ANGRY_AT = 0.5  # an emotion score from here on counts as an angry line
GREETING_WEIGHT = 0.5  # a greeting's answer while another line asks a real question
OLDER_LINE_DECAY = 0.03  # each line further back weighs this much less (the latest line leads a tie)
STATE_BOOST = 1.15  # an answer fitting the order's state
STATE_PENALTY = 0.6  # an answer for another stage of the order
DISMISSIVE_PENALTY = 0.5  # "正常现象" to a complaint
EXTRA = 3  # candidates asked per line beyond those shown, for the re-ranking to choose from

# What an answer says, read from its question and text (the KB's own words, no entry ids).
CALMING = ("抱歉", "不好意思", "别着急", "理解您", "给您添麻烦", "让您久等", "委屈")
# An angry line rarely matches a calming entry by its words ("什么破衣服" matches 衣服怎么洗): the KB is
# also asked what it answers to a complaint, and those answers that calm are offered first.
CALM_PROBES = ("我要投诉", "质量太差了", "服务太差了")
DISMISSIVE = ("正常现象", "属于正常", "是正常的")
BEFORE_SHIPMENT = ("拍错", "没发货前", "发货前", "修改订单", "改地址", "修改地址")
AFTER_DELIVERY = ("换货", "退货", "退换", "退款", "寄回", "售后")
NOT_SHIPPED = frozenset({OrderState.AWAITING_PAYMENT, OrderState.AWAITING_SHIPMENT})
DELIVERED = frozenset({OrderState.SIGNED, OrderState.COMPLETED})

# Words that carry no meaning of their own: never shown as the keywords a suggestion matched.
FILLER_WORDS = frozenset({
    "了", "不", "没", "什么", "吗", "呢", "的", "地", "得", "啊", "吧", "呀", "哦", "哈", "嘛", "么", "啦", "咯", "嗯",
    "我", "你", "您", "他", "她", "它", "我们", "你们", "是", "有", "在", "就", "还", "也", "都", "很", "这", "那",
    "这个", "那个", "一下", "一个", "个", "把", "被", "给", "让", "帮", "哪", "几", "呗", "哎", "怎么", "怎样",
    "为什么", "要", "想", "会", "能", "可以", "亲", "请问", "好",
})  # fmt: skip
QUESTION = re.compile(r"[吗嘛么？?]|会不会|是不是|能不能|可不可以|有没有|怎么|如何|多少|几|哪")
ORDER_NO = re.compile(r"(?<!\d)\d{12,20}(?!\d)")  # platform order numbers are long digit runs


@dataclass(frozen=True, slots=True)
class AssistResult:
    """What 智能辅助 shows: the buyer lines the suggestions answer (oldest first), the suggestions
    (best first) and whether the buyer sounds angry."""

    texts: tuple[str, ...]
    suggestions: tuple[Suggestion, ...]
    angry: bool = False


def pending_buyer_texts(messages: Sequence[Message]) -> list[str]:
    """The buyer's lines since the agent last answered, oldest first; `messages` are a chat's latest
    messages, oldest first. The bot's lines (the 忙碌 auto reply, an order notice) answer nothing."""
    texts: list[str] = []
    for m in reversed(messages):
        if m.sender is Sender.AGENT:
            break
        if m.sender is Sender.CUSTOMER and m.text.strip():
            texts.append(m.text)
    texts.reverse()
    return texts


def order_in_question(orders: Sequence[Order], texts: Sequence[str]) -> Order | None:
    """The order the buyer talks about: the one whose number they wrote (the latest line first),
    else their newest."""
    by_no = {o.order_no: o for o in orders}
    for text in reversed(texts):
        for no in ORDER_NO.findall(text):
            if no in by_no:
                return by_no[no]
    return max(orders, key=lambda o: (o.created_at, o.id), default=None)


def is_complaint(text: str, angry: bool) -> bool:
    """A line that reports a problem rather than asks about one ("洗了一次就掉色了" vs "会掉色吗")."""
    return angry or QUESTION.search(text) is None


def _says(s: Suggestion, words: Sequence[str]) -> bool:
    return any(w in s.question or w in s.answer for w in words)


def _stage_factor(s: Suggestion, state: OrderState | None) -> float:
    if state is None:
        return 1.0
    before, after = _says(s, BEFORE_SHIPMENT), _says(s, AFTER_DELIVERY)
    if before == after:
        return 1.0
    fits = before if state in NOT_SHIPPED else after if state in DELIVERED else None
    if fits is None:  # in transit: neither stage fits better
        return 1.0
    return STATE_BOOST if fits else STATE_PENALTY


def shown_words(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(w for w in words if w not in FILLER_WORDS)


def rank(
    match: MatchFn,
    texts: Sequence[str],
    order_state: OrderState | None = None,
    top: int = 5,
    detector: EmotionDetector | None = None,
) -> AssistResult:
    """Suggestions for the buyer's `texts` (oldest first), ranked as the module describes."""
    lines = [t for t in texts if t.strip()]
    if not lines or top <= 0:
        return AssistResult(tuple(lines), ())
    detector = detector or default_detector()
    emotions = [detector.score(t).score for t in lines]
    angry = max(emotions) >= ANGRY_AT
    found = [match(t, top + EXTRA) for t in lines]
    # Some line asks more than hello: the greeting lines' answers must not lead.
    asks = any(r and r[0].category != GREETING_CATEGORY for r in found)
    best: dict[int, tuple[float, Suggestion, bool]] = {}  # entry → (score, suggestion, answers a complaint)

    def keep(s: Suggestion, weight: float, complaint: bool) -> None:
        weight *= _stage_factor(s, order_state)
        dismissed = complaint and _says(s, DISMISSIVE)
        if dismissed:
            weight *= DISMISSIVE_PENALTY
        score = round(min(1.0, s.score * weight), 4)
        kept = best.get(s.entry_id)
        if kept is None or score > kept[0]:
            shown = replace(s, score=score, matched_words=shown_words(s.matched_words))
            best[s.entry_id] = (score, shown, dismissed or (kept is not None and kept[2]))
        elif dismissed:
            best[s.entry_id] = (kept[0], kept[1], True)

    last = len(lines) - 1
    for i, (text, results) in enumerate(zip(lines, found, strict=True)):
        complaint = is_complaint(text, emotions[i] >= ANGRY_AT)
        for s in results:
            weight = 1.0 - OLDER_LINE_DECAY * (last - i)
            if asks and s.category == GREETING_CATEGORY:
                weight *= GREETING_WEIGHT
            keep(s, weight, complaint)
    if angry:
        for probe in CALM_PROBES:
            for s in match(probe, 1):
                if _says(s, CALMING):  # as sure as the buyer sounds angry
                    keep(replace(s, matched_words=(), reasons=("calming",)), max(emotions), True)

    def key(item: tuple[float, Suggestion, bool]) -> tuple[bool, bool, float]:
        score, s, dismissed = item
        return (angry and not _says(s, CALMING), dismissed, -score)

    ranked = sorted(best.values(), key=key)
    return AssistResult(tuple(lines), tuple(s for _, s, _ in ranked[:top]), angry)


def suggest_for_chat(
    match: MatchFn,
    messages: Sequence[Message],
    orders: Sequence[Order],
    top: int = 5,
    only: Message | None = None,
) -> AssistResult:
    """Suggestions for a chat: for its buyer lines since the agent's last reply (`messages`: its
    latest, oldest first), or for one buyer message the agent picked (`only`); ranked by the state
    of the order in question."""
    texts = [only.text] if only is not None else pending_buyer_texts(messages)
    order = order_in_question(orders, texts)
    return rank(match, texts, order.state if order is not None else None, top)
