"""Products, orders, order items and logistics events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class OrderState(StrEnum):
    AWAITING_PAYMENT = "待付款"
    AWAITING_SHIPMENT = "待发货"
    SHIPPED = "已发货"
    SIGNED = "已签收"
    COMPLETED = "交易成功"
    CLOSED = "交易关闭"
    REFUNDING = "退款中"


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    sku: str
    title: str
    category: str
    price_cents: int
    material: str = ""
    sizes: tuple[str, ...] = ()
    colors: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class OrderItem:
    sku: str
    title: str
    size: str
    color: str
    quantity: int
    price_cents: int


@dataclass(frozen=True, slots=True)
class LogisticsEvent:
    at: datetime
    description: str


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    order_no: str
    customer_id: int
    state: OrderState
    total_cents: int
    created_at: datetime
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    signed_at: datetime | None = None
    address: str = ""
    carrier: str = ""
    tracking_no: str = ""
    memo: str = ""
    flag: str = ""
    items: tuple[OrderItem, ...] = ()
    logistics: tuple[LogisticsEvent, ...] = field(default=())


def format_yuan(cents: int) -> str:
    return f"¥{cents / 100:.2f}"


def short_title(title: str) -> str:
    """How a customer names a product: "南栀 纯棉衬衫式连衣裙 长款系带…" → "纯棉衬衫式连衣裙"."""
    parts = title.split()
    return parts[1] if len(parts) > 2 else title
