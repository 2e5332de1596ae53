"""Quick phrases: what the desk fills in ({买家昵称}, {订单号}, {商品}) and what it must not send."""

from __future__ import annotations

from datetime import datetime

from workbench.domain.orders import Order, OrderItem, OrderState, short_title
from workbench.domain.quick_phrases import fill_placeholders, order_placeholders, unfilled_placeholders


def _order(items: tuple[OrderItem, ...]) -> Order:
    return Order(
        id=1,
        customer_id=7,
        order_no="3786775785579375256",
        state=OrderState.SHIPPED,
        total_cents=15900,
        created_at=datetime(2026, 11, 20, 9, 30),
        items=items,
    )


def test_an_order_fills_its_number_and_product() -> None:
    dress = OrderItem("D01", "南栀 法式碎花连衣裙 收腰显瘦", "M", "蓝色碎花", 1, 15900)
    values = {"买家昵称": "小鹿", **order_placeholders(_order((dress,)))}
    text = fill_placeholders("{买家昵称}亲，您的订单{订单号}里的{商品}今天发出～", values)
    assert text == "小鹿亲，您的订单3786775785579375256里的法式碎花连衣裙今天发出～"
    assert unfilled_placeholders(text) == ()
    assert short_title("法式碎花连衣裙") == "法式碎花连衣裙"


def test_what_the_desk_cannot_fill_is_reported_once_in_order() -> None:
    values = order_placeholders(_order(()))  # no items: no product name to offer
    assert values == {"订单号": "3786775785579375256"}
    text = fill_placeholders("亲，{商品}建议拍M码，{商品}偏大，订单{订单号}", values)
    assert unfilled_placeholders(text) == ("商品",)
    assert unfilled_placeholders("亲，{买家昵称}您好，{不认识}") == ("买家昵称",)  # only the desk's own names
