"""Customer notes (备注): a list model and a delegate that draws author, time, text and 删除."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QByteArray,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QMouseEvent, QPainter, QTextLayout, QTextOption
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from workbench.domain.customers import Note
from workbench.ui.theme import colour
from workbench.ui.widgets.style import adjusted_font

AnyIndex = QModelIndex | QPersistentModelIndex


class NoteRoles(IntEnum):
    NOTE = Qt.ItemDataRole.UserRole + 1  # the Note dataclass
    NOTE_ID = Qt.ItemDataRole.UserRole + 2
    TEXT = Qt.ItemDataRole.UserRole + 3
    AUTHOR = Qt.ItemDataRole.UserRole + 4
    CREATED_AT = Qt.ItemDataRole.UserRole + 5  # "YYYY-MM-DD HH:MM"


def note_time(note: Note) -> str:
    return f"{note.created_at:%Y-%m-%d %H:%M}"


class NoteListModel(QAbstractListModel):
    """A customer's notes, newest first (the order the service returns them in)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._notes: list[Note] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._notes)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._notes):
            return None
        note = self._notes[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, NoteRoles.TEXT):
            return note.text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{note.author} {note_time(note)} {note.text}"
        if role == NoteRoles.NOTE:
            return note
        if role == NoteRoles.NOTE_ID:
            return note.id
        if role == NoteRoles.AUTHOR:
            return note.author
        if role == NoteRoles.CREATED_AT:
            return note_time(note)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update(
            {
                NoteRoles.NOTE: QByteArray(b"note"),
                NoteRoles.NOTE_ID: QByteArray(b"noteId"),
                NoteRoles.TEXT: QByteArray(b"text"),
                NoteRoles.AUTHOR: QByteArray(b"author"),
                NoteRoles.CREATED_AT: QByteArray(b"createdAt"),
            }
        )
        return names

    def set_notes(self, notes: Sequence[Note]) -> None:
        self.beginResetModel()
        self._notes = list(notes)
        self.endResetModel()

    def notes(self) -> list[Note]:
        return list(self._notes)

    def note(self, note_id: int) -> Note | None:
        return next((n for n in self._notes if n.id == note_id), None)

    def row_of(self, note_id: int) -> int:
        return next((i for i, n in enumerate(self._notes) if n.id == note_id), -1)


def _layout_text(text: str, font: QFont, width: int) -> tuple[QTextLayout, int]:
    """Wrap `text` to `width` (at word boundaries, or anywhere for long Latin runs)."""
    layout = QTextLayout(text.replace("\r\n", "\n").replace("\n", "\u2028"), font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    y = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(width, 10))
        line.setPosition(QPointF(0, y))
        y += line.height()
    layout.endLayout()
    return layout, int(y + 0.999)


class NoteDelegate(QStyledItemDelegate):
    """Author · time on top, 删除 on the right, the note text wrapped below."""

    delete_requested = Signal(int)
    """The user clicked 删除 on a note; carries the note id (the panel asks for confirmation)."""

    H_PAD = 2
    V_PAD = 9
    GAP = 4

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        base = QFont(option.font)
        return adjusted_font(base, 0, bold=True), adjusted_font(base, -1), base

    def _width(self, option: QStyleOptionViewItem) -> int:
        width = option.rect.width()
        if width <= 0:
            width = self._view.viewport().width()
        return max(width, 60)

    def delete_text(self) -> str:
        return self.tr("删除")

    def delete_rect(self, item_rect: QRect) -> QRect:
        """Where 删除 is drawn inside an item's rectangle (a click there asks to delete the note)."""
        base = self._view.font()
        width = QFontMetrics(adjusted_font(base, -1)).horizontalAdvance(self.delete_text()) + 12
        header = QFontMetrics(adjusted_font(base, 0, bold=True)).height()
        return QRect(item_rect.right() - self.H_PAD - width + 1, item_rect.top() + self.V_PAD - 3, width, header + 6)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        author_font, _, body_font = self._fonts(option)
        width = self._width(option)
        text = str(index.data(NoteRoles.TEXT) or "")
        _, body_height = _layout_text(text, body_font, width - 2 * self.H_PAD)
        header = QFontMetrics(author_font).height()
        return QSize(width, self.V_PAD + header + self.GAP + body_height + self.V_PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        author_font, small_font, body_font = self._fonts(option)
        rect = QRect(option.rect)
        state = option.state
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, colour("accent_soft"))
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, colour("surface_muted"))
        if index.row() < index.model().rowCount() - 1:
            painter.setPen(colour("divider"))
            painter.drawLine(rect.left(), rect.bottom(), rect.right(), rect.bottom())

        author = str(index.data(NoteRoles.AUTHOR) or "") or self.tr("未署名")
        when = str(index.data(NoteRoles.CREATED_AT) or "")
        header_h = QFontMetrics(author_font).height()
        top = rect.top() + self.V_PAD
        left = rect.left() + self.H_PAD
        delete = self.delete_rect(rect)

        painter.setFont(author_font)
        painter.setPen(colour("text"))
        author_fm = QFontMetrics(author_font)
        max_author = max(delete.left() - left - 120, 40)
        author = author_fm.elidedText(author, Qt.TextElideMode.ElideRight, max_author)
        author_w = author_fm.horizontalAdvance(author)
        painter.drawText(QRect(left, top, author_w + 2, header_h), Qt.AlignmentFlag.AlignVCenter, author)

        painter.setFont(small_font)
        painter.setPen(colour("text_muted"))
        painter.drawText(
            QRect(left + author_w + 8, top, max(delete.left() - left - author_w - 8, 0), header_h),
            Qt.AlignmentFlag.AlignVCenter,
            when,
        )
        hovered = bool(state & (QStyle.StateFlag.State_MouseOver | QStyle.StateFlag.State_Selected))
        painter.setPen(colour("danger" if hovered else "text_muted"))
        painter.drawText(delete, Qt.AlignmentFlag.AlignCenter, self.delete_text())

        layout, _ = _layout_text(str(index.data(NoteRoles.TEXT) or ""), body_font, rect.width() - 2 * self.H_PAD)
        painter.setPen(colour("text"))
        layout.draw(painter, QPointF(left, top + header_h + self.GAP))
        painter.restore()

    def editorEvent(
        self, event: QEvent, model: QAbstractItemModel, option: QStyleOptionViewItem, index: AnyIndex
    ) -> bool:
        if (
            event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
            and self.delete_rect(option.rect).contains(event.position().toPoint())
        ):
            note_id = index.data(NoteRoles.NOTE_ID)
            if isinstance(note_id, int):
                self.delete_requested.emit(note_id)
            return True
        return super().editorEvent(event, model, option, index)
