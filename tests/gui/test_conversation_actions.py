"""The conversation's right-click menu (转交, 置顶, 星标, 邀请评价, 结束会话, 只看星标) and the chat header's
转交 button with its dialog; on a shared server the receiving desk shows the handed-over chat at once,
with the note and the whole history."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.composition import open_workspace
from workbench.demo.seeding import DEMO_PASSWORD
from workbench.domain.conversations import ConversationState, Sender
from workbench.services.reception import ConversationLists
from workbench.ui.chat.conversation_list import Roles
from workbench.ui.main_window import MainWindow
from workbench.ui.reception.transfer_dialog import TransferDialog

# A popup menu asks the window system to raise it and grab the keyboard, which the offscreen platform
# of the tests cannot do (and says so).
OFFSCREEN_POPUP = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")


def shot(widget: QWidget | None, path: Path) -> None:
    """A screenshot to look at (run with --basetemp to keep them somewhere known)."""
    assert widget is not None
    assert widget.grab().save(str(path))


def right_click(window: MainWindow, conv_id: int) -> list[QAction]:
    """A right click on the conversation's row, as the mouse sends it; the menu's actions."""
    view = window.list_view
    row = window.list_model.row_of(conv_id)
    assert row >= 0
    rect = view.visualRect(window.list_model.index(row))
    where = rect.center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where, view.viewport().mapToGlobal(where))
    QApplication.sendEvent(view.viewport(), event)
    menu = window.conversation_actions.menu
    assert menu is not None and menu.isVisible()
    return menu.actions()


def action(actions: list[QAction], text: str) -> QAction:
    found = [a for a in actions if a.text() == text]
    assert found, [a.text() for a in actions]
    return found[0]


def shown_rows(window: MainWindow) -> list[int]:
    """The conversations the list shows, top to bottom."""
    model = window.list_model
    rows = (model.index(r) for r in range(model.rowCount()))
    return [i.data(Roles.CONVERSATION_ID) for i in rows if i.data(Roles.KIND) == "conversation"]


def new_buyer(window: MainWindow, qtbot: QtBot, text: str, index: int = 0) -> int:
    ws = window.workspace
    assert ws is not None
    customer_id = ws.orders.page(limit=20).rows[index][0].customer_id
    conv = ws.reception.for_program().customer_arrives(customer_id, first_text=text)
    window.refresh_lists()
    qtbot.waitUntil(lambda: window.list_model.conversation(conv.id) is not None, timeout=5000)
    return conv.id


@OFFSCREEN_POPUP
def test_the_conversation_menu_pins_stars_invites_and_ends(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window()
    second = new_buyer(window, qtbot, "什么时候发货", 1)
    first = new_buyer(window, qtbot, "在吗，想问个尺码", 0)
    with qtbot.waitSignal(window.conversation_opened, timeout=5000):
        window.open_conversation(first)
    waiting = lambda: [c.id for c in window.list_model.conversations(ConversationState.WAITING)]  # noqa: E731
    assert waiting().index(second) < waiting().index(first)  # the longest-waiting buyer first

    actions = right_click(window, first)
    assert [a.text() for a in actions if a.text()] == ["转交…", "置顶", "星标", "邀请评价", "结束会话", "只看星标会话"]
    shot(window.conversation_actions.menu, tmp_path / "menu.png")
    action(actions, "置顶").trigger()
    qtbot.waitUntil(lambda: waiting()[0] == first, timeout=5000)  # 置顶 leads its group
    conv = window.list_model.conversation(first)
    assert conv is not None and conv.pinned
    assert "取消置顶" in [a.text() for a in right_click(window, first)]
    menu = window.conversation_actions.menu
    assert menu is not None
    menu.close()

    action(right_click(window, second), "星标").trigger()
    qtbot.waitUntil(lambda: bool(getattr(window.list_model.conversation(second), "starred", False)), timeout=5000)
    shot(window.list_view, tmp_path / "list-pinned-starred.png")
    # only the starred chats
    window.conversation_actions.starred_only.setChecked(True)
    assert shown_rows(window) == [second]
    window.conversation_actions.starred_only.setChecked(False)
    assert {first, second} <= set(shown_rows(window))

    # 邀请评价: a card line in the open chat, once
    action(right_click(window, first), "邀请评价").trigger()
    qtbot.waitUntil(
        lambda: any(m.text.startswith("【邀请评价】") for m in window.chat.message_model.messages()), timeout=5000
    )
    assert window.statusBar().currentMessage() == "已向买家发送邀请评价"
    action(right_click(window, first), "邀请评价").trigger()
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage() == "已经邀请过这位买家评价了，每个会话只邀请一次。", timeout=5000
    )
    cards = [m for m in window.chat.message_model.messages() if m.text.startswith("【邀请评价】")]
    assert len(cards) == 1 and cards[0].sender is Sender.SYSTEM
    shot(window, tmp_path / "rating-invited.png")

    # 结束会话: the buyer's last message is unanswered, so it asks first; 取消 keeps the chat
    action(right_click(window, second), "结束会话").trigger()
    box = window.conversation_actions.end_confirm
    assert box is not None and box.isVisible() and "还没有回复" in box.text()
    shot(box, tmp_path / "end-confirm.png")
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.wait(200)
    assert second in waiting()
    action(right_click(window, second), "结束会话").trigger()
    box = window.conversation_actions.end_confirm
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: second not in waiting(), timeout=5000)
    ended = window.list_model.conversation(second)
    assert ended is not None and ended.state is ConversationState.ENDED


def test_the_header_transfer_button_hands_the_chat_to_a_colleague(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window()  # the owner's single-seat desk
    conv_id = new_buyer(window, qtbot, "我想改一下收货地址")
    with qtbot.waitSignal(window.conversation_opened, timeout=5000):
        window.open_conversation(conv_id)
    window.accept_current()
    qtbot.waitUntil(
        lambda: getattr(window.list_model.conversation(conv_id), "state", None) is ConversationState.ACTIVE,
        timeout=5000,
    )
    assert window.transfer_button.isVisible() and window.transfer_button.isEnabled()
    window.transfer_button.click()
    qtbot.waitUntil(
        lambda: (
            window.conversation_actions.transfer_dialog is not None
            and window.conversation_actions.transfer_dialog.isVisible()
        ),
        timeout=5000,
    )
    dialog = window.conversation_actions.transfer_dialog
    assert isinstance(dialog, TransferDialog)
    texts = [dialog.agent_list.item(i).text() for i in range(dialog.agent_list.count())]
    assert any(t.startswith("● 小林（客服）· 在线 · 接待中 ") for t in texts), texts
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # nobody chosen yet
    row = next(i for i, t in enumerate(texts) if "小林" in t)
    dialog.agent_list.setCurrentRow(row)
    dialog.note.setPlainText("买家要改地址，已核实订单")
    assert ok.isEnabled()
    shot(dialog, tmp_path / "transfer-dialog.png")
    ok.click()
    qtbot.waitUntil(lambda: window.list_model.conversation(conv_id) is None, timeout=5000)  # the owner's list drops it
    assert window.statusBar().currentMessage() == "已转交给小林"
    assert window.centre.currentIndex() == 0 and window.current_id is None
    ws = window.workspace
    assert ws is not None
    stored = ws.reception.for_program()
    after = stored.get(conv_id)
    assert after is not None and after.state is ConversationState.WAITING
    assert [t.note for t in stored.transfers(conv_id)] == ["买家要改地址，已核实订单"]
    assert stored.messages(conv_id)[-1].text == "已为您转接客服小林，请稍候"


@pytest.mark.postgres
def test_the_receiving_desk_shows_the_handed_over_chat_with_its_note(
    pg_demo_url: str, make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    window = make_window(db_url=pg_demo_url, login=("xiaolin", DEMO_PASSWORD))
    other = open_workspace(pg_demo_url, username="xiaozhao", live=True)  # 小赵's desk, headless
    try:
        customer_id = other.orders.page(limit=1).rows[0][0].customer_id
        conv = other.reception.customer_arrives(customer_id, first_text="我要改地址")
        other.reception.accept(conv.id, other.agent.id)
        other.reception.agent_sends(conv.id, other.agent.id, "好的亲，我帮您核实一下订单")
        qtbot.wait(300)
        assert window.list_model.conversation(conv.id) is None  # a colleague's chat is not listed
        other.reception.transfer_to_agent(conv.id, window.workspace.agent.id, "买家要改地址，已核实订单")  # type: ignore[union-attr]
        # at once: in 待接待 with the note in the row
        qtbot.waitUntil(lambda: window.list_model.conversation(conv.id) is not None, timeout=5000)
        row = window.list_model.conversation(conv.id)
        assert row is not None and row.state is ConversationState.WAITING
        assert (row.transferred_by, row.transfer_note) == ("小赵", "买家要改地址，已核实订单")
        with qtbot.waitSignal(window.conversation_opened, timeout=5000):
            window.open_conversation(conv.id)
        assert window.transfer_banner.isVisible()
        assert window.transfer_banner.text() == "小赵转交给你：买家要改地址，已核实订单"
        texts = [m.text for m in window.chat.message_model.messages()]
        assert texts == ["我要改地址", "好的亲，我帮您核实一下订单", "已为您转接客服小林，请稍候"]  # the whole history
        shot(window, tmp_path / "receiving-desk.png")
        # the colleague who handed it over may not open it any more; this desk takes it
        window.accept_current()
        qtbot.waitUntil(
            lambda: getattr(window.list_model.conversation(conv.id), "state", None) is ConversationState.ACTIVE,
            timeout=5000,
        )
        # a second accept from the other desk is refused clearly (it may not even open it now)
        from workbench.domain.errors import DomainError

        with pytest.raises(DomainError) as refused:
            other.reception.accept(conv.id, other.agent.id)
        assert refused.value.code == "conversation.forbidden"
        # and this desk (a 客服) cannot open the colleague's own chat by its id
        theirs = other.reception.customer_arrives(other.orders.page(limit=2).rows[1][0].customer_id, first_text="私聊")
        other.reception.accept(theirs.id, other.agent.id)
        window.open_conversation(theirs.id)
        qtbot.waitUntil(lambda: "你没有权限查看或处理这个会话" in window.statusBar().currentMessage(), timeout=5000)
        assert window.current_id is None and window.centre.currentIndex() == 0  # nothing of it is shown
    finally:
        other.close()


def test_a_lost_accept_race_is_said_in_the_status_bar(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window()
    conv_id = new_buyer(window, qtbot, "有人在吗")
    with qtbot.waitSignal(window.conversation_opened, timeout=5000):
        window.open_conversation(conv_id)
    ws = window.workspace
    assert ws is not None
    colleague = next(a for a in ws.routing.accounts() if a.display_name == "小林")
    # another desk (小林's) takes the buyer before this one's 接入 arrives
    from workbench.domain.identity import Actor
    from workbench.services.reception import ReceptionService

    ReceptionService(ws.db, ws.shop.id, ws.clock, actor=Actor(colleague.id)).accept(conv_id, colleague.id)
    window.accept_current()
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage() == "小林已经接入了这位买家，你的接入没有生效。", timeout=5000
    )


def test_an_older_list_read_finishing_last_does_not_bring_back_the_old_state(
    make_window: WindowFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """List reads run in parallel: the read started before a 接入 may finish after the one started after
    it; the list keeps showing the newer state (the chat 接待中), not 待接待 again."""
    window = make_window()
    ws = window.workspace
    assert ws is not None
    conv_id = new_buyer(window, qtbot, "在吗")
    real = ws.reception.desk_lists
    gate = threading.Event()
    calls: list[int] = []

    def first_read_is_slow(agent_id: int) -> ConversationLists:
        lists = real(agent_id)
        calls.append(agent_id)
        if len(calls) == 1:
            gate.wait(10)  # holds the older state until the newer one is on screen
        return lists

    monkeypatch.setattr(ws.reception, "desk_lists", first_read_is_slow)
    window.refresh_lists()  # reads: the buyer waits
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
    ws.reception.accept(conv_id, ws.agent.id)
    window.refresh_lists()  # reads: the buyer is served
    active = lambda: getattr(window.list_model.conversation(conv_id), "state", None) is ConversationState.ACTIVE  # noqa: E731
    qtbot.waitUntil(active, timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: window.tasks.wait_idle(0), timeout=5000)
    qtbot.wait(200)  # the older read's result has been delivered
    assert active()
