"""The chat pane as it was before the height cache and the paged window: `bench chat`'s baseline.

The code of `workbench/ui/chat/chat_view.py` before it kept heights per message and width, an LRU of
documents and a bounded window of rows; unchanged but for `ChatView.append`/`newer_requested`/
`show_newer`, which let the window of today call it (the old view appended through its model and
always kept every row, so it never asks for newer pages).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QTextDocument, QTextOption
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from workbench.domain.conversations import Message, Sender
from workbench.ui.theme import colour

AnyIndex = QModelIndex | QPersistentModelIndex

TIME_GAP = timedelta(minutes=5)  # a time divider above a message after this much silence
MIN_WIDTH = 360


class Roles(IntEnum):
    MESSAGE = Qt.ItemDataRole.UserRole + 1
    SENDER = Qt.ItemDataRole.UserRole + 2
    SHOW_TIME = Qt.ItemDataRole.UserRole + 3
    MESSAGE_ID = Qt.ItemDataRole.UserRole + 4


class MessageListModel(QAbstractListModel):
    """The messages of one conversation, oldest first (a page of the newest; older pages prepend)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._messages: list[Message] = []
        self.conversation_id: int | None = None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._messages)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._messages):
            return None
        msg = self._messages[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return msg.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return msg.created_at.strftime("%Y-%m-%d %H:%M:%S")
        if role == Roles.MESSAGE:
            return msg
        if role == Roles.SENDER:
            return msg.sender.value
        if role == Roles.MESSAGE_ID:
            return msg.id
        if role == Roles.SHOW_TIME:
            return self._shows_time(index.row())
        return None

    def _shows_time(self, row: int) -> bool:
        if row == 0:
            return True
        return self._messages[row].created_at - self._messages[row - 1].created_at >= TIME_GAP

    def set_messages(self, conversation_id: int | None, messages: list[Message]) -> None:
        self.beginResetModel()
        self.conversation_id = conversation_id
        self._messages = list(messages)
        self.endResetModel()

    def append(self, message: Message) -> bool:
        """Add a message of the shown conversation (ignored if present or for another chat)."""
        if message.conversation_id != self.conversation_id or any(m.id == message.id for m in self._messages[-50:]):
            return False
        row = len(self._messages)
        self.beginInsertRows(QModelIndex(), row, row)
        self._messages.append(message)
        self.endInsertRows()
        return True

    def prepend(self, older: list[Message]) -> None:
        if not older:
            return
        self.beginInsertRows(QModelIndex(), 0, len(older) - 1)
        self._messages[0:0] = older
        self.endInsertRows()
        if len(self._messages) > len(older):  # the old first row may lose its time divider
            first_old = self.index(len(older))
            self.dataChanged.emit(first_old, first_old, [Roles.SHOW_TIME])

    def oldest_id(self) -> int | None:
        return self._messages[0].id if self._messages else None

    def messages(self) -> list[Message]:
        return list(self._messages)


def time_label(at: datetime, now: datetime) -> str:
    if at.date() == now.date():
        return at.strftime("%H:%M")
    if at.year == now.year:
        return at.strftime("%m-%d %H:%M")
    return at.strftime("%Y-%m-%d %H:%M")


class BubbleDelegate(QStyledItemDelegate):
    """Customer bubbles on the left; agent and bot on the right; system notes centred."""

    MARGIN = 12
    PAD = 10
    MAX_RATIO = 0.68  # a bubble is at most this share of the view's width
    TIME_HEIGHT = 24
    LABEL_HEIGHT = 18

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._docs: dict[tuple[int, int], QTextDocument] = {}
        self.now = datetime.now

    def _document(self, message: Message, width: int, font: QFont) -> QTextDocument:
        key = (message.id, width)
        doc = self._docs.get(key)
        if doc is None:
            if len(self._docs) > 4000:
                self._docs.clear()
            doc = QTextDocument()
            doc.setDefaultFont(font)
            option = QTextOption()
            option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
            doc.setDefaultTextOption(option)
            doc.setDocumentMargin(0)
            doc.setPlainText(message.text)
            doc.setTextWidth(width)
            ideal = doc.idealWidth()
            if ideal < width:
                doc.setTextWidth(ideal + 1)
            self._docs[key] = doc
        return doc

    def _text_width(self, view_width: int) -> int:
        return max(80, int(view_width * self.MAX_RATIO) - 2 * self.PAD)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        message: Message = index.data(Roles.MESSAGE)
        width = option.rect.width() or 600
        font: QFont = option.font
        height = self.MARGIN
        if index.data(Roles.SHOW_TIME):
            height += self.TIME_HEIGHT
        if message.sender is Sender.SYSTEM:
            return QSize(width, height + QFontMetrics(font).height() + 8)
        doc = self._document(message, self._text_width(width), font)
        height += int(doc.size().height()) + 2 * self.PAD
        if message.sender is Sender.BOT:
            height += self.LABEL_HEIGHT
        return QSize(width, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        message: Message = index.data(Roles.MESSAGE)
        rect: QRect = option.rect
        font: QFont = option.font
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = rect.top() + self.MARGIN // 2
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        if index.data(Roles.SHOW_TIME):
            painter.setFont(small)
            painter.setPen(colour("text_disabled"))
            painter.drawText(
                QRect(rect.left(), top, rect.width(), self.TIME_HEIGHT),
                Qt.AlignmentFlag.AlignCenter,
                time_label(message.created_at, self.now()),
            )
            top += self.TIME_HEIGHT
        if message.sender is Sender.SYSTEM:
            painter.setFont(small)
            fm = QFontMetrics(small)
            text = fm.elidedText(message.text, Qt.TextElideMode.ElideRight, rect.width() - 40)
            w = fm.horizontalAdvance(text) + 20
            note = QRect(rect.center().x() - w // 2, top, w, fm.height() + 6)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour("chat_system_note"))
            painter.drawRoundedRect(note, 4, 4)
            painter.setPen(colour("text_subtle"))
            painter.drawText(note, Qt.AlignmentFlag.AlignCenter, text)
            painter.restore()
            return
        doc = self._document(message, self._text_width(rect.width()), font)
        size = doc.size()
        bubble_w = int(size.width()) + 2 * self.PAD
        bubble_h = int(size.height()) + 2 * self.PAD
        outgoing = message.sender in (Sender.AGENT, Sender.BOT)
        if message.sender is Sender.BOT:
            painter.setFont(small)
            painter.setPen(colour("bot_accent"))
            painter.drawText(
                QRect(rect.left(), top, rect.width() - self.MARGIN, self.LABEL_HEIGHT),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                QCoreApplication.translate("ChatView", "机器人"),
            )
            top += self.LABEL_HEIGHT
        left = rect.right() - self.MARGIN - bubble_w if outgoing else rect.left() + self.MARGIN
        bubble = QRectF(left, top, bubble_w, bubble_h)
        if message.sender is Sender.AGENT:
            fill, border = colour("chat_agent_bubble"), colour("chat_agent_bubble_border")
        elif message.sender is Sender.BOT:
            fill, border = colour("chat_bot_bubble"), colour("chat_bot_bubble_border")
        else:
            fill, border = colour("chat_customer_bubble"), colour("chat_customer_bubble_border")
        painter.setPen(border)
        painter.setBrush(fill)
        painter.drawRoundedRect(bubble, 8, 8)
        painter.translate(bubble.left() + self.PAD, bubble.top() + self.PAD)
        doc.drawContents(painter)
        painter.restore()


class ChatView(QListView):
    """A read-only list of bubbles that keeps to the bottom when new messages arrive.

    Scrolling to the top asks for the page of older messages (`older_requested`).
    """

    older_requested = Signal(int, int)  # conversation id, id of the oldest message shown
    newer_requested = Signal(int, int)  # never emitted: every row stays loaded
    visit_requested = Signal(int, int)  # never emitted: the old view showed no earlier visits
    card_opened = Signal(str, str)  # never emitted: the old view drew cards as text
    buyer_message_clicked = Signal(object)  # never emitted: the old view did not answer a clicked bubble
    LATEST = 0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.has_older = False  # whether the database holds messages before the first one shown
        self._loading_older = False
        self.message_model = MessageListModel(self)
        self.setModel(self.message_model)
        self.setItemDelegate(BubbleDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setWordWrap(True)
        self.setObjectName("chatView")
        self.message_model.rowsInserted.connect(self._on_rows_inserted)
        self.message_model.modelReset.connect(self.scrollToBottom)
        # Scrolling to the bottom happens before the relayout: a long bubble that brings the scroll bar
        # narrows the bubbles, makes them taller and grows the range. Follow the range while at the end.
        self._at_bottom = True
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.verticalScrollBar().rangeChanged.connect(self._on_range_changed)

    def minimumSizeHint(self) -> QSize:
        # Room for readable bubbles: in a narrow window the splitter takes space from the list and
        # the sidebar before it squeezes the chat below this.
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), MIN_WIDTH), hint.height())

    def append(self, message: Message, *, own: bool = False) -> None:
        self.message_model.append(message)  # scrolled to the bottom by _on_rows_inserted

    def set_visits(self, conversation_id: int, visits: object) -> None:
        """The window hands over a returning buyer's earlier visits: the old view did not show them."""

    def show_visit(self, visit_id: int, messages: list[Message]) -> None:
        """Never asked for (see `visit_requested`)."""

    def show_newer(self, after_id: int, newer: list[Message], has_more: bool) -> None:
        raise AssertionError("the old view keeps every row and never asks for newer pages")

    def show_older(self, older: list[Message], has_more: bool) -> None:
        """Prepend a page of older messages, keeping the bubble under the reader where it was."""
        bar = self.verticalScrollBar()
        from_bottom = bar.maximum() - bar.value()
        self.message_model.prepend(older)
        self.has_older = has_more
        self.doItemsLayout()
        bar.setValue(bar.maximum() - from_bottom)
        self._loading_older = False

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._at_bottom:
            self.verticalScrollBar().setValue(maximum)

    def _on_scrolled(self, value: int) -> None:
        self._at_bottom = value >= self.verticalScrollBar().maximum()
        conv_id = self.message_model.conversation_id
        oldest = self.message_model.oldest_id()
        if value == 0 and self.has_older and not self._loading_older and conv_id is not None and oldest is not None:
            self._loading_older = True
            self.older_requested.emit(conv_id, oldest)

    def _on_rows_inserted(self, _parent: QModelIndex, first: int, _last: int) -> None:
        if first > 0:  # appended, not an older page
            self.scrollToBottom()
