"""The chat pane: message bubbles with timestamps and system notes."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import IntEnum
from typing import ClassVar

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QMouseEvent, QPainter, QResizeEvent, QTextDocument, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QListView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from workbench.domain.cards import CardKind, ChatCard, Satisfaction, parse_card
from workbench.domain.conversations import EarlierVisit, Message, Sender
from workbench.domain.orders import short_title
from workbench.ui.theme import colour

AnyIndex = QModelIndex | QPersistentModelIndex

TIME_GAP = timedelta(minutes=5)  # a time divider above a message after this much silence
MIN_WIDTH = 360  # the chat's narrowest; 1024 px still fits the rail, the list and the sidebar beside it


class Roles(IntEnum):
    MESSAGE = Qt.ItemDataRole.UserRole + 1
    SENDER = Qt.ItemDataRole.UserRole + 2
    SHOW_TIME = Qt.ItemDataRole.UserRole + 3
    MESSAGE_ID = Qt.ItemDataRole.UserRole + 4


class MessageListModel(QAbstractListModel):
    """A window onto the messages of one conversation, oldest first.

    It starts as the newest page; older pages prepend and newer ones (read again after the reader
    scrolled far back) append. The view keeps at most `ChatView.WINDOW_ROWS` rows, dropping the far
    end, so laying it out costs the same however long the chat is. `reaches_end`: the newest message
    of the conversation is in the window, so a new message can be appended.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._messages: list[Message] = []
        self.conversation_id: int | None = None
        self.reaches_end = True
        # A returning buyer's earlier visits (千牛's 历史消息): a header row each above the chat's first
        # message (while the window reaches it), and the rows of the one expanded. They are not part of
        # the window's paging: `history_rows` of them lead the list, the chat's own rows follow.
        self._visits: tuple[int | None, tuple[EarlierVisit, ...]] = (None, ())
        self.history_rows = 0
        self.expanded: int | None = None  # the visit (conversation id) whose messages are shown

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
            return self.shows_time(index.row())
        return None

    def message_at(self, row: int) -> Message:
        return self._messages[row]

    def shows_time(self, row: int) -> bool:
        message = self._messages[row]
        if is_visit_header(message):
            return False  # the header names its date
        if row == 0:
            return True
        previous = self._messages[row - 1]
        if is_visit_header(previous) or previous.conversation_id != message.conversation_id:
            return True  # the first message of a visit (or of the chat after the history): its date
        return message.created_at - previous.created_at >= TIME_GAP

    def set_messages(self, conversation_id: int | None, messages: list[Message]) -> None:
        self.beginResetModel()
        self.conversation_id = conversation_id
        self._messages = list(messages)
        self.reaches_end = True
        self.history_rows = 0
        self.expanded = None
        self.endResetModel()

    # -- earlier visits ----------------------------------------------------------------------------

    def set_visits(self, conversation_id: int, visits: list[EarlierVisit]) -> None:
        """The earlier visits of `conversation_id`'s buyer, newest first (shown by `show_history`)."""
        self._visits = (conversation_id, tuple(visits))

    def visits(self) -> tuple[EarlierVisit, ...]:
        conversation_id, visits = self._visits
        return visits if conversation_id == self.conversation_id else ()

    def show_history(self) -> int:
        """Put the visits' collapsed headers above the chat (oldest on top); the rows added."""
        visits = self.visits()
        if self.history_rows or not visits or not self._messages:
            return 0
        headers = [self._header(v, expanded=False) for v in reversed(visits)]
        self.beginInsertRows(QModelIndex(), 0, len(headers) - 1)
        self._messages[0:0] = headers
        self.history_rows = len(headers)
        self.endInsertRows()
        self._first_row_changed(len(headers))
        return len(headers)

    def hide_history(self) -> int:
        """Take the history rows away (the window no longer reaches the chat's start); the rows removed."""
        count = self.history_rows
        if count:
            self.beginRemoveRows(QModelIndex(), 0, count - 1)
            del self._messages[:count]
            self.history_rows = 0
            self.expanded = None
            self.endRemoveRows()
            self._first_row_changed(0)
        return count

    def expand(self, visit_id: int, messages: list[Message]) -> int:
        """Show a visit's messages under its header (the one expanded before folds); the rows added."""
        removed = self.collapse()
        row = self._header_row(visit_id)
        if row is None:
            return -removed
        if messages:
            self.beginInsertRows(QModelIndex(), row + 1, row + len(messages))
            self._messages[row + 1 : row + 1] = messages
            self.history_rows += len(messages)
            self.endInsertRows()
        self._set_header(row, expanded=True)
        self.expanded = visit_id
        return len(messages) - removed

    def collapse(self) -> int:
        """Fold the expanded visit back to its header; the rows removed."""
        visit_id, self.expanded = self.expanded, None
        row = self._header_row(visit_id) if visit_id is not None else None
        if row is None:
            return 0
        end = row + 1
        while end < self.history_rows and not is_visit_header(self._messages[end]):
            end += 1
        if end > row + 1:
            self.beginRemoveRows(QModelIndex(), row + 1, end - 1)
            del self._messages[row + 1 : end]
            self.history_rows -= end - row - 1
            self.endRemoveRows()
        self._set_header(row, expanded=False)
        return end - row - 1

    def _header_row(self, visit_id: int) -> int | None:
        for row in range(self.history_rows):
            if self._messages[row].id == -visit_id:
                return row
        return None

    def _set_header(self, row: int, *, expanded: bool) -> None:
        visit = next((v for v in self.visits() if v.conversation_id == self._messages[row].conversation_id), None)
        if visit is None:
            return
        self._messages[row] = self._header(visit, expanded=expanded)
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def _first_row_changed(self, row: int) -> None:
        if row < len(self._messages):  # its time divider depends on the row above
            index = self.index(row)
            self.dataChanged.emit(index, index, [Roles.SHOW_TIME])

    @staticmethod
    def _header(visit: EarlierVisit, *, expanded: bool) -> Message:
        text = QCoreApplication.translate("ChatView", "{mark} {date} 的咨询 · {count} 条消息").format(
            mark="▾" if expanded else "▸",
            date=visit.started_at.strftime("%Y-%m-%d %H:%M"),
            count=visit.message_count,
        )
        # A negative id: never a stored message's, so the height cache and the paging tell it apart.
        return Message(-visit.conversation_id, visit.conversation_id, Sender.SYSTEM, text, visit.started_at)

    def chat_rows(self) -> int:
        """The rows of the open chat itself (what the window's size counts)."""
        return len(self._messages) - self.history_rows

    def append(self, message: Message) -> bool:
        """Add a new message of the shown conversation (ignored if present, for another chat, or
        while the window does not reach the newest message: it comes with the newer pages)."""
        if (
            message.conversation_id != self.conversation_id
            or not self.reaches_end
            or any(m.id == message.id for m in self._messages[-50:])
        ):
            return False
        row = len(self._messages)
        self.beginInsertRows(QModelIndex(), row, row)
        self._messages.append(message)
        self.endInsertRows()
        return True

    def prepend(self, older: list[Message]) -> None:
        if not older:
            return
        self.hide_history()  # paging back: the window did not reach the start (kept for safety)
        self.beginInsertRows(QModelIndex(), 0, len(older) - 1)
        self._messages[0:0] = older
        self.endInsertRows()
        if len(self._messages) > len(older):  # the old first row may lose its time divider
            first_old = self.index(len(older))
            self.dataChanged.emit(first_old, first_old, [Roles.SHOW_TIME])

    def extend(self, newer: list[Message], *, reaches_end: bool) -> None:
        """Append a page of newer messages read again from the database (paging forward)."""
        known = self._messages[-1].id if self._messages else 0
        newer = [m for m in newer if m.id > known]
        if newer:
            row = len(self._messages)
            self.beginInsertRows(QModelIndex(), row, row + len(newer) - 1)
            self._messages.extend(newer)
            self.endInsertRows()
        self.reaches_end = reaches_end

    def drop_first(self, count: int) -> None:
        """Forget the oldest `count` rows (they are read again when the reader scrolls back up)."""
        count = min(count, len(self._messages))
        if count <= 0:
            return
        self.beginRemoveRows(QModelIndex(), 0, count - 1)
        del self._messages[:count]
        self.endRemoveRows()
        if self._messages:  # the new first row always shows its time
            first = self.index(0)
            self.dataChanged.emit(first, first, [Roles.SHOW_TIME])

    def drop_last(self, count: int) -> None:
        """Forget the newest `count` rows: the window no longer reaches the end of the chat."""
        count = min(count, len(self._messages))
        if count <= 0:
            return
        first = len(self._messages) - count
        self.beginRemoveRows(QModelIndex(), first, len(self._messages) - 1)
        del self._messages[first:]
        self.endRemoveRows()
        self.reaches_end = False

    def oldest_id(self) -> int | None:
        if len(self._messages) <= self.history_rows:
            return None
        return self._messages[self.history_rows].id

    def newest_id(self) -> int | None:
        return self._messages[-1].id if self._messages else None

    def row_of(self, message_id: int) -> int | None:
        for row, message in enumerate(self._messages):  # a window of at most a few pages
            if message.id == message_id:
                return row
        return None

    def messages(self) -> list[Message]:
        return list(self._messages)


