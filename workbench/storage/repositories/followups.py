"""Follow-up visits (回访): scheduling them, the due list by view (今日待办, 已逾期, …), one customer's
visits, and recording what was sent and the outcome."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.orm import Session

from workbench.domain.crm import FollowUp, FollowUpOutcome, FollowUpSource, FollowUpStatus, FollowUpView
from workbench.domain.customers import masked_phone
from workbench.domain.errors import DomainError
from workbench.storage.repositories.customer_sql import FOLLOWUP, FOLLOWUPS, chunks
from workbench.storage.tables import CustomerRow, OrderRow
from workbench.storage.tables_crm import FollowUpRow


def _followup(row: FollowUpRow, nick: str, phone: str, order_no: str | None) -> FollowUp:
    return FollowUp(
        id=row.id,
        customer_id=row.customer_id,
        customer_nick=nick,
        phone_masked=masked_phone(phone),
        due_at=row.due_at,
        status=FollowUpStatus(row.status),
        source=FollowUpSource(row.source),
        reason=row.reason,
        order_id=row.order_id,
        order_no=order_no or "",
        rule_id=row.rule_id,
        template_id=row.template_id,
        message=row.message,
        sent_at=row.sent_at,
        outcome=FollowUpOutcome(row.outcome) if row.outcome else None,
        outcome_note=row.outcome_note,
        done_at=row.done_at,
        agent=row.agent,
        created_at=row.created_at,
    )


def _view_conditions(view: FollowUpView, now: datetime) -> list[ColumnElement[bool]]:
    today = datetime.combine(now.date(), time())
    tomorrow = today + timedelta(days=1)
    pending = FOLLOWUP.status == FollowUpStatus.PENDING.value
    match view:
        case FollowUpView.DUE:
            return [pending, FOLLOWUP.due_at < tomorrow]
        case FollowUpView.OVERDUE:
            return [pending, FOLLOWUP.due_at < today]
        case FollowUpView.UPCOMING:
            return [pending, FOLLOWUP.due_at >= tomorrow]
        case FollowUpView.AWAITING:
            return [FOLLOWUP.status == FollowUpStatus.SENT.value]
        case FollowUpView.DONE:
            return [FOLLOWUP.status.in_((FollowUpStatus.DONE.value, FollowUpStatus.CANCELLED.value))]
    return []


class FollowUpRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add_followups(self, shop_id: int, rows: Iterable[dict[str, Any]]) -> int:
        values = [{"shop_id": shop_id, **r} for r in rows]
        for part in chunks(values):
            self.s.execute(insert(FOLLOWUPS), part)
        return len(values)

    def add_followup(self, shop_id: int, **values: Any) -> int:
        row = FollowUpRow(shop_id=shop_id, **values)
        self.s.add(row)
        self.s.flush()
        return row.id

    def _followup_query(self, shop_id: int) -> Any:
        """Follow-ups with the customer's nick and phone and the order number, for ``_followup``."""
        return (
            select(FollowUpRow, CustomerRow.nick, CustomerRow.phone, OrderRow.order_no)
            .join(CustomerRow, CustomerRow.id == FollowUpRow.customer_id)
            .outerjoin(OrderRow, OrderRow.id == FollowUpRow.order_id)
            .where(FollowUpRow.shop_id == shop_id)
        )

    def followup_count(self, shop_id: int, view: FollowUpView, now: datetime) -> int:
        query = select(func.count()).where(FOLLOWUP.shop_id == shop_id, *_view_conditions(view, now))
        return int(self.s.execute(query).scalar_one())

    def followups(self, shop_id: int, view: FollowUpView, now: datetime, offset: int, limit: int) -> list[FollowUp]:
        query = self._followup_query(shop_id).where(*_view_conditions(view, now))
        if view is FollowUpView.DONE:
            query = query.order_by(FOLLOWUP.done_at.desc(), FOLLOWUP.id.desc())
        elif view is FollowUpView.AWAITING:
            query = query.order_by(FOLLOWUP.sent_at.desc(), FOLLOWUP.id.desc())
        else:
            query = query.order_by(FOLLOWUP.due_at, FOLLOWUP.id)
        return [_followup(*r) for r in self.s.execute(query.offset(offset).limit(limit)).all()]

    def followups_of(self, customer_id: int, limit: int = 100) -> list[FollowUp]:
        rows = self.s.execute(
            select(FollowUpRow, CustomerRow.nick, CustomerRow.phone, OrderRow.order_no)
            .join(CustomerRow, CustomerRow.id == FollowUpRow.customer_id)
            .outerjoin(OrderRow, OrderRow.id == FollowUpRow.order_id)
            .where(FOLLOWUP.customer_id == customer_id)
            .order_by(FOLLOWUP.due_at.desc(), FOLLOWUP.id.desc())
            .limit(limit)
        ).all()
        return [_followup(*r) for r in rows]

    def followup(self, shop_id: int, followup_id: int) -> FollowUp:
        found = self.s.execute(self._followup_query(shop_id).where(FollowUpRow.id == followup_id)).first()
        if found is None:
            raise DomainError("followup.missing")
        return _followup(*found)

    def update_followup(self, shop_id: int, followup_id: int, **values: Any) -> FollowUp:
        row = self.s.get(FollowUpRow, followup_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("followup.missing")
        for key, value in values.items():
            setattr(row, key, value)
        self.s.flush()
        return self.followup(shop_id, followup_id)
