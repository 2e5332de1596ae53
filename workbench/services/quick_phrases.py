"""Quick phrases for the composer's picker, and their management (the shop's and the agent's own)."""

from __future__ import annotations

from workbench.domain.errors import DomainError
from workbench.domain.quick_phrases import PhraseDraft, PhrasePool, QuickPhrase, clean_phrase
from workbench.storage.db import Database
from workbench.storage.repositories.quick_phrases import QuickPhraseRepository


class QuickPhraseService:
    def __init__(self, db: Database, shop_id: int) -> None:
        self.db = db
        self.shop_id = shop_id

    def visible_to(self, agent_id: int | None) -> list[QuickPhrase]:
        with self.db.session() as s:
            return QuickPhraseRepository(s).visible_to(self.shop_id, agent_id)

    def add(self, agent_id: int | None, draft: PhraseDraft) -> QuickPhrase:
        """A new 店铺 phrase, or a 个人 one of `agent_id`'s."""
        with self.db.session() as s:
            repo = QuickPhraseRepository(s)
            clean = clean_phrase(draft, repo.visible_to(self.shop_id, agent_id))
            owner = self._owner(clean.pool, agent_id)
            return repo.add(self.shop_id, clean.pool, clean.group, clean.shortcode, clean.text, agent_id=owner)

    def update(self, agent_id: int | None, phrase_id: int, draft: PhraseDraft) -> QuickPhrase:
        with self.db.session() as s:
            repo = QuickPhraseRepository(s)
            visible = repo.visible_to(self.shop_id, agent_id)
            self._find(visible, phrase_id)
            clean = clean_phrase(draft, [p for p in visible if p.id != phrase_id])
            owner = self._owner(clean.pool, agent_id)
            updated = repo.update(phrase_id, clean.pool, clean.group, clean.shortcode, clean.text, owner)
            if updated is None:
                raise DomainError("phrase.missing")
            return updated

    def delete(self, agent_id: int | None, phrase_id: int) -> None:
        with self.db.session() as s:
            repo = QuickPhraseRepository(s)
            self._find(repo.visible_to(self.shop_id, agent_id), phrase_id)
            if not repo.delete(phrase_id):
                raise DomainError("phrase.missing")

    @staticmethod
    def _find(visible: list[QuickPhrase], phrase_id: int) -> QuickPhrase:
        """Only what the agent sees may be changed: another agent's 个人 phrase is missing here."""
        for phrase in visible:
            if phrase.id == phrase_id:
                return phrase
        raise DomainError("phrase.missing")

    @staticmethod
    def _owner(pool: PhrasePool, agent_id: int | None) -> int | None:
        if pool is PhrasePool.PERSONAL:
            if agent_id is None:
                raise DomainError("phrase.no_agent", field="pool")
            return agent_id
        return None
