"""Transfers (转交), each agent's 置顶 / 星标 marks, and 邀请评价 invitations of conversations."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbench.domain.conversations import Transfer
from workbench.storage.tables_reception import ConversationMarkRow, ConversationTransferRow, RatingInvitationRow


def _transfer(row: ConversationTransferRow) -> Transfer:
    return Transfer(
        id=row.id,
        conversation_id=row.conversation_id,
        by_agent_id=row.by_agent_id,
        from_agent_id=row.from_agent_id,
        to_agent_id=row.to_agent_id,
        to_group_id=row.to_group_id,
        note=row.note,
        created_at=row.created_at,
    )


class ConversationActionRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- transfers --------------------------------------------------------------------------------

    def add_transfer(
        self,
        conversation_id: int,
        *,
        by_agent_id: int | None,
        from_agent_id: int | None,
        to_agent_id: int | None,
        to_group_id: int | None,
        note: str,
        at: datetime,
    ) -> Transfer:
        row = ConversationTransferRow(
            conversation_id=conversation_id,
            by_agent_id=by_agent_id,
            from_agent_id=from_agent_id,
            to_agent_id=to_agent_id,
            to_group_id=to_group_id,
            note=note,
            created_at=at,
        )
        self.s.add(row)
        self.s.flush()
        return _transfer(row)

    def transfers(self, conversation_id: int) -> list[Transfer]:
        rows = self.s.scalars(
            select(ConversationTransferRow)
            .where(ConversationTransferRow.conversation_id == conversation_id)
            .order_by(ConversationTransferRow.id)
        )
        return [_transfer(r) for r in rows]

    def latest_transfers(self, conversation_ids: Collection[int]) -> dict[int, Transfer]:
        """The newest transfer of each of the conversations that has one."""
        if not conversation_ids:
            return {}
        newest = (
            select(func.max(ConversationTransferRow.id))
            .where(ConversationTransferRow.conversation_id.in_(list(conversation_ids)))
            .group_by(ConversationTransferRow.conversation_id)
        )
        rows = self.s.scalars(select(ConversationTransferRow).where(ConversationTransferRow.id.in_(newest)))
        return {r.conversation_id: _transfer(r) for r in rows}

    # -- 置顶 and 星标 ----------------------------------------------------------------------------

    def marks(self, agent_id: int, conversation_ids: Collection[int]) -> dict[int, tuple[bool, bool]]:
        """conversation id → (pinned, starred) for what `agent_id` marked of these conversations."""
        if not conversation_ids:
            return {}
        rows = self.s.scalars(
            select(ConversationMarkRow).where(
                ConversationMarkRow.agent_id == agent_id,
                ConversationMarkRow.conversation_id.in_(list(conversation_ids)),
            )
        )
        return {r.conversation_id: (r.pinned, r.starred) for r in rows}

    def set_mark(
        self,
        conversation_id: int,
        agent_id: int,
        at: datetime,
        *,
        pinned: bool | None = None,
        starred: bool | None = None,
    ) -> tuple[bool, bool]:
        row = self.s.get(ConversationMarkRow, (conversation_id, agent_id))
        if row is None:
            row = ConversationMarkRow(conversation_id=conversation_id, agent_id=agent_id, pinned=False, starred=False)
            self.s.add(row)
        if pinned is not None:
            row.pinned = pinned
            row.pinned_at = at if pinned else None
        if starred is not None:
            row.starred = starred
        self.s.flush()
        return row.pinned, row.starred

    # -- 邀请评价 ---------------------------------------------------------------------------------

    def invited(self, conversation_id: int) -> bool:
        return self.s.get(RatingInvitationRow, conversation_id) is not None

    def add_invitation(self, conversation_id: int, agent_id: int | None, message_id: int, at: datetime) -> None:
        """Record the invitation; the primary key refuses a second one (IntegrityError) even in a race."""
        self.s.add(
            RatingInvitationRow(
                conversation_id=conversation_id, agent_id=agent_id, message_id=message_id, created_at=at
            )
        )
        self.s.flush()

    def invitation_count(self, conversation_ids: Collection[int] | None = None) -> int:
        query = select(func.count()).select_from(RatingInvitationRow)
        if conversation_ids is not None:
            query = query.where(RatingInvitationRow.conversation_id.in_(list(conversation_ids)))
        return self.s.scalar(query) or 0

    def rate(self, conversation_id: int, rating: str, at: datetime) -> bool:
        """Record the buyer's answer to the invitation; False when there is no invitation or it was
        answered already (the first answer stands, as on the platform)."""
        row = self.s.get(RatingInvitationRow, conversation_id)
        if row is None or row.rating is not None:
            return False
        row.rating = rating
        row.rated_at = at
        self.s.flush()
        return True

    def rating(self, conversation_id: int) -> str | None:
        row = self.s.get(RatingInvitationRow, conversation_id)
        return None if row is None else row.rating

    def ratings(self, since: datetime | None = None, agent_id: int | None = None) -> dict[str, int]:
        """How many answers of each rating (invitations answered since `since`, of one agent's chats)."""
        query = (
            select(RatingInvitationRow.rating, func.count())
            .where(RatingInvitationRow.rating.is_not(None))
            .group_by(RatingInvitationRow.rating)
        )
        if since is not None:
            query = query.where(RatingInvitationRow.rated_at >= since)
        if agent_id is not None:
            query = query.where(RatingInvitationRow.agent_id == agent_id)
        return {str(rating): int(count) for rating, count in self.s.execute(query)}
