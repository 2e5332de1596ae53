"""Knowledge base use cases: load entries into the matcher."""

from __future__ import annotations

from workbench.domain.kb import KbEntry
from workbench.storage.db import Database
from workbench.storage.repositories.kb import KbRepository


class KbService:
    def __init__(self, db: Database, shop_id: int) -> None:
        self.db = db
        self.shop_id = shop_id

    def entries(self) -> list[KbEntry]:
        with self.db.session() as s:
            return KbRepository(s).entries(self.shop_id)

    def categories(self) -> list[str]:
        with self.db.session() as s:
            return KbRepository(s).categories(self.shop_id)
