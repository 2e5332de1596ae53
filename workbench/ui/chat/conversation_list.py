"""The conversation list: 待接待 / 接待中 / 已结束 groups with unread badges and waiting time, each
agent's 置顶 chats first in their group (the service orders them) and 星标 shown as a star (the list can
show only starred chats). A chat handed over to this agent shows the 转交 note in place of the preview.
A right click asks for the conversation's menu (`menu_requested`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import IntEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QContextMenuEvent, QFont, QFontMetrics, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from workbench.domain.conversations import Conversation, ConversationState
from workbench.services.clock import Clock, system_clock
from workbench.ui.labels import Labels
from workbench.ui.theme import colour

if TYPE_CHECKING:
    from workbench.services.reception import ConversationLists

AnyIndex = QModelIndex | QPersistentModelIndex


GROUP_ORDER = (ConversationState.WAITING, ConversationState.ACTIVE, ConversationState.ENDED)
HEADER_HEIGHT = 30  # a group header's height in the list
ROW_HEIGHT = 64  # a conversation card's height


class Roles(IntEnum):
    KIND = Qt.ItemDataRole.UserRole + 1  # "header" or "conversation"
    CONVERSATION = Qt.ItemDataRole.UserRole + 2
    CONVERSATION_ID = Qt.ItemDataRole.UserRole + 3
    STATE = Qt.ItemDataRole.UserRole + 4
    COUNT = Qt.ItemDataRole.UserRole + 5
    COLLAPSED = Qt.ItemDataRole.UserRole + 6
    UNREAD = Qt.ItemDataRole.UserRole + 7


@dataclass(frozen=True, slots=True)
class _Header:
    state: ConversationState
    count: int
    collapsed: bool


def _same_slot(a: _Header | Conversation, b: _Header | Conversation) -> bool:
    """The same row of the list: the same group's header, or the same chat."""
    if isinstance(a, _Header):
        return isinstance(b, _Header) and a.state == b.state
    return isinstance(b, Conversation) and a.id == b.id


def _state_texts() -> dict[ConversationState, str]:
    """The states' names: the list's group headers and the chat header."""
    return {
        ConversationState.WAITING: QCoreApplication.translate("ConversationList", "待接待"),
        ConversationState.ACTIVE: QCoreApplication.translate("ConversationList", "接待中"),
        ConversationState.ENDED: QCoreApplication.translate("ConversationList", "已结束"),
    }


state_label = Labels(_state_texts)


