"""The reception desk as an agent uses it all day: narrow windows, busy lists, drafts, keyboard."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.domain.conversations import Conversation, ConversationState, Sender
from workbench.domain.kb import Suggestion
from workbench.services.reception import ConversationLists
from workbench.storage.repositories.customers import CustomerRepository
from workbench.ui.assist.panel import AssistPanel
from workbench.ui.chat.chat_view import MIN_WIDTH
from workbench.ui.chat.conversation_list import ConversationListModel, ConversationListView
from workbench.ui.main_window import MainWindow

NOW = datetime(2024, 6, 18, 15, 30)


def _open_chat(qtbot: QtBot, window: MainWindow, text: str, nth: int = 0) -> int:
    """A demo customer writes `text`; the chat is opened and its suggestions are shown."""
    ws = window.workspace
    assert ws is not None
    with ws.db.session() as s:
        customer_id = CustomerRepository(s).some(ws.shop.id, limit=nth + 1)[nth].id
    conv = ws.reception.customer_arrives(customer_id)
    ws.reception.customer_says(conv.id, text)
    with qtbot.waitSignal(window.lists_refreshed, timeout=10_000):
        window.refresh_lists()
    with qtbot.waitSignal(window.suggestions_shown, timeout=10_000):
        window.open_conversation(conv.id)
    return conv.id


def _agent_texts(window: MainWindow, conv_id: int) -> list[str]:
    assert window.workspace is not None
    return [m.text for m in window.workspace.reception.messages(conv_id) if m.sender is Sender.AGENT]


def _suggestion(i: int) -> Suggestion:
    return Suggestion(
        entry_id=i,
        question=f"问题{i}",
        answer="亲，" + "回答内容" * 30,
        score=0.5,
        category="物流问题",
        matched_phrasing="",
        matched_words=("物流",),
        reasons=(),
    )


def test_a_1024_px_window_keeps_its_width_and_a_readable_chat(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    window.resize(1024, 700)
    conv_id = _open_chat(qtbot, window, "在吗？我的快递到哪了")
    conv = window.list_model.conversation(conv_id)
    assert conv is not None
    # A long nick with every mark: the header elides instead of widening the window off the screen.
    window._update_header(
        dataclasses.replace(conv, customer_nick="一位昵称特别特别长的买家" * 3, is_88vip=True, member_level="超级会员")
    )
    QApplication.processEvents()
    assert window.minimumSizeHint().width() <= 1024
    qtbot.waitUntil(lambda: window.width() == 1024)
    assert window.header_title.width() >= window.header_title.minimumSizeHint().width() > 0
    # The list and the sidebar give up width before the chat is squeezed.
    assert window.chat.width() >= MIN_WIDTH


def test_busy_conversation_list_keeps_waiting_time_and_badge_in_view(qtbot: QtBot) -> None:
    model = ConversationListModel()
    view = ConversationListView(model)
    qtbot.addWidget(view)
    view.resize(260, 400)
    view.show()
    convs = tuple(
        Conversation(i, i, f"买家{i}", ConversationState.WAITING, None, NOW, NOW, NOW, unread=2, last_message="你好")
        for i in range(1, 20)
    )
    model.set_lists(ConversationLists(convs, (), ()))
    qtbot.waitUntil(lambda: view.verticalScrollBar().isVisible())
    QApplication.processEvents()
    assert view.visualRect(model.index(1)).width() == view.viewport().width()
    assert view.horizontalScrollBar().maximum() == 0


def test_suggestion_cards_fit_the_sidebar_when_they_scroll(qtbot: QtBot) -> None:
    panel = AssistPanel()
    qtbot.addWidget(panel)
    panel.resize(340, 500)
    panel.show()
    panel.show_for("你好", [_suggestion(i) for i in range(6)])
    qtbot.waitUntil(lambda: panel.view.verticalScrollBar().isVisible())
    QApplication.processEvents()
    assert panel.view.visualRect(panel.model.index(0)).width() == panel.view.viewport().width()
    assert panel.view.horizontalScrollBar().maximum() == 0


def test_a_long_message_is_shown_to_its_end(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    window.resize(1024, 700)
    conv_id = _open_chat(qtbot, window, "你好")
    for i in range(3):
        with qtbot.waitSignal(window.message_sent, timeout=10_000):
            window.send_text(f"短消息{i}")
    # This one brings the scroll bar, which narrows the bubbles and makes them taller.
    with qtbot.waitSignal(window.message_sent, timeout=10_000):
        window.send_text("这是一条很长很长的消息，" * 60)
    assert _agent_texts(window, conv_id)[-1].startswith("这是一条")
    bar = window.chat.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    QApplication.processEvents()
    assert bar.value() == bar.maximum()
    model = window.chat.message_model
    last = window.chat.visualRect(model.index(model.rowCount() - 1))
    assert last.bottom() <= window.chat.viewport().rect().bottom()
