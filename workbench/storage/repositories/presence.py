"""Desk sessions (heartbeats) and the guarded sweep that takes dead desks' agents offline.

Times are seconds since the epoch by the database server's clock (`server_seconds`), so desks on
computers whose clocks differ still agree on who is stale. The sweep is a few guarded statements any
desk (or the feed) may run at the same time as another: a stale session is deleted by exactly one of
them (the DELETE locks it), and an agent is set 离线, and its waiting buyers put back in the queue,
only while no live session of that agent exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from workbench.domain.conversations import ConversationState
from workbench.domain.presence import Released
from workbench.domain.shops import AgentStatus
from workbench.storage.tables import AgentRow, ConversationRow
from workbench.storage.tables_presence import DeskSessionRow

JULIAN_EPOCH = 2440587.5  # julianday('1970-01-01')


def server_seconds(session: Session) -> ColumnElement[float]:
    """Now, by the database server's clock, in seconds since the epoch (SQLite: its host's clock)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_part("epoch", func.clock_timestamp())
    return (func.julianday("now") - literal(JULIAN_EPOCH)) * literal(86400.0)


class PresenceRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def beat(self, session_id: str, agent_id: int, host: str) -> bool:
        """This desk is alive now. True if its row had to be written anew (the first beat, or the row
        was swept while the desk was frozen or cut off)."""
        now = server_seconds(self.s)
        updated = self.s.scalars(
            update(DeskSessionRow)
            .where(DeskSessionRow.id == session_id)
            .values(last_seen=now)
            .returning(DeskSessionRow.id)
        ).all()
        if updated:
            return False
        self.s.execute(
            insert(DeskSessionRow).values(
                id=session_id, agent_id=agent_id, host=host[:100], started_at=now, last_seen=now
            )
        )
        return True

    def end(self, session_id: str) -> None:
        self.s.execute(delete(DeskSessionRow).where(DeskSessionRow.id == session_id))

    def sweep(self, shop_id: int, offline_after_s: float) -> Released:
        """Delete the shop's sessions older than `offline_after_s`, then release their agents."""
        stale = self.s.scalars(
            delete(DeskSessionRow)
            .where(
                DeskSessionRow.last_seen < server_seconds(self.s) - offline_after_s,
                DeskSessionRow.agent_id.in_(select(AgentRow.id).where(AgentRow.shop_id == shop_id)),
            )
            .returning(DeskSessionRow.agent_id)
        ).all()
        return self.release(shop_id, sorted(set(stale)), offline_after_s)

    def release(self, shop_id: int, agent_ids: Sequence[int], offline_after_s: float) -> Released:
        """Of `agent_ids`, those without a live desk: 离线 (unless already), and their waiting buyers
        (assigned, not accepted) back in the queue. Accepted chats and everything saved stay."""
        if not agent_ids:
            return Released()
        cutoff = server_seconds(self.s) - offline_after_s

        def no_live_desk(agent: InstrumentedAttribute[int] | InstrumentedAttribute[int | None]) -> ColumnElement[bool]:
            return ~exists().where(DeskSessionRow.agent_id == agent, DeskSessionRow.last_seen >= cutoff)

        offline = self.s.scalars(
            update(AgentRow)
            .where(
                AgentRow.shop_id == shop_id,
                AgentRow.id.in_(agent_ids),
                AgentRow.status != AgentStatus.OFFLINE.value,
                no_live_desk(AgentRow.id),
            )
            .values(status=AgentStatus.OFFLINE.value)
            .returning(AgentRow.id)
        ).all()
        requeued = self.s.scalars(
            update(ConversationRow)
            .where(
                ConversationRow.shop_id == shop_id,
                ConversationRow.state == ConversationState.WAITING.value,
                ConversationRow.agent_id.in_(agent_ids),
                no_live_desk(ConversationRow.agent_id),
            )
            .values(agent_id=None)
            .returning(ConversationRow.id)
        ).all()
        return Released(tuple(sorted(offline)), tuple(sorted(requeued)))

    def live_agents(self, shop_id: int, offline_after_s: float) -> set[int]:
        """Agents of the shop with a live desk now."""
        cutoff = server_seconds(self.s) - offline_after_s
        return set(
            self.s.scalars(
                select(DeskSessionRow.agent_id)
                .join(AgentRow, AgentRow.id == DeskSessionRow.agent_id)
                .where(AgentRow.shop_id == shop_id, DeskSessionRow.last_seen >= cutoff)
            )
        )
