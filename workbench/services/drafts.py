"""Drafts (草稿): the reply an agent is typing in a chat, kept in the database as they type, so a
restart or a crash loses nothing; the list shows 【草稿】 on the chats that have one (as 千牛 does).

Drafts are the desk user's own: every call is for the acting user. Sending the reply deletes the
draft in the same transaction (`ReceptionService.agent_sends(..., clear_draft=True)`)."""

from __future__ import annotations

from workbench.domain.conversations import MAX_DRAFT_LENGTH
from workbench.domain.identity import Actor
from workbench.services.clock import Clock, system_clock
from workbench.storage.db import Database
from workbench.storage.repositories.drafts import DraftRepository


class DraftService:
    def __init__(self, db: Database, clock: Clock = system_clock, *, actor: Actor) -> None:
        self.db = db
        self.clock = clock
        self.actor = actor

    def save(self, conversation_id: int, text: str) -> None:
        """Keep `text` as this user's draft in the conversation; blank text deletes the draft."""
        with self.db.session() as s:
            DraftRepository(s).save(conversation_id, self.actor.user_id, text[:MAX_DRAFT_LENGTH], self.clock())

    def get(self, conversation_id: int) -> str:
        with self.db.session() as s:
            return DraftRepository(s).text(conversation_id, self.actor.user_id)
