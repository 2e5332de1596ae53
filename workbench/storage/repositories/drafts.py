"""Each agent's unsent replies (草稿), one per conversation."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workbench.storage.tables_reception import ConversationDraftRow


class DraftRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def save(self, conversation_id: int, agent_id: int, text: str, at: datetime) -> None:
        """Keep `text` as the agent's draft in the conversation (an empty text deletes it)."""
        if not text.strip():
            self.delete(conversation_id, agent_id)
            return
        row = self.s.get(ConversationDraftRow, (conversation_id, agent_id))
        if row is None:
            self.s.add(
                ConversationDraftRow(conversation_id=conversation_id, agent_id=agent_id, text=text, updated_at=at)
            )
        else:
            row.text, row.updated_at = text, at
        self.s.flush()

    def delete(self, conversation_id: int, agent_id: int) -> None:
        self.s.execute(
            delete(ConversationDraftRow).where(
                ConversationDraftRow.conversation_id == conversation_id, ConversationDraftRow.agent_id == agent_id
            )
        )

    def text(self, conversation_id: int, agent_id: int) -> str:
        row = self.s.get(ConversationDraftRow, (conversation_id, agent_id))
        return row.text if row is not None else ""

    def texts(self, agent_id: int, conversation_ids: Collection[int]) -> dict[int, str]:
        """The agent's drafts in those conversations that have one."""
        if not conversation_ids:
            return {}
        rows = self.s.scalars(
            select(ConversationDraftRow).where(
                ConversationDraftRow.agent_id == agent_id,
                ConversationDraftRow.conversation_id.in_(list(conversation_ids)),
            )
        )
        return {r.conversation_id: r.text for r in rows}
