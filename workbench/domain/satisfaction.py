"""How satisfied a simulated buyer is with a chat, to answer the 邀请评价 card plausibly.

Buyers rate the service they got: a quick, answered chat earns 非常满意 or 满意; long waits, questions
left unanswered and an angry tone pull the rating down. A little chance keeps the answers varied, as
real buyers' are.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from workbench.domain.cards import Satisfaction
from workbench.domain.conversations import Message, Sender

SLOW_REPLY = timedelta(minutes=2)  # a buyer notices this wait
VERY_SLOW_REPLY = timedelta(minutes=8)  # and remembers this one
ANGRY_WORDS = ("差评", "投诉", "垃圾", "破", "骗", "退钱", "太慢", "什么态度", "不满意", "生气")
LEVELS = tuple(Satisfaction)  # best first


@dataclass(frozen=True, slots=True)
class ChatExperience:
    """What the buyer went through in one chat."""

    buyer_messages: int
    replies: int  # agent and bot messages
    longest_wait: timedelta  # from a buyer's message to the next reply
    unanswered: bool  # the buyer's last message got no reply
    angry: bool


def experience(messages: Sequence[Message]) -> ChatExperience:
    buyer = replies = 0
    longest = timedelta(0)
    asked_at = None
    angry = False
    for message in messages:
        if message.sender is Sender.CUSTOMER:
            buyer += 1
            angry = angry or any(word in message.text for word in ANGRY_WORDS)
            if asked_at is None:
                asked_at = message.created_at
        elif message.sender in (Sender.AGENT, Sender.BOT):
            replies += 1
            if asked_at is not None:
                longest = max(longest, message.created_at - asked_at)
                asked_at = None
    return ChatExperience(buyer, replies, longest, asked_at is not None, angry)


def plausible_rating(messages: Sequence[Message], rng: random.Random) -> Satisfaction:
    """The rating a buyer gives after this chat: steps down from 非常满意 for each thing that went
    wrong, then, one time in five, a step either way (moods differ)."""
    seen = experience(messages)
    if seen.buyer_messages and not seen.replies:
        return Satisfaction.DISSATISFIED  # nobody answered at all
    steps = 0
    if seen.longest_wait >= VERY_SLOW_REPLY:
        steps += 2
    elif seen.longest_wait >= SLOW_REPLY:
        steps += 1
    if seen.unanswered:
        steps += 1
    if seen.angry:
        steps += 1
    if rng.random() < 0.2:
        steps += rng.choice((-1, 1))
    return LEVELS[min(max(steps, 0), len(LEVELS) - 1)]
