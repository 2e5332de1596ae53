"""Products, orders, items and logistics events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, or_, select
from sqlalchemy.orm import Session

from workbench.domain.order_changes import OrderChange
from workbench.domain.orders import LogisticsEvent, Order, OrderItem, OrderState, Product
from workbench.storage.like import contains
from workbench.storage.repositories.customer_stats import CustomerStatsRepository
from workbench.storage.tables import CustomerRow, LogisticsEventRow, OrderItemRow, OrderRow, ProductRow
from workbench.storage.tables_orders_log import OrderChangeRow


def _product(row: ProductRow) -> Product:
    attrs = json.loads(row.attributes_json or "{}")
    return Product(
        id=row.id,
        sku=row.sku,
        title=row.title,
        category=row.category,
        price_cents=row.price_cents,
        material=row.material,
        sizes=tuple(s for s in row.sizes.split("|") if s),
        colors=tuple(c for c in row.colors.split("|") if c),
        attributes=tuple((str(k), str(v)) for k, v in attrs.items()),
    )


def _order(row: OrderRow) -> Order:
    return Order(
        id=row.id,
        order_no=row.order_no,
        customer_id=row.customer_id,
        state=OrderState(row.state),
        total_cents=row.total_cents,
        created_at=row.created_at,
        paid_at=row.paid_at,
        shipped_at=row.shipped_at,
        signed_at=row.signed_at,
        address=row.address,
        carrier=row.carrier,
        tracking_no=row.tracking_no,
        memo=row.memo,
        flag=row.flag,
        items=tuple(OrderItem(i.sku, i.title, i.size, i.color, i.quantity, i.price_cents) for i in row.items),
        logistics=tuple(LogisticsEvent(e.at, e.description) for e in row.logistics),
    )


def _product_values(shop_id: int, product: Product) -> dict[str, Any]:
    return {
        "shop_id": shop_id,
        "sku": product.sku,
        "title": product.title,
        "category": product.category,
        "price_cents": product.price_cents,
        "material": product.material,
        "sizes": "|".join(product.sizes),
        "colors": "|".join(product.colors),
        "attributes_json": json.dumps(dict(product.attributes), ensure_ascii=False),
    }


def _order_values(shop_id: int, order: Order) -> dict[str, Any]:
    return {
        "shop_id": shop_id,
        "order_no": order.order_no,
        "customer_id": order.customer_id,
        "state": order.state.value,
        "total_cents": order.total_cents,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "shipped_at": order.shipped_at,
        "signed_at": order.signed_at,
        "address": order.address,
        "carrier": order.carrier,
        "tracking_no": order.tracking_no,
        "memo": order.memo,
        "flag": order.flag,
    }


def _item_values(item: OrderItem) -> dict[str, Any]:
    return {
        "sku": item.sku,
        "title": item.title,
        "size": item.size,
        "color": item.color,
        "quantity": item.quantity,
        "price_cents": item.price_cents,
    }


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add_product(self, shop_id: int, product: Product) -> Product:
        row = ProductRow(**_product_values(shop_id, product))
        self.s.add(row)
        self.s.flush()
        return _product(row)

    def products(self, shop_id: int) -> list[Product]:
        rows = self.s.scalars(select(ProductRow).where(ProductRow.shop_id == shop_id).order_by(ProductRow.id))
        return [_product(r) for r in rows]

    def add_products(self, shop_id: int, products: Sequence[Product]) -> None:
        """Many products in one statement (executemany), in order."""
        if products:
            self.s.execute(insert(ProductRow), [_product_values(shop_id, p) for p in products])

    def add_order(self, shop_id: int, order: Order) -> Order:
        row = OrderRow(**_order_values(shop_id, order))
        row.items = [OrderItemRow(**_item_values(i)) for i in order.items]
        row.logistics = [LogisticsEventRow(at=e.at, description=e.description) for e in order.logistics]
        self.s.add(row)
        self.s.flush()
        CustomerStatsRepository(self.s).touch(shop_id, [order.customer_id])
        return _order(row)

    def add_orders(self, shop_id: int, orders: Sequence[Order]) -> list[int]:
        """Many orders with their items and logistics in three statements (executemany, not one
        round trip per row: the demo shop, imports); the orders' ids, in the same order."""
        if not orders:
            return []
        statement = insert(OrderRow).returning(OrderRow.id, sort_by_parameter_order=True)
        ids = list(self.s.scalars(statement, [_order_values(shop_id, o) for o in orders]))
        items = [
            {"order_id": order_id, **_item_values(i)} for order_id, o in zip(ids, orders, strict=True) for i in o.items
        ]
        events = [
            {"order_id": order_id, "at": e.at, "description": e.description}
            for order_id, o in zip(ids, orders, strict=True)
            for e in o.logistics
        ]
        if items:
            self.s.execute(insert(OrderItemRow), items)
        if events:
            self.s.execute(insert(LogisticsEventRow), events)
        CustomerStatsRepository(self.s).touch(shop_id, [o.customer_id for o in orders])
        return ids

    def get(self, order_id: int) -> Order | None:
        row = self.s.get(OrderRow, order_id)
        return _order(row) if row else None

    def by_number(self, order_no: str) -> Order | None:
        row = self.s.scalars(select(OrderRow).where(OrderRow.order_no == order_no)).first()
        return _order(row) if row else None

    def for_customer(self, customer_id: int) -> list[Order]:
        rows = self.s.scalars(
            select(OrderRow).where(OrderRow.customer_id == customer_id).order_by(OrderRow.created_at.desc())
        )
        return [_order(r) for r in rows]

    def count(self, shop_id: int) -> int:
        return len(list(self.s.scalars(select(OrderRow.id).where(OrderRow.shop_id == shop_id))))

    def recent(self, shop_id: int, limit: int = 2000) -> list[Order]:
        rows = self.s.scalars(
            select(OrderRow).where(OrderRow.shop_id == shop_id).order_by(OrderRow.created_at.desc()).limit(limit)
        )
        return [_order(r) for r in rows]

    def update_field(self, order_id: int, field: str, value: str, *, at: datetime, author: str) -> OrderChange | None:
        """Set `field` ("address", "memo" or "flag") and log the change; None when nothing changed."""
        if field not in ("address", "memo", "flag"):
            raise ValueError(field)
        row = self.s.get(OrderRow, order_id)
        if row is None:
            raise LookupError(order_id)
        old = getattr(row, field) or ""
        if old == value:
            return None
        setattr(row, field, value)
        change = OrderChangeRow(order_id=order_id, at=at, field=field, old=old, new=value, author=author)
        self.s.add(change)
        self.s.flush()
        return OrderChange(order_id, at, field, old, value, author)

    def changes(self, order_id: int) -> list[OrderChange]:
        """The order's logged edits, newest first."""
        rows = self.s.scalars(
            select(OrderChangeRow)
            .where(OrderChangeRow.order_id == order_id)
            .order_by(OrderChangeRow.at.desc(), OrderChangeRow.id.desc())
        )
        return [OrderChange(r.order_id, r.at, r.field, r.old, r.new, r.author) for r in rows]

    def _listing(self, shop_id: int, state: OrderState | None, search: str) -> Select[OrderRow, str]:
        query = select(OrderRow, CustomerRow.nick).join(CustomerRow, CustomerRow.id == OrderRow.customer_id)
        query = query.where(OrderRow.shop_id == shop_id)
        if state is not None:
            query = query.where(OrderRow.state == state.value)
        text = search.strip()
        if text:  # matched literally: a "%" or "_" in the search is no wildcard
            columns = (OrderRow.order_no, OrderRow.tracking_no, CustomerRow.nick)
            query = query.where(or_(*(contains(column, text) for column in columns)))
        return query

    def count_listing(self, shop_id: int, state: OrderState | None = None, search: str = "") -> int:
        matching_orders = (
            self._listing(shop_id, state, search).with_only_columns(OrderRow.id).subquery("matching_orders")
        )
        return self.s.scalar(select(func.count()).select_from(matching_orders)) or 0

    def listing(
        self, shop_id: int, state: OrderState | None = None, search: str = "", *, offset: int = 0, limit: int = 100
    ) -> list[tuple[Order, str]]:
        """One page of the shop's orders, newest first, with the buyer's nick."""
        query = self._listing(shop_id, state, search).order_by(OrderRow.created_at.desc(), OrderRow.id.desc())
        return [(_order(row), nick) for row, nick in self.s.execute(query.offset(offset).limit(limit))]
