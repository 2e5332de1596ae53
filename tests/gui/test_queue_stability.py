"""The conversation list never moves the row the agent is aiming at when buyers arrive or write."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory, show_current_lists
from workbench.domain.conversations import Conversation, ConversationState
from workbench.services.reception import ConversationLists
from workbench.storage.repositories.customers import CustomerRepository
from workbench.ui.chat.conversation_list import ConversationListModel, ConversationListView

NOW = datetime(2024, 6, 18, 15, 30)


def _conv(i: int, state: ConversationState = ConversationState.WAITING) -> Conversation:
    at = NOW + timedelta(minutes=i)
    waiting = at if state is ConversationState.WAITING else None
    return Conversation(i, i, f"买家{i}", state, None, at, at, waiting, last_message="在吗")


def _view(qtbot: QtBot, height: int) -> tuple[ConversationListModel, ConversationListView]:
    model = ConversationListModel()
    view = ConversationListView(model, clock=lambda: NOW)
    qtbot.addWidget(view)
    view.resize(300, height)
    view.show()
    qtbot.waitExposed(view)
    return model, view


def _point_at(view: ConversationListView, conversation_id: int) -> None:
    """The pointer rests on the conversation's row (a mouse move, as Qt delivers it)."""
    rect = view.visualRect(view.list_model().index(view.list_model().row_of(conversation_id)))
    pos = QPointF(rect.center())
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        pos,
        QPointF(view.viewport().mapToGlobal(pos.toPoint())),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view.viewport(), move)


def _top(view: ConversationListView, conversation_id: int) -> int:
    return view.visualRect(view.list_model().index(view.list_model().row_of(conversation_id))).top()


def test_a_new_buyer_never_moves_the_row_under_the_pointer(qtbot: QtBot) -> None:
    model, view = _view(qtbot, 600)  # everything fits: nothing to scroll
    waiting = (_conv(1), _conv(2))
    active = (_conv(10, ConversationState.ACTIVE), _conv(11, ConversationState.ACTIVE))
    view.show_lists(ConversationLists(waiting, active, ()))

    # Pointing at a waiting buyer: a newcomer joins below, so the lists are shown at once.
    _point_at(view, 2)
    before = _top(view, 2)
    view.show_lists(ConversationLists((*waiting, _conv(3)), active, ()))
    assert model.row_of(3) >= 0 and _top(view, 2) == before

    # Pointing at a chat below the queue: the newcomer would push it down and the list cannot scroll,
    # so the new row waits; the rows shown still take their news (an unread count).
    _point_at(view, 11)
    before = _top(view, 11)
    news = dataclasses.replace(active[1], unread=4)
    view.show_lists(ConversationLists((*waiting, _conv(3), _conv(4)), (active[0], news), ()))
    assert model.row_of(4) == -1
    assert _top(view, 11) == before
    row = model.index(model.row_of(11))
    assert row.data(Qt.ItemDataRole.DisplayRole) == "买家11" and model.conversation(11) is not None
    assert view.model().data(row, Qt.ItemDataRole.UserRole + 7) == 4  # Roles.UNREAD, updated in place
    # The pointer leaves the list: it catches up.
    QApplication.sendEvent(view.viewport(), QEvent(QEvent.Type.Leave))
    assert model.row_of(4) >= 0


def test_the_highlighted_row_keeps_its_place_when_the_list_can_scroll(qtbot: QtBot) -> None:
    model, view = _view(qtbot, 300)
    waiting = tuple(_conv(i) for i in range(1, 8))
    active = tuple(_conv(i, ConversationState.ACTIVE) for i in range(20, 30))
    view.show_lists(ConversationLists(waiting, active, ()))
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 2)
    view.setCurrentIndex(model.index(model.row_of(25)))  # the open chat, or reached with the arrow keys
    before = _top(view, 25)
    # Two buyers arrive and one of the waiting leaves: the rows above it change, it stays on screen.
    view.show_lists(ConversationLists((*waiting[1:], _conv(8), _conv(9)), active, ()))
    assert _top(view, 25) == before
    assert view.currentIndex().data(Qt.ItemDataRole.UserRole + 3) == 25  # Roles.CONVERSATION_ID
    # And with the pointer on a row the list scrolls rather than wait, when it can.
    _point_at(view, 24)
    before = _top(view, 24)
    view.show_lists(ConversationLists((*waiting[1:], _conv(8), _conv(9), _conv(12)), active, ()))
    assert model.row_of(12) >= 0 and _top(view, 24) == before


def test_the_desk_re_reading_its_lists_leaves_the_list_where_the_agent_scrolled_it(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    window.resize(1280, 700)
    ws = window.workspace
    assert ws is not None
    with ws.db.session() as s:
        customers = CustomerRepository(s).some(ws.shop.id, limit=16)
    convs = [ws.reception.for_program().customer_arrives(c.id, first_text="在吗").id for c in customers[:15]]
    show_current_lists(qtbot, window, timeout=10_000)
    view = window.list_view
    with qtbot.waitSignal(window.lists_refreshed, timeout=10_000):  # opening re-reads the lists
        window.open_conversation(convs[-1])  # the newest buyer: at the end of the queue
    assert view.verticalScrollBar().value() > 0, "the opened chat is brought into view"
    view.verticalScrollBar().setValue(0)  # the agent scrolls up to the longest-waiting buyers
    _point_at(view, convs[1])
    before = _top(view, convs[1])
    ws.reception.for_program().customer_arrives(customers[15].id, first_text="有人吗")
    show_current_lists(qtbot, window, timeout=10_000)
    assert view.verticalScrollBar().value() == 0 and _top(view, convs[1]) == before
