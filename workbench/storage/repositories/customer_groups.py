"""Customer groups (分组): saved filters (kind "filter") and hand-picked lists (kind "static") with
their members. Counting a group's customers is the customer list's job (``CustomerListRepository``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, delete, exists, insert, literal, select
from sqlalchemy.orm import Session

from workbench.domain.crm import CustomerFilter, CustomerGroup, GroupKind, Selection
from workbench.domain.errors import DomainError
from workbench.storage.repositories.customer_sql import (
    CUSTOMER,
    chunks,
    filtered_ids,
    insert_from_select,
    is_sqlite,
    table,
)
from workbench.storage.tables_crm import CustomerGroupMemberRow, CustomerGroupRow

GROUPS = table(CustomerGroupRow)
GROUP_MEMBERS = table(CustomerGroupMemberRow)
GROUP_MEMBER = GROUP_MEMBERS.c


def _group(row: CustomerGroupRow) -> CustomerGroup:
    kind = GroupKind(row.kind)
    try:
        f = CustomerFilter.from_json(row.filter_json) if kind is GroupKind.FILTER else CustomerFilter()
    except DomainError:
        f = CustomerFilter()
    return CustomerGroup(id=row.id, name=row.name, kind=kind, filter=f, created_at=row.created_at, note=row.note)


class CustomerGroupRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.sqlite = is_sqlite(session)

    def groups(self, shop_id: int) -> list[CustomerGroup]:
        rows = self.s.scalars(
            select(CustomerGroupRow).where(CustomerGroupRow.shop_id == shop_id).order_by(CustomerGroupRow.id)
        )
        return [_group(r) for r in rows]

    def group(self, shop_id: int, group_id: int) -> CustomerGroup:
        return _group(self._own_group(shop_id, group_id))

    def _own_group(self, shop_id: int, group_id: int) -> CustomerGroupRow:
        row = self.s.get(CustomerGroupRow, group_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("group.missing")
        return row

    def _check_group_name(self, shop_id: int, name: str, except_id: int = 0) -> None:
        clash = self.s.scalar(
            select(CustomerGroupRow.id).where(
                CustomerGroupRow.shop_id == shop_id, CustomerGroupRow.name == name, CustomerGroupRow.id != except_id
            )
        )
        if clash is not None:
            raise DomainError("group.exists", field="name", name=name)

    def create_group(
        self, shop_id: int, name: str, kind: GroupKind, f: CustomerFilter, at: datetime, note: str = ""
    ) -> CustomerGroup:
        self._check_group_name(shop_id, name)
        row = CustomerGroupRow(
            shop_id=shop_id,
            name=name,
            kind=kind.value,
            filter_json=f.to_json() if kind is GroupKind.FILTER else "{}",
            note=note,
            created_at=at,
        )
        self.s.add(row)
        self.s.flush()
        return _group(row)

    def update_group(
        self, shop_id: int, group_id: int, *, name: str | None = None, f: CustomerFilter | None = None
    ) -> CustomerGroup:
        row = self._own_group(shop_id, group_id)
        if name is not None and name != row.name:
            self._check_group_name(shop_id, name, except_id=group_id)
            row.name = name
        if f is not None:
            if row.kind != GroupKind.FILTER.value:
                raise DomainError("group.static")
            row.filter_json = f.to_json()
        self.s.flush()
        return _group(row)

    def delete_group(self, shop_id: int, group_id: int) -> None:
        self._own_group(shop_id, group_id)
        self.s.execute(delete(GROUPS).where(CustomerGroupRow.id == group_id))

    def rewrite_group_filters(self, shop_id: int, removed: Sequence[int], merged_into: int | None) -> None:
        """Keep saved filters pointing at live tags after a merge or delete."""
        for row in self.s.scalars(
            select(CustomerGroupRow).where(
                CustomerGroupRow.shop_id == shop_id, CustomerGroupRow.kind == GroupKind.FILTER.value
            )
        ):
            try:
                f = CustomerFilter.from_json(row.filter_json)
            except DomainError:
                continue
            new = f.with_tag_merged(removed, merged_into) if merged_into is not None else f.without_tags(removed)
            if new != f:
                row.filter_json = new.to_json()
        self.s.flush()

    # -- members of a static group --------------------------------------------------------------

    def add_members(self, shop_id: int, group_id: int, selection: Selection, at: datetime) -> int:
        row = self._own_group(shop_id, group_id)
        if row.kind != GroupKind.STATIC.value:
            raise DomainError("group.not_static")
        already_member = exists().where(GROUP_MEMBER.group_id == group_id, GROUP_MEMBER.customer_id == CUSTOMER.id)
        if selection.filter is not None:
            matching = filtered_ids(shop_id, selection.filter, sqlite=self.sqlite)
            source = select(literal(group_id), CUSTOMER.id, literal(at, DateTime)).where(
                CUSTOMER.id.in_(matching), ~already_member
            )
            return insert_from_select(self.s, GROUP_MEMBERS, ["group_id", "customer_id", "added_at"], source)
        added = 0
        for part in chunks(list(selection.ids)):
            missing = list(
                self.s.scalars(
                    select(CUSTOMER.id).where(CUSTOMER.id.in_(part), CUSTOMER.shop_id == shop_id, ~already_member)
                )
            )
            if missing:
                self.s.execute(
                    insert(GROUP_MEMBERS),
                    [{"group_id": group_id, "customer_id": cid, "added_at": at} for cid in missing],
                )
                added += len(missing)
        return added

    def remove_members(self, shop_id: int, group_id: int, customer_ids: Sequence[int]) -> int:
        self._own_group(shop_id, group_id)
        removed = 0
        for part in chunks(list(customer_ids)):
            result = self.s.execute(
                delete(GROUP_MEMBERS).where(GROUP_MEMBER.group_id == group_id, GROUP_MEMBER.customer_id.in_(part))
            )
            removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return removed

    def static_groups_of(self, customer_id: int) -> list[CustomerGroup]:
        rows = self.s.scalars(
            select(CustomerGroupRow)
            .join(CustomerGroupMemberRow, CustomerGroupMemberRow.group_id == CustomerGroupRow.id)
            .where(CustomerGroupMemberRow.customer_id == customer_id)
            .order_by(CustomerGroupRow.name)
        )
        return [_group(r) for r in rows]
