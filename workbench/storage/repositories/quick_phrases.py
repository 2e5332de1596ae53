"""Quick phrases."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from workbench.domain.quick_phrases import PhrasePool, QuickPhrase
from workbench.storage.tables import QuickPhraseRow


def _phrase(row: QuickPhraseRow) -> QuickPhrase:
    return QuickPhrase(
        id=row.id,
        pool=PhrasePool(row.pool),
        group=row.group_name,
        shortcode=row.shortcode,
        text=row.text,
        agent_id=row.agent_id,
    )


class QuickPhraseRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def visible_to(self, shop_id: int, agent_id: int | None) -> list[QuickPhrase]:
        """The shop pool plus this agent's personal pool."""
        query = select(QuickPhraseRow).where(QuickPhraseRow.shop_id == shop_id)
        personal = QuickPhraseRow.pool == PhrasePool.PERSONAL.value
        if agent_id is None:
            query = query.where(~personal)
        else:
            query = query.where(or_(~personal, QuickPhraseRow.agent_id == agent_id))
        rows = self.s.scalars(query.order_by(QuickPhraseRow.group_name, QuickPhraseRow.position, QuickPhraseRow.id))
        return [_phrase(r) for r in rows]

    def add(
        self,
        shop_id: int,
        pool: PhrasePool,
        group: str,
        shortcode: str,
        text: str,
        agent_id: int | None = None,
        position: int = 0,
    ) -> QuickPhrase:
        row = QuickPhraseRow(
            shop_id=shop_id,
            pool=pool.value,
            group_name=group,
            shortcode=shortcode,
            text=text,
            agent_id=agent_id,
            position=position,
        )
        self.s.add(row)
        self.s.flush()
        return _phrase(row)

    def get(self, phrase_id: int) -> QuickPhrase | None:
        row = self.s.get(QuickPhraseRow, phrase_id)
        return _phrase(row) if row is not None else None

    def update(
        self, phrase_id: int, pool: PhrasePool, group: str, shortcode: str, text: str, agent_id: int | None
    ) -> QuickPhrase | None:
        """Rewrite one phrase (None when it is gone); a personal phrase belongs to `agent_id`."""
        row = self.s.get(QuickPhraseRow, phrase_id)
        if row is None:
            return None
        row.pool = pool.value
        row.group_name = group
        row.shortcode = shortcode
        row.text = text
        row.agent_id = agent_id if pool is PhrasePool.PERSONAL else None
        self.s.flush()
        return _phrase(row)

    def delete(self, phrase_id: int) -> bool:
        row = self.s.get(QuickPhraseRow, phrase_id)
        if row is None:
            return False
        self.s.delete(row)
        self.s.flush()
        return True
