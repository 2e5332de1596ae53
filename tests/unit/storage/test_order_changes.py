"""Seller edits of an order — address (only before shipping), memo, flag — and their log, on both backends."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.orders import Order, OrderState
from workbench.services.orders import OrderService
from workbench.storage.db import Database
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.repositories.shops import ShopRepository

T0 = datetime(2026, 11, 11, 10, 0, 0)


class Ticking:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def shop_id(db: Database) -> int:
    with db.session() as s:
        return ShopRepository(s).add("测试店", "服饰").id


def _order(db: Database, shop_id: int, state: OrderState, no: str) -> Order:
    with db.session() as s:
        customer = CustomerRepository(s).add(shop_id, Customer(id=0, nick=f"tb_{no}"))
        order = Order(
            id=0,
            order_no=no,
            customer_id=customer.id,
            state=state,
            total_cents=9900,
            created_at=T0,
            address="浙江省杭州市西湖区文三路 1 号",
        )
        return OrderRepository(s).add_order(shop_id, order)


def test_address_change_is_saved_and_logged(db: Database, shop_id: int) -> None:
    clock = Ticking()
    service = OrderService(db, shop_id, clock=clock)
    order = _order(db, shop_id, OrderState.AWAITING_SHIPMENT, "1001")
    updated = service.change_address(order.id, "  上海市浦东新区世纪大道 100 号  ", author="小赵")
    assert updated.address == "上海市浦东新区世纪大道 100 号"
    assert service.by_number("1001").address == updated.address
    (change,) = service.changes(order.id)
    assert (change.field, change.old, change.new, change.author) == (
        "address",
        "浙江省杭州市西湖区文三路 1 号",
        "上海市浦东新区世纪大道 100 号",
        "小赵",
    )
    assert change.at == T0 + timedelta(minutes=1)


def test_address_editable_while_unpaid(db: Database, shop_id: int) -> None:
    service = OrderService(db, shop_id)
    order = _order(db, shop_id, OrderState.AWAITING_PAYMENT, "1002")
    assert service.change_address(order.id, "北京市朝阳区").address == "北京市朝阳区"


@pytest.mark.parametrize("state", [OrderState.SHIPPED, OrderState.SIGNED, OrderState.COMPLETED, OrderState.CLOSED])
def test_address_locked_once_shipped(db: Database, shop_id: int, state: OrderState) -> None:
    service = OrderService(db, shop_id)
    order = _order(db, shop_id, state, "1003")
    with pytest.raises(DomainError) as err:
        service.change_address(order.id, "北京市朝阳区")
    assert err.value.code == "order.address_locked"
    assert service.by_number("1003").address == order.address
    assert service.changes(order.id) == []


@pytest.mark.parametrize(("text", "code"), [("   ", "order.address_empty"), ("长" * 301, "order.address_too_long")])
def test_address_validated(db: Database, shop_id: int, text: str, code: str) -> None:
    service = OrderService(db, shop_id)
    order = _order(db, shop_id, OrderState.AWAITING_SHIPMENT, "1004")
    with pytest.raises(DomainError) as err:
        service.change_address(order.id, text)
    assert err.value.code == code
    assert service.changes(order.id) == []
    assert service.change_address(order.id, "长" * 300).address == "长" * 300


def test_memo_and_flag_logged_newest_first(db: Database, shop_id: int) -> None:
    service = OrderService(db, shop_id, clock=Ticking())
    order = _order(db, shop_id, OrderState.COMPLETED, "1005")
    assert service.change_memo(order.id, "客户要求周末送达", author="小赵").memo == "客户要求周末送达"
    assert service.set_flag(order.id, "红", author="小赵").flag == "红"
    assert service.set_flag(order.id, "红", author="小赵").flag == "红"  # unchanged: not logged
    assert service.set_flag(order.id, "", author="小钱").flag == ""
    log = service.changes(order.id)
    assert [(c.field, c.old, c.new, c.author) for c in log] == [
        ("flag", "红", "", "小钱"),
        ("flag", "", "红", "小赵"),
        ("memo", "", "客户要求周末送达", "小赵"),
    ]
    assert log[0].at > log[1].at > log[2].at


def test_memo_and_flag_validated(db: Database, shop_id: int) -> None:
    service = OrderService(db, shop_id)
    order = _order(db, shop_id, OrderState.AWAITING_SHIPMENT, "1006")
    with pytest.raises(DomainError) as err:
        service.change_memo(order.id, "备" * 501)
    assert err.value.code == "order.memo_too_long"
    with pytest.raises(DomainError) as err:
        service.set_flag(order.id, "黑")
    assert err.value.code == "order.flag_invalid"
    assert service.change_memo(order.id, "备" * 500).memo == "备" * 500
    assert len(service.changes(order.id)) == 1


def test_missing_order(db: Database, shop_id: int) -> None:
    with pytest.raises(DomainError) as err:
        OrderService(db, shop_id).change_memo(999_999, "x")
    assert err.value.code == "order.missing"
