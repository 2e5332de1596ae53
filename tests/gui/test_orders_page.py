"""The shop-wide 订单 workspace: paged list, filters, and the detail of the selected order."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.gui.conftest import Env, WindowFactory
from workbench.domain.orders import OrderState
from workbench.services.orders import OrderService
from workbench.ui.orders.orders_page import OrderRoles, OrdersPage
from workbench.ui.theme import install_translator

SHIPPED_NO = "3671009988776655"  # the seeded customer's shipped order (tests/gui/seed_helpers.py)


def test_orders_page_pages_filters_and_shows_detail(
    qtbot: QtBot, qtmodeltester: ModelTester, make_window: WindowFactory
) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    window.nav.setCurrentRow(window.page_index["orders"])
    page = window.pages.currentWidget()
    assert isinstance(page, OrdersPage)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=10_000)
    qtmodeltester.check(page.model)
    total = ws.orders.page().total
    assert total > 100 and page.model.rowCount() == 100 and page.next_button.isEnabled()

    with qtbot.waitSignal(page.page_loaded, timeout=10_000):
        page.next_button.click()
    assert page.prev_button.isEnabled()

    # Filter by state: every row shown has it.
    with qtbot.waitSignal(page.page_loaded, timeout=10_000) as blocker:
        page.state.setCurrentIndex(page.state.findData(OrderState.SHIPPED.value))
    assert blocker.args[0] == ws.orders.page(OrderState.SHIPPED).total
    states = {page.model.index(r, 0).data(OrderRoles.ORDER).state for r in range(page.model.rowCount())}
    assert states == {OrderState.SHIPPED}

    # Search by an order number, select it: the detail shows that order.
    order_no = page.model.index(0, 0).data(OrderRoles.ORDER_NO)
    page.search.setText(order_no[-8:])
    with qtbot.waitSignal(page.page_loaded, timeout=10_000) as blocker:
        page.reload()
    assert blocker.args[0] == 1
    with qtbot.waitSignal(page.detail.order_shown, timeout=10_000) as shown:
        page.table.selectRow(0)
    assert shown.args[0] == order_no


@pytest.fixture
def orders_page(qtbot: QtBot, env: Env) -> OrdersPage:
    page = OrdersPage(env.tasks, OrderService(env.db, env.data.shop_id))
    qtbot.addWidget(page)
    page.resize(1200, 800)
    with qtbot.waitSignal(page.page_loaded, timeout=5000):
        page.show()
    return page


def test_aftersales_and_complaint_on_an_order_name_its_buyer(qtbot: QtBot, env: Env, orders_page: OrdersPage) -> None:
    """There is no chat on this page: the request carries the buyer, so the form can be opened for them."""
    row = next(
        r
        for r in range(orders_page.model.rowCount())
        if orders_page.model.index(r, 0).data(OrderRoles.ORDER_NO) == SHIPPED_NO
    )
    with qtbot.waitSignal(orders_page.detail.order_shown, timeout=5000):
        orders_page.table.selectRow(row)
    menu = orders_page.detail.aftersales_button.menu()
    assert menu is not None
    with qtbot.waitSignal(orders_page.aftersales_requested, timeout=1000) as requested:
        menu.actions()[0].trigger()  # 退货
    assert requested.args == ["return", env.data.customer_id, SHIPPED_NO]
    with qtbot.waitSignal(orders_page.aftersales_requested, timeout=1000) as requested:
        orders_page.detail.complaint_button.click()
    assert requested.args == ["complaint", env.data.customer_id, SHIPPED_NO]


def test_a_search_without_matches_says_so(qtbot: QtBot, orders_page: OrdersPage) -> None:
    orders_page.search.setText("没有这个订单")
    with qtbot.waitSignal(orders_page.page_loaded, timeout=5000) as loaded:
        orders_page.reload()
    assert loaded.args == [0]
    assert orders_page.status.text() == "没有符合条件的订单"


def test_order_states_speak_english(qtbot: QtBot, env: Env, qapp: QApplication) -> None:
    translator = install_translator(qapp, "en")
    assert translator is not None
    try:
        page = OrdersPage(env.tasks, OrderService(env.db, env.data.shop_id))
        qtbot.addWidget(page)
        with qtbot.waitSignal(page.page_loaded, timeout=5000):
            page.show()
        shown = {page.model.index(r, 2).data() for r in range(page.model.rowCount())}
        assert "Shipped" in shown and not {"已发货", "待付款"} & shown
        assert page.state.itemText(page.state.findData(OrderState.SHIPPED.value)) == "Shipped"
    finally:
        qapp.removeTranslator(translator)


def test_aftersales_buttons_show_only_where_something_opens_the_form(qtbot: QtBot, env: Env) -> None:
    lone = OrdersPage(env.tasks, OrderService(env.db, env.data.shop_id))
    qtbot.addWidget(lone)
    with qtbot.waitSignal(lone.page_loaded, timeout=5000):
        lone.show()
    assert not lone.detail.aftersales_button.isVisible() and not lone.detail.complaint_button.isVisible()

    opened: list[tuple[str, int, str]] = []
    wired = OrdersPage(env.tasks, OrderService(env.db, env.data.shop_id))
    qtbot.addWidget(wired)
    wired.aftersales_requested.connect(lambda kind, customer, order_no: opened.append((kind, customer, order_no)))
    with qtbot.waitSignal(wired.page_loaded, timeout=5000):
        wired.show()
    assert wired.detail.aftersales_button.isVisible() and wired.detail.complaint_button.isVisible()
