"""The supervisor's reads and guarded moves: every live chat of the shop in one query, every agent's
load in one more, and the guarded UPDATE that takes over or reassigns a chat.

The move is guarded by what the supervisor saw (state, agent, bot-served): a chat that an agent
accepted, a colleague transferred or the bot handed off in the meantime no longer matches, and the
UPDATE changes nothing, however the desks race.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from workbench.domain.conversations import ConversationState
from workbench.domain.identity import Role
from workbench.domain.routing import DEFAULT_CAPACITY
from workbench.domain.shops import AgentStatus
from workbench.domain.supervision import AgentLoad, LiveChat, Seen
from workbench.storage.tables import AgentRow, ConversationRow, CustomerRow
from workbench.storage.tables_bot import AgentProfileRow, BotConversationRow

OPEN = (ConversationState.WAITING.value, ConversationState.ACTIVE.value)
OWNER_BOT = "bot"  # BotConversationRow.owner while the bot serves the chat
MAX_CHATS = 2000  # a view, not an export: more live chats than this is a shop in trouble anyway


def _bot_serves() -> ColumnElement[bool]:
    return exists().where(
        BotConversationRow.conversation_id == ConversationRow.id, BotConversationRow.owner == OWNER_BOT
    )


class SupervisionRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def live_chats(self, shop_id: int, limit: int = MAX_CHATS) -> list[LiveChat]:
        """Waiting and served chats across every desk, longest wait first (then the chats nobody waits
        in, most recent first): one query, whatever the number of rows."""
        query = (
            self._chats(shop_id)
            .order_by(
                ConversationRow.waiting_since.is_(None),  # waiting buyers first (false sorts first)
                ConversationRow.waiting_since,
                ConversationRow.last_message_at.desc(),
                ConversationRow.id,
            )
            .limit(limit)
        )
        return self._read(query)

    def live_chat(self, shop_id: int, conversation_id: int) -> LiveChat | None:
        found = self._read(self._chats(shop_id).where(ConversationRow.id == conversation_id))
        return found[0] if found else None

    def _chats(self, shop_id: int) -> Select[ConversationRow, str, str, bool]:
        agent = aliased(AgentRow)
        return (
            select(ConversationRow, CustomerRow.nick, agent.display_name, _bot_serves().label("bot"))
            .join(CustomerRow, CustomerRow.id == ConversationRow.customer_id)
            .outerjoin(agent, agent.id == ConversationRow.agent_id)
            .where(ConversationRow.shop_id == shop_id, ConversationRow.state.in_(OPEN))
        )

    def _read(self, query: Select[ConversationRow, str, str, bool]) -> list[LiveChat]:
        return [
            LiveChat(
                id=row.id,
                customer_id=row.customer_id,
                customer_nick=nick,
                state=ConversationState(row.state),
                agent_id=row.agent_id,
                agent_name=agent_name or "",
                bot=bool(is_bot),
                waiting_since=row.waiting_since,
                last_message=row.last_message,
                last_message_at=row.last_message_at,
            )
            for row, nick, agent_name, is_bot in self.s.execute(query)
        ]

    def agent_loads(self, shop_id: int) -> list[AgentLoad]:
        """Every user of the shop with their open chats and their longest-waiting buyer: one query (the
        counts are a grouped subquery joined to the agents)."""
        load = (
            select(
                ConversationRow.agent_id.label("agent_id"),
                func.count().label("open_chats"),
                func.min(ConversationRow.waiting_since).label("longest"),
            )
            .where(
                ConversationRow.shop_id == shop_id,
                ConversationRow.state.in_(OPEN),
                ConversationRow.agent_id.is_not(None),
            )
            .group_by(ConversationRow.agent_id)
            .subquery()
        )
        query = (
            select(AgentRow, AgentProfileRow.capacity, load.c.open_chats, load.c.longest)
            .outerjoin(AgentProfileRow, AgentProfileRow.agent_id == AgentRow.id)
            .outerjoin(load, load.c.agent_id == AgentRow.id)
            .where(AgentRow.shop_id == shop_id)
            .order_by(AgentRow.id)
        )
        return [
            AgentLoad(
                id=row.id,
                username=row.username,
                display_name=row.display_name,
                role=Role.parse(row.role),
                status=AgentStatus(row.status),
                open_chats=int(open_chats or 0),
                capacity=int(capacity if capacity is not None else DEFAULT_CAPACITY),
                longest_waiting_since=longest,
            )
            for row, capacity, open_chats, longest in self.s.execute(query)
        ]

    def move(self, shop_id: int, conversation_id: int, seen: Seen, agent_id: int, state: ConversationState) -> bool:
        """Give the chat to `agent_id` in `state`, only if it is still as `seen` (one guarded UPDATE:
        of a supervisor and an agent racing for the same chat, exactly one wins). True if it moved; a
        bot-served chat is the agent's from now on (the bot stops answering it)."""
        still_as_seen = and_(
            ConversationRow.id == conversation_id,
            ConversationRow.shop_id == shop_id,
            ConversationRow.state == seen.state.value,
            ConversationRow.agent_id.is_(None) if seen.agent_id is None else ConversationRow.agent_id == seen.agent_id,
            _bot_serves() if seen.bot else ~_bot_serves(),
        )
        moved = self.s.execute(
            update(ConversationRow).where(still_as_seen).values(agent_id=agent_id, state=state.value)
        )
        if getattr(moved, "rowcount", 0) != 1:
            return False
        if seen.bot:
            self.s.execute(
                update(BotConversationRow)
                .where(BotConversationRow.conversation_id == conversation_id)
                .values(owner="human")
            )
        return True
