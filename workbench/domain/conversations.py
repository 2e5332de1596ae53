"""Conversations (接待) and their messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from workbench.domain.errors import DomainError
from workbench.domain.identity import Permission, Role, allows
from workbench.domain.text import clean_text

MAX_MESSAGE_LENGTH = 2000  # what one chat message may hold, as on the platform
MAX_TRANSFER_NOTE = 200  # a 转交 note: a line or two for the colleague, not a report
MAX_DRAFT_LENGTH = 20_000  # a draft is kept whole (sending checks the message limit); this bounds the row


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
    # As one agent's desk lists it (ReceptionService.desk_lists): their 置顶 and 星标, and the note of
    # the 转交 that gave them the chat (empty when it did not come to them by a transfer).
    pinned: bool = False
    starred: bool = False
    transfer_note: str = ""
    transferred_by: str = ""  # the display name of who handed it over
    draft: str = ""  # this agent's unsent reply (草稿), as their desk lists it


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: int
    sender: Sender
    text: str
    created_at: datetime
    agent_id: int | None = None


@dataclass(frozen=True, slots=True)
class EarlierVisit:
    """One of a returning buyer's earlier conversations, as the chat lists it above the current one."""

    conversation_id: int
    started_at: datetime
    last_message_at: datetime
    message_count: int


@dataclass(frozen=True, slots=True)
class SuggestionUse:
    """Which KB entry an agent's reply came from and whether the agent edited it."""

    message_id: int
    entry_id: int
    score: float
    edited: bool


@dataclass(frozen=True, slots=True)
class Transfer:
    """One 转交 of a conversation: by whom (the chat's agent or a supervisor), from whom, to an agent
    and/or a reception group (a group transfer whose 分流 found nobody free has no agent), the note."""

    id: int
    conversation_id: int
    by_agent_id: int | None
    from_agent_id: int | None
    to_agent_id: int | None
    to_group_id: int | None
    note: str
    created_at: datetime


def clean_transfer_note(raw: str) -> str:
    """The note for the colleague (may be empty), cleaned; refused when longer than MAX_TRANSFER_NOTE."""
    note = clean_text(raw, field="note").strip()
    if len(note) > MAX_TRANSFER_NOTE:
        raise DomainError("transfer.note_too_long", field="note", length=len(note), limit=MAX_TRANSFER_NOTE)
    return note


# -- who may work on a conversation ------------------------------------------------------------------
# The reception services check these on every read and write of one conversation (a chat opened by id
# is held to the same rules as the desk's lists, see ReceptionService.desk_lists).


def may_see(role: Role, user_id: int, conv: Conversation) -> bool:
    """A supervisor (主账号, 主管, 教师) sees every chat; anybody their own and the open ones nobody has
    (待接待 in the queue, or served by the bot); staff (客服, 售后) also the shop's 已结束 history. A 学生
    sees nothing of another seat."""
    if allows(role, Permission.SUPERVISE) or allows(role, Permission.SEE_ALL_SEATS):
        return True
    if conv.agent_id == user_id or _nobodys(conv):
        return True
    return conv.state is ConversationState.ENDED and allows(role, Permission.SEE_SHOP_HISTORY)


def may_work_on(role: Role, user_id: int, conv: Conversation) -> bool:
    """Reply, accept, end: one's own chat, an open one nobody has, or any chat for a supervisor."""
    if allows(role, Permission.SUPERVISE):
        return True
    return conv.agent_id == user_id or _nobodys(conv)


def _nobodys(conv: Conversation) -> bool:
    """Open and no agent's: waiting in the queue, or served by the bot (an agent may take it over)."""
    return conv.agent_id is None and conv.state is not ConversationState.ENDED


def may_hand_over(role: Role, user_id: int, conv: Conversation) -> bool:
    """转交: the chat's current agent, or a supervisor; a 客服 or 学生 cannot hand over a colleague's."""
    return allows(role, Permission.SUPERVISE) or (conv.agent_id is not None and conv.agent_id == user_id)


def validate_message_text(text: str) -> str:
    """Clean (see `workbench.domain.text`), strip outer blank lines; refuse empty and oversized messages
    (nothing is truncated silently)."""
    cleaned = clean_text(text, field="message")
    if not cleaned:
        raise DomainError("message.empty", field="message")
    if len(cleaned) > MAX_MESSAGE_LENGTH:
        raise DomainError("message.too_long", field="message", length=len(cleaned), limit=MAX_MESSAGE_LENGTH)
    return cleaned
