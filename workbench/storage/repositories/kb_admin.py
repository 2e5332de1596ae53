"""The knowledge editor's storage: categories, entries with answer windows, 热度 and pack links."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from workbench.domain.kb import STANDARD_CATEGORIES, Phrasing, PhrasingKind
from workbench.domain.kb_admin import Answer, CategoryInfo, EntryDraft, KnowledgeEntry, PackLink
from workbench.domain.packs import Installed, Subscription
from workbench.storage.tables import KbAnswerRow, KbCategoryRow, KbEntryRow, KbPhrasingRow
from workbench.storage.tables_kb_admin import (
    KbAnswerWindowRow,
    KbHitDayRow,
    KbPackEntryRow,
    KbPackSubscriptionRow,
    KbRevisionRow,
)

CUSTOM_POSITION = 100  # custom categories sort after the seven standard ones


class KbAdminRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- categories ---------------------------------------------------------------------------

    def categories(self, shop_id: int) -> list[CategoryInfo]:
        """Standard categories in their order, then custom ones in creation order, with entry counts."""
        counts = dict(
            self.s.execute(
                select(KbEntryRow.category_id, func.count())
                .where(KbEntryRow.shop_id == shop_id)
                .group_by(KbEntryRow.category_id)
            ).all()
        )
        enabled = dict(
            self.s.execute(
                select(KbEntryRow.category_id, func.count())
                .where(KbEntryRow.shop_id == shop_id, KbEntryRow.enabled.is_(True))
                .group_by(KbEntryRow.category_id)
            ).all()
        )
        rows = self.s.scalars(
            select(KbCategoryRow)
            .where(KbCategoryRow.shop_id == shop_id)
            .order_by(KbCategoryRow.position, KbCategoryRow.id)
        )
        return [CategoryInfo(r.name, r.standard, int(counts.get(r.id, 0)), int(enabled.get(r.id, 0))) for r in rows]

    def category_names(self, shop_id: int) -> list[str]:
        return [c.name for c in self.categories(shop_id)]

    def ensure_standard_categories(self, shop_id: int) -> None:
        existing = set(self.s.scalars(select(KbCategoryRow.name).where(KbCategoryRow.shop_id == shop_id)))
        for pos, name in enumerate(STANDARD_CATEGORIES):
            if name not in existing:
                self.s.add(KbCategoryRow(shop_id=shop_id, name=name, standard=True, position=pos))
        self.s.flush()

    def _category(self, shop_id: int, name: str) -> KbCategoryRow | None:
        return self.s.scalar(select(KbCategoryRow).where(KbCategoryRow.shop_id == shop_id, KbCategoryRow.name == name))

    def add_category(self, shop_id: int, name: str) -> CategoryInfo:
        last = self.s.scalar(select(func.max(KbCategoryRow.position)).where(KbCategoryRow.shop_id == shop_id))
        row = KbCategoryRow(shop_id=shop_id, name=name, standard=False, position=max(CUSTOM_POSITION, (last or 0) + 1))
        self.s.add(row)
        self.s.flush()
        return CategoryInfo(row.name, False)

    def rename_category(self, shop_id: int, old: str, new: str) -> list[int]:
        """Rename a custom category; the ids of its entries (their category name changed)."""
        row = self._category(shop_id, old)
        if row is None or row.standard:
            raise LookupError(old)
        row.name = new
        self.s.flush()
        return list(self.s.scalars(select(KbEntryRow.id).where(KbEntryRow.category_id == row.id)))

    def delete_category(self, shop_id: int, name: str, fallback: str) -> list[int]:
        """Delete a custom category, moving its entries to `fallback`; the moved entries' ids."""
        row = self._category(shop_id, name)
        target = self._category(shop_id, fallback)
        if row is None or row.standard or target is None:
            raise LookupError(name)
        moved = list(self.s.scalars(select(KbEntryRow.id).where(KbEntryRow.category_id == row.id)))
        if moved:
            self.s.execute(update(KbEntryRow).where(KbEntryRow.category_id == row.id).values(category_id=target.id))
        self.s.delete(row)
        self.s.flush()
        return moved

    # -- entries ------------------------------------------------------------------------------

    def entries(self, shop_id: int, today: date, ids: Collection[int] | None = None) -> list[KnowledgeEntry]:
        """The shop's entries (or only `ids`) by id, with answer windows, 热度 and pack origin.

        Read as plain rows, a few statements for the whole KB (the matcher reads every entry at each
        start: ORM objects and an `IN` list of every id took about 11 s at 100k entries)."""
        if ids is not None and not ids:
            return []
        of_shop = select(KbEntryRow.id).where(KbEntryRow.shop_id == shop_id)
        if ids is not None:
            of_shop = of_shop.where(KbEntryRow.id.in_(list(ids)))
        wanted = of_shop.scalar_subquery() if ids is None else None

        def among(column: Any) -> Any:  # an entry id column limited to the entries read
            return column.in_(wanted) if wanted is not None else column.in_(list(ids or ()))

        # Plain rows through the session's connection: the ORM's result handling (about a third of the
        # read at 100k entries) has nothing to do for column tuples.
        run = self.s.connection().execute
        rows = run(
            select(
                KbEntryRow.id,
                KbCategoryRow.name,
                KbEntryRow.question,
                KbEntryRow.enabled,
                KbEntryRow.needs_human,
                KbEntryRow.custom,
                KbEntryRow.hits,
                KbEntryRow.updated_at,
            )
            .join(KbCategoryRow, KbCategoryRow.id == KbEntryRow.category_id)
            .where(among(KbEntryRow.id))
            .order_by(KbEntryRow.id)
        ).all()
        if not rows:
            return []
        phrasings: dict[int, list[Phrasing]] = {}
        kinds = {k.value: k for k in PhrasingKind}  # a dict look-up, not the enum's call, per phrasing
        for p_id, entry_id, text, kind, negative, core in run(
            select(
                KbPhrasingRow.id,
                KbPhrasingRow.entry_id,
                KbPhrasingRow.text,
                KbPhrasingRow.kind,
                KbPhrasingRow.negative,
                KbPhrasingRow.core_words,
            )
            .where(among(KbPhrasingRow.entry_id))
            .order_by(KbPhrasingRow.id)
        ).all():  # fetched at once: row by row costs a call each
            phrasings.setdefault(entry_id, []).append(
                Phrasing(text, kinds[kind], negative, tuple(w for w in core.split("|") if w) if core else (), id=p_id)
            )
        windows: dict[int, tuple[date | None, date | None]] = {}
        for answer_id, start, end in self.s.execute(
            select(KbAnswerWindowRow.answer_id, KbAnswerWindowRow.valid_from, KbAnswerWindowRow.valid_to)
            .join(KbAnswerRow, KbAnswerRow.id == KbAnswerWindowRow.answer_id)
            .where(among(KbAnswerRow.entry_id))
        ):
            windows[answer_id] = (start, end)
        answers: dict[int, list[Answer]] = {}
        for a_id, entry_id, text in run(
            select(KbAnswerRow.id, KbAnswerRow.entry_id, KbAnswerRow.text)
            .where(among(KbAnswerRow.entry_id))
            .order_by(KbAnswerRow.entry_id, KbAnswerRow.position, KbAnswerRow.id)
        ).all():
            answers.setdefault(entry_id, []).append(Answer(text, *windows.get(a_id, (None, None))))
        hits = self._recent_hits(among(KbHitDayRow.entry_id), today)
        links = self._links(among(KbPackEntryRow.entry_id))
        return [
            KnowledgeEntry(
                id=entry_id,
                category=category,
                question=question,
                phrasings=tuple(phrasings.get(entry_id, ())),
                answers=tuple(answers.get(entry_id, ())),
                enabled=enabled,
                needs_human=needs_human,
                custom=custom,
                hits=n_hits,
                hits_yesterday=hits.get(entry_id, (0, 0))[0],
                hits_week=hits.get(entry_id, (0, 0))[1],
                updated_at=updated_at,
                pack=links.get(entry_id),
            )
            for entry_id, category, question, enabled, needs_human, custom, n_hits, updated_at in rows
        ]

    def revision(self) -> str | None:
        """The database's KB revision token (migration 0020: replaced by every change of what the
        matcher reads, in any shop); None if the row is missing."""
        return self.s.scalar(select(KbRevisionRow.token).where(KbRevisionRow.id == 1))

    def hits(self, shop_id: int) -> dict[int, int]:
        """Each entry's 热度 total, by id; entries never used are left out (0)."""
        run = self.s.connection().execute
        used = select(KbEntryRow.id, KbEntryRow.hits).where(KbEntryRow.shop_id == shop_id, KbEntryRow.hits != 0)
        return {i: n for i, n in run(used)}

    def entry(self, shop_id: int, entry_id: int, today: date) -> KnowledgeEntry | None:
        found = self.entries(shop_id, today, [entry_id])
        return found[0] if found else None

    def questions(self, shop_id: int) -> list[str]:
        return list(self.s.scalars(select(KbEntryRow.question).where(KbEntryRow.shop_id == shop_id)))

    def _recent_hits(self, among: Any, today: date) -> dict[int, tuple[int, int]]:
        """(hits yesterday, hits in the 7 days ending today) per entry."""
        yesterday = today - timedelta(days=1)
        week_start = today - timedelta(days=6)
        rows = self.s.execute(
            select(
                KbHitDayRow.entry_id,
                func.sum(case((KbHitDayRow.day == yesterday, KbHitDayRow.hits), else_=0)),
                func.sum(KbHitDayRow.hits),
            )
            .where(
                among,
                KbHitDayRow.day >= week_start,
                KbHitDayRow.day <= today,
            )
            .group_by(KbHitDayRow.entry_id)
        ).all()
        return {entry_id: (int(y or 0), int(w or 0)) for entry_id, y, w in rows}

    def _links(self, among: Any) -> dict[int, PackLink]:
        rows = self.s.execute(
            select(
                KbPackEntryRow.entry_id,
                KbPackSubscriptionRow.pack_id,
                KbPackEntryRow.entry_key,
                KbPackEntryRow.pack_version,
                KbPackEntryRow.edited,
            )
            .join(KbPackSubscriptionRow, KbPackSubscriptionRow.id == KbPackEntryRow.subscription_id)
            .where(among)
        ).all()
        # `entry_id IN (...)` never matches NULL (an entry the shop deleted); the test says so to the type checker
        return {
            eid: PackLink(pack, key, version, edited) for eid, pack, key, version, edited in rows if eid is not None
        }

    def add_entry(self, shop_id: int, draft: EntryDraft, at: datetime, *, custom: bool) -> int:
        category = self._category(shop_id, draft.category)
        if category is None:
            raise LookupError(draft.category)
        row = KbEntryRow(
            shop_id=shop_id,
            category_id=category.id,
            question=draft.question,
            enabled=draft.enabled,
            needs_human=draft.needs_human,
            custom=custom,
            hits=0,
            updated_at=at,
        )
        self._fill(row, draft)
        self.s.add(row)
        self.s.flush()
        self._write_windows(row, draft)
        return row.id

    def update_entry(self, shop_id: int, entry_id: int, draft: EntryDraft, at: datetime) -> None:
        row = self._row(shop_id, entry_id)
        category = self._category(shop_id, draft.category)
        if category is None:
            raise LookupError(draft.category)
        row.category_id = category.id
        row.question = draft.question
        row.enabled = draft.enabled
        row.needs_human = draft.needs_human
        row.updated_at = at
        self._fill(row, draft)
        self.s.flush()
        self._write_windows(row, draft)
        self.s.expire(row, ["category"])

    def set_enabled(self, shop_id: int, entry_id: int, enabled: bool, at: datetime) -> None:
        row = self._row(shop_id, entry_id)
        row.enabled = enabled
        row.updated_at = at
        self.s.flush()

    def set_custom(self, entry_id: int, custom: bool) -> None:
        self.s.execute(update(KbEntryRow).where(KbEntryRow.id == entry_id).values(custom=custom))

    def delete_entry(self, shop_id: int, entry_id: int) -> None:
        self.s.delete(self._row(shop_id, entry_id))
        self.s.flush()

    def _row(self, shop_id: int, entry_id: int) -> KbEntryRow:
        row = self.s.get(KbEntryRow, entry_id)
        if row is None or row.shop_id != shop_id:
            raise LookupError(entry_id)
        return row

    @staticmethod
    def _fill(row: KbEntryRow, draft: EntryDraft) -> None:
        row.phrasings = [
            KbPhrasingRow(text=p.text, kind=p.kind.value, negative=p.negative, core_words="|".join(p.core_words))
            for p in draft.phrasings
        ]
        row.answers = [KbAnswerRow(text=a.text, position=i) for i, a in enumerate(draft.answers)]

    def _write_windows(self, row: KbEntryRow, draft: EntryDraft) -> None:
        for answer_row, answer in zip(row.answers, draft.answers, strict=True):
            if answer.has_window:
                self.s.add(
                    KbAnswerWindowRow(answer_id=answer_row.id, valid_from=answer.valid_from, valid_to=answer.valid_to)
                )
        self.s.flush()

    # -- industry packs -----------------------------------------------------------------------

    def subscriptions(self, shop_id: int) -> list[Subscription]:
        rows = list(
            self.s.scalars(
                select(KbPackSubscriptionRow)
                .where(KbPackSubscriptionRow.shop_id == shop_id)
                .order_by(KbPackSubscriptionRow.id)
            )
        )
        counts = {
            sub_id: (int(n or 0), int(edited or 0))
            for sub_id, n, edited in self.s.execute(
                select(
                    KbPackEntryRow.subscription_id,
                    func.count(KbPackEntryRow.entry_id),
                    func.sum(case((KbPackEntryRow.edited.is_(True), 1), else_=0)),
                )
                .where(KbPackEntryRow.subscription_id.in_([r.id for r in rows]), KbPackEntryRow.entry_id.is_not(None))
                .group_by(KbPackEntryRow.subscription_id)
            ).all()
        }
        return [
            Subscription(r.pack_id, r.version, r.subscribed_at, r.upgraded_at, *counts.get(r.id, (0, 0))) for r in rows
        ]

    def _subscription_row(self, shop_id: int, pack_id: str) -> KbPackSubscriptionRow | None:
        return self.s.scalar(
            select(KbPackSubscriptionRow).where(
                KbPackSubscriptionRow.shop_id == shop_id, KbPackSubscriptionRow.pack_id == pack_id
            )
        )

    def subscription_id(self, shop_id: int, pack_id: str) -> int | None:
        row = self._subscription_row(shop_id, pack_id)
        return row.id if row else None

    def subscription_version(self, shop_id: int, pack_id: str) -> str | None:
        row = self._subscription_row(shop_id, pack_id)
        return row.version if row else None

    def subscribe(self, shop_id: int, pack_id: str, version: str, at: datetime) -> int:
        row = KbPackSubscriptionRow(shop_id=shop_id, pack_id=pack_id, version=version, subscribed_at=at)
        self.s.add(row)
        self.s.flush()
        return row.id

    def set_subscription_version(self, subscription_id: int, version: str, at: datetime) -> None:
        self.s.execute(
            update(KbPackSubscriptionRow)
            .where(KbPackSubscriptionRow.id == subscription_id)
            .values(version=version, upgraded_at=at)
        )

    def unsubscribe(self, subscription_id: int) -> None:
        self.s.execute(delete(KbPackEntryRow).where(KbPackEntryRow.subscription_id == subscription_id))
        self.s.execute(delete(KbPackSubscriptionRow).where(KbPackSubscriptionRow.id == subscription_id))

    def installed(self, subscription_id: int) -> list[Installed]:
        rows = self.s.execute(
            select(
                KbPackEntryRow.entry_key,
                KbPackEntryRow.entry_id,
                KbPackEntryRow.fingerprint,
                KbPackEntryRow.edited,
                KbEntryRow.question,
            )
            .outerjoin(KbEntryRow, KbEntryRow.id == KbPackEntryRow.entry_id)
            .where(KbPackEntryRow.subscription_id == subscription_id)
            .order_by(KbPackEntryRow.id)
        ).all()
        return [Installed(key, eid, fp, edited, question or "") for key, eid, fp, edited, question in rows]

    def link(
        self, subscription_id: int, key: str, entry_id: int | None, version: str, fingerprint: str, edited: bool = False
    ) -> None:
        self.s.add(
            KbPackEntryRow(
                subscription_id=subscription_id,
                entry_key=key,
                entry_id=entry_id,
                pack_version=version,
                fingerprint=fingerprint,
                edited=edited,
            )
        )
        self.s.flush()

    def update_link(self, subscription_id: int, key: str, version: str, fingerprint: str) -> None:
        self.s.execute(
            update(KbPackEntryRow)
            .where(KbPackEntryRow.subscription_id == subscription_id, KbPackEntryRow.entry_key == key)
            .values(pack_version=version, fingerprint=fingerprint)
        )

    def unlink(self, subscription_id: int, key: str) -> None:
        self.s.execute(
            delete(KbPackEntryRow).where(
                KbPackEntryRow.subscription_id == subscription_id, KbPackEntryRow.entry_key == key
            )
        )

    def base_fingerprint(self, entry_id: int) -> str | None:
        """The pack content an entry was installed from, or None for the shop's own entries."""
        return self.s.scalar(select(KbPackEntryRow.fingerprint).where(KbPackEntryRow.entry_id == entry_id))

    def set_edited(self, entry_id: int, edited: bool) -> None:
        self.s.execute(update(KbPackEntryRow).where(KbPackEntryRow.entry_id == entry_id).values(edited=edited))
