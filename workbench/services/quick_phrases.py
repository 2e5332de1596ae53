"""Quick phrases for the composer's picker."""

from __future__ import annotations

from workbench.domain.quick_phrases import QuickPhrase
from workbench.storage.db import Database
from workbench.storage.repositories.quick_phrases import QuickPhraseRepository


class QuickPhraseService:
    def __init__(self, db: Database, shop_id: int) -> None:
        self.db = db
        self.shop_id = shop_id

    def visible_to(self, agent_id: int | None) -> list[QuickPhrase]:
        with self.db.session() as s:
            return QuickPhraseRepository(s).visible_to(self.shop_id, agent_id)
