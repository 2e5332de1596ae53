"""After-sales without leaving the chat: the reception sidebar's 售后 tab starts a case for the open
chat's buyer and fills it there, and sends a case's texts into the chat, or as a 离线消息 when the
buyer is not in a chat."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory, show_current_lists
from workbench.domain.aftersales import CaseKind, ServiceDetails
from workbench.domain.conversations import ConversationState, Sender
from workbench.services.aftersales import OFFLINE_NOTE
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.ui.main_window import MainWindow


def _buyer_with_a_signed_order(window: MainWindow) -> tuple[int, str]:
    ws = window.workspace
    assert ws is not None
    with ws.db.session() as s:
        for customer in CustomerRepository(s).some(ws.shop.id, limit=200):
            signed = [o for o in OrderRepository(s).for_customer(customer.id) if o.state.value == "已签收"]
            if signed:
                return customer.id, signed[0].order_no
    raise AssertionError("the demo shop has a signed order")


def _open_chat(qtbot: QtBot, window: MainWindow, customer_id: int, text: str) -> int:
    ws = window.workspace
    assert ws is not None
    conv = ws.reception.customer_arrives(customer_id, first_text=text)
    show_current_lists(qtbot, window, timeout=30_000)
    with qtbot.waitSignal(window.conversation_opened, timeout=30_000):
        window.open_conversation(conv.id)
    return conv.id


def test_the_tab_builds_each_form_when_its_first_case_is_started(qtbot: QtBot, make_window: WindowFactory) -> None:
    """The tab is made while the desk opens; its two forms wait until a case needs one (building
    them with the tab held the event loop for about a quarter of a second)."""
    window = make_window()
    customer_id, order_no = _buyer_with_a_signed_order(window)
    _open_chat(qtbot, window, customer_id, "东西有问题")
    panel = window.aftersales_panel
    assert panel is not None
    assert panel.stack.count() == 1  # the list of the buyer's cases only
    window.sidebar.setCurrentWidget(panel)
    panel.start(CaseKind.REFUND, order_no)
    assert panel.stack.count() == 2 and panel.stack.currentWidget() is panel.service_form
    panel.service_form.cancel_button.click()
    assert panel.stack.currentIndex() == panel.PAGE_LIST
    panel.start(CaseKind.COMPLAINT, order_no)
    assert panel.stack.count() == 3 and panel.stack.currentWidget() is panel.complaint_form
    panel.start(CaseKind.EXCHANGE, order_no)  # the form made before is used again
    assert panel.stack.count() == 3 and panel.stack.currentWidget() is panel.service_form


def test_a_return_is_started_and_filled_in_the_sidebar_beside_the_chat(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    customer_id, order_no = _buyer_with_a_signed_order(window)
    conv_id = _open_chat(qtbot, window, customer_id, "衣服不合适，我想退货")
    panel = window.aftersales_panel
    assert panel is not None
    window.sidebar.setCurrentWidget(panel)
    panel.start(CaseKind.RETURN, order_no)  # as 申请售后 ▸ 退货 on the 订单 tab does
    form = panel.service_form
    assert panel.stack.currentWidget() is form and form.isVisibleTo(window)
    assert window.chat.isVisible()  # the agent stays in the chat
    qtbot.waitUntil(lambda: any(b.isChecked() for b in form.item_boxes), timeout=30_000)
    form.description_edit.setPlainText("尺码不合适，吊牌完好")
    with qtbot.waitSignal(panel.case_saved, timeout=30_000) as saved:
        form.submit()
    case = ws.aftersales.get(saved.args[0])
    assert case is not None and case.kind is CaseKind.RETURN and case.conversation_id == conv_id
    assert isinstance(case.details, ServiceDetails) and case.order_no == order_no
    assert panel.stack.currentIndex() == panel.PAGE_LIST
    qtbot.waitUntil(lambda: panel.cases_model.rowCount() == 1, timeout=30_000)

    # the buyer is in the chat: 发送处理进度 puts the case's progress into the composer
    with qtbot.waitSignal(panel.send_text_requested, timeout=30_000) as sent:
        panel.send_progress_button.click()
    assert sent.args[0] == conv_id
    qtbot.waitUntil(lambda: window.composer.text() == sent.args[1], timeout=30_000)


def test_the_return_address_reaches_a_buyer_who_left_as_an_offline_message(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    customer_id, order_no = _buyer_with_a_signed_order(window)
    conv_id = _open_chat(qtbot, window, customer_id, "我要退货")
    panel = window.aftersales_panel
    assert panel is not None
    panel.start(CaseKind.RETURN, order_no)
    form = panel.service_form
    qtbot.waitUntil(lambda: any(b.isChecked() for b in form.item_boxes), timeout=30_000)
    form.description_edit.setPlainText("不想要了")
    with qtbot.waitSignal(panel.case_saved, timeout=30_000):
        form.submit()
    ws.reception.end(conv_id, "agent")  # the buyer is gone: no chat is open
    conv = ws.reception.get(conv_id)
    assert conv is not None and conv.state is ConversationState.ENDED
    qtbot.waitUntil(lambda: panel.cases_model.rowCount() == 1, timeout=30_000)
    with qtbot.waitSignal(panel.offline_sent, timeout=30_000) as sent:
        panel.send_return_button.click()
    assert sent.args[0] == conv_id
    messages = ws.reception.messages(conv_id)
    assert messages[-1].text == OFFLINE_NOTE and messages[-2].sender is Sender.AGENT
    assert "寄回" in messages[-2].text or "退货" in messages[-2].text
