"""The composer: Enter sends (configurable), `/` opens the quick-phrase picker."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.conversations import MAX_MESSAGE_LENGTH
from workbench.domain.quick_phrases import QuickPhrase, fill_placeholders, filter_phrases, unfilled_placeholders

AnyIndex = QModelIndex | QPersistentModelIndex


class PhraseRoles(IntEnum):
    PHRASE = Qt.ItemDataRole.UserRole + 1


class QuickPhraseModel(QAbstractListModel):
    """Quick phrases filtered by what follows the `/`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[QuickPhrase] = []
        self._shown: list[QuickPhrase] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        phrase = self._shown[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = " ".join(phrase.text.split())
            return f"/{phrase.shortcode}   【{phrase.group}】 {text}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return phrase.text
        if role == PhraseRoles.PHRASE:
            return phrase
        return None

    def set_phrases(self, phrases: list[QuickPhrase]) -> None:
        self.beginResetModel()
        self._all = list(phrases)
        self._shown = list(phrases)
        self.endResetModel()

    def set_filter(self, query: str) -> None:
        self.beginResetModel()
        self._shown = filter_phrases(self._all, query)
        self.endResetModel()

    def phrases(self) -> list[QuickPhrase]:
        return list(self._all)


class ComposerEdit(QPlainTextEdit):
    """Sends on Enter (or Ctrl+Enter), and lets the picker take arrow keys while it is open."""

    send_requested = Signal()  # the agent pressed the send key
    picker_key = Signal(int)  # Up/Down/Enter/Escape while the picker is open

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enter_sends = True
        self.picker_open = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if self.picker_open and (enter or key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Escape, Qt.Key.Key_Tab)):
            self.picker_key.emit(int(key))
            return
        if enter:
            mods = event.modifiers()
            shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
            ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
            if (self.enter_sends and not shift and not ctrl) or (not self.enter_sends and ctrl):
                self.send_requested.emit()
                return
            self.insertPlainText("\n")
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    """Editor, quick-phrase picker, length counter, inline error and the send button."""

    send_requested = Signal(str)  # the text the agent wants to send
    text_edited = Signal()  # the agent typed (the adopted suggestion may now be edited)
    manage_requested = Signal()  # the agent chose 管理快捷短语… (add, edit or delete phrases)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composerPane")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.placeholders: dict[str, str] = {}

        self.phrase_button = QToolButton(self)
        self.phrase_button.setText(self.tr("快捷短语") + " ▾")
        self.phrase_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.phrase_menu = QMenu(self.phrase_button)
        self.phrase_button.setMenu(self.phrase_menu)
        self._add_manage_action()
        hint = QLabel(self.tr("输入 / 调出快捷短语"), self)
        hint.setObjectName("muted")
        tools = QHBoxLayout()
        tools.setContentsMargins(8, 4, 8, 0)
        tools.addWidget(self.phrase_button)
        tools.addWidget(hint)
        tools.addStretch(1)

        self.edit = ComposerEdit(self)
        self.edit.setObjectName("composer")
        self.edit.setPlaceholderText(self.tr("输入消息，Enter 发送，Shift+Enter 换行"))
        self.edit.setTabChangesFocus(True)

        self.counter = QLabel(self)
        self.counter.setObjectName("muted")
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.send_button = QPushButton(self.tr("发送"), self)
        self.send_button.setObjectName("primary")
        self.send_button.setMinimumWidth(80)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(8, 0, 8, 8)
        bottom.addWidget(self.error, 1)
        bottom.addWidget(self.counter)
        bottom.addWidget(self.send_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(tools)
        layout.addWidget(self.edit, 1)
        layout.addLayout(bottom)

        self.phrase_model = QuickPhraseModel(self)
        # A child of the window, raised over the chat, so it never takes focus from the editor.
        self.picker = QListView(self.window())
        self.picker.setModel(self.phrase_model)
        self.picker.setObjectName("phrasePicker")
        self.picker.setFrameShape(QFrame.Shape.StyledPanel)
        self.picker.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.picker.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.picker.setUniformItemSizes(True)
        self.picker.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.picker.hide()
        self.picker.clicked.connect(self._pick_index)

        self.edit.textChanged.connect(self._on_text_changed)
        self.edit.send_requested.connect(self._request_send)
        self.edit.picker_key.connect(self._on_picker_key)
        self.send_button.clicked.connect(self._request_send)
        self._update_counter()

    # -- public API ---------------------------------------------------------------------------

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)
        cursor = self.edit.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.edit.setTextCursor(cursor)
        self.edit.setFocus()

    def clear(self) -> None:
        self.edit.clear()
        self.show_error("")

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def set_enter_sends(self, enter_sends: bool) -> None:
        self.edit.enter_sends = enter_sends
        self.edit.setPlaceholderText(
            self.tr("输入消息，Enter 发送，Shift+Enter 换行")
            if enter_sends
            else self.tr("输入消息，Ctrl+Enter 发送，Enter 换行")
        )

    def set_phrases(self, phrases: list[QuickPhrase]) -> None:
        self.phrase_model.set_phrases(phrases)
        self.phrase_menu.clear()
        groups: dict[str, QMenu] = {}
        for phrase in phrases:
            menu = groups.get(phrase.group)
            if menu is None:
                menu = groups[phrase.group] = self.phrase_menu.addMenu(phrase.group or self.tr("未分组"))
            label = " ".join(phrase.text.split())
            action = QAction(f"/{phrase.shortcode}  {label[:30]}{'…' if len(label) > 30 else ''}", menu)
            action.setToolTip(phrase.text)
            action.triggered.connect(lambda _=False, p=phrase: self.insert_phrase(p))
            menu.addAction(action)
        self._add_manage_action()

    def _add_manage_action(self) -> None:
        """The menu's last item opens the phrase manager."""
        if not self.phrase_menu.isEmpty():
            self.phrase_menu.addSeparator()
        self.manage_action = self.phrase_menu.addAction(self.tr("管理快捷短语…"))
        self.manage_action.setObjectName("managePhrases")
        self.manage_action.triggered.connect(lambda _=False: self.manage_requested.emit())

    def insert_phrase(self, phrase: QuickPhrase) -> None:
        text = self.text()
        body = fill_placeholders(phrase.text, self.placeholders)
        if text.startswith("/"):
            self.set_text(body)
        else:
            self.set_text(text + body)
        self._close_picker()
        missing = unfilled_placeholders(body)
        if missing:  # what the desk could not fill is selected: typing replaces it
            self.select_placeholder(missing[0])

    def select_placeholder(self, name: str) -> bool:
        """Select the first "{name}" in the reply; False if there is none."""
        found = self.edit.document().find("{" + name + "}")
        if found.isNull():
            return False
        self.edit.setTextCursor(found)
        self.edit.setFocus()
        return True

    # -- internals ----------------------------------------------------------------------------

    def _request_send(self) -> None:
        self.send_requested.emit(self.text())

    def _on_text_changed(self) -> None:
        self._update_counter()
        if self.error.text():
            self.show_error("")
        self.text_edited.emit()
        text = self.text()
        if text.startswith("/") and "\n" not in text and len(text) <= 30:
            self.phrase_model.set_filter(text[1:])
            self._open_picker()
        else:
            self._close_picker()

    def _update_counter(self) -> None:
        n = len(self.text().strip())
        self.counter.setText(f"{n}/{MAX_MESSAGE_LENGTH}")
        self.counter.setObjectName("error" if n > MAX_MESSAGE_LENGTH else "muted")
        self.counter.style().unpolish(self.counter)
        self.counter.style().polish(self.counter)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.edit.picker_open:  # the window was resized: keep the picker just above the editor
            self._place_picker()

    def hideEvent(self, event: QHideEvent) -> None:
        # The picker floats on the window, not in the composer: it must not stay over another workspace.
        self._close_picker()
        super().hideEvent(event)

    def _place_picker(self) -> None:
        rows = self.phrase_model.rowCount()
        height = min(rows, 8) * (self.picker.sizeHintForRow(0) or 22) + 6
        width = max(360, self.edit.width() - 16)
        origin = self.edit.mapTo(self.picker.parentWidget() or self.window(), QPoint(0, 0))
        self.picker.setGeometry(origin.x(), origin.y() - height - 2, width, height)

    def _open_picker(self) -> None:
        if self.phrase_model.rowCount() == 0:
            self._close_picker()
            return
        self._place_picker()
        self.picker.setCurrentIndex(self.phrase_model.index(0))
        self.picker.show()
        self.picker.raise_()
        self.edit.picker_open = True

    def _close_picker(self) -> None:
        self.picker.hide()
        self.edit.picker_open = False

    def _on_picker_key(self, key: int) -> None:
        row = self.picker.currentIndex().row()
        rows = self.phrase_model.rowCount()
        if key == Qt.Key.Key_Escape:
            self._close_picker()
        elif key == Qt.Key.Key_Down:
            self.picker.setCurrentIndex(self.phrase_model.index(min(rows - 1, row + 1)))
        elif key == Qt.Key.Key_Up:
            self.picker.setCurrentIndex(self.phrase_model.index(max(0, row - 1)))
        else:
            self._pick_index(self.picker.currentIndex())

    def _pick_index(self, index: QModelIndex) -> None:
        phrase = index.data(PhraseRoles.PHRASE) if index.isValid() else None
        if isinstance(phrase, QuickPhrase):
            self.insert_phrase(phrase)
        else:
            self._close_picker()