def parse_rating_answer_value(value: str) -> Satisfaction | None:
    try:
        return Satisfaction(value)
    except ValueError:
        return None


def is_visit_header(message: Message) -> bool:
    """A row that stands for an earlier visit (see `MessageListModel.show_history`)."""
    return message.id < 0


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

    HEIGHT_CACHE = 50_000  # text heights kept, per (message, text width): a few MB at most
    DOC_CACHE = 400  # documents kept for painting, least recently used dropped first: a few screens

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # A row's height is its text's height at the bubble's width. It is kept per message and
        # width, so a relayout (a page prepended, a message appended) only measures new rows and a
        # width change measures each row once at the new width. Documents are kept only for the
        # bubbles painted.
        self._heights: OrderedDict[tuple[int, int], int] = OrderedDict()
        self._docs: OrderedDict[tuple[int, int], tuple[QTextDocument, QSize]] = OrderedDict()
        self._measure: QTextDocument | None = None
        self.resized_from = 0  # the view's width before the width change being laid out, else 0
        self.near: set[int] = set()  # messages on screen at that width change: measured at once
        self.estimated: set[tuple[int, int]] = set()  # (message id, width) whose height is estimated
        self.measured = 0  # texts measured so far (how often the height cache missed)
        self.now = datetime.now
        self._cards: OrderedDict[int, ChatCard | None] = OrderedDict()  # parsed once per message

    def _document(self, message: Message, width: int, font: QFont) -> tuple[QTextDocument, QSize]:
        """The message's text laid out at `width` for painting, and the bubble's text size: as wide
        as its longest line (a short message gets a small bubble)."""
        key = (message.id, width)
        cached = self._docs.get(key)
        if cached is not None:
            self._docs.move_to_end(key)
            return cached
        doc = self._new_document(font)
        doc.setPlainText(message.text)
        # Laid out at the full width, as measured: narrowing the document to its longest line would
        # wrap some texts again, otherwise than measured. Left-aligned lines paint the same either way.
        doc.setTextWidth(width)
        size = QSize(int(min(doc.idealWidth() + 1, width)), int(doc.size().height()))
        self._docs[key] = (doc, size)
        if len(self._docs) > self.DOC_CACHE:
            self._docs.popitem(last=False)
        return doc, size

    @staticmethod
    def _new_document(font: QFont) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        doc.setDefaultTextOption(option)
        doc.setDocumentMargin(0)
        return doc

    # -- cards (order card, product link, 邀请评价 and its answer: see workbench.domain.cards) ------

    CARD_WIDTH = 280
    # a card's whole height (it takes the bubble's place): fixed, nothing to measure
    CARD_HEIGHTS: ClassVar[dict[CardKind, int]] = {
        CardKind.ORDER: 140,
        CardKind.PRODUCT: 112,
        CardKind.RATING_INVITATION: 104,
        CardKind.RATING: 34,
    }
    PICTURE = 56
    BUTTON = QSize(56, 24)

    def card_of(self, message: Message) -> ChatCard | None:
        """The card a message stands for (None: plain text); parsed once and remembered."""
        if message.id in self._cards:
            return self._cards[message.id]
        card = None if is_visit_header(message) else parse_card(message.text)
        self._cards[message.id] = card
        if len(self._cards) > self.HEIGHT_CACHE:
            self._cards.popitem(last=False)
        return card

    def card_rect(self, rect: QRect, message: Message, card: ChatCard, show_time: bool) -> QRect:
        """Where a card is painted in its row's `rect`."""
        top = rect.top() + self.MARGIN // 2 + (self.TIME_HEIGHT if show_time else 0)
        if message.sender is Sender.BOT:
            top += self.LABEL_HEIGHT
        width = min(self.CARD_WIDTH, max(160, rect.width() - 2 * self.MARGIN))
        height = self.CARD_HEIGHTS[card.kind]
        if message.sender is Sender.SYSTEM:
            if card.kind is CardKind.RATING:
                width = min(width, 220)
            left = rect.center().x() - width // 2
        elif message.sender in (Sender.AGENT, Sender.BOT):
            left = rect.right() - self.MARGIN - width
        else:
            left = rect.left() + self.MARGIN
        return QRect(left, top, width, height)

    def button_rect(self, card_rect: QRect) -> QRect:
        """The card's 查看 button."""
        return QRect(
            card_rect.right() - self.PAD - self.BUTTON.width(),
            card_rect.bottom() - self.PAD - self.BUTTON.height(),
            self.BUTTON.width(),
            self.BUTTON.height(),
        )

    def text_height(self, message: Message, width: int, font: QFont) -> int:
        """The height of a message's text wrapped at `width`: from the cache, else measured once.

        While the view lays out after a width change (`resized_from`: its width before), a row away
        from the reader (not in `near`) that was measured at the old width gets an estimate instead,
        listed in `estimated`: the view measures those a few at a time afterwards (`refine`), so a
        resize measures only what is on screen."""
        key = (message.id, width)
        height = self._heights.get(key)
        if height is not None:
            self._heights.move_to_end(key)
            return height
        card = self.card_of(message)
        if card is not None:  # a card's height does not depend on the width: never estimated
            height = self.CARD_HEIGHTS[card.kind] - 2 * self.PAD
            self._remember(key, height)
            return height
        previous = self.resized_from
        if previous and message.id not in self.near:
            before = self._heights.get((message.id, self._text_width(previous)))
            if before is not None:
                height = self._estimate(before, self._text_width(previous), width, font)
                self.estimated.add(key)
                self._remember(key, height)
                return height
        height = self._measure_text(message, width, font)
        self._remember(key, height)
        return height

    def _measure_text(self, message: Message, width: int, font: QFont) -> int:
        card = self.card_of(message)
        if card is not None:
            return self.CARD_HEIGHTS[card.kind] - 2 * self.PAD
        cached = self._docs.get((message.id, width))
        if cached is not None:
            return cached[1].height()
        # One document reused for measuring: it wraps exactly as the painted one, and saves
        # building a document per row (most rows measured are never painted).
        if self._measure is None or self._measure.defaultFont() != font:
            self._measure = self._new_document(font)
        self._measure.setPlainText(message.text)
        self._measure.setTextWidth(width)
        self.measured += 1
        return int(self._measure.size().height())

    @staticmethod
    def _estimate(height: int, was_width: int, width: int, font: QFont) -> int:
        """The height at `width` of a text `height` tall at `was_width`: as many lines as its area needs."""
        line = max(1, QFontMetrics(font).lineSpacing())
        lines = max(1, round(height / line))
        return max(1, math.ceil(lines * was_width / width)) * line if width < was_width else lines * line

    def refine(self, message: Message, width: int, font: QFont) -> bool:
        """Measure a row whose height at `width` was estimated; whether the estimate was wrong."""
        key = (message.id, width)
        self.estimated.discard(key)
        height = self._measure_text(message, width, font)
        if self._heights.get(key) == height:
            return False
        self._remember(key, height)
        return True

    def _remember(self, key: tuple[int, int], height: int) -> None:
        self._heights[key] = height
        if len(self._heights) > self.HEIGHT_CACHE:
            self._heights.popitem(last=False)

    def _text_width(self, view_width: int) -> int:
        return max(80, int(view_width * self.MAX_RATIO) - 2 * self.PAD)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        model = index.model()
        row = index.row()
        if isinstance(model, MessageListModel):  # the chat's own model: no trip through data()
            message, show_time = model.message_at(row), model.shows_time(row)
        else:
            message, show_time = index.data(Roles.MESSAGE), bool(index.data(Roles.SHOW_TIME))
        width = option.rect.width()
        if width <= 0:  # Qt asks once per layout without a rect: the view's width, as for the other rows
            width = option.widget.viewport().width() if isinstance(option.widget, QAbstractScrollArea) else 600
        height = self.MARGIN
        if show_time:
            height += self.TIME_HEIGHT
        if message.sender is Sender.SYSTEM:
            if message.text.startswith("【") and (card := self.card_of(message)) is not None:
                return QSize(width, height + self.CARD_HEIGHTS[card.kind])
            return QSize(width, height + QFontMetrics(option.font).height() + 8)
        # Called for every row at every layout: a cached height is looked up without more Qt calls.
        key = (message.id, self._text_width(width))
        text_height = self._heights.get(key)
        if text_height is None:
            text_height = self.text_height(message, key[1], option.font)
        else:
            self._heights.move_to_end(key)
        height += text_height + 2 * self.PAD
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
        card = self.card_of(message) if not is_visit_header(message) else None
        if card is not None and (message.sender is not Sender.SYSTEM or message.text.startswith("【")):
            if message.sender is Sender.BOT:
                painter.setFont(small)
                painter.setPen(colour("bot_accent"))
                painter.drawText(
                    QRect(rect.left(), top, rect.width() - self.MARGIN, self.LABEL_HEIGHT),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    QCoreApplication.translate("ChatView", "机器人"),
                )
            self._paint_card(
                painter, self.card_rect(rect, message, card, bool(index.data(Roles.SHOW_TIME))), card, font
            )
            painter.restore()
            return
        if is_visit_header(message):
            self._paint_header(painter, rect, top, message, small)
            painter.restore()
            return
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
        text_width = self._text_width(rect.width())
        doc, size = self._document(message, text_width, font)
        self.estimated.discard((message.id, text_width))
        if size.height() != self._heights.get((message.id, text_width), size.height()):
            # An estimate (see text_height) painted before it was refined: the document wins.
            self._remember((message.id, text_width), size.height())
            self.sizeHintChanged.emit(index.model().index(index.row(), 0))
        bubble_w = size.width() + 2 * self.PAD
        bubble_h = size.height() + 2 * self.PAD
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

    def _paint_header(self, painter: QPainter, rect: QRect, top: int, message: Message, font: QFont) -> None:
        """An earlier visit: a link-like bar the agent clicks to unfold (or fold) its messages."""
        painter.setFont(font)
        fm = QFontMetrics(font)
        text = fm.elidedText(message.text, Qt.TextElideMode.ElideRight, rect.width() - 40)
        w = fm.horizontalAdvance(text) + 28
        bar = QRect(rect.center().x() - w // 2, top, w, fm.height() + 8)
        painter.setPen(colour("accent_hover_border"))
        painter.setBrush(colour("accent_faint"))
        painter.drawRoundedRect(bar, bar.height() / 2, bar.height() / 2)
        painter.setPen(colour("accent"))
        painter.drawText(bar, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_card(self, painter: QPainter, box: QRect, card: ChatCard, font: QFont) -> None:
        painter.setPen(colour("card_border"))
        painter.setBrush(colour("surface"))
        painter.drawRoundedRect(QRectF(box), 8, 8)
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        bold = QFont(font)
        bold.setBold(True)
        inner = box.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        if card.kind is CardKind.RATING:
            painter.setFont(small)
            painter.setPen(colour("text_subtle"))
            rating = parse_rating_answer_value(card.state)
            stars = "★" * (rating.score if rating is not None else 0)
            line = QCoreApplication.translate("ChatView", "买家评价：{rating} {stars}").format(
                rating=card.state, stars=stars
            )
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, line)
            return
        heading = {
            CardKind.ORDER: QCoreApplication.translate("ChatView", "订单"),
            CardKind.PRODUCT: QCoreApplication.translate("ChatView", "商品"),
            CardKind.RATING_INVITATION: QCoreApplication.translate("ChatView", "邀请评价"),
        }[card.kind]
        painter.setFont(small)
        painter.setPen(colour("text_muted"))
        line_h = QFontMetrics(small).height()
        painter.drawText(QRect(inner.left(), inner.top(), inner.width(), line_h), left, heading)
        top = inner.top() + line_h + 6
        if card.kind is CardKind.RATING_INVITATION:
            painter.setFont(font)
            painter.setPen(colour("text"))
            fm = QFontMetrics(font)
            painter.drawText(
                QRect(inner.left(), top, inner.width(), fm.height()),
                left,
                fm.elidedText(card.title, Qt.TextElideMode.ElideRight, inner.width()),
            )
            top += fm.height() + 10
            gap = 6
            pill_w = (inner.width() - gap * (len(card.lines) - 1)) // max(1, len(card.lines))
            painter.setFont(small)
            for i, option in enumerate(card.lines):
                pill = QRect(inner.left() + i * (pill_w + gap), top, pill_w, 26)
                painter.setPen(colour("accent_hover_border"))
                painter.setBrush(colour("accent_faint"))
                painter.drawRoundedRect(pill, 13, 13)
                painter.setPen(colour("accent"))
                painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, option)
            return
        picture = QRect(inner.left(), top, self.PICTURE, self.PICTURE)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour("neutral_soft"))
        painter.drawRoundedRect(picture, 6, 6)
        painter.setPen(colour("text_disabled"))
        painter.setFont(bold)
        name = short_title(card.title)
        painter.drawText(picture, Qt.AlignmentFlag.AlignCenter, name[:1] or "?")  # no picture: a placeholder
        text_left = picture.right() + 10
        text_w = inner.right() - text_left
        fm = QFontMetrics(font)
        painter.setFont(font)
        painter.setPen(colour("text"))
        painter.drawText(
            QRect(text_left, top, text_w, fm.height()),
            left,
            fm.elidedText(card.title, Qt.TextElideMode.ElideRight, text_w),
        )
        painter.setFont(bold)
        painter.setPen(colour("danger_strong"))
        painter.drawText(QRect(text_left, top + fm.height() + 4, text_w, fm.height()), left, card.price)
        if card.state:
            painter.setFont(small)
            painter.setPen(colour("warning"))
            painter.drawText(QRect(text_left, top + 2 * fm.height() + 8, text_w, line_h), left, card.state)
        painter.setFont(small)
        painter.setPen(colour("text_subtle"))
        below = top + self.PICTURE + 6
        for extra in card.lines[:2]:
            fm_small = QFontMetrics(small)
            painter.drawText(
                QRect(inner.left(), below, inner.width() - self.BUTTON.width() - 6, line_h),
                left,
                fm_small.elidedText(extra, Qt.TextElideMode.ElideRight, inner.width() - self.BUTTON.width() - 6),
            )
            below += line_h + 2
        button = self.button_rect(box)
        painter.setPen(colour("accent"))
        painter.setBrush(colour("surface"))
        painter.drawRoundedRect(button, 4, 4)
        painter.drawText(button, Qt.AlignmentFlag.AlignCenter, QCoreApplication.translate("ChatView", "查看"))


