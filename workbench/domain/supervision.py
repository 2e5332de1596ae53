"""The supervisor's view (主管 / 课堂): every live chat across the desks and every agent's load, and the
rules of taking over (接管) and reassigning (改派) a chat.

A chat waits from its buyer's oldest unanswered message (`Conversation.waiting_since`) until an agent
or the bot answers; a wait longer than `OVERDUE_S` is the 3 分钟未回复 the supervisor should look at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workbench.domain.conversations import ConversationState
from workbench.domain.identity import Role
from workbench.domain.shops import AgentStatus

OVERDUE_S = 180  # the 3 分钟未回复 rule: a longer wait is highlighted


def waited_s(since: datetime | None, now: datetime) -> int:
    """Whole seconds waited since `since` (0 when nobody waits, or for a clock that went back)."""
    if since is None:
        return 0
    return max(0, int((now - since).total_seconds()))


@dataclass(frozen=True, slots=True)
class LiveChat:
    """A waiting or served conversation as the supervisor sees it."""

    id: int
    customer_id: int
    customer_nick: str
    state: ConversationState
    agent_id: int | None  # None: 待分配 (or the bot serves it)
    agent_name: str
    bot: bool  # 店小蜜 serves it (full-auto)
    waiting_since: datetime | None  # the buyer's oldest unanswered message
    last_message: str
    last_message_at: datetime

    def waited_s(self, now: datetime) -> int:
        return waited_s(self.waiting_since, now)


@dataclass(frozen=True, slots=True)
class AgentLoad:
    """One user of the shop: status (shared presence), open chats against capacity, longest wait."""

    id: int
    username: str
    display_name: str
    role: Role
    status: AgentStatus
    open_chats: int  # assigned to them and waiting, or in reception with them
    capacity: int
    longest_waiting_since: datetime | None  # the oldest unanswered buyer among their chats

    def longest_wait_s(self, now: datetime) -> int:
        return waited_s(self.longest_waiting_since, now)


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything the supervisor's view shows, read at `as_of` (by the reading desk's clock, the clock
    the waiting times are written with). Chats are longest wait first."""

    as_of: datetime
    chats: tuple[LiveChat, ...]
    agents: tuple[AgentLoad, ...]

    def chat(self, conversation_id: int) -> LiveChat | None:
        return next((c for c in self.chats if c.id == conversation_id), None)

    def agent(self, agent_id: int) -> AgentLoad | None:
        return next((a for a in self.agents if a.id == agent_id), None)


@dataclass(frozen=True, slots=True)
class Seen:
    """What the supervisor saw of a chat when they chose to act on it: the guard of 接管 and 改派. If an
    agent accepted, a colleague transferred or the bot handed off meanwhile, the chat is no longer as
    seen and the action is refused (``supervision.changed``) rather than undoing their work."""

    state: ConversationState
    agent_id: int | None
    bot: bool = False

    @classmethod
    def of(cls, chat: LiveChat) -> Seen:
        return cls(chat.state, chat.agent_id, chat.bot)


def takeover_note(supervisor: str) -> str:
    """The system line in the chat when a supervisor takes it over (stored as message text)."""
    return f"{supervisor} 接管了会话"


def reassign_note(supervisor: str, agent: str) -> str:
    """The system line in the chat when a supervisor gives it to another agent."""
    return f"{supervisor} 将会话改派给 {agent}"
