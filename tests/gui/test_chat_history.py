"""A returning buyer's earlier visits above the chat (collapsed, dated, unfolded on click) and the chat's
cards (order card, product link, 邀请评价 and its answer) with their 查看 button."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory, open_customer_chat
from workbench.domain.cards import CardKind, Satisfaction, product_card_text, rating_answer_text
from workbench.domain.conversations import EarlierVisit, Message, Sender
from workbench.domain.orders import Order, OrderItem, OrderState
from workbench.services.orders import order_card_text
from workbench.storage.repositories.customers import CustomerRepository
from workbench.ui.chat.chat_view import ChatView, is_visit_header

CONV = 50
T0 = datetime(2026, 3, 1, 9, 0)
VISITS = [  # newest first, as the service lists them
    EarlierVisit(41, datetime(2026, 2, 20, 15, 5), datetime(2026, 2, 20, 15, 20), 3),
    EarlierVisit(12, datetime(2026, 1, 8, 10, 0), datetime(2026, 1, 8, 10, 9), 2),
]


def _messages(conv: int, first_id: int, count: int, start: datetime = T0) -> list[Message]:
    return [
        Message(i, conv, Sender.CUSTOMER if i % 2 else Sender.AGENT, f"第{i}条消息", start + timedelta(minutes=i))
        for i in range(first_id, first_id + count)
    ]


def _view(qtbot: QtBot) -> ChatView:
    view = ChatView()
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.show()
    qtbot.waitExposed(view)
    return view


def _click(qtbot: QtBot, view: ChatView, row: int, at: QPoint | None = None) -> None:
    view.scrollTo(view.message_model.index(row))
    QApplication.processEvents()
    rect = view.visualRect(view.message_model.index(row))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at or rect.center())


def test_earlier_visits_show_collapsed_and_dated_above_the_chat_and_unfold_on_click(qtbot: QtBot) -> None:
    view = _view(qtbot)
    view.set_visits(CONV, VISITS)
    view.message_model.set_messages(CONV, _messages(CONV, 1000, 5))
    view.has_older = False
    model = view.message_model
    headers = [model.message_at(r) for r in range(2)]
    assert all(is_visit_header(h) for h in headers)
    assert "2026-01-08 10:00" in headers[0].text and "2 条消息" in headers[0].text  # the oldest on top
    assert "2026-02-20 15:05" in headers[1].text and headers[1].text.startswith("▸")
    assert model.rowCount() == 2 + 5 and model.oldest_id() == 1000  # paging still starts at the chat

    asked: list[tuple[int, int]] = []
    view.visit_requested.connect(lambda conv, visit: asked.append((conv, visit)))
    _click(qtbot, view, 1)
    assert asked == [(CONV, 41)]
    view.show_visit(41, _messages(41, 500, 3, datetime(2026, 2, 20, 15, 5) - timedelta(minutes=500)))
    assert [model.message_at(r).id for r in range(model.rowCount())] == [-12, -41, 500, 501, 502, *range(1000, 1005)]
    assert model.message_at(1).text.startswith("▾") and model.shows_time(2) and model.shows_time(5)
    _click(qtbot, view, 1)  # a second click folds it again, without reading anything
    assert asked == [(CONV, 41)] and model.rowCount() == 2 + 5


def test_a_long_chat_shows_its_history_only_when_scrolled_back_to_its_start(qtbot: QtBot) -> None:
    view = _view(qtbot)
    view.set_visits(CONV, VISITS)
    model = view.message_model
    model.set_messages(CONV, _messages(CONV, 601, 200))
    view.has_older = True
    assert not any(is_visit_header(model.message_at(r)) for r in range(model.rowCount()))
    for first in (401, 201, 1):  # the reader pages back to the start (each page measured, then added)
        view.show_older(_messages(CONV, first, 200), has_more=first > 1)
        qtbot.waitUntil(lambda first=first: model.oldest_id() == first, timeout=30_000)
    assert model.chat_rows() == ChatView.WINDOW_ROWS and model.history_rows == 2
    assert model.oldest_id() == 1 and is_visit_header(model.message_at(0))
    # paging forward again leaves the start: the history goes with the rows dropped
    view.show_newer(600, _messages(CONV, 601, 200), has_more=False)
    qtbot.waitUntil(lambda: model.oldest_id() == 201, timeout=30_000)
    assert model.history_rows == 0 and model.chat_rows() == ChatView.WINDOW_ROWS and view.has_older
    assert model.oldest_id() == 201


ORDER = Order(
    1,
    "2026030100007",
    1,
    OrderState.SHIPPED,
    15900,
    T0,
    items=(OrderItem("SKU-7", "南栀 纯棉衬衫式连衣裙", "M", "白色", 1, 15900),),
)


def test_cards_are_drawn_as_cards_and_their_view_button_opens_the_order(qtbot: QtBot) -> None:
    view = _view(qtbot)
    texts = [
        (Sender.AGENT, order_card_text(ORDER)),
        (Sender.AGENT, product_card_text(ORDER.items[0])),
        (Sender.SYSTEM, "【邀请评价】亲，感谢您的咨询！请为客服小美本次的服务打分：非常满意 / 满意 / 一般 / 不满意"),
        (Sender.SYSTEM, rating_answer_text(Satisfaction.SATISFIED)),
        (Sender.CUSTOMER, "订单号：2026030100007 怎么还没到"),  # a buyer's text stays text
    ]
    view.message_model.set_messages(
        CONV, [Message(i + 1, CONV, who, text, T0 + timedelta(seconds=i)) for i, (who, text) in enumerate(texts)]
    )
    QApplication.processEvents()
    kinds = [view.bubbles.card_of(view.message_model.message_at(r)) for r in range(5)]
    assert [k.kind if k else None for k in kinds] == [
        CardKind.ORDER,
        CardKind.PRODUCT,
        CardKind.RATING_INVITATION,
        CardKind.RATING,
        None,
    ]
    order_row = view.visualRect(view.message_model.index(0))
    assert order_row.height() >= view.bubbles.CARD_HEIGHTS[CardKind.ORDER]
    opened: list[tuple[str, str]] = []
    view.card_opened.connect(lambda kind, key: opened.append((kind, key)))
    card = kinds[0]
    assert card is not None
    box = view.bubbles.card_rect(order_row, view.message_model.message_at(0), card, True)
    _click(qtbot, view, 0, view.bubbles.button_rect(box).center())
    assert opened == [("order", ORDER.order_no)]


def test_a_returning_buyers_chat_opens_with_the_earlier_visit_above_it(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    with ws.db.session() as s:
        customer_id = CustomerRepository(s).some(ws.shop.id, limit=1)[0].id
    before = ws.reception.customer_arrives(customer_id, first_text="上次的裙子有货吗")
    ws.reception.end(before.id, "agent")
    conv_id = open_customer_chat(qtbot, window, "我又来了", nth=0)
    chat = window.chat
    assert chat.message_model.conversation_id == conv_id
    qtbot.waitUntil(lambda: chat.message_model.history_rows > 0, timeout=30_000)
    header_row = next(
        r for r in range(chat.message_model.history_rows) if chat.message_model.message_at(r).id == -before.id
    )
    _click(qtbot, chat, header_row)
    qtbot.waitUntil(lambda: chat.message_model.expanded == before.id, timeout=30_000)
    texts = [chat.message_model.message_at(r).text for r in range(chat.message_model.history_rows)]
    assert "上次的裙子有货吗" in texts
