"""Keyboard shortcuts for the agent's day (next buyer, suggestions 1-3, end chat, pages, search, F1),
what a screen reader reads on the painted lists and charts, and a light theme on a dark system."""

from __future__ import annotations

import os

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory, show_current_lists
from workbench.domain.conversations import ConversationState
from workbench.services.reception import ConversationLists
from workbench.ui.crm.charts import BarChart, Datum
from workbench.ui.main_window import MainWindow
from workbench.ui.shortcuts import ShortcutsDialog, shortcut_rows
from workbench.ui.theme import apply_theme, load_theme

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key, modifier: Qt.KeyboardModifier) -> None:
    """A key press where the agent's focus is (window-wide shortcuts need the window active)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    target: QWidget = QApplication.focusWidget() or window
    qtbot.keyClick(target, key, modifier)


def waiting_buyer(qtbot: QtBot, window: MainWindow) -> int:
    """A new simulated buyer in 待接待 who has written their first message."""
    channel = window.channel
    assert channel is not None
    window.tasks.write(lambda: channel.spawn("where_is_parcel"), window.controller.apply_updates)
    qtbot.waitUntil(lambda: window.list_model.count(ConversationState.WAITING) >= 1, timeout=10_000)
    conv = window.list_model.conversations(ConversationState.WAITING)[0]

    def has_customer_message() -> bool:
        window.controller.tick_channel()
        return conv.id in window.controller.last_customer_text

    qtbot.waitUntil(has_customer_message, timeout=30_000)
    show_current_lists(qtbot, window, timeout=10_000)
    return conv.id


def test_an_agents_day_by_keyboard(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    waiting_buyer(qtbot, window)
    first = window.list_model.conversations(ConversationState.WAITING)[0]

    # Ctrl+J: the buyer waiting longest is opened and accepted.
    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        press(qtbot, window, Qt.Key.Key_J, CTRL)
    assert window.current_id == first.id
    qtbot.waitUntil(lambda: ws.reception.get(first.id).state is ConversationState.ACTIVE, timeout=10_000)

    # Alt+2: the second suggestion goes out as it is, recorded as an unedited use of its entry.
    qtbot.waitUntil(lambda: window.assist.model.rowCount() >= 2, timeout=20_000)
    second = window.assist.model.suggestions()[1]
    with qtbot.waitSignal(window.message_sent, timeout=10_000):
        press(qtbot, window, Qt.Key.Key_2, ALT)
    assert [(u.entry_id, u.edited) for u in ws.reception.suggestion_uses(first.id)] == [(second.entry_id, False)]
    assert ws.reception.messages(first.id)[-1].text == second.answer

    # Ctrl+E: the chat ends, as by 结束会话 (which asks first if the list still shows the buyer waiting).
    press(qtbot, window, Qt.Key.Key_E, CTRL)
    box = getattr(window.conversation_actions, "end_confirm", None)
    if box is not None and box.isVisible():
        box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: ws.reception.get(first.id).state is ConversationState.ENDED, timeout=10_000)

    # Ctrl+2 … : the rail's workspaces; Ctrl+1 back to 接待.
    press(qtbot, window, Qt.Key.Key_2, CTRL)
    assert window.pages.currentIndex() == 1 and window.nav.currentRow() == 1
    press(qtbot, window, Qt.Key.Key_1, CTRL)
    assert window.pages.currentIndex() == 0

    # Ctrl+F: 客户运营 with its search box focused.
    press(qtbot, window, Qt.Key.Key_F, CTRL)
    customers = window.page_index["customers"]
    assert window.pages.currentIndex() == customers
    search = window.pages.widget(customers).filter_bar.search_edit  # type: ignore[attr-defined]
    qtbot.waitUntil(search.hasFocus, timeout=5_000)


def test_suggestion_keys_do_nothing_without_that_many_suggestions(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    window.assist.clear()
    with qtbot.assertNotEmitted(window.message_sent, wait=200):
        press(qtbot, window, Qt.Key.Key_3, ALT)


def test_ctrl_j_without_waiting_buyers_says_so(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    active = window.list_model.conversations(ConversationState.ACTIVE)
    window.list_model.set_lists(ConversationLists(waiting=(), active=active, ended=()))
    current = window.current_id
    press(qtbot, window, Qt.Key.Key_J, CTRL)
    assert window.statusBar().currentMessage() == "没有待接待的买家"
    assert window.current_id == current


def test_f1_lists_every_shortcut(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    press(qtbot, window, Qt.Key.Key_F1, Qt.KeyboardModifier.NoModifier)
    dialog = window.shortcuts.dialog
    assert isinstance(dialog, ShortcutsDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    rows = shortcut_rows()
    assert dialog.table.rowCount() == len(rows)
    keys = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert "Ctrl+J" in keys and "Ctrl+E" in keys and "Ctrl+F" in keys and "F1" in keys
    assert "Alt+1 / Alt+2 / Alt+3" in keys
    if shot := os.environ.get("WORKBENCH_SCREENSHOT_DIR"):
        dialog.grab().save(os.path.join(shot, "shortcuts_dialog.png"))
    # the toolbar's 快捷键 opens the same dialog
    dialog.close()
    window.help_action.trigger()
    assert dialog.isVisible()


def test_painted_rows_and_cards_have_text_for_a_screen_reader(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    conv_id = waiting_buyer(qtbot, window)
    row = window.list_model.row_of(conv_id)
    conv = window.list_model.conversation(conv_id)
    assert conv is not None
    spoken = window.list_model.data(window.list_model.index(row), Qt.ItemDataRole.AccessibleTextRole)
    assert isinstance(spoken, str) and spoken.startswith(f"{conv.customer_nick}，待接待")
    assert "最后一条" in spoken
    header = window.list_model.data(window.list_model.index(0), Qt.ItemDataRole.AccessibleTextRole)
    assert isinstance(header, str) and header.startswith("待接待 (")
    assert window.list_view.accessibleName() == "会话列表"

    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        window.open_conversation(conv_id)
    qtbot.waitUntil(lambda: window.assist.model.rowCount() >= 1, timeout=20_000)
    first = window.assist.model.suggestions()[0]
    card = window.assist.model.data(window.assist.model.index(0), Qt.ItemDataRole.AccessibleTextRole)
    assert isinstance(card, str) and card.startswith("建议 1（Alt+1 直接发送）")
    assert first.question in card and first.answer in card
    assert window.assist.model.data(QModelIndex(), Qt.ItemDataRole.AccessibleTextRole) is None


def test_a_chart_describes_its_bars(qtbot: QtBot) -> None:
    chart = BarChart()
    qtbot.addWidget(chart)
    chart.set_empty_text("暂无数据")
    assert chart.accessibleDescription() == "暂无数据"
    chart.set_data([Datum("a", "高价值", 12, "#000000", "12 · 40%"), Datum("b", "流失", 3, "#000000")])
    assert chart.accessibleDescription() == "高价值 12 · 40%；流失 3"


def test_the_light_theme_stays_whole_on_a_dark_system(qapp: QApplication) -> None:
    before = qapp.palette()
    try:
        dark = QPalette()
        for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.Button):
            dark.setColor(role, QColor(30, 30, 30))
        for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
            dark.setColor(role, QColor(230, 230, 230))
        qapp.setPalette(dark)  # what a system in dark mode hands the application
        theme = load_theme("light")
        apply_theme(qapp, theme)
        palette = qapp.palette()
        assert palette.color(QPalette.ColorRole.Window) == QColor(theme.hex("page"))
        assert palette.color(QPalette.ColorRole.Base) == QColor(theme.hex("surface"))
        assert palette.color(QPalette.ColorRole.Text) == QColor(theme.hex("text"))
        assert palette.color(QPalette.ColorRole.ToolTipBase) == QColor(theme.hex("surface"))
        assert palette.color(QPalette.ColorRole.Window).lightness() > 200
        assert palette.color(QPalette.ColorRole.Text).lightness() < 80
    finally:
        qapp.setPalette(before)
        apply_theme(qapp, load_theme("light"))
