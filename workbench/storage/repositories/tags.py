"""The tag library (标签管理): usage counts with the official tags, create, rename, merge and delete
custom tags, tag many customers at once, and a customer's tag history for the timeline.

Tagging one customer at a time is ``CustomerRepository.add_tag`` / ``remove_tag``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, delete, exists, func, insert, literal, select
from sqlalchemy.orm import Session

from workbench.domain.crm import CREDIT_TIERS, VIP_TAG, Selection, TagUsage, credit_tier
from workbench.domain.customers import Tag
from workbench.domain.errors import DomainError
from workbench.storage.repositories.customer_sql import (
    CUSTOMER,
    CUSTOMER_TAG,
    CUSTOMER_TAGS,
    TAGS,
    chunks,
    filtered_ids,
    insert_from_select,
    is_sqlite,
    to_tag,
)
from workbench.storage.tables import TagRow


class TagRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.sqlite = is_sqlite(session)

    # -- the library ----------------------------------------------------------------------------

    def tag_usage(self, shop_id: int) -> list[TagUsage]:
        """Every stored tag with its usage, plus the official ones derived from customer fields."""
        counts: dict[int, int] = dict(
            self.s.execute(
                select(CUSTOMER_TAG.tag_id, func.count())
                .join(TagRow, TagRow.id == CUSTOMER_TAG.tag_id)
                .where(TagRow.shop_id == shop_id)
                .group_by(CUSTOMER_TAG.tag_id)
            ).all()
        )
        stored = self.s.scalars(
            select(TagRow).where(TagRow.shop_id == shop_id).order_by(TagRow.group_name, TagRow.name)
        )
        usage = [
            TagUsage(t.id, t.name, t.color, t.group_name, t.official, int(counts.get(t.id, 0)))
            for t in stored
            if not (t.official and (t.name == VIP_TAG or t.name in CREDIT_TIERS))
        ]
        vip = self.s.scalar(select(func.count()).where(CUSTOMER.shop_id == shop_id, CUSTOMER.is_88vip.is_(True))) or 0
        official = [TagUsage(0, VIP_TAG, "#262626", "", True, int(vip))]
        tiers: dict[str, int] = defaultdict(int)
        for level, customers in self.s.execute(
            select(CUSTOMER.credit_level, func.count())
            .where(CUSTOMER.shop_id == shop_id)
            .group_by(CUSTOMER.credit_level)
        ).all():
            tier = credit_tier(level or "")
            if tier:
                tiers[tier] += int(customers)
        official += [TagUsage(0, tier, "#d48806", "", True, tiers.get(tier, 0)) for tier in CREDIT_TIERS]
        return official + usage

    def tag(self, tag_id: int) -> Tag | None:
        row = self.s.get(TagRow, tag_id)
        return to_tag(row) if row is not None else None

    def tag_by_name(self, shop_id: int, name: str) -> Tag | None:
        row = self.s.scalars(select(TagRow).where(TagRow.shop_id == shop_id, TagRow.name == name)).first()
        return self.tag(row.id) if row else None

    def create_tag(self, shop_id: int, name: str, color: str, group: str) -> Tag:
        if self.tag_by_name(shop_id, name) is not None:
            raise DomainError("tag.exists", field="tag", name=name)
        row = TagRow(shop_id=shop_id, name=name, color=color, group_name=group, official=False)
        self.s.add(row)
        self.s.flush()
        tag = self.tag(row.id)
        assert tag is not None
        return tag

    def update_tag(
        self, shop_id: int, tag_id: int, *, name: str | None = None, color: str | None = None, group: str | None = None
    ) -> Tag:
        row = self._own_tag(shop_id, tag_id)
        if name is not None and name != row.name:
            other = self.tag_by_name(shop_id, name)
            if other is not None:
                raise DomainError("tag.exists", field="tag", name=name)
            row.name = name
        if color is not None:
            row.color = color
        if group is not None:
            row.group_name = group
        self.s.flush()
        tag = self.tag(row.id)
        assert tag is not None
        return tag

    def _own_tag(self, shop_id: int, tag_id: int) -> TagRow:
        """The shop's custom tag (official tags come from the platform and cannot be changed)."""
        row = self.s.get(TagRow, tag_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("tag.missing", field="tag")
        if row.official:
            raise DomainError("tag.official", field="tag", name=row.name)
        return row

    def merge_tags(self, shop_id: int, source_ids: Sequence[int], target_id: int) -> int:
        """Give the sources' customers the target tag, then delete the sources; returns customers moved."""
        self._own_tag(shop_id, target_id)
        sources = [i for i in dict.fromkeys(source_ids) if i != target_id]
        moved = 0
        for source_id in sources:
            self._own_tag(shop_id, source_id)
            target_tagged = CUSTOMER_TAGS.alias("target_tagged")
            has_target = exists().where(
                target_tagged.c.customer_id == CUSTOMER_TAG.customer_id, target_tagged.c.tag_id == target_id
            )
            moved += insert_from_select(
                self.s,
                CUSTOMER_TAGS,
                ["customer_id", "tag_id", "created_at"],
                select(CUSTOMER_TAG.customer_id, literal(target_id), CUSTOMER_TAG.created_at).where(
                    CUSTOMER_TAG.tag_id == source_id, ~has_target
                ),
            )
            self.s.execute(delete(CUSTOMER_TAGS).where(CUSTOMER_TAG.tag_id == source_id))
            self.s.execute(delete(TAGS).where(TagRow.id == source_id))
        self.s.flush()
        return moved

    def delete_tag(self, shop_id: int, tag_id: int) -> int:
        self._own_tag(shop_id, tag_id)
        used = self.s.scalar(select(func.count()).where(CUSTOMER_TAG.tag_id == tag_id)) or 0
        self.s.execute(delete(CUSTOMER_TAGS).where(CUSTOMER_TAG.tag_id == tag_id))
        self.s.execute(delete(TAGS).where(TagRow.id == tag_id))
        return int(used)

    # -- tagging many customers -----------------------------------------------------------------

    def bulk_tag(self, shop_id: int, selection: Selection, tag_id: int, at: datetime) -> int:
        """Add a tag to every selected customer who lacks it; returns how many got it."""
        self._own_tag(shop_id, tag_id)
        has_tag = exists().where(CUSTOMER_TAG.customer_id == CUSTOMER.id, CUSTOMER_TAG.tag_id == tag_id)
        if selection.filter is not None:
            matching = filtered_ids(shop_id, selection.filter, sqlite=self.sqlite)
            source = select(CUSTOMER.id, literal(tag_id), literal(at, DateTime)).where(
                CUSTOMER.id.in_(matching), ~has_tag
            )
            return insert_from_select(self.s, CUSTOMER_TAGS, ["customer_id", "tag_id", "created_at"], source)
        added = 0
        for part in chunks(list(selection.ids)):
            missing = list(
                self.s.scalars(select(CUSTOMER.id).where(CUSTOMER.id.in_(part), CUSTOMER.shop_id == shop_id, ~has_tag))
            )
            if missing:
                self.s.execute(
                    insert(CUSTOMER_TAGS),
                    [{"customer_id": cid, "tag_id": tag_id, "created_at": at} for cid in missing],
                )
                added += len(missing)
        return added

    def bulk_untag(self, shop_id: int, selection: Selection, tag_id: int) -> int:
        self._own_tag(shop_id, tag_id)
        if selection.filter is not None:
            matching = filtered_ids(shop_id, selection.filter, sqlite=self.sqlite)
            result = self.s.execute(
                delete(CUSTOMER_TAGS).where(CUSTOMER_TAG.tag_id == tag_id, CUSTOMER_TAG.customer_id.in_(matching))
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
        removed = 0
        for part in chunks(list(selection.ids)):
            result = self.s.execute(
                delete(CUSTOMER_TAGS).where(
                    CUSTOMER_TAG.tag_id == tag_id,
                    CUSTOMER_TAG.customer_id.in_(
                        select(CUSTOMER.id).where(CUSTOMER.id.in_(part), CUSTOMER.shop_id == shop_id)
                    ),
                )
            )
            removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return removed

    # -- one customer ---------------------------------------------------------------------------

    def tag_events(self, customer_id: int) -> list[tuple[datetime, Tag]]:
        """(when it was given, tag) for each of the customer's tags: the timeline's 打标签 events."""
        rows = self.s.execute(
            select(CUSTOMER_TAG.created_at, TagRow)
            .join(TagRow, TagRow.id == CUSTOMER_TAG.tag_id)
            .where(CUSTOMER_TAG.customer_id == customer_id)
        ).all()
        return [(at, to_tag(tag)) for at, tag in rows]