class ConversationListModel(QAbstractListModel):
    """Flat rows: a header per group followed by that group's conversations (unless collapsed)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: dict[ConversationState, tuple[Conversation, ...]] = {s: () for s in GROUP_ORDER}
        self._collapsed: set[ConversationState] = set()
        self.starred_only = False  # show only the chats this agent starred
        # Drafts this desk saved since the lists were read: the database has them (or soon will).
        self._drafts: dict[int, str] = {}
        self._rows: list[_Header | Conversation] = []
        self._rebuild_rows()

    # -- Qt model API ------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if isinstance(row, _Header):
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return f"{state_label(row.state)} ({row.count})"
            if role == Roles.KIND:
                return "header"
            if role == Roles.STATE:
                return row.state.value
            if role == Roles.COUNT:
                return row.count
            if role == Roles.COLLAPSED:
                return row.collapsed
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return row.customer_nick
        if role == Qt.ItemDataRole.ToolTipRole:
            return draft_mark() + row.draft if row.draft.strip() else row.last_message
        if role == Qt.ItemDataRole.AccessibleTextRole:  # the card is painted: what a screen reader reads
            marks = "、".join(m for m in (row.credit_level, "88VIP" if row.is_88vip else "", row.member_level) if m)
            text = self.tr("{nick}，{state}").format(nick=row.customer_nick, state=state_label(row.state))
            if marks:
                text += self.tr("，{marks}").format(marks=marks)
            if row.unread:
                text += self.tr("，{n} 条未读").format(n=row.unread)
            if row.last_message:
                text += self.tr("。最后一条：{message}").format(message=row.last_message)
            return text
        if role == Roles.KIND:
            return "conversation"
        if role == Roles.CONVERSATION:
            return row
        if role == Roles.CONVERSATION_ID:
            return row.id
        if role == Roles.STATE:
            return row.state.value
        if role == Roles.UNREAD:
            return row.unread
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if isinstance(self._rows[index.row()], _Header):
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- our API -----------------------------------------------------------------------------

    def set_lists(self, lists: ConversationLists) -> None:
        """Show `lists`. When the rows stay the same chats in the same order (most re-reads: an unread
        count, a preview or a waiting time moved on), only the rows that changed are updated; a reset
        would lay out and repaint every row on each read of a busy desk."""
        groups = self._groups_of(lists)
        rows = self._rows_for(groups)
        old = self._rows
        if len(rows) == len(old) and all(map(_same_slot, rows, old)):
            self._groups, self._rows = groups, rows
            changed = [i for i, (a, b) in enumerate(zip(rows, old, strict=True)) if a != b]
            if changed:
                self.dataChanged.emit(self.index(changed[0]), self.index(changed[-1]))
            return
        self.beginResetModel()
        self._groups, self._rows = groups, rows
        self.endResetModel()

    def set_draft(self, conversation_id: int, text: str) -> None:
        """The agent's draft in a chat changed (【草稿】 shows at once, without reading the lists)."""
        self._drafts[conversation_id] = text
        for state, convs in self._groups.items():
            if any(c.id == conversation_id for c in convs):
                self._groups[state] = self._with_drafts(convs)
        for i, row in enumerate(self._rows):
            if isinstance(row, Conversation) and row.id == conversation_id:
                self._rows[i] = replace(row, draft=text)
                self.dataChanged.emit(self.index(i), self.index(i))

    def _with_drafts(self, convs: tuple[Conversation, ...]) -> tuple[Conversation, ...]:
        drafts = self._drafts
        return tuple(replace(c, draft=drafts[c.id]) if drafts.get(c.id, c.draft) != c.draft else c for c in convs)

    def set_starred_only(self, on: bool) -> None:
        self.beginResetModel()
        self.starred_only = on
        self._rebuild_rows()
        self.endResetModel()

    def toggle_group(self, state: ConversationState) -> None:
        self.beginResetModel()
        self._collapsed ^= {state}
        self._rebuild_rows()
        self.endResetModel()

    def row_of(self, conversation_id: int) -> int:
        for i, row in enumerate(self._rows):
            if isinstance(row, Conversation) and row.id == conversation_id:
                return i
        return -1

    def conversation(self, conversation_id: int) -> Conversation | None:
        for convs in self._groups.values():
            for conv in convs:
                if conv.id == conversation_id:
                    return conv
        return None

    def count(self, state: ConversationState) -> int:
        return len(self._groups[state])

    def conversations(self, state: ConversationState) -> tuple[Conversation, ...]:
        return self._groups[state]

    def _rebuild_rows(self) -> None:
        self._rows = self._rows_for(self._groups)

    def _rows_for(self, groups: dict[ConversationState, tuple[Conversation, ...]]) -> list[_Header | Conversation]:
        rows: list[_Header | Conversation] = []
        for state in GROUP_ORDER:
            convs = groups[state]
            if self.starred_only:
                convs = tuple(c for c in convs if c.starred)
            collapsed = state in self._collapsed
            rows.append(_Header(state, len(convs), collapsed))
            if not collapsed:
                rows.extend(convs)
        return rows

    # -- where rows are: the view keeps the row under the pointer or the keyboard still --------

    @staticmethod
    def _top_of(rows: list[_Header | Conversation], conversation_id: int) -> int | None:
        """The row's top in the list's content (pixels), or None when it is not listed."""
        top = 0
        for row in rows:
            if isinstance(row, Conversation) and row.id == conversation_id:
                return top
            top += HEADER_HEIGHT if isinstance(row, _Header) else ROW_HEIGHT
        return None

    def _groups_of(self, lists: ConversationLists) -> dict[ConversationState, tuple[Conversation, ...]]:
        return {
            ConversationState.WAITING: self._with_drafts(lists.waiting),
            ConversationState.ACTIVE: self._with_drafts(lists.active),
            ConversationState.ENDED: self._with_drafts(lists.ended),
        }

    def shift_of(self, lists: ConversationLists, conversation_id: int) -> int | None:
        """How far (pixels) the conversation's row would move if `lists` were shown; None when it would
        leave the list."""
        before = self._top_of(self._rows, conversation_id)
        after = self._top_of(self._rows_for(self._groups_of(lists)), conversation_id)
        return None if before is None or after is None else after - before

    def content_height(self, lists: ConversationLists) -> int:
        rows = self._rows_for(self._groups_of(lists))
        return sum(HEADER_HEIGHT if isinstance(r, _Header) else ROW_HEIGHT for r in rows)

    def update_in_place(self, lists: ConversationLists) -> None:
        """Show what changed in the rows already listed (unread, preview, waiting time) and move none:
        new rows, gone rows and the new order wait until the lists can be shown whole."""
        fresh = {c.id: c for convs in self._groups_of(lists).values() for c in convs}
        for i, row in enumerate(self._rows):
            if isinstance(row, Conversation) and row.id in fresh and fresh[row.id] != row:
                self._rows[i] = fresh[row.id]
                self.dataChanged.emit(self.index(i), self.index(i))


