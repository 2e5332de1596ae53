"""Conversations (接待) and their messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from workbench.domain.errors import DomainError
from workbench.domain.text import clean_text

MAX_MESSAGE_LENGTH = 2000  # what one chat message may hold, as on the platform


class ConversationState(StrEnum):
    WAITING = "waiting"  # 待接待
    ACTIVE = "active"  # 接待中
    ENDED = "ended"  # 已结束


class Sender(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    customer_id: int
    customer_nick: str
    state: ConversationState
    agent_id: int | None
    started_at: datetime
    last_message_at: datetime
    waiting_since: datetime | None  # when the oldest unanswered customer message arrived
    unread: int = 0
    scenario_id: str = ""
    end_reason: str = ""
    last_message: str = ""
    credit_level: str = ""
    is_88vip: bool = False
    member_level: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: int
    sender: Sender
    text: str
    created_at: datetime
    agent_id: int | None = None


@dataclass(frozen=True, slots=True)
class SuggestionUse:
    """Which KB entry an agent's reply came from and whether the agent edited it."""

    message_id: int
    entry_id: int
    score: float
    edited: bool


def validate_message_text(text: str) -> str:
    """Clean (see `workbench.domain.text`), strip outer blank lines; refuse empty and oversized messages
    (nothing is truncated silently)."""
    cleaned = clean_text(text, field="message")
    if not cleaned:
        raise DomainError("message.empty", field="message")
    if len(cleaned) > MAX_MESSAGE_LENGTH:
        raise DomainError("message.too_long", field="message", length=len(cleaned), limit=MAX_MESSAGE_LENGTH)
    return cleaned
