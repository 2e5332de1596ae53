"""The record of who looked at a customer's full phone number (查看)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.domain.customers import PhoneView
from workbench.storage.tables_crm import PhoneViewRow


class PhoneViewRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, shop_id: int, customer_id: int, user_id: int | None, user_name: str, at: datetime) -> None:
        self.s.add(
            PhoneViewRow(shop_id=shop_id, customer_id=customer_id, user_id=user_id, user_name=user_name, viewed_at=at)
        )
        self.s.flush()

    def of_customer(self, customer_id: int, limit: int = 100) -> list[PhoneView]:
        """The newest looks first."""
        rows = self.s.scalars(
            select(PhoneViewRow)
            .where(PhoneViewRow.customer_id == customer_id)
            .order_by(PhoneViewRow.id.desc())
            .limit(limit)
        )
        return [PhoneView(r.customer_id, r.user_id, r.user_name, r.viewed_at) for r in rows]
