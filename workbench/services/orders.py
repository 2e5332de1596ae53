"""Order and logistics lookup (查单 / 查件) and the text cards sent into a chat."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.domain.errors import DomainError
from workbench.domain.order_changes import OrderChange, check_address, check_flag, check_memo
from workbench.domain.orders import Order, OrderState, format_yuan
from workbench.domain.text import clean_search
from workbench.services.clock import Clock, system_clock
from workbench.storage.db import Database
from workbench.storage.repositories.orders import OrderRepository


class OrderService:
    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock

    def for_customer(self, customer_id: int) -> list[Order]:
        with self.db.session() as s:
            return OrderRepository(s).for_customer(customer_id)

    def page(
        self, state: OrderState | None = None, search: str = "", *, offset: int = 0, limit: int = 100
    ) -> OrderPage:
        """The shop's orders (查单), filtered by state and by order no., tracking no. or buyer nick."""
        search = clean_search(search)
        with self.db.session() as s:
            repo = OrderRepository(s)
            total = repo.count_listing(self.shop_id, state, search)
            rows = repo.listing(self.shop_id, state, search, offset=offset, limit=limit)
        return OrderPage(tuple(rows), total, offset)

    def by_number(self, order_no: str) -> Order | None:
        with self.db.session() as s:
            return OrderRepository(s).by_number(clean_search(order_no, field="order_no"))

    def change_address(self, order_id: int, address: str, author: str = "") -> Order:
        """Change the shipping address (only before shipping) and log it; returns the updated order."""
        with self.db.session() as s:
            repo = OrderRepository(s)
            order = self._order(repo, order_id)
            repo.update_field(order_id, "address", check_address(order, address), at=self.clock(), author=author)
            return self._order(repo, order_id)

    def change_memo(self, order_id: int, memo: str, author: str = "") -> Order:
        """Change the seller memo (备注) and log it; an empty memo clears it."""
        with self.db.session() as s:
            repo = OrderRepository(s)
            self._order(repo, order_id)
            repo.update_field(order_id, "memo", check_memo(memo), at=self.clock(), author=author)
            return self._order(repo, order_id)

    def set_flag(self, order_id: int, flag: str, author: str = "") -> Order:
        """Set the 插旗 colour (红/黄/绿/蓝/紫, or "" for none) and log it."""
        with self.db.session() as s:
            repo = OrderRepository(s)
            self._order(repo, order_id)
            repo.update_field(order_id, "flag", check_flag(flag), at=self.clock(), author=author)
            return self._order(repo, order_id)

    def changes(self, order_id: int) -> list[OrderChange]:
        """The order's edit log, newest first."""
        with self.db.session() as s:
            return OrderRepository(s).changes(order_id)

    def _order(self, repo: OrderRepository, order_id: int) -> Order:
        order = repo.get(order_id)
        if order is None:
            raise DomainError("order.missing")
        return order


@dataclass(frozen=True, slots=True)
class OrderPage:
    """A page of the shop-wide order list."""

    rows: tuple[tuple[Order, str], ...]  # the order and its buyer's nick
    total: int
    offset: int


def order_card_text(order: Order) -> str:
    """An order summary the agent can send to the customer."""
    lines = [f"订单号：{order.order_no}", f"状态：{order.state.value}"]
    for item in order.items:
        lines.append(f"· {item.title}（{item.color}/{item.size}）×{item.quantity}")
    lines.append(f"实付：{format_yuan(order.total_cents)}")
    if order.tracking_no:
        lines.append(f"物流：{order.carrier} {order.tracking_no}")
    return "\n".join(lines)


def logistics_text(order: Order) -> str:
    """The latest logistics status in a customer-friendly sentence."""
    if not order.tracking_no:
        return f"亲，订单 {order.order_no} 目前是「{order.state.value}」，还没有物流信息哦。"
    latest = order.logistics[-1] if order.logistics else None
    status = f"{latest.at:%m-%d %H:%M} {latest.description}" if latest else "暂无轨迹"
    return f"亲，您的包裹（{order.carrier} {order.tracking_no}）最新状态：{status}"