# picked by the nick
AVATAR_ROLES = (
    "chat_avatar_1",
    "chat_avatar_2",
    "chat_avatar_3",
    "chat_avatar_4",
    "chat_avatar_5",
    "chat_avatar_6",
    "chat_avatar_7",
    "chat_avatar_8",
)


def waiting_text(since: datetime | None, now: datetime) -> str:
    if since is None:
        return ""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return QCoreApplication.translate("ConversationList", "等待 {n}秒").format(n=seconds)
    return QCoreApplication.translate("ConversationList", "等待 {n}分").format(n=seconds // 60)


def draft_mark() -> str:
    """What marks a chat with an unsent reply in the list."""
    return QCoreApplication.translate("ConversationList", "【草稿】")


def transfer_text(conv: Conversation) -> str:
    """ "小赵转交给你：买家要改地址，已核实订单" (the list's row and the chat's banner)."""
    who = conv.transferred_by or QCoreApplication.translate("ConversationList", "同事")
    if conv.transfer_note:
        return QCoreApplication.translate("ConversationList", "{who}转交给你：{note}").format(
            who=who, note=" ".join(conv.transfer_note.split())
        )
    return QCoreApplication.translate("ConversationList", "{who}转交给你").format(who=who)


class ConversationDelegate(QStyledItemDelegate):
    """Paints a group header or a conversation card (avatar, nick, marks, preview, waiting, unread)."""

    HEADER_HEIGHT = HEADER_HEIGHT
    ROW_HEIGHT = ROW_HEIGHT

    def __init__(self, clock: Clock = system_clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock = clock

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        height = self.HEADER_HEIGHT if index.data(Roles.KIND) == "header" else self.ROW_HEIGHT
        # No width of its own: rows take the viewport's width. A width taken from the option went
        # stale when the vertical scroll bar appeared and cut off the waiting time and unread badge.
        return QSize(0, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect: QRect = option.rect
        font: QFont = option.font
        if index.data(Roles.KIND) == "header":
            self._paint_header(painter, rect, font, index)
        else:
            conv = index.data(Roles.CONVERSATION)
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            self._paint_conversation(painter, rect, font, conv, selected)
        painter.restore()

    def _paint_header(self, painter: QPainter, rect: QRect, font: QFont, index: AnyIndex) -> None:
        painter.fillRect(rect, colour("page"))
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(colour("text_tab"))
        arrow = "▸" if index.data(Roles.COLLAPSED) else "▾"
        painter.drawText(
            rect.adjusted(10, 0, -10, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            f"{arrow}  {index.data(Qt.ItemDataRole.DisplayRole)}",
        )

    def _paint_conversation(
        self, painter: QPainter, rect: QRect, font: QFont, conv: Conversation, selected: bool
    ) -> None:
        painter.fillRect(rect, colour("accent_selection" if selected else "accent_faint" if conv.pinned else "surface"))
        if conv.pinned:  # 置顶: a corner mark
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour("accent"))
            painter.drawPolygon(
                [
                    QPoint(rect.left(), rect.top()),
                    QPoint(rect.left() + 10, rect.top()),
                    QPoint(rect.left(), rect.top() + 10),
                ]
            )
        painter.setPen(QPen(colour("row_divider")))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        # Avatar: a coloured circle with the nick's first character.
        avatar = QRect(rect.left() + 10, rect.top() + 12, 40, 40)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour(AVATAR_ROLES[sum(map(ord, conv.customer_nick)) % len(AVATAR_ROLES)]))
        painter.drawEllipse(avatar)
        initial_font = QFont(font)
        initial_font.setPointSizeF(font.pointSizeF() * 1.2)
        painter.setFont(initial_font)
        painter.setPen(colour("on_accent"))
        initial = conv.customer_nick.removeprefix("tb_")[:1].upper() or "?"
        painter.drawText(avatar, Qt.AlignmentFlag.AlignCenter, initial)

        left = avatar.right() + 10
        right = rect.right() - 10
        now = self.clock()
        # Right column: time or waiting time, and the unread badge.
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(small)
        fm_small = QFontMetrics(small)
        if conv.state is ConversationState.WAITING or conv.waiting_since is not None:
            corner = waiting_text(conv.waiting_since or conv.started_at, now)
            waited = (now - (conv.waiting_since or conv.started_at)).total_seconds()
            painter.setPen(colour("danger" if waited >= 120 else "waiting"))
        else:
            corner = conv.last_message_at.strftime("%H:%M")
            painter.setPen(colour("text_disabled"))
        corner_w = fm_small.horizontalAdvance(corner)
        painter.drawText(QRect(right - corner_w, rect.top() + 10, corner_w, fm_small.height()), 0, corner)
        if conv.unread:
            badge = str(conv.unread) if conv.unread < 100 else "99+"
            bw = max(18, fm_small.horizontalAdvance(badge) + 10)
            badge_rect = QRect(right - bw, rect.top() + 34, bw, 18)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour("unread_badge"))
            painter.drawRoundedRect(badge_rect, 9, 9)
            painter.setPen(colour("on_accent"))
            painter.drawText(badge_rect, Qt.AlignmentFlag.AlignCenter, badge)
        text_right = right - max(corner_w, 30) - 8

        # Nick with its marks.
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        fm_bold = QFontMetrics(bold)
        marks = []
        if conv.starred:
            marks.append(("★", colour("waiting"), colour("surface")))
        if conv.is_88vip:
            marks.append(("88VIP", colour("vip_chip_text"), colour("vip_chip_background")))
        if conv.member_level and conv.member_level != "普通会员":
            marks.append((conv.member_level, colour("member_chip_text"), colour("member_chip_background")))
        marks_w = sum(fm_small.horizontalAdvance(m[0]) + 10 for m in marks)
        nick = fm_bold.elidedText(conv.customer_nick, Qt.TextElideMode.ElideRight, max(20, text_right - left - marks_w))
        painter.setPen(colour("text_strong"))
        nick_rect = QRect(left, rect.top() + 9, fm_bold.horizontalAdvance(nick), fm_bold.height())
        painter.drawText(nick_rect, 0, nick)
        x = nick_rect.right() + 6
        painter.setFont(small)
        for text, fg, bg in marks:
            w = fm_small.horizontalAdvance(text) + 8
            mark_rect = QRect(x, nick_rect.top() + 2, w, fm_small.height() + 2)
            painter.setPen(fg)
            painter.setBrush(bg)
            painter.drawRoundedRect(mark_rect, 3, 3)
            painter.drawText(mark_rect, Qt.AlignmentFlag.AlignCenter, text)
            x += w + 4
        # Preview of the last message.
        painter.setFont(font)
        fm = QFontMetrics(font)
        preview = " ".join(conv.last_message.split())
        if conv.state is ConversationState.ENDED and conv.end_reason:
            preview = preview or conv.end_reason
        painter.setPen(colour("text_subtle"))
        line = QRect(left, rect.top() + 34, text_right - left, fm.height())
        if conv.draft.strip():  # the agent's unsent reply, marked as 千牛 does: 【草稿】 and its text
            mark = draft_mark()
            painter.setPen(colour("danger"))
            painter.drawText(line, 0, mark)
            line.setLeft(line.left() + fm.horizontalAdvance(mark))
            preview = " ".join(conv.draft.split())
            painter.setPen(colour("text_subtle"))
        elif conv.transfer_note or conv.transferred_by:  # handed to this agent: the note shows at once
            preview = transfer_text(conv)
            painter.setPen(colour("warning"))
        painter.drawText(line, 0, fm.elidedText(preview, Qt.TextElideMode.ElideRight, line.width()))


class ConversationListView(QListView):
    """Clicking a header folds its group; the waiting times repaint every few seconds."""

    conversation_selected = Signal(int)  # the conversation the agent opened
    menu_requested = Signal(object, QPoint)  # right click: the Conversation under it (or None), global position

    def __init__(
        self, model: ConversationListModel, clock: Clock = system_clock, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setItemDelegate(ConversationDelegate(clock, self))
        self.setAccessibleName(self.tr("会话列表"))
        self.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setUniformItemSizes(False)
        self.setMouseTracking(True)
        self._pointer: QPoint | None = None  # where the pointer is over the rows (None: not over the list)
        self._pending: ConversationLists | None = None  # lists held back while the pointer is on a row
        self.clicked.connect(self._on_clicked)
        self._tick = QTimer(self)
        self._tick.setInterval(5000)
        self._tick.timeout.connect(self.viewport().update)
        self._tick.start()

    def list_model(self) -> ConversationListModel:
        model = self.model()
        assert isinstance(model, ConversationListModel)
        return model

    # -- showing new lists without moving the row the agent is aiming at -------------------------

    def show_lists(self, lists: ConversationLists) -> None:
        """Show the desk's lists as they are now, never moving the row under the pointer: a click
        lands where the agent aimed. The view scrolls to keep that row where it is on screen; when it
        cannot (the list is too short to scroll, or the row itself went away) the new rows and order
        wait until the pointer leaves the list, while the rows shown take their new unread counts and
        previews at once. Without the pointer on the list, the highlighted row (the open chat, or the
        one the arrow keys reached) keeps its place on screen the same way, as far as scrolling can."""
        model = self.list_model()
        anchor = self._anchor()
        if anchor is not None and self._pointer is not None:
            shift = model.shift_of(lists, anchor[0])
            room = max(0, model.content_height(lists) - self.viewport().height())
            if shift is None or (shift and not 0 <= self.verticalScrollBar().value() + shift <= room):
                model.update_in_place(lists)
                self._pending = lists
                return
        self._pending = None
        current = self.currentIndex().data(Roles.CONVERSATION_ID)
        model.set_lists(lists)
        if current is not None and model.row_of(int(current)) >= 0:
            self.setCurrentIndex(model.index(model.row_of(int(current))))
        if anchor is not None:
            row = model.row_of(anchor[0])
            if row >= 0:
                self.executeDelayedItemsLayout()
                moved = self.visualRect(model.index(row)).top() - anchor[1]
                if moved:
                    self.verticalScrollBar().setValue(self.verticalScrollBar().value() + moved)

    def _anchor(self) -> tuple[int, int] | None:
        """The conversation the agent is aiming at and its row's top in the viewport: the row under the
        pointer, else the highlighted row."""
        index = self.indexAt(self._pointer) if self._pointer is not None else QModelIndex()
        if not (index.isValid() and index.data(Roles.KIND) == "conversation"):
            index = self.currentIndex()
        if not (index.isValid() and index.data(Roles.KIND) == "conversation"):
            return None
        return int(index.data(Roles.CONVERSATION_ID)), self.visualRect(index).top()

    def viewportEvent(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.MouseMove, QEvent.Type.HoverMove, QEvent.Type.Enter):
            position = getattr(event, "position", None)
            if position is not None:
                self._pointer = position().toPoint()
        elif kind == QEvent.Type.Leave:
            self._pointer = None
            if self._pending is not None:  # the lists that waited for the pointer to leave
                self.show_lists(self._pending)
        return super().viewportEvent(event)

    def select_conversation(self, conversation_id: int, *, scroll: bool = True) -> None:
        """Highlight the open chat; `scroll` brings it into view (not when the lists are only re-read:
        the list stays where the agent scrolled it)."""
        row = self.list_model().row_of(conversation_id)
        if row >= 0:
            index = self.list_model().index(row)
            self.setCurrentIndex(index)
            if scroll:
                self.scrollTo(index)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Arrow keys only move the highlight (opening marks a chat read); Enter or Space opens it,
        # or folds a group, as a click does.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self.currentIndex().isValid():
            self._on_clicked(self.currentIndex())
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        # The menu is the window's (it knows the agent and the actions); the row does not move meanwhile.
        index = self.indexAt(event.pos())
        conv = index.data(Roles.CONVERSATION) if index.isValid() else None
        self.menu_requested.emit(conv if isinstance(conv, Conversation) else None, event.globalPos())
        event.accept()

    def _on_clicked(self, index: QModelIndex) -> None:
        if index.data(Roles.KIND) == "header":
            self.list_model().toggle_group(ConversationState(index.data(Roles.STATE)))
            return
        self.conversation_selected.emit(int(index.data(Roles.CONVERSATION_ID)))
