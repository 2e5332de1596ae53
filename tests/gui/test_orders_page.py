"""The shop-wide 订单 workspace: paged list, filters, and the detail of the selected order."""

from __future__ import annotations

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.domain.orders import OrderState
from workbench.ui.orders.orders_page import OrderRoles, OrdersPage


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
