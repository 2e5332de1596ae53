"""Care-message templates (关怀话术) and the placeholder values a care message to one customer uses."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workbench.domain.crm import CareTemplate
from workbench.domain.errors import DomainError
from workbench.storage.repositories.customer_sql import table
from workbench.storage.tables import CustomerRow, OrderRow
from workbench.storage.tables_crm import CareTemplateRow

TEMPLATES = table(CareTemplateRow)


class CareTemplateRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def templates(self, shop_id: int) -> list[CareTemplate]:
        rows = self.s.scalars(
            select(CareTemplateRow).where(CareTemplateRow.shop_id == shop_id).order_by(CareTemplateRow.id)
        )
        return [CareTemplate(r.id, r.name, r.text) for r in rows]

    def template(self, shop_id: int, template_id: int) -> CareTemplate:
        row = self.s.get(CareTemplateRow, template_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("template.missing")
        return CareTemplate(row.id, row.name, row.text)

    def save_template(self, shop_id: int, template_id: int | None, name: str, text: str) -> CareTemplate:
        clash = self.s.scalar(
            select(CareTemplateRow.id).where(
                CareTemplateRow.shop_id == shop_id,
                CareTemplateRow.name == name,
                CareTemplateRow.id != (template_id or 0),
            )
        )
        if clash is not None:
            raise DomainError("template.exists", field="name", name=name)
        if template_id is None:
            row = CareTemplateRow(shop_id=shop_id, name=name, text=text)
            self.s.add(row)
        else:
            found = self.s.get(CareTemplateRow, template_id)
            if found is None or found.shop_id != shop_id:
                raise DomainError("template.missing")
            row = found
            row.name, row.text = name, text
        self.s.flush()
        return CareTemplate(row.id, row.name, row.text)

    def delete_template(self, shop_id: int, template_id: int) -> None:
        self.template(shop_id, template_id)
        self.s.execute(delete(TEMPLATES).where(CareTemplateRow.id == template_id))

    def care_values(self, customer_id: int, order_id: int | None) -> dict[str, str]:
        """Placeholder values for a care message to this customer (about this order, if any)."""
        row = self.s.get(CustomerRow, customer_id)
        if row is None:
            raise DomainError("customer.missing")
        values = {
            "买家昵称": row.nick,
            "姓名": row.name or row.nick,
            "会员等级": row.member_level,
            "积分": str(row.points),
        }
        order = self.s.get(OrderRow, order_id) if order_id else None
        if order is None:  # no order given (or it is gone): the customer's latest
            order = self.s.scalars(
                select(OrderRow).where(OrderRow.customer_id == customer_id).order_by(OrderRow.created_at.desc())
            ).first()
        if order is not None:
            values["订单号"] = order.order_no
            values["商品"] = order.items[0].title if order.items else ""
        return values
