"""The reply being typed is a draft kept in the database: it survives a restart, is marked 【草稿】 in
the conversation list, and goes with the reply that sends it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory, open_customer_chat, show_current_lists
from workbench.ui.main_window import MainWindow


def _open_chat(qtbot: QtBot, window: MainWindow, text: str, nth: int = 0) -> int:
    return open_customer_chat(qtbot, window, text, nth)


def _row_tip(window: MainWindow, conv_id: int) -> str:
    return str(window.list_model.index(window.list_model.row_of(conv_id)).data(Qt.ItemDataRole.ToolTipRole))


def test_a_draft_is_saved_as_typed_marked_in_the_list_and_back_after_a_restart(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    first = _open_chat(qtbot, window, "我的快递到哪了", nth=0)
    window.composer.set_text("亲，我这就帮您查")
    # Saved when the agent pauses, without switching chats or sending.
    qtbot.waitUntil(lambda: ws.drafts.get(first) == "亲，我这就帮您查", timeout=5_000)
    second = _open_chat(qtbot, window, "有优惠券吗", nth=1)
    conv = window.list_model.conversation(first)
    assert conv is not None and conv.draft == "亲，我这就帮您查"
    assert _row_tip(window, first) == "【草稿】亲，我这就帮您查"
    window.composer.set_text("有的亲，")  # typed just before quitting: saved on the way out

    data_dir = window.config.paths.data
    window.close()
    again = make_window(data_dir)
    assert again.workspace is not None
    assert again.workspace.drafts.get(second) == "有的亲，"
    show_current_lists(qtbot, again, timeout=10_000)
    assert _row_tip(again, first) == "【草稿】亲，我这就帮您查"
    with qtbot.waitSignal(again.conversation_opened, timeout=10_000):
        again.open_conversation(first)
    assert again.composer.text() == "亲，我这就帮您查"

    # Sent: the draft is gone, from the database and from the list.
    with qtbot.waitSignal(again.message_sent, timeout=10_000):
        again.composer.send_button.click()
    assert again.workspace.drafts.get(first) == ""
    conv = again.list_model.conversation(first)
    assert conv is not None and conv.draft == ""
    qtbot.wait(1_000)  # a save still waiting when it was sent must not bring it back
    assert again.workspace.drafts.get(first) == ""

    # Emptying the composer deletes the draft too.
    with qtbot.waitSignal(again.conversation_opened, timeout=10_000):
        again.open_conversation(second)
    assert again.composer.text() == "有的亲，"
    again.composer.clear()
    qtbot.waitUntil(lambda: again.workspace is not None and again.workspace.drafts.get(second) == "", timeout=5_000)


def test_a_reply_sent_just_before_switching_leaves_no_draft_in_the_database(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    first = _open_chat(qtbot, window, "在吗", nth=0)
    second = _open_chat(qtbot, window, "有优惠券吗", nth=1)
    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        window.open_conversation(first)
    window.composer.set_text("在的亲")
    with qtbot.waitSignal(window.message_sent, timeout=10_000):
        window.composer.send_button.click()
        window.open_conversation(second)  # before the reply is saved: its text is kept as the draft
    window.tasks.wait_idle()
    assert ws.drafts.get(first) == ""
    conv = window.list_model.conversation(first)
    assert conv is not None and conv.draft == ""
