"""The reception desk as an agent uses it all day: narrow windows, busy lists, drafts, keyboard."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory, open_customer_chat
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
    return open_customer_chat(qtbot, window, text, nth, until_suggestions=True)


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


def test_nothing_found_does_not_stay_above_the_next_suggestions(qtbot: QtBot) -> None:
    panel = AssistPanel()
    qtbot.addWidget(panel)
    panel.set_loading(False)
    ready = panel.status.text()
    panel.show_for("随便说点什么", [])
    assert panel.status.text() != ready  # tells the agent to answer by hand
    panel.show_for("快递到哪了", [_suggestion(1)])
    assert panel.status.text() == ready
    panel.show_for("随便说点什么", [])
    panel.clear()  # the agent opens another chat
    assert panel.status.text() == ready


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


def test_an_ended_chat_offers_no_suggestion_to_send(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    _open_chat(qtbot, window, "我的快递到哪了")
    assert window.assist.send_button.isEnabled()
    window.end_current()
    qtbot.waitUntil(lambda: not window.composer.send_button.isEnabled(), timeout=10_000)
    assert not window.assist.send_button.isEnabled()
    assert not window.assist.insert_button.isEnabled()


def test_enter_pressed_twice_sends_the_reply_once(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    conv_id = _open_chat(qtbot, window, "在吗")
    window.composer.set_text("在的亲")
    with qtbot.waitSignal(window.message_sent, timeout=10_000):
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)  # before the first is saved
    assert window.tasks.wait_idle()
    qtbot.waitUntil(lambda: window.tasks.pending() == 0)
    assert _agent_texts(window, conv_id) == ["在的亲"]
    assert window.composer.text() == ""


def test_sending_a_suggestion_directly_keeps_the_draft(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    conv_id = _open_chat(qtbot, window, "我的快递到哪了")
    suggestion = window.assist.model.suggestions()[0]
    window.composer.set_text("另外帮您查了一下，")
    with qtbot.waitSignal(window.message_sent, timeout=10_000):
        window.assist.send_button.click()
    assert _agent_texts(window, conv_id) == [suggestion.answer.strip()]
    assert window.composer.text() == "另外帮您查了一下，"


def test_switching_chats_keeps_each_unsent_reply(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    first = _open_chat(qtbot, window, "我的快递到哪了", nth=0)
    window.insert_suggestion(window.assist.model.suggestions()[0])
    window.composer.edit.insertPlainText("，我这就去催")
    draft = window.composer.text()
    second = _open_chat(qtbot, window, "有优惠券吗", nth=1)
    assert window.composer.text() == ""
    window.composer.set_text("有的亲")
    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        window.open_conversation(first)
    assert window.composer.text() == draft
    with qtbot.waitSignal(window.message_sent, timeout=10_000):
        window.composer.send_button.click()
    assert window.workspace is not None
    # Still counted as an edited suggestion: the draft kept the entry it began from.
    assert [u.edited for u in window.workspace.reception.suggestion_uses(first)] == [True]
    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        window.open_conversation(second)
    assert window.composer.text() == "有的亲"


def test_enter_opens_the_highlighted_conversation(qtbot: QtBot) -> None:
    model = ConversationListModel()
    view = ConversationListView(model)
    qtbot.addWidget(view)
    view.show()
    conv = Conversation(7, 7, "买家", ConversationState.WAITING, None, NOW, NOW, NOW, unread=1)
    model.set_lists(ConversationLists((conv,), (), ()))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)  # the 待接待 header to the conversation: only highlighted
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == model.row_of(7)
    with qtbot.waitSignal(view.conversation_selected, timeout=1_000) as opened:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.args == [7]
    view.setCurrentIndex(model.index(0))
    qtbot.keyClick(view, Qt.Key.Key_Return)  # on a header: folds the group
    assert model.row_of(7) == -1


def test_a_reply_sent_just_before_switching_is_not_kept_as_a_draft(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    first = _open_chat(qtbot, window, "在吗", nth=0)
    second = _open_chat(qtbot, window, "有优惠券吗", nth=1)
    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        window.open_conversation(first)
    window.composer.set_text("在的亲")
    with qtbot.waitSignal(window.message_sent, timeout=10_000):
        window.composer.send_button.click()
        window.open_conversation(second)  # before the reply is saved
    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        window.open_conversation(first)
    assert _agent_texts(window, first) == ["在的亲"]
    assert window.composer.text() == ""


def test_quick_phrase_picker_follows_the_editor_and_leaves_with_the_desk(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    window.resize(1360, 840)
    _open_chat(qtbot, window, "在吗")
    composer, picker = window.composer, window.composer.picker
    composer.set_text("/")
    assert picker.isVisible()

    def editor_top() -> int:
        return composer.edit.mapTo(window, composer.edit.rect().topLeft()).y()

    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024)
    QApplication.processEvents()
    assert picker.isVisible()
    assert picker.geometry().bottom() < editor_top()  # above the editor, not over what is typed
    assert picker.geometry().left() == composer.edit.mapTo(window, composer.edit.rect().topLeft()).x()

    window.nav.setCurrentRow(window.page_index["customers"])
    assert not picker.isVisible()  # not floating over 客户运营


def test_a_chat_from_outside_the_desk_lists_shows_its_own_customer(qtbot: QtBot, make_window: WindowFactory) -> None:
    from workbench.storage.repositories.shops import ShopRepository

    window = make_window()
    ws = window.workspace
    assert ws is not None
    _open_chat(qtbot, window, "在吗", nth=0)
    with ws.db.session() as s:
        colleague = ShopRepository(s).add_agent(ws.shop.id, "xiaoqian", "小钱")
        other = CustomerRepository(s).some(ws.shop.id, limit=2)[1]
    # A colleague serves this one, so it is not on this desk; 售后 sends text into it all the same.
    conv = ws.reception.customer_arrives(other.id)
    ws.reception.customer_says(conv.id, "我的退款到哪一步了")
    ws.reception.accept(conv.id, colleague.id)
    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        window.put_text_in_chat(conv.id, "亲，退款已经处理了")
    assert window.list_model.conversation(conv.id) is None
    assert window.header_title.text() == other.nick
    panel = window.customer_panel
    assert panel is not None
    assert panel.customer_id() == other.id
    assert window.composer.text() == "亲，退款已经处理了"


def test_a_reply_typed_after_deleting_a_suggestion_is_the_agents_own(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    conv_id = _open_chat(qtbot, window, "我的快递到哪了")
    window.assist.insert_button.click()
    assert window.composer.text() == window.assist.model.suggestions()[0].answer
    window.composer.edit.selectAll()
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_Delete)
    window.composer.edit.insertPlainText("我帮您问下仓库")
    with qtbot.waitSignal(window.message_sent, timeout=10_000):
        window.composer.send_button.click()
    assert window.workspace is not None
    assert window.workspace.reception.suggestion_uses(conv_id) == []


def test_clicking_the_open_chat_again_keeps_the_reply_being_typed(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    conv_id = _open_chat(qtbot, window, "我的快递到哪了")
    window.composer.set_text("亲，我看一下")
    row = window.list_model.row_of(conv_id)
    rect = window.list_view.visualRect(window.list_model.index(row))
    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        qtbot.mouseClick(window.list_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.composer.text() == "亲，我看一下"
