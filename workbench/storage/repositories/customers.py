"""Customers and their profile (extras, edits, chats), tags one at a time, and notes.

The tag library and tagging many customers at once are in ``tags.TagRepository``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from workbench.domain.crm import ChatSummary, CustomerExtras, ProfileEdit
from workbench.domain.customers import Customer, Note, Tag
from workbench.domain.errors import DomainError
from workbench.storage.repositories.customer_sql import to_tag
from workbench.storage.repositories.customer_stats import CustomerStatsRepository
from workbench.storage.tables import ConversationRow, CustomerRow, CustomerTagRow, MessageRow, NoteRow, TagRow
from workbench.storage.tables_crm import CustomerExtrasRow


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


def _customer_values(shop_id: int, customer: Customer) -> dict[str, Any]:
    return {
        "shop_id": shop_id,
        "nick": customer.nick,
        "name": customer.name,
        "phone": customer.phone,
        "gender": customer.gender,
        "city": customer.city,
        "credit_level": customer.credit_level,
        "is_88vip": customer.is_88vip,
        "traffic_source": customer.traffic_source,
        "member_level": customer.member_level,
        "points": customer.points,
        "registered_at": customer.registered_at,
        "preferences": customer.preferences,
        "refund_count": customer.refund_count,
        "bad_review_count": customer.bad_review_count,
    }


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
        row = CustomerRow(**_customer_values(shop_id, customer))
        self.s.add(row)
        self.s.flush()
        CustomerStatsRepository(self.s).touch(shop_id, [row.id])  # its statistics row (no orders yet)
        return to_customer(row)

    def add_many(self, shop_id: int, customers: Sequence[Customer]) -> list[int]:
        """Many new customers in one statement (executemany); their ids, in the same order."""
        if not customers:
            return []
        statement = insert(CustomerRow).returning(CustomerRow.id, sort_by_parameter_order=True)
        ids = list(self.s.scalars(statement, [_customer_values(shop_id, c) for c in customers]))
        CustomerStatsRepository(self.s).touch(shop_id, ids)
        return ids

    def add_extras_many(self, extras: Mapping[int, CustomerExtras]) -> None:
        """The extras of customers that have none yet (by customer id), in one statement."""
        if extras:
            rows = [
                {"customer_id": customer_id, "style": e.style, "size": e.size, "height_cm": e.height_cm}
                | {"weight_jin": e.weight_jin, "birthday": e.birthday}
                for customer_id, e in extras.items()
            ]
            self.s.execute(insert(CustomerExtrasRow), rows)

    # -- profile --------------------------------------------------------------------------------

    def extras(self, customer_id: int) -> CustomerExtras:
        row = self.s.get(CustomerExtrasRow, customer_id)
        if row is None:
            return CustomerExtras()
        return CustomerExtras(row.style, row.size, row.height_cm, row.weight_jin, row.birthday)

    def save_extras(self, customer_id: int, extras: CustomerExtras) -> None:
        row = self.s.get(CustomerExtrasRow, customer_id)
        if row is None:
            row = CustomerExtrasRow(customer_id=customer_id)
            self.s.add(row)
        row.style, row.size = extras.style, extras.size
        row.height_cm, row.weight_jin, row.birthday = extras.height_cm, extras.weight_jin, extras.birthday
        self.s.flush()

    def edit_customer(self, shop_id: int, customer_id: int, edit: ProfileEdit) -> None:
        """Apply the fields an edit sets (None: unchanged) to the customer and their extras."""
        row = self.s.get(CustomerRow, customer_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("customer.missing")
        for name in ("name", "phone", "gender", "city", "traffic_source", "member_level", "points", "preferences"):
            value = getattr(edit, name)
            if value is not None:
                setattr(row, name, value)
        extras = self.extras(customer_id)
        changed = {
            name: getattr(edit, name)
            for name in ("style", "size", "height_cm", "weight_jin", "birthday")
            if getattr(edit, name) is not None
        }
        if changed:
            self.save_extras(customer_id, replace(extras, **changed))
        self.s.flush()

    def chats(self, customer_id: int, limit: int = 50) -> list[ChatSummary]:
        """The customer's conversations, newest first, with their message counts."""
        message_count = select(func.count()).where(MessageRow.conversation_id == ConversationRow.id).scalar_subquery()
        rows = self.s.execute(
            select(ConversationRow, message_count)
            .where(ConversationRow.customer_id == customer_id)
            .order_by(ConversationRow.started_at.desc())
            .limit(limit)
        ).all()
        return [
            ChatSummary(chat.id, chat.started_at, chat.last_message_at, chat.state, chat.last_message, int(messages))
            for chat, messages in rows
        ]

    # -- tags ---------------------------------------------------------------------------------

    def all_tags(self, shop_id: int) -> list[Tag]:
        rows = self.s.scalars(select(TagRow).where(TagRow.shop_id == shop_id).order_by(TagRow.group_name, TagRow.name))
        return [to_tag(r) for r in rows]

    def tags_of(self, customer_id: int) -> list[Tag]:
        rows = self.s.scalars(
            select(TagRow)
            .join(CustomerTagRow, CustomerTagRow.tag_id == TagRow.id)
            .where(CustomerTagRow.customer_id == customer_id)
            .order_by(CustomerTagRow.created_at, TagRow.name)
        )
        return [to_tag(r) for r in rows]

    def ensure_tag(
        self, shop_id: int, name: str, color: str = "#1677ff", group: str = "", official: bool = False
    ) -> Tag:
        row = self.s.scalars(select(TagRow).where(TagRow.shop_id == shop_id, TagRow.name == name)).first()
        if row is None:
            row = TagRow(shop_id=shop_id, name=name, color=color, group_name=group, official=official)
            self.s.add(row)
            self.s.flush()
        return to_tag(row)

    def ensure_tags(self, shop_id: int, colours: Mapping[str, str]) -> dict[str, int]:
        """The ids of the tags named in `colours` (name → colour), the missing ones created in that order."""
        query = select(TagRow.name, TagRow.id).where(TagRow.shop_id == shop_id, TagRow.name.in_(colours))
        found: dict[str, int] = {name: tag_id for name, tag_id in self.s.execute(query)}
        missing = [name for name in colours if name not in found]
        if missing:
            statement = insert(TagRow).returning(TagRow.id, sort_by_parameter_order=True)
            rows = [
                {"shop_id": shop_id, "name": n, "color": colours[n], "group_name": "", "official": False}
                for n in missing
            ]
            found.update(zip(missing, self.s.scalars(statement, rows), strict=True))
        return found

    def add_tags_many(self, links: Sequence[tuple[int, int]], at: datetime) -> None:
        """Give customers tags they do not have yet: (customer id, tag id) pairs, in one statement."""
        if links:
            rows = [{"customer_id": c, "tag_id": t, "created_at": at} for c, t in dict.fromkeys(links)]
            self.s.execute(insert(CustomerTagRow), rows)

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