class ChatView(QListView):
    """A read-only list of bubbles that keeps to the bottom when new messages arrive there.

    It shows a window of at most `WINDOW_ROWS` messages: scrolling to the top asks for the page of
    older messages (`older_requested`) and drops the newest rows beyond the window; scrolling back
    to the bottom of the window asks for the newer ones again (`newer_requested`). The cost of a
    page is then the same at the 200th message as at the 100,000th.
    """

    older_requested = Signal(int, int)  # conversation id, id of the oldest message shown
    # conversation id, id of the newest message shown (LATEST: the chat's newest page, replacing the window)
    newer_requested = Signal(int, int)
    buyer_message_clicked = Signal(object)  # Message: a buyer's bubble was clicked (智能辅助 answers it)

    visit_requested = Signal(int, int)
    """The agent unfolds an earlier visit above the chat: the open chat's id, the visit's conversation id."""

    card_opened = Signal(str, str)
    """查看 on a card: its kind ("order", "product") and key (the order number or SKU)."""

    LATEST = 0  # `newer_requested`'s id for "the newest page" (message ids start at 1)
    WINDOW_ROWS = 600  # messages kept in the view: three pages of the reception desk

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._laid_out_width = 0  # the viewport's width at the last layout
        self._resize_anchor: tuple[int, int] | None = None  # (message id, y) to keep across a resize
        self._has_older = False
        self._loading_older = False
        self._loading_newer = False
        self._at_bottom = True  # see _on_range_changed
        # After a width change the rows away from the reader have estimated heights (see
        # BubbleDelegate.text_height): they are measured a few at a time while the UI is idle.
        self._refine_timer = QTimer(self)
        self._refine_timer.setSingleShot(True)
        self._refine_timer.setInterval(0)
        self._refine_timer.timeout.connect(self._refine_some)
        # A page read from the database is measured a slice at a time before it joins the model (see
        # _measure_some): the pages waiting, in order, each with what adds it once measured.
        self._pages: deque[tuple[deque[Message], Callable[[], None]]] = deque()
        self._measure_timer = QTimer(self)
        self._measure_timer.setSingleShot(True)
        self._measure_timer.setInterval(0)
        self._measure_timer.timeout.connect(self._measure_some)
        self.bubbles = BubbleDelegate(self)
        self.message_model = MessageListModel(self)
        self.setModel(self.message_model)
        self.setItemDelegate(self.bubbles)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setWordWrap(True)
        self.setObjectName("chatView")
        self.message_model.modelReset.connect(self._on_reset)
        # Scrolling to the bottom happens before the relayout: a long bubble that brings the scroll bar
        # narrows the bubbles, makes them taller and grows the range. Follow the range while at the end.
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.verticalScrollBar().rangeChanged.connect(self._on_range_changed)
        self.clicked.connect(self._on_clicked)

    def _on_clicked(self, index: QModelIndex) -> None:
        message = index.data(Roles.MESSAGE)
        if isinstance(message, Message) and message.sender is Sender.CUSTOMER:
            self.buyer_message_clicked.emit(message)

    def minimumSizeHint(self) -> QSize:
        # Room for readable bubbles: in a narrow window the splitter takes space from the list and
        # the sidebar before it squeezes the chat below this.
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), MIN_WIDTH), hint.height())

    @property
    def has_older(self) -> bool:
        """Whether the database holds messages before the first one shown. When it does not (the
        window reaches the chat's start) the buyer's earlier visits show above it."""
        return self._has_older

    @has_older.setter
    def has_older(self, value: bool) -> None:
        self._has_older = value
        if value:
            self._keep_place(-self.message_model.hide_history(), lambda: 0)
        else:
            self._keep_place(0, self.message_model.show_history)

    def set_visits(self, conversation_id: int, visits: list[EarlierVisit]) -> None:
        """The buyer's earlier visits (newest first) for `conversation_id`: shown above its first
        message, now if the chat is open and its start is in the window, else when it is."""
        self.message_model.set_visits(conversation_id, visits)
        if conversation_id == self.message_model.conversation_id and not self._has_older:
            self._keep_place(0, self.message_model.show_history)

    def show_visit(self, visit_id: int, messages: list[Message]) -> None:
        """Unfold an earlier visit's messages under its header, the header staying where it was."""
        if self.message_model.visits():
            self._keep_place(0, lambda: self.message_model.expand(visit_id, messages), after=True)

    def _keep_place(self, shift: int, change: Callable[[], int], *, after: bool = False) -> None:
        """Make a change to the rows at the top (returning the rows it added) without moving what the
        reader looks at; at the bottom the view simply follows the bottom. `after`: the change is
        below the top visible row (an unfolded visit), which then stays where it is."""
        if after:  # the row clicked stays under the pointer, even at the bottom
            self._at_bottom = False
        anchor = None if self._at_bottom else self._anchor()
        added = change() + shift
        if anchor is not None and added:
            self._restore(anchor, 0 if after else added)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            pos = event.position().toPoint()
            index = self.indexAt(pos)
            if index.isValid():
                message = self.message_model.message_at(index.row())
                if is_visit_header(message):
                    self._toggle_visit(message.conversation_id)
                    event.accept()
                    return
                card = self.bubbles.card_of(message)
                if card is not None and card.key:
                    box = self.bubbles.card_rect(
                        self.visualRect(index), message, card, self.message_model.shows_time(index.row())
                    )
                    if self.bubbles.button_rect(box).contains(pos):
                        self.card_opened.emit(card.kind.value, card.key)
                        event.accept()
                        return
        super().mouseReleaseEvent(event)

    def _toggle_visit(self, visit_id: int) -> None:
        model = self.message_model
        if model.expanded == visit_id:
            self._keep_place(0, lambda: -model.collapse(), after=True)
        elif model.conversation_id is not None:
            self.visit_requested.emit(model.conversation_id, visit_id)

    @property
    def has_newer(self) -> bool:
        """Whether the database holds messages after the last one shown (the reader scrolled far back)."""
        return not self.message_model.reaches_end

    def append(self, message: Message, *, own: bool = False) -> None:
        """A new message of the shown chat. The view follows it when the reader was at the bottom, or
        for the agent's `own` reply (fetching the newest page when the window has left the end)."""
        if self.message_model.append(message):
            if own:
                self._at_bottom = True
                self.scrollToBottom()
        elif own and message.conversation_id == self.message_model.conversation_id and self.has_newer:
            self._at_bottom = True
            self.newer_requested.emit(message.conversation_id, self.LATEST)

    def show_older(self, older: list[Message], has_more: bool) -> None:
        """Prepend a page of older messages, keeping the bubble under the reader where it was.

        The page's rows are measured first, a slice per turn of the event loop (`_measure_some`), and
        added once all are: the relayout then measures nothing, so no turn holds the UI for long."""
        self._after_measuring(older, lambda: self._prepend_older(older, has_more))

    def _prepend_older(self, older: list[Message], has_more: bool) -> None:
        anchor = self._anchor()
        self.message_model.prepend(older)
        self.message_model.drop_last(self.message_model.chat_rows() - self.WINDOW_ROWS)
        self._restore(anchor, len(older))
        self.has_older = has_more  # the chat's start reached: its earlier visits above it
        self._loading_older = False

    def show_newer(self, after_id: int, newer: list[Message], has_more: bool) -> None:
        """Append a page of newer messages read again (or, for LATEST, show the newest page).
        Measured before it is added, as `show_older`'s pages."""
        if after_id == self.LATEST:
            self._pages.clear()  # the window is replaced: a page on its way no longer fits it
            self.message_model.set_messages(self.message_model.conversation_id, newer)
            self.has_older = True  # the window had left the end: there is history above
            return
        self._after_measuring(newer, lambda: self._append_newer(newer, has_more))

    def _append_newer(self, newer: list[Message], has_more: bool) -> None:
        anchor = self._anchor()
        self.message_model.extend(newer, reaches_end=not has_more)
        excess = self.message_model.chat_rows() - self.WINDOW_ROWS
        dropped = 0
        if excess > 0:  # the window leaves the chat's start: the history above it goes first
            dropped = self.message_model.hide_history() + excess
            self.message_model.drop_first(excess)
            self._has_older = True
        self._restore(anchor, -dropped)
        self._loading_newer = False

    MEASURE_SLICE_S = 0.008  # measuring a page yields to the event loop after this long

    def _after_measuring(self, messages: list[Message], add: Callable[[], None]) -> None:
        """Measure `messages` at the current width a slice at a time, then call `add` (in order)."""
        self._pages.append((deque(messages), add))
        if len(self._pages) == 1:
            self._measure_some()

    def _measure_some(self) -> None:
        """One turn's slice: measure rows of the first waiting page for `MEASURE_SLICE_S`; a page
        measured in an earlier turn is added in a turn of its own (its relayout is the turn's work)."""
        if not self._pages:
            return
        rows, add = self._pages[0]
        if rows:
            delegate = self.bubbles
            width = delegate._text_width(self.viewport().width())
            font = self.font()
            deadline = time.perf_counter() + self.MEASURE_SLICE_S
            measured = delegate.measured
            while rows:  # at least one row a turn, however loaded the machine
                message = rows.pop()  # newest first: the rows nearest the reader
                if message.sender is not Sender.SYSTEM:  # a note's height is its font's (see sizeHint)
                    delegate.text_height(message, width, font)
                if time.perf_counter() >= deadline:
                    break
            if rows or delegate.measured != measured:
                self._measure_timer.start()
                return
        self._pages.popleft()
        add()
        if self._pages:
            self._measure_timer.start()

    def _anchor(self) -> tuple[int, int] | None:
        """The row at the top of the viewport and where it is, to keep it there across a relayout."""
        index = self.indexAt(QPoint(1, 1))
        if not index.isValid():
            return None
        return index.row(), self.visualRect(index).top()

    def _restore(self, anchor: tuple[int, int] | None, shift: int) -> None:
        """Lay out now (only new rows are measured) and put the anchored row back where it was."""
        self.doItemsLayout()
        bar = self.verticalScrollBar()
        rows = self.message_model.rowCount()
        if anchor is None or rows == 0:
            return
        row = min(max(anchor[0] + shift, 0), rows - 1)
        bar.setValue(bar.value() + self.visualRect(self.message_model.index(row)).top() - anchor[1])

    REFINE_ROWS = 40  # estimated rows measured per turn of the event loop after a width change
    NEAR_ROWS = 20  # rows above and below the screen measured at once when the width changes

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Qt lays the rows out again a moment later: the rows on screen now are measured exactly then.
        width = self.viewport().width()
        if width != self._laid_out_width and self._laid_out_width > 0 and not self.bubbles.resized_from:
            self.bubbles.resized_from = self._laid_out_width
            self.bubbles.near = self._rows_near_screen()
            anchor = self._anchor()  # and the bubble at the top stays at the top
            if anchor is not None and not self._at_bottom:
                self._resize_anchor = (self.message_model.message_at(anchor[0]).id, anchor[1])
        super().resizeEvent(event)

    def doItemsLayout(self) -> None:
        super().doItemsLayout()
        self._laid_out_width = self.viewport().width()
        self.bubbles.resized_from = 0
        self.bubbles.near = set()
        if self._resize_anchor is not None:
            message_id, top = self._resize_anchor
            self._resize_anchor = None
            row = self.message_model.row_of(message_id)
            if row is not None:
                bar = self.verticalScrollBar()
                bar.setValue(bar.value() + self.visualRect(self.message_model.index(row)).top() - top)
        if self.bubbles.estimated:
            self._refine_timer.start()

    def _rows_near_screen(self) -> set[int]:
        """The messages on screen and a few around them: they keep exact heights across a resize."""
        rows = self.message_model.rowCount()
        if rows == 0:
            return set()
        top = self.indexAt(QPoint(1, 1))
        bottom = self.indexAt(QPoint(1, self.viewport().height() - 1))
        first = top.row() if top.isValid() else 0
        last = bottom.row() if bottom.isValid() else rows - 1
        if self._at_bottom:  # the view will follow the bottom: those rows are the ones shown
            first, last = max(0, rows - 1 - (last - first)), rows - 1
        span = range(max(0, first - self.NEAR_ROWS), min(rows, last + self.NEAR_ROWS + 1))
        return {self.message_model.message_at(row).id for row in span}

    def _refine_some(self) -> None:
        """Measure some rows whose heights were estimated at a width change, keeping the reader's place."""
        delegate = self.bubbles
        width = delegate._text_width(self.viewport().width())
        delegate.estimated = {key for key in delegate.estimated if key[1] == width}  # older widths: moot
        if not delegate.estimated:
            return
        font = self.font()
        changed = False
        done = 0
        for row in range(self.message_model.rowCount()):
            message = self.message_model.message_at(row)
            if (message.id, width) in delegate.estimated:
                changed = delegate.refine(message, width, font) or changed
                done += 1
                if done >= self.REFINE_ROWS:
                    break
        if done < self.REFINE_ROWS:
            delegate.estimated.clear()  # the rest belong to rows no longer in the window
        if changed:
            if self._at_bottom:
                super().doItemsLayout()  # the range follows to the bottom
            else:
                self._restore(self._anchor(), 0)
        if delegate.estimated:
            self._refine_timer.start()

    def _on_reset(self) -> None:
        self._resize_anchor = None
        self._pages.clear()  # pages of the previous chat
        self._loading_older = self._loading_newer = False  # a page on its way belongs to the old chat
        self._at_bottom = True
        self.scrollToBottom()

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._at_bottom:
            self.verticalScrollBar().setValue(maximum)

    def _on_scrolled(self, value: int) -> None:
        at_end_of_window = value >= self.verticalScrollBar().maximum()
        self._at_bottom = at_end_of_window and self.message_model.reaches_end
        conv_id = self.message_model.conversation_id
        if conv_id is None or self.message_model.rowCount() == 0:
            return
        if value == 0 and self.has_older and not self._loading_older:
            self._loading_older = True
            self.older_requested.emit(conv_id, self.message_model.oldest_id())
        elif at_end_of_window and self.has_newer and not self._loading_newer:
            self._loading_newer = True
            self.newer_requested.emit(conv_id, self.message_model.newest_id())
