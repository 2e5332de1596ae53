"""The 订单 tab: order list, 查单 by number, details with logistics, and the send/copy actions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.gui.conftest import Env
from tests.gui.seed_helpers import open_db
from workbench.domain.cards import CardKind, parse_card
from workbench.domain.customers import Customer
from workbench.domain.order_changes import OrderChange
from workbench.domain.orders import Order, OrderItem, OrderState
from workbench.services.orders import OrderService, logistics_text, order_card_text
from workbench.storage.repositories.customers import CustomerRepository
from workbench.ui.orders.order_list import OrderListModel, OrderRoles
from workbench.ui.orders.orders_panel import OrdersPanel
from workbench.ui.orders.states import STATE_COLORS, state_color, state_label

SHIPPED_NO = "3671009988776655"
UNPAID_NO = "3671009988770001"


@pytest.fixture
def panel(qtbot: QtBot, env: Env) -> OrdersPanel:
    widget = OrdersPanel(env.tasks, OrderService(env.db, env.data.shop_id))
    qtbot.addWidget(widget)
    widget.resize(340, 800)
    widget.show()
    return widget


def load(qtbot: QtBot, panel: OrdersPanel, customer_id: int) -> None:
    with qtbot.waitSignal(panel.loaded, timeout=5000) as blocker:
        panel.show_customer(customer_id)
    assert blocker.args == [customer_id]


def stored(env: Env, order_no: str) -> Order:
    db = open_db(env.data.db_path)
    try:
        order = OrderService(db, env.data.shop_id).by_number(order_no)
    finally:
        db.dispose()
    assert order is not None
    return order


def select(qtbot: QtBot, panel: OrdersPanel, order_no: str) -> None:
    row = panel.model.row_of(order_no)
    assert row >= 0
    with qtbot.waitSignal(panel.order_shown, timeout=1000) as blocker:
        panel.list_view.setCurrentIndex(panel.model.index(row, 0))
    assert blocker.args == [order_no]


def _shown(label: QLabel) -> bool:
    """Not hidden on purpose (new labels are shown by a queued event, so isVisible lags)."""
    hidden = label.isHidden() and label.testAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide)
    return not hidden and all(
        not (w.isHidden() and w.testAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide)) for w in _ancestors(label)
    )


def _ancestors(widget: QWidget) -> Iterator[QWidget]:
    parent = widget.parentWidget()
    while parent is not None:
        yield parent
        parent = parent.parentWidget()


def detail_texts(panel: OrdersPanel) -> list[str]:
    return [label.text() for label in panel.detail.findChildren(QLabel) if _shown(label)]


# -- list -------------------------------------------------------------------------------------


def test_empty_state_without_a_customer(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    assert panel.list_pages.currentIndex() == OrdersPanel.LIST_EMPTY_CUSTOMER
    assert panel.current_order() is None
    assert not panel.send_card_button.isEnabled()
    assert not panel.send_logistics_button.isEnabled()

    load(qtbot, panel, env.data.customer_id)
    panel.show_customer(None)
    assert panel.model.rowCount() == 0
    assert panel.list_pages.currentIndex() == OrdersPanel.LIST_EMPTY_CUSTOMER
    assert not panel.send_card_button.isEnabled()


def test_order_list_loads_newest_first_with_states(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    load(qtbot, panel, env.data.customer_id)

    model = panel.model
    assert panel.list_pages.currentIndex() == OrdersPanel.LIST_ORDERS
    assert [model.index(r, 0).data(OrderRoles.ORDER_NO) for r in range(model.rowCount())] == list(env.data.order_nos)
    states = [model.index(r, 0).data(OrderRoles.STATE) for r in range(model.rowCount())]
    assert states == ["待付款", "已发货", "交易成功", "退款中", "交易关闭"]
    first = model.index(0, 0)
    assert first.data(OrderRoles.STATE_COLOR) == "#fa8c16"
    assert first.data(OrderRoles.TOTAL) == "¥129.00"
    assert first.data(OrderRoles.CREATED_AT) == "2024-06-17 11:02"
    assert first.data(OrderRoles.TITLE) == "冰丝针织开衫 薄款防晒"
    assert model.index(1, 0).data(OrderRoles.TITLE) == "纯棉宽松圆领短袖T恤 夏季新款 等 2 种商品"
    assert model.index(1, 0).data(OrderRoles.QUANTITY) == 3
    assert panel.count_label.text() == "5"
    # the newest order is opened straight away
    assert panel.current_order() is not None
    assert panel.current_order().order_no == UNPAID_NO  # type: ignore[union-attr]
    assert panel.send_card_button.isEnabled()


def test_customer_without_orders(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    with env.db.session() as s:
        nobody = CustomerRepository(s).add(env.data.shop_id, Customer(id=0, nick="just_looking"))
    load(qtbot, panel, nobody.id)
    assert panel.model.rowCount() == 0
    assert panel.list_pages.currentIndex() == OrdersPanel.LIST_NO_ORDERS
    assert panel.current_order() is None
    assert not panel.send_logistics_button.isEnabled()


def test_only_the_last_requested_customer_is_listed(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    shown: list[int] = []
    panel.loaded.connect(shown.append)
    with qtbot.waitSignal(panel.loaded, timeout=5000):
        panel.show_customer(env.data.customer_id)
        panel.show_customer(env.data.other_customer_id)
    assert env.tasks.wait_idle()
    qtbot.waitUntil(lambda: env.tasks.pending() == 0)
    assert shown == [env.data.other_customer_id]
    assert panel.model.rowCount() == 1


def test_refresh_keeps_the_open_order(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    select(qtbot, panel, "3671009988750003")
    load(qtbot, panel, env.data.customer_id)
    assert panel.current_order() is not None
    assert panel.current_order().order_no == "3671009988750003"  # type: ignore[union-attr]
    assert panel.list_view.currentIndex().row() == 3


# -- details ----------------------------------------------------------------------------------


def test_details_show_items_amounts_times_and_address(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    select(qtbot, panel, SHIPPED_NO)

    texts = detail_texts(panel)
    for expected in (
        SHIPPED_NO,
        "已发货",
        "纯棉宽松圆领短袖T恤 夏季新款",
        "颜色：燕麦白  尺码：M",
        "¥79.00 × 2",
        "高腰阔腿休闲裤 垂感",
        "¥317.00",  # items
        "-¥20.00",  # discount
        "¥297.00",  # paid
        "2024-06-15 20:12",
        "2024-06-15 20:13",
        "2024-06-16 09:30",
        "客户要求用纸箱包装",
        "⚑ 红旗",
        "中通快递 ZT78451236985",
    ):
        assert expected in texts, expected
    assert any("文三路 398 号" in t for t in texts)
    assert not panel.detail.foreign_label.isVisibleTo(panel)


def test_details_show_the_logistics_timeline_newest_first(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    select(qtbot, panel, SHIPPED_NO)

    entries = panel.detail.timeline.entries()
    assert [time for _, time in entries] == ["2024-06-17 08:15", "2024-06-16 21:04", "2024-06-16 09:30"]
    assert "派件员" in entries[0][0]
    assert panel.detail.timeline.isVisibleTo(panel)
    assert not panel.detail.no_logistics_label.isVisibleTo(panel)

    select(qtbot, panel, UNPAID_NO)
    assert panel.detail.timeline.entries() == []
    assert panel.detail.no_logistics_label.isVisibleTo(panel)
    assert not panel.detail.copy_tracking_button.isVisibleTo(panel)


def test_a_hidden_panel_draws_the_order_when_it_is_shown(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    # the 订单 tab behind another sidebar tab: a chat opening picks the order (the desk hears of it at
    # once) but leaves its details undrawn until the agent looks
    panel.hide()
    shown: list[str] = []
    panel.order_shown.connect(shown.append)
    load(qtbot, panel, env.data.customer_id)
    assert shown and panel.detail.order is None
    panel.show()
    assert panel.detail.order is not None and panel.detail.order.order_no == shown[-1]
    assert panel.detail.number_label.text() == shown[-1]


def test_the_details_are_built_when_the_first_order_is_drawn(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    # the desk builds the tab while it opens: the details wait until there is an order to draw
    panel.hide()
    load(qtbot, panel, env.data.customer_id)
    order = panel.current_order()
    assert order is not None
    assert panel.detail_pages.count() == 1  # "选择订单查看详情" only
    panel.show()
    assert panel.detail_pages.count() == 2 and panel.detail_pages.currentIndex() == 1
    assert panel.detail.number_label.text() == order.order_no


# -- 查单 -------------------------------------------------------------------------------------


def test_lookup_finds_any_order_by_number(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    panel.search_edit.setText(f"  {env.data.foreign_order_no} ")
    with qtbot.waitSignal(panel.order_shown, timeout=5000) as blocker:
        qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)
    assert blocker.args == [env.data.foreign_order_no]

    order = panel.current_order()
    assert order is not None
    assert order.customer_id == env.data.other_customer_id
    assert panel.detail.foreign_label.isVisibleTo(panel)  # someone else's order: warn the agent
    assert not panel.list_view.selectionModel().hasSelection()
    assert not panel.search_message.isVisibleTo(panel)
    assert panel.search_button.isEnabled()


def test_lookup_selects_the_order_in_the_list(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    panel.search_edit.setText("3671009988760002")
    with qtbot.waitSignal(panel.order_shown, timeout=5000) as blocker:
        qtbot.mouseClick(panel.search_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["3671009988760002"]
    assert panel.list_view.currentIndex().row() == 2
    assert not panel.detail.foreign_label.isVisibleTo(panel)
    assert panel.detail.state_pill.text() == "交易成功"


def test_lookup_without_a_customer(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    with qtbot.waitSignal(panel.order_shown, timeout=5000):
        panel.lookup(SHIPPED_NO)
    assert not panel.detail.foreign_label.isVisibleTo(panel)
    assert panel.send_card_button.isEnabled()


def test_lookup_of_an_unknown_number_says_so(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    shown = panel.current_order()
    panel.search_edit.setText("123456")
    with qtbot.assertNotEmitted(panel.order_shown):
        qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: panel.search_button.isEnabled())
    assert panel.search_message.isVisibleTo(panel)
    assert panel.search_message.text() == "没有找到订单 123456。"
    assert panel.current_order() == shown


def test_lookup_of_nothing_asks_for_a_number(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    panel.search_edit.setText("   ")
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)
    assert env.tasks.pending() == 0
    assert panel.search_message.text() == "请输入订单号。"
    qtbot.keyClicks(panel.search_edit, "1")
    assert not panel.search_message.isVisibleTo(panel)


# -- actions ----------------------------------------------------------------------------------


def test_send_order_card(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    select(qtbot, panel, SHIPPED_NO)
    expected = order_card_text(stored(env, SHIPPED_NO))
    with qtbot.waitSignal(panel.send_text_requested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.send_card_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [expected]
    assert "订单号：3671009988776655" in expected


def test_send_product_link_is_a_product_card(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    select(qtbot, panel, SHIPPED_NO)
    item = stored(env, SHIPPED_NO).items[0]
    with qtbot.waitSignal(panel.send_text_requested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.send_product_button, Qt.MouseButton.LeftButton)
    card = parse_card(blocker.args[0])
    assert card is not None and card.kind is CardKind.PRODUCT and (card.title, card.key) == (item.title, item.sku)


def test_send_logistics(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    select(qtbot, panel, SHIPPED_NO)
    with qtbot.waitSignal(panel.send_text_requested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.send_logistics_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [logistics_text(stored(env, SHIPPED_NO))]
    assert "派件员" in blocker.args[0]

    select(qtbot, panel, UNPAID_NO)
    with qtbot.waitSignal(panel.send_text_requested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.send_logistics_button, Qt.MouseButton.LeftButton)
    assert "还没有物流信息" in blocker.args[0]


def test_copy_order_number(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    select(qtbot, panel, SHIPPED_NO)
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(panel.detail.copy_number_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == SHIPPED_NO
    assert panel.detail.copy_number_button.text() == "已复制"
    qtbot.mouseClick(panel.detail.copy_tracking_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "ZT78451236985"
    select(qtbot, panel, UNPAID_NO)
    assert panel.detail.copy_number_button.text() == "复制单号"


# -- models and states ------------------------------------------------------------------------


def test_order_model_passes_the_model_tester(qtmodeltester: ModelTester, env: Env) -> None:
    model = OrderListModel()
    qtmodeltester.check(model)
    db = open_db(env.data.db_path)
    try:
        model.set_orders(OrderService(db, env.data.shop_id).for_customer(env.data.customer_id))
    finally:
        db.dispose()
    qtmodeltester.check(model)
    assert model.rowCount() == 5
    assert model.roleNames()[OrderRoles.ORDER_NO].data() == b"orderNo"
    assert model.order_at(0) == model.index(0, 0).data(OrderRoles.ORDER)
    assert model.order_at(99) is None


def test_panel_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, env: Env, panel: OrdersPanel
) -> None:
    load(qtbot, panel, env.data.customer_id)
    qtmodeltester.check(panel.model)


@pytest.mark.parametrize(
    ("state", "color"),
    [
        (OrderState.AWAITING_PAYMENT, "#fa8c16"),
        (OrderState.AWAITING_SHIPMENT, "#1677ff"),
        (OrderState.SHIPPED, "#13c2c2"),
        (OrderState.SIGNED, "#52c41a"),
        (OrderState.COMPLETED, "#52c41a"),
        (OrderState.CLOSED, "#8c8c8c"),
        (OrderState.REFUNDING, "#f5222d"),
    ],
)
def test_state_pill_colours(qtbot: QtBot, state: OrderState, color: str) -> None:
    assert state_color(state) == color
    assert state_label(state) == state.value  # Chinese is the source language


def test_every_state_has_a_colour() -> None:
    assert set(STATE_COLORS) == set(OrderState)


def test_edit_address_before_shipping_with_a_log(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    with qtbot.waitSignal(panel.order_shown, timeout=5000):
        panel.lookup(SHIPPED_NO)
    assert not panel.detail.address_button.isEnabled()
    with qtbot.waitSignal(panel.order_shown, timeout=5000):
        panel.lookup(UNPAID_NO)
    detail = panel.detail
    qtbot.waitUntil(lambda: detail.no_changes_label.isVisible())
    assert detail.address_button.isEnabled()
    qtbot.mouseClick(detail.address_button, Qt.MouseButton.LeftButton)
    assert detail.address_editor.isVisible()

    detail.address_edit.setText("   ")
    qtbot.mouseClick(detail.address_save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: detail.address_error.isVisible(), timeout=5000)
    assert detail.address_error.text() == "收货地址不能为空。"

    new_address = "上海市浦东新区世纪大道 100 号 1 号楼"
    detail.address_edit.setText(new_address)
    qtbot.mouseClick(detail.address_save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not detail.address_editor.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: detail.changes_timeline.isVisible(), timeout=5000)
    assert panel.current_order() is not None and panel.current_order().address == new_address
    assert stored(env, UNPAID_NO).address == new_address
    texts = [label.text().replace("\u200b", "") for label in detail.changes_timeline.findChildren(QLabel)]
    assert any("收货地址" in t and "世纪大道" in t for t in texts)
    assert not detail.no_changes_label.isVisible()


def test_a_shipping_fee_explains_paying_more_than_the_goods(qtbot: QtBot, panel: OrdersPanel) -> None:
    """¥139 of goods paid ¥151: the ¥12 is shown as 运费, so the amounts add up."""
    order = Order(
        id=99,
        order_no="3059145823509868715",
        customer_id=1,
        state=OrderState.AWAITING_SHIPMENT,
        total_cents=15100,
        created_at=datetime(2026, 11, 24, 9, 41),
        items=(OrderItem("S-1", "法式白衬衫女 长袖职业通勤", "S", "白色", 1, 13900),),
    )
    detail = panel.detail
    detail.set_order(order)
    shown = [label.text() for label in detail.findChildren(QLabel) if label.isVisibleTo(detail)]
    assert [t for t in shown if t in ("运费", "+¥12.00", "优惠")] == ["运费", "+¥12.00"]
    assert "¥139.00" in shown and "¥151.00" in shown

    # a discount still shows as 优惠, without a 运费 row
    detail.set_order(replace(order, total_cents=12900))
    shown = [label.text() for label in detail.findChildren(QLabel) if label.isVisibleTo(detail)]
    assert "优惠" in shown and "-¥10.00" in shown and "运费" not in shown


def test_a_memo_too_long_is_explained_not_cut(qtbot: QtBot, env: Env, panel: OrdersPanel) -> None:
    """A pasted memo over the limit gets the error at the field; nothing is cut off and saved unseen."""
    with qtbot.waitSignal(panel.order_shown, timeout=5000):
        panel.lookup(UNPAID_NO)
    detail = panel.detail
    detail.memo_edit.setText("周末送货" * 130)  # 520 characters, over the 500 allowed
    qtbot.mouseClick(detail.notes_save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: detail.notes_error.isVisible(), timeout=5000)
    assert detail.notes_error.text() == "卖家备注太长：520 字，最多 500 字。"
    assert stored(env, UNPAID_NO).memo == ""


def test_flags_read_as_in_the_flag_picker(qtbot: QtBot, panel: OrdersPanel) -> None:
    """Stored as 红, red or 红旗, a flag shows as 红旗 in the order info and in the edit log, like the picker."""
    order = Order(
        id=98,
        order_no="3671009988770099",
        customer_id=1,
        state=OrderState.AWAITING_SHIPMENT,
        total_cents=12900,
        created_at=datetime(2026, 11, 24, 9, 0),
        flag="红",
    )
    detail = panel.detail
    detail.set_order(order)
    shown = [label.text() for label in detail.findChildren(QLabel) if label.isVisibleTo(detail)]
    assert "⚑ 红旗" in shown and "⚑ 红" not in shown
    detail.set_changes([OrderChange(98, datetime(2026, 11, 24, 9, 5), "flag", "", "red", "小赵")])
    assert [text.replace("\u200b", "") for text, _at in detail.changes_timeline.entries()] == ["旗帜：（空） → 红旗"]
