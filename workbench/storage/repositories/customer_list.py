"""The customer list (客户列表): count and page a filter, list rows with their tags, and selections.

The list never loads all rows: ``count`` and ``page`` push every filter into SQL, and each sortable
column has an index (see ``tables_crm``). It is tuned for 100k customers and 1M orders
(``python -m workbench.bench customers``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbench.domain.crm import CustomerFilter, CustomerListItem, Selection, SortKey, TagMatch, TagRef
from workbench.domain.customers import masked_phone
from workbench.storage.repositories.customer_sql import (
    CUSTOMER,
    CUSTOMER_STATS,
    CUSTOMER_TAG,
    CUSTOMERS,
    STATS,
    TAG,
    chunks,
    customer_conditions,
    filtered_ids,
    is_sqlite,
    stats_conditions,
    stats_from_row,
)
from workbench.storage.tables import TagRow

_STATS_SORTS = {
    SortKey.ORDERS: STATS.order_count,
    SortKey.SPENT: STATS.total_cents,
    SortKey.LAST_ORDER: STATS.last_order_at,
}


def _order_by(sort: SortKey, descending: bool, *, stats_only: bool = False) -> list[Any]:
    def directed(column: Any) -> Any:
        return column.desc() if descending else column.asc()

    if sort in _STATS_SORTS:  # (shop_id, column, customer_id) index: walked in order, no sort step
        return [directed(_STATS_SORTS[sort]), directed(STATS.customer_id)]
    if sort is SortKey.NICK:
        return [directed(CUSTOMER.nick)]
    return [directed(STATS.customer_id if stats_only else CUSTOMER.id)]


def _uses_stats(f: CustomerFilter, sort: SortKey) -> bool:
    """Statistics filters and sorts drive the query from customer_stats; customers without a
    statistics row (not yet computed) drop out of both the count and the pages, consistently."""
    return f.needs_stats() or sort in _STATS_SORTS


LIST_COLUMNS = (
    CUSTOMER.id, CUSTOMER.nick, CUSTOMER.name, CUSTOMER.phone, CUSTOMER.gender, CUSTOMER.city, CUSTOMER.credit_level,
    CUSTOMER.is_88vip, CUSTOMER.traffic_source, CUSTOMER.member_level, CUSTOMER.points, CUSTOMER.registered_at,
    STATS.order_count, STATS.total_cents, STATS.first_order_at, STATS.last_order_at, STATS.r_score, STATS.f_score,
    STATS.m_score, STATS.segment,
)  # fmt: skip


class CustomerListRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.sqlite = is_sqlite(session)

    # Each query takes the narrowest path the filter allows: statistics alone (their indexes cover
    # segment, spend, order count and last order), customers alone, the tag index alone, or the join.

    def count(self, shop_id: int, f: CustomerFilter, sort: SortKey = SortKey.ID) -> int:
        on_customers = customer_conditions(f, sqlite=self.sqlite)
        if _uses_stats(f, sort) and not on_customers:
            query = (
                select(func.count()).select_from(CUSTOMER_STATS).where(STATS.shop_id == shop_id, *stats_conditions(f))
            )
        elif _uses_stats(f, sort):
            query = (
                select(func.count())
                .select_from(CUSTOMER_STATS.join(CUSTOMERS, CUSTOMER.id == STATS.customer_id))
                .where(STATS.shop_id == shop_id, CUSTOMER.shop_id == shop_id, *on_customers, *stats_conditions(f))
            )
        elif f.tag_ids and f.tag_match is TagMatch.ANY and replace(f, tag_ids=()).is_empty():
            shop_tag_ids = select(TAG.id).where(TAG.shop_id == shop_id, TAG.id.in_(f.tag_ids))
            tagged_customers = func.count(CUSTOMER_TAG.customer_id.distinct()) if len(f.tag_ids) > 1 else func.count()
            query = select(tagged_customers).where(CUSTOMER_TAG.tag_id.in_(shop_tag_ids))
        else:
            query = select(func.count()).select_from(CUSTOMERS).where(CUSTOMER.shop_id == shop_id, *on_customers)
        return int(self.s.execute(query).scalar_one())

    def page_ids(
        self, shop_id: int, f: CustomerFilter, sort: SortKey, descending: bool, offset: int, limit: int
    ) -> list[int]:
        """The ids on one page, in order: the narrow first step of a page (index-only where possible)."""
        on_customers = customer_conditions(f, sqlite=self.sqlite)
        if _uses_stats(f, sort) and not on_customers and sort is not SortKey.NICK:
            query = (
                select(STATS.customer_id)
                .where(STATS.shop_id == shop_id, *stats_conditions(f))
                .order_by(*_order_by(sort, descending, stats_only=True))
            )
        elif _uses_stats(f, sort):
            query = (
                select(CUSTOMER.id)
                .select_from(CUSTOMER_STATS.join(CUSTOMERS, CUSTOMER.id == STATS.customer_id))
                .where(STATS.shop_id == shop_id, CUSTOMER.shop_id == shop_id, *on_customers, *stats_conditions(f))
                .order_by(*_order_by(sort, descending))
            )
        else:
            query = (
                select(CUSTOMER.id)
                .where(CUSTOMER.shop_id == shop_id, *on_customers)
                .order_by(*_order_by(sort, descending))
            )
        return list(self.s.scalars(query.offset(offset).limit(limit)))

    def page(
        self, shop_id: int, f: CustomerFilter, sort: SortKey, descending: bool, offset: int, limit: int
    ) -> list[CustomerListItem]:
        """One page of the list: its ids first, then those rows with their tags."""
        return self.items(shop_id, self.page_ids(shop_id, f, sort, descending, offset, limit))

    def items(self, shop_id: int, customer_ids: Sequence[int]) -> list[CustomerListItem]:
        """List rows for these customers, in the given order (unknown ids are left out)."""
        found: dict[int, CustomerListItem] = {}
        for part in chunks(customer_ids):
            query = (
                select(*LIST_COLUMNS)
                .select_from(CUSTOMERS.outerjoin(CUSTOMER_STATS, STATS.customer_id == CUSTOMER.id))
                .where(CUSTOMER.shop_id == shop_id, CUSTOMER.id.in_(part))
            )
            found.update((item.id, item) for item in self._items(self.s.execute(query).all()))
        return [found[i] for i in customer_ids if i in found]

    def _items(self, rows: Sequence[Any]) -> list[CustomerListItem]:
        tags = self.tag_refs([r.id for r in rows])
        return [
            CustomerListItem(
                id=r.id,
                nick=r.nick,
                name=r.name,
                phone_masked=masked_phone(r.phone),
                gender=r.gender,
                city=r.city,
                credit_level=r.credit_level,
                is_88vip=bool(r.is_88vip),
                traffic_source=r.traffic_source,
                member_level=r.member_level,
                points=r.points,
                registered_at=r.registered_at,
                stats=stats_from_row(r),
                tags=tuple(tags.get(r.id, ())),
            )
            for r in rows
        ]

    def tag_refs(self, customer_ids: Sequence[int]) -> dict[int, list[TagRef]]:
        """The tags shown on these customers' list rows, in the order they were given."""
        out: dict[int, list[TagRef]] = defaultdict(list)
        for part in chunks(customer_ids):
            rows = self.s.execute(
                select(CUSTOMER_TAG.customer_id, TagRow.id, TagRow.name, TagRow.color)
                .join(TagRow, TagRow.id == CUSTOMER_TAG.tag_id)
                .where(CUSTOMER_TAG.customer_id.in_(part))
                .order_by(CUSTOMER_TAG.customer_id, CUSTOMER_TAG.created_at, TagRow.name)
            )
            for customer_id, tag_id, name, color in rows:
                out[customer_id].append(TagRef(tag_id, name, color))
        return out

    # -- selections (the ticked rows, or everything a filter matches) ---------------------------

    def selection_ids(self, shop_id: int, selection: Selection, limit: int | None = None) -> list[int]:
        """The shop's customer ids in a selection, in a stable order (at most ``limit``)."""
        if selection.filter is not None:
            query = filtered_ids(shop_id, selection.filter, sqlite=self.sqlite).order_by(CUSTOMER.id)
            if limit is not None:
                query = query.limit(limit)
            return list(self.s.scalars(query))
        wanted = list(selection.ids[: limit if limit is not None else None])
        found: set[int] = set()
        for part in chunks(wanted):
            found.update(self.s.scalars(select(CUSTOMER.id).where(CUSTOMER.id.in_(part), CUSTOMER.shop_id == shop_id)))
        return [i for i in wanted if i in found]

    def selection_count(self, shop_id: int, selection: Selection) -> int:
        if selection.filter is not None:
            return self.count(shop_id, selection.filter)
        return len(self.selection_ids(shop_id, selection))
