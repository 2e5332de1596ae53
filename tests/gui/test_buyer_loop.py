"""The simulated buyers at the desk: 模拟客户进店 off stops their time (a pause is never replayed), and a
buyer who goes away leaves the chat open for the agent, who can still write and ends it (asked first)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory, show_current_lists
from workbench.domain.conversations import ConversationState, Sender
from workbench.ui.main_window import MainWindow


def _fake_time(window: MainWindow) -> list[float]:
    """The buyers' channel reads this clock from now on (it starts where the real one is)."""
    channel = window.controller.channel
    assert channel is not None
    window.tasks.wait_idle()
    t = [time.monotonic()]
    channel.monotonic = lambda: t[0]
    return t


def _chats(window: MainWindow) -> tuple[set[int], set[int]]:
    ws = window.workspace
    assert ws is not None
    lists = ws.reception.lists()
    return {c.id for c in lists.waiting + lists.active}, {c.id for c in lists.ended}


def test_ten_minutes_with_the_shop_paused_bring_only_the_buyer_clicked_for(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    c = window.controller
    ws = window.workspace
    assert ws is not None
    t = _fake_time(window)
    window.sim_action.setChecked(True)
    c.sim_timer.stop()  # the test ticks by hand
    window.tasks.wait_idle()
    for _ in range(3):
        with qtbot.waitSignal(window.lists_refreshed, timeout=30_000):
            window.new_customer_action.trigger()
    t[0] += 5.0
    c.tick_channel()
    window.tasks.wait_idle()
    open_before, ended_before = _chats(window)
    said_before = {conv: len(ws.reception.messages(conv)) for conv in open_before}

    window.sim_action.setChecked(False)  # 模拟客户进店 off; ten minutes go by
    window.tasks.wait_idle()  # the pause is done on the write worker, in order with the ticks
    t[0] += 600.0
    with qtbot.waitSignal(window.lists_refreshed, timeout=30_000):
        window.new_customer_action.trigger()
    window.tasks.wait_idle()

    open_after, ended_after = _chats(window)
    assert ended_after == ended_before  # nobody gave up over the paused time
    assert len(open_after - open_before) == 1  # one buyer: the one clicked for
    assert {conv: len(ws.reception.messages(conv)) for conv in open_before} == said_before


def test_a_buyer_who_left_keeps_the_chat_open_and_the_agent_writes_and_ends_it(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    c = window.controller
    ws = window.workspace
    channel = c.channel
    assert ws is not None and channel is not None
    t = _fake_time(window)
    channel.resume()
    updates = channel.spawn("urge_shipment")
    conv_id = next(u.conversation_id for u in updates if u.arrived)
    c.apply_updates(updates)
    ws.reception.accept(conv_id, ws.agent.id)
    left = ""
    for _ in range(2000):  # nobody answers: the buyer nudges, then goes away
        t[0] += 2.0
        updates = channel.tick()
        c.apply_updates(updates)
        # Other buyers come meanwhile, each with their own patience: only this one's leaving counts.
        left = left or next((u.left for u in updates if u.left and u.conversation_id == conv_id), "")
        if left:
            break
    assert left == "ignored"
    show_current_lists(qtbot, window, timeout=30_000)
    with qtbot.waitSignal(window.conversation_opened, timeout=30_000):
        window.open_conversation(conv_id)
    shown = window.chat.message_model.messages()
    assert shown[-1].sender is Sender.SYSTEM and shown[-1].text.startswith("买家已离开")
    assert window.composer.isEnabled() and window.end_button.isEnabled()
    window.grab().save(str(tmp_path / "left-buyer.png"))

    window.composer.set_text("亲，久等了，您的订单今天下午发出")
    window.composer.send_button.click()
    qtbot.waitUntil(
        lambda: ws.reception.messages(conv_id)[-1].text == "亲，久等了，您的订单今天下午发出", timeout=30_000
    )
    conv = ws.reception.get(conv_id)
    assert conv is not None and conv.state is ConversationState.ACTIVE

    # The reply answered the buyer: 结束会话 ends it without asking.
    show_current_lists(qtbot, window, timeout=30_000)
    listed = window.list_model.conversation(conv_id)
    assert listed is not None and listed.waiting_since is None
    with qtbot.waitSignal(c.conversation_ended, timeout=30_000):
        window.end_button.click()
    conv = ws.reception.get(conv_id)
    assert conv is not None and conv.state is ConversationState.ENDED and conv.end_reason == "agent"


def test_ending_a_left_buyers_unanswered_chat_asks_first(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    c = window.controller
    ws = window.workspace
    channel = c.channel
    assert ws is not None and channel is not None
    t = _fake_time(window)
    channel.resume()
    conv_id = next(u.conversation_id for u in channel.spawn("when_ship") if u.arrived)
    for _ in range(2000):
        t[0] += 2.0
        if any(u.left and u.conversation_id == conv_id for u in channel.tick()):
            break
    show_current_lists(qtbot, window, timeout=30_000)
    with qtbot.waitSignal(window.conversation_opened, timeout=30_000):
        window.open_conversation(conv_id)
    window.end_button.click()
    box = window.conversation_actions.end_confirm
    assert box is not None and box.isVisible() and "还没有回复" in box.text()
    box.button(QMessageBox.StandardButton.No).click()
    window.tasks.wait_idle()
    conv = ws.reception.get(conv_id)
    assert conv is not None and conv.state is not ConversationState.ENDED


def test_the_idle_time_is_a_setting_and_quiet_chats_end_after_it(qtbot: QtBot, make_window: WindowFactory) -> None:
    from datetime import timedelta

    from workbench.ui.settings_dialog import SettingsDialog

    window = make_window()
    dialog = SettingsDialog(window.config, window, tasks=window.tasks)
    assert dialog.idle_end.value() == 30  # the default: half an hour
    dialog.idle_end.setValue(45)
    assert dialog.idle_end.value() == 45
    dialog.deleteLater()

    ws = window.workspace
    assert ws is not None
    conv = ws.reception.customer_arrives(next(iter(_customers(window))))
    ws.reception.customer_says(conv.id, "在吗")
    window.controller.idle_end_minutes = 30
    later = ws.reception.clock() + timedelta(minutes=31)
    ws.reception.clock = lambda: later
    window.controller.end_idle_chats()
    qtbot.waitUntil(lambda: _state(window, conv.id) is ConversationState.ENDED, timeout=30_000)


def _customers(window: MainWindow) -> list[int]:
    from workbench.storage.repositories.customers import CustomerRepository

    ws = window.workspace
    assert ws is not None
    with ws.db.session() as s:
        return [c.id for c in CustomerRepository(s).some(ws.shop.id, limit=3)]


def _state(window: MainWindow, conv_id: int) -> ConversationState | None:
    ws = window.workspace
    assert ws is not None
    conv = ws.reception.get(conv_id)
    return conv.state if conv is not None else None
