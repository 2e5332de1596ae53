"""Keyboard shortcuts for what an agent does all day, and the 快捷键 dialog that lists them (F1).

Every shortcut takes the same path as its button or click: the next waiting buyer is opened and
accepted like a click on the list and 接入, a suggestion is sent like 直接发送, 结束会话 asks first as
its button does. The window owns one `ReceptionShortcuts`; the dialog reads the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.conversations import ConversationState

if TYPE_CHECKING:
    from workbench.ui.main_window import MainWindow

# Send the n-th suggestion of the 智能辅助 list as is.
SUGGESTION_KEYS = ("Alt+1", "Alt+2", "Alt+3")
# The navigation rail's workspaces, top to bottom (接待 first).
PAGE_KEYS = tuple(f"Ctrl+{n}" for n in range(1, 10))
NEXT_WAITING_KEY = "Ctrl+J"
SEARCH_CUSTOMER_KEY = "Ctrl+F"
END_CHAT_KEY = "Ctrl+E"
HELP_KEY = "F1"


@dataclass(frozen=True, slots=True)
class ShortcutRow:
    keys: str  # as shown in the dialog (portable text: Ctrl is ⌘ on macOS)
    action: str  # translated


def shortcut_rows() -> list[ShortcutRow]:
    """The dialog's table, in the order an agent meets them."""
    return [
        ShortcutRow(
            NEXT_WAITING_KEY, QCoreApplication.translate("ReceptionShortcuts", "接入下一位待接待的买家（等得最久的）")
        ),
        ShortcutRow(
            " / ".join(SUGGESTION_KEYS),
            QCoreApplication.translate("ReceptionShortcuts", "直接发送第 1 / 2 / 3 条智能辅助建议"),
        ),
        ShortcutRow(
            "Enter", QCoreApplication.translate("ReceptionShortcuts", "发送输入框的内容（设置中可改为 Ctrl+Enter）")
        ),
        ShortcutRow("/", QCoreApplication.translate("ReceptionShortcuts", "在输入框中输入 / 加短语编码，选用快捷短语")),
        ShortcutRow(END_CHAT_KEY, QCoreApplication.translate("ReceptionShortcuts", "结束当前会话")),
        ShortcutRow(
            SEARCH_CUSTOMER_KEY,
            QCoreApplication.translate("ReceptionShortcuts", "搜索客户（打开客户运营并定位到搜索框）"),
        ),
        ShortcutRow(
            f"{PAGE_KEYS[0]} … {PAGE_KEYS[-1]}",
            QCoreApplication.translate("ReceptionShortcuts", "切换工作区：左侧导航栏从上到下第 1 … 9 项"),
        ),
        ShortcutRow(HELP_KEY, QCoreApplication.translate("ReceptionShortcuts", "显示本快捷键列表")),
    ]


class ShortcutsDialog(QDialog):
    """快捷键: the table of shortcuts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("快捷键"))
        rows = shortcut_rows()
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels([self.tr("按键"), self.tr("功能")])
        self.table.setAccessibleName(self.tr("快捷键列表"))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for row, entry in enumerate(rows):
            keys = QKeySequence(entry.keys).toString(QKeySequence.SequenceFormat.NativeText) or entry.keys
            self.table.setItem(row, 0, QTableWidgetItem(keys if "/" not in entry.keys else entry.keys))
            self.table.setItem(row, 1, QTableWidgetItem(entry.action))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        note = QLabel(self.tr("快捷键在整个窗口内有效；输入框中的 Enter 与 / 只在输入时有效。"), self)
        note.setObjectName("muted")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(560, 380)


class ReceptionShortcuts(QObject):
    """The window's shortcuts (window-wide: they work whichever pane has the focus)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.shortcuts: dict[str, QShortcut] = {}
        self._add(NEXT_WAITING_KEY, self.next_waiting)
        for number, keys in enumerate(SUGGESTION_KEYS):
            self._add(keys, partial(self.send_suggestion, number))
        for index, keys in enumerate(PAGE_KEYS):
            self._add(keys, partial(self.switch_page, index))
        self._add(SEARCH_CUSTOMER_KEY, self.search_customer)
        self._add(END_CHAT_KEY, self.end_chat)
        self._add(HELP_KEY, self.show_help)
        self.dialog: ShortcutsDialog | None = None

    def _add(self, keys: str, slot: Callable[[], None]) -> None:
        shortcut = QShortcut(QKeySequence(keys), self.window)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)
        self.shortcuts[keys] = shortcut

    def _on_reception(self) -> None:
        self.window.show_page(0)

    def next_waiting(self) -> None:
        """Open and accept the buyer who has waited longest (the 待接待 group's first)."""
        window = self.window
        waiting = window.list_model.conversations(ConversationState.WAITING)
        if window.workspace is None or not waiting:
            window.statusBar().showMessage(self.tr("没有待接待的买家"), 3000)
            return
        conversation = waiting[0]
        self._on_reception()
        window.list_view.select_conversation(conversation.id)
        window.open_conversation(conversation.id)
        window.accept_current()

    def send_suggestion(self, number: int) -> None:
        window = self.window
        suggestions = window.assist.model.suggestions()
        if window.pages.currentIndex() != 0 or not window.assist.isEnabled() or number >= len(suggestions):
            return
        window.assist.suggestion_send.emit(suggestions[number])

    def switch_page(self, index: int) -> None:
        if index < self.window.nav.count():
            self.window.show_page(index)

    def search_customer(self) -> None:
        """The 客户运营 page with its search box focused."""
        window = self.window
        index = window.page_index.get("customers")
        if index is None:
            return
        page = window.show_page(index)
        search = getattr(getattr(page, "filter_bar", None), "search_edit", None)
        if search is not None:
            search.setFocus(Qt.FocusReason.ShortcutFocusReason)
            search.selectAll()

    def end_chat(self) -> None:
        window = self.window
        if window.pages.currentIndex() == 0 and window.current_id is not None and window.end_button.isEnabled():
            window.end_button.click()  # asks first when the buyer's last message is unanswered

    def show_help(self) -> None:
        if self.dialog is None:
            self.dialog = ShortcutsDialog(self.window)
        self.dialog.show()
