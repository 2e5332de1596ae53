"""Customers, tags and notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from workbench.domain.customers import Customer, Note, Tag
from workbench.storage.tables import CustomerRow, CustomerTagRow, NoteRow, TagRow


def to_customer(row: CustomerRow) -> Customer:
    return Customer(
        id=row.id,
        nick=row.nick,
        name=row.name,
        phone=row.phone,
        gender=row.gender,
        city=row.city,
        credit_level=row.credit_level,
        is_88vip=row.is_88vip,
        traffic_source=row.traffic_source,
        member_level=row.member_level,
        points=row.points,
        registered_at=row.registered_at,
        preferences=row.preferences,
        refund_count=row.refund_count,
        bad_review_count=row.bad_review_count,
    )


def _tag(row: TagRow) -> Tag:
    return Tag(id=row.id, name=row.name, color=row.color, group=row.group_name, official=row.official)


def _note(row: NoteRow) -> Note:
    return Note(id=row.id, customer_id=row.customer_id, text=row.text, created_at=row.created_at, author=row.author)


class CustomerRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, customer_id: int) -> Customer | None:
        row = self.s.get(CustomerRow, customer_id)
        return to_customer(row) if row else None

    def by_nick(self, shop_id: int, nick: str) -> Customer | None:
        row = self.s.scalars(
            select(CustomerRow).where(CustomerRow.shop_id == shop_id, CustomerRow.nick == nick)
        ).first()
        return to_customer(row) if row else None

    def count(self, shop_id: int) -> int:
        return self.s.scalar(select(func.count()).select_from(CustomerRow).where(CustomerRow.shop_id == shop_id)) or 0

    def ids(self, shop_id: int) -> list[int]:
        return list(
            self.s.scalars(select(CustomerRow.id).where(CustomerRow.shop_id == shop_id).order_by(CustomerRow.id))
        )

    def add(self, shop_id: int, customer: Customer) -> Customer:
        row = CustomerRow(
            shop_id=shop_id,
            nick=customer.nick,
            name=customer.name,
            phone=customer.phone,
            gender=customer.gender,
            city=customer.city,
            credit_level=customer.credit_level,
            is_88vip=customer.is_88vip,
            traffic_source=customer.traffic_source,
            member_level=customer.member_level,
            points=customer.points,
            registered_at=customer.registered_at,
            preferences=customer.preferences,
            refund_count=customer.refund_count,
            bad_review_count=customer.bad_review_count,
        )
        self.s.add(row)
        self.s.flush()
        return to_customer(row)

    # -- tags ---------------------------------------------------------------------------------

    def all_tags(self, shop_id: int) -> list[Tag]:
        rows = self.s.scalars(select(TagRow).where(TagRow.shop_id == shop_id).order_by(TagRow.group_name, TagRow.name))
        return [_tag(r) for r in rows]

    def tags_of(self, customer_id: int) -> list[Tag]:
        rows = self.s.scalars(
            select(TagRow)
            .join(CustomerTagRow, CustomerTagRow.tag_id == TagRow.id)
            .where(CustomerTagRow.customer_id == customer_id)
            .order_by(CustomerTagRow.created_at, TagRow.name)
        )
        return [_tag(r) for r in rows]

    def ensure_tag(
        self, shop_id: int, name: str, color: str = "#1677ff", group: str = "", official: bool = False
    ) -> Tag:
        row = self.s.scalars(select(TagRow).where(TagRow.shop_id == shop_id, TagRow.name == name)).first()
        if row is None:
            row = TagRow(shop_id=shop_id, name=name, color=color, group_name=group, official=official)
            self.s.add(row)
            self.s.flush()
        return _tag(row)

    def add_tag(self, customer_id: int, tag_id: int, at: datetime) -> None:
        if self.s.get(CustomerTagRow, (customer_id, tag_id)) is None:
            self.s.add(CustomerTagRow(customer_id=customer_id, tag_id=tag_id, created_at=at))
            self.s.flush()

    def remove_tag(self, customer_id: int, tag_id: int) -> None:
        self.s.execute(
            delete(CustomerTagRow).where(CustomerTagRow.customer_id == customer_id, CustomerTagRow.tag_id == tag_id)
        )

    # -- notes --------------------------------------------------------------------------------

    def notes_of(self, customer_id: int) -> list[Note]:
        rows = self.s.scalars(
            select(NoteRow)
            .where(NoteRow.customer_id == customer_id)
            .order_by(NoteRow.created_at.desc(), NoteRow.id.desc())
        )
        return [_note(r) for r in rows]

    def add_note(self, customer_id: int, text: str, author: str, at: datetime) -> Note:
        row = NoteRow(customer_id=customer_id, text=text, author=author, created_at=at)
        self.s.add(row)
        self.s.flush()
        return _note(row)

    def delete_note(self, note_id: int) -> None:
        self.s.execute(delete(NoteRow).where(NoteRow.id == note_id))

    def some(self, shop_id: int, limit: int = 1000) -> list[Customer]:
        """Up to `limit` customers (the simulator's cast)."""
        rows = self.s.scalars(
            select(CustomerRow).where(CustomerRow.shop_id == shop_id).order_by(CustomerRow.id).limit(limit)
        )
        return [to_customer(r) for r in rows]
