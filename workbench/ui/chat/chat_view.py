"""The chat pane: message bubbles with timestamps and system notes."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import IntEnum

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
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QResizeEvent, QTextDocument, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QListView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from workbench.domain.conversations import Message, Sender
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
        if row == 0:
            return True
        return self._messages[row].created_at - self._messages[row - 1].created_at >= TIME_GAP

    def set_messages(self, conversation_id: int | None, messages: list[Message]) -> None:
        self.beginResetModel()
        self.conversation_id = conversation_id
        self._messages = list(messages)
        self.reaches_end = True
        self.endResetModel()

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
        return self._messages[0].id if self._messages else None

    def newest_id(self) -> int | None:
        return self._messages[-1].id if self._messages else None

    def row_of(self, message_id: int) -> int | None:
        for row, message in enumerate(self._messages):  # a window of at most a few pages
            if message.id == message_id:
                return row
        return None

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

    LATEST = 0  # `newer_requested`'s id for "the newest page" (message ids start at 1)
    WINDOW_ROWS = 600  # messages kept in the view: three pages of the reception desk

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._laid_out_width = 0  # the viewport's width at the last layout
        self._resize_anchor: tuple[int, int] | None = None  # (message id, y) to keep across a resize
        self.has_older = False  # whether the database holds messages before the first one shown
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

    def minimumSizeHint(self) -> QSize:
        # Room for readable bubbles: in a narrow window the splitter takes space from the list and
        # the sidebar before it squeezes the chat below this.
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), MIN_WIDTH), hint.height())

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
        self.message_model.drop_last(self.message_model.rowCount() - self.WINDOW_ROWS)
        self.has_older = has_more
        self._restore(anchor, len(older))
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
        excess = self.message_model.rowCount() - self.WINDOW_ROWS
        if excess > 0:
            self.message_model.drop_first(excess)
            self.has_older = True
        self._restore(anchor, -max(0, excess))
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
