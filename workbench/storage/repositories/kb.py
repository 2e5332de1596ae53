"""Knowledge-base categories, entries, phrasings and answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from workbench.domain.kb import STANDARD_CATEGORIES, KbEntry, Phrasing, PhrasingKind
from workbench.storage.dialects import upsert_insert
from workbench.storage.tables import KbAnswerRow, KbCategoryRow, KbEntryRow, KbPhrasingRow
from workbench.storage.tables_kb_admin import KbHitDayRow


def _entry(row: KbEntryRow) -> KbEntry:
    return KbEntry(
        id=row.id,
        category=row.category.name,
        question=row.question,
        answers=tuple(a.text for a in row.answers),
        phrasings=tuple(
            Phrasing(
                text=p.text,
                kind=PhrasingKind(p.kind),
                negative=p.negative,
                core_words=tuple(w for w in p.core_words.split("|") if w),
                id=p.id,
            )
            for p in row.phrasings
        ),
        enabled=row.enabled,
        needs_human=row.needs_human,
        custom=row.custom,
        hits=row.hits,
    )


# 热度 counting: statements built once per process (per dialect) and reused for every batch.
# Bind names differ from the column names: SQLAlchemy reserves those for VALUES / SET.
_ENTRY = KbEntryRow.__table__
_BUMP_TOTAL = (
    update(_ENTRY).where(_ENTRY.c.id == bindparam("b_entry_id")).values(hits=_ENTRY.c.hits + bindparam("b_hits"))
)
_HIT_DAY_UPSERTS: dict[str, Executable] = {}


def _hit_day_upsert(dialect: str) -> Executable | None:
    """INSERT … ON CONFLICT that adds to a day's count (PostgreSQL, SQLite); None for other databases."""
    if dialect not in ("postgresql", "sqlite"):
        return None
    statement = _HIT_DAY_UPSERTS.get(dialect)
    if statement is None:
        day_table = KbHitDayRow.__table__
        insert = upsert_insert(dialect)
        stmt = insert(day_table).values(
            entry_id=bindparam("b_entry_id"), day=bindparam("b_day"), hits=bindparam("b_hits")
        )
        statement = stmt.on_conflict_do_update(
            index_elements=[day_table.c.entry_id, day_table.c.day],
            set_={"hits": day_table.c.hits + stmt.excluded.hits},
        )
        _HIT_DAY_UPSERTS[dialect] = statement
    return statement


class KbRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def categories(self, shop_id: int) -> list[str]:
        rows = self.s.scalars(
            select(KbCategoryRow.name).where(KbCategoryRow.shop_id == shop_id).order_by(KbCategoryRow.position)
        )
        return list(rows)

    def ensure_standard_categories(self, shop_id: int) -> None:
        existing = set(self.categories(shop_id))
        for pos, name in enumerate(STANDARD_CATEGORIES):
            if name not in existing:
                self.s.add(KbCategoryRow(shop_id=shop_id, name=name, standard=True, position=pos))
        self.s.flush()

    def _category_id(self, shop_id: int, name: str) -> int:
        cid = self.s.scalar(
            select(KbCategoryRow.id).where(KbCategoryRow.shop_id == shop_id, KbCategoryRow.name == name)
        )
        if cid is None:
            row = KbCategoryRow(shop_id=shop_id, name=name, standard=False, position=100)
            self.s.add(row)
            self.s.flush()
            cid = row.id
        return cid

    def entries(self, shop_id: int) -> list[KbEntry]:
        rows = self.s.scalars(select(KbEntryRow).where(KbEntryRow.shop_id == shop_id).order_by(KbEntryRow.id))
        return [_entry(r) for r in rows]

    def get(self, entry_id: int) -> KbEntry | None:
        row = self.s.get(KbEntryRow, entry_id)
        return _entry(row) if row else None

    def add(
        self,
        shop_id: int,
        category: str,
        question: str,
        answers: list[str],
        phrasings: list[Phrasing],
        at: datetime,
        *,
        needs_human: bool = False,
        custom: bool = False,
        enabled: bool = True,
    ) -> KbEntry:
        row = KbEntryRow(
            shop_id=shop_id,
            category_id=self._category_id(shop_id, category),
            question=question,
            enabled=enabled,
            needs_human=needs_human,
            custom=custom,
            hits=0,
            updated_at=at,
        )
        row.answers = [KbAnswerRow(text=t, position=i) for i, t in enumerate(answers)]
        row.phrasings = [
            KbPhrasingRow(text=p.text, kind=p.kind.value, negative=p.negative, core_words="|".join(p.core_words))
            for p in phrasings
        ]
        self.s.add(row)
        self.s.flush()
        return _entry(row)

    def add_many(self, shop_id: int, entries: Sequence[KbEntry], at: datetime) -> list[int]:
        """Many new entries with their answers and phrasings in three statements (executemany, not
        one round trip per row: the demo shop); the entries' ids, in the same order."""
        if not entries:
            return []
        categories: dict[str, int] = {}
        for entry in entries:
            if entry.category not in categories:
                categories[entry.category] = self._category_id(shop_id, entry.category)
        rows = [
            {"shop_id": shop_id, "category_id": categories[e.category], "question": e.question, "enabled": e.enabled}
            | {"needs_human": e.needs_human, "custom": e.custom, "hits": 0, "updated_at": at}
            for e in entries
        ]
        statement = insert(KbEntryRow).returning(KbEntryRow.id, sort_by_parameter_order=True)
        ids = list(self.s.scalars(statement, rows))
        answers = [
            {"entry_id": entry_id, "text": text, "position": i}
            for entry_id, e in zip(ids, entries, strict=True)
            for i, text in enumerate(e.answers)
        ]
        phrasings = [
            {"entry_id": entry_id, "text": p.text, "kind": p.kind.value, "negative": p.negative}
            | {"core_words": "|".join(p.core_words)}
            for entry_id, e in zip(ids, entries, strict=True)
            for p in e.phrasings
        ]
        if answers:
            self.s.execute(insert(KbAnswerRow), answers)
        if phrasings:
            self.s.execute(insert(KbPhrasingRow), phrasings)
        return ids

    def count_hit(self, entry_id: int, day: date | None = None) -> None:
        """One more use of the entry: its total and its count for `day` (default: today), for 热度.
        An entry deleted in the meantime is skipped."""
        self.count_hits({(entry_id, day or date.today()): 1})

    def count_hits(self, counts: Mapping[tuple[int, date], int]) -> None:
        """Several uses at once, by (entry id, day): the bot's direct answers of a batch. Entries
        deleted in the meantime are skipped."""
        wanted = {entry_id for entry_id, _ in counts}
        if not wanted:
            return
        alive = set(self.s.scalars(select(KbEntryRow.id).where(KbEntryRow.id.in_(wanted))))
        hits = [(entry_id, day, n) for (entry_id, day), n in counts.items() if entry_id in alive and n > 0]
        if not hits:
            return
        totals: dict[int, int] = {}
        for entry_id, _, n in hits:
            totals[entry_id] = totals.get(entry_id, 0) + n
        self.s.execute(_BUMP_TOTAL, [{"b_entry_id": entry_id, "b_hits": n} for entry_id, n in totals.items()])
        upsert = _hit_day_upsert(self.s.get_bind().dialect.name)
        if upsert is not None:
            self.s.execute(upsert, [{"b_entry_id": entry_id, "b_day": day, "b_hits": n} for entry_id, day, n in hits])
            return
        day_table = KbHitDayRow.__table__
        for entry_id, day, n in hits:  # other databases: update, else insert
            bumped = self.s.execute(
                update(day_table)
                .where(day_table.c.entry_id == entry_id, day_table.c.day == day)
                .values(hits=day_table.c.hits + n)
            )
            if not bumped.rowcount:  # type: ignore[attr-defined]  # DML runs return a CursorResult; Session.execute is typed Result
                self.s.add(KbHitDayRow(entry_id=entry_id, day=day, hits=n))
        self.s.flush()
