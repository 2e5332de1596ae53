"""智能辅助 in the reception window: every unanswered buyer line counts, a clicked message is answered."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory, open_customer_chat, show_current_lists
from workbench.domain.conversations import Sender
from workbench.domain.orders import OrderState
from workbench.services.live import ChannelUpdate
from workbench.ui.chat.chat_view import Roles


def test_the_parcel_question_outlasts_a_greeting_and_a_clicked_line_is_answered(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    conv_id = open_customer_chat(qtbot, window, "帮我查一下快递到哪了", until_suggestions=True)
    # The buyer, unanswered, asks whether anybody is there (as the simulated customers' updates bring it).
    message = ws.reception.customer_says(conv_id, "有人吗？")
    conv = ws.reception.get(conv_id)
    assert conv is not None
    with qtbot.waitSignal(window.suggestions_shown, timeout=30_000):
        window.controller.apply_updates([ChannelUpdate(conv_id, conv.customer_id, messages=(message,))])
    assert window.assist.model.suggestions()[0].question == "我的快递到哪了"
    assert "有人吗" in window.assist.query_label.text()

    # After the agent's reply, clicking the parcel question in the chat shows suggestions for it alone.
    with qtbot.waitSignal(window.message_sent, timeout=30_000):
        window.send_text("亲，您好")
    model = window.chat.message_model
    row = next(
        r
        for r in range(model.rowCount())
        if model.index(r).data(Roles.MESSAGE).sender is Sender.CUSTOMER
        and model.index(r).data(Roles.MESSAGE).text == "帮我查一下快递到哪了"
    )
    with qtbot.waitSignal(window.suggestions_shown, timeout=30_000):
        window.chat.clicked.emit(model.index(row))
    assert window.assist.model.suggestions()[0].question == "我的快递到哪了"
    assert "有人吗" not in window.assist.query_label.text()


def test_the_buyers_delivered_order_ranks_an_exchange_first(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    signed = ws.orders.page(OrderState.SIGNED, limit=1).rows[0][0]
    conv = ws.reception.customer_arrives(signed.customer_id)
    ws.reception.customer_says(conv.id, f"订单{signed.order_no}，尺码拍错了，想换个大一码")
    show_current_lists(qtbot, window, timeout=30_000)
    with qtbot.waitSignal(window.suggestions_shown, timeout=30_000):
        window.open_conversation(conv.id)
    questions = [s.question for s in window.assist.model.suggestions()]
    assert questions.index("怎么换货") < questions.index("拍错尺码了怎么改"), questions
