"""Qt models of the supervisor's view: the live chats and the agents, from one `Overview`.

Waiting times tick every second without reading the database again: the overview says when it was
read (`as_of`), and the models add the time elapsed since it arrived (`tick` repaints the waiting
columns). A wait over `OVERDUE_S` is marked through the theme's colour roles (`OVERDUE` role too).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QElapsedTimer,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush

from workbench.domain.conversations import ConversationState
from workbench.domain.supervision import OVERDUE_S, AgentLoad, LiveChat, Overview
from workbench.ui.bot.labels import agent_status_label, role_label
from workbench.ui.chat.conversation_list import state_label
from workbench.ui.theme import colour

AnyIndex = QModelIndex | QPersistentModelIndex

# colour roles of the theme
STATUS_ROLES = {"online": "success_text", "busy": "warning", "offline": "text_muted"}


class Roles(IntEnum):
    ID = Qt.ItemDataRole.UserRole + 1  # the chat's or the agent's id
    RECORD = Qt.ItemDataRole.UserRole + 2  # the LiveChat / AgentLoad
    SORT = Qt.ItemDataRole.UserRole + 3  # what the column sorts by
    OVERDUE = Qt.ItemDataRole.UserRole + 4  # the wait is over OVERDUE_S


def wait_text(seconds: int) -> str:
    """A wait as the view shows it: 45秒, 3分12秒, 1小时05分; empty when nobody waits."""
    if seconds <= 0:
        return ""
    if seconds < 60:
        return QCoreApplication.translate("SupervisorView", "{s}秒").format(s=seconds)
    if seconds < 3600:
        return QCoreApplication.translate("SupervisorView", "{m}分{s:02d}秒").format(m=seconds // 60, s=seconds % 60)
    return QCoreApplication.translate("SupervisorView", "{h}小时{m:02d}分").format(
        h=seconds // 3600, m=seconds % 3600 // 60
    )


class Clocked:
    """Now, by the overview's clock: its `as_of` plus the time since it arrived (tests may replace it)."""

    def __init__(self) -> None:
        self.as_of: datetime | None = None
        self._since = QElapsedTimer()

    def start(self, as_of: datetime) -> None:
        self.as_of = as_of
        self._since.start()

    def __call__(self) -> datetime:
        if self.as_of is None:
            return datetime.now()
        return self.as_of + timedelta(milliseconds=self._since.elapsed())


class _Table(QAbstractTableModel):
    WAIT_COLUMN = 0

    def __init__(self, now: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.now = now

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.titles())

    def titles(self) -> list[str]:
        raise NotImplementedError

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            titles = self.titles()
            return titles[section] if 0 <= section < len(titles) else None
        return None

    def tick(self) -> None:
        """The waits went on: repaint their column (no reading)."""
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, self.WAIT_COLUMN),
                self.index(self.rowCount() - 1, self.WAIT_COLUMN),
                [Qt.ItemDataRole.DisplayRole, Roles.SORT, Roles.OVERDUE, Qt.ItemDataRole.ForegroundRole],
            )

    @staticmethod
    def overdue_brush(role: int, overdue: bool) -> QBrush | None:
        if not overdue:
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(colour("danger"))
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(colour("danger_soft"))
        return None


class LiveChatModel(_Table):
    """Columns: 等待, 买家, 客服, 状态, 最后消息. Rows come longest wait first; a proxy sorts otherwise."""

    WAIT, BUYER, AGENT, STATE, LAST = range(5)
    WAIT_COLUMN = WAIT

    def __init__(self, now: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(now, parent)
        self._chats: list[LiveChat] = []

    def titles(self) -> list[str]:
        return [
            QCoreApplication.translate("SupervisorView", "等待"),
            QCoreApplication.translate("SupervisorView", "买家"),
            QCoreApplication.translate("SupervisorView", "客服"),
            QCoreApplication.translate("SupervisorView", "状态"),
            QCoreApplication.translate("SupervisorView", "最后消息"),
        ]

    def set_chats(self, chats: tuple[LiveChat, ...]) -> None:
        self.beginResetModel()
        self._chats = list(chats)
        self.endResetModel()

    def chats(self) -> list[LiveChat]:
        return list(self._chats)

    def chat(self, conversation_id: int) -> LiveChat | None:
        return next((c for c in self._chats if c.id == conversation_id), None)

    def row_of(self, conversation_id: int) -> int:
        return next((i for i, c in enumerate(self._chats) if c.id == conversation_id), -1)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._chats)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._chats):
            return None
        chat = self._chats[index.row()]
        column = index.column()
        waited = chat.waited_s(self.now())
        overdue = waited > OVERDUE_S
        if role == Roles.ID:
            return chat.id
        if role == Roles.RECORD:
            return chat
        if role == Roles.OVERDUE:
            return overdue
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
            return self.overdue_brush(role, overdue)
        if role == Roles.SORT:
            return self._sort_key(chat, column, waited)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.LAST:
            return chat.last_message
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == self.WAIT:
            return wait_text(waited)
        if column == self.BUYER:
            return chat.customer_nick
        if column == self.AGENT:
            return agent_text(chat)
        if column == self.STATE:
            return state_label(chat.state)
        if column == self.LAST:
            return chat.last_message
        return None

    def _sort_key(self, chat: LiveChat, column: int, waited: int) -> object:
        if column == self.WAIT:
            return waited
        if column == self.BUYER:
            return chat.customer_nick
        if column == self.AGENT:
            return agent_text(chat)
        if column == self.STATE:
            return chat.state.value
        return chat.last_message_at.isoformat()


def agent_text(chat: LiveChat) -> str:
    if chat.bot:
        return QCoreApplication.translate("SupervisorView", "店小蜜")
    if chat.agent_id is None:
        return QCoreApplication.translate("SupervisorView", "待分配")
    return chat.agent_name


class AgentLoadModel(_Table):
    """Columns: 最长等待, 客服, 角色, 状态, 接待量 (open chats / capacity)."""

    WAIT, NAME, ROLE, STATUS, LOAD = range(5)
    WAIT_COLUMN = WAIT

    def __init__(self, now: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(now, parent)
        self._agents: list[AgentLoad] = []

    def titles(self) -> list[str]:
        return [
            QCoreApplication.translate("SupervisorView", "最长等待"),
            QCoreApplication.translate("SupervisorView", "客服"),
            QCoreApplication.translate("SupervisorView", "角色"),
            QCoreApplication.translate("SupervisorView", "状态"),
            QCoreApplication.translate("SupervisorView", "接待量"),
        ]

    def set_agents(self, agents: tuple[AgentLoad, ...]) -> None:
        self.beginResetModel()
        self._agents = list(agents)
        self.endResetModel()

    def agents(self) -> list[AgentLoad]:
        return list(self._agents)

    def row_of(self, agent_id: int) -> int:
        return next((i for i, a in enumerate(self._agents) if a.id == agent_id), -1)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._agents)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._agents):
            return None
        agent = self._agents[index.row()]
        column = index.column()
        waited = agent.longest_wait_s(self.now())
        overdue = waited > OVERDUE_S
        if role == Roles.ID:
            return agent.id
        if role == Roles.RECORD:
            return agent
        if role == Roles.OVERDUE:
            return overdue
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.STATUS:
                return QBrush(colour(STATUS_ROLES[agent.status.value]))
            if column == self.LOAD and agent.open_chats >= agent.capacity:
                return QBrush(colour("warning"))
            return self.overdue_brush(role, overdue and column == self.WAIT)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self.overdue_brush(role, overdue and column == self.WAIT)
        if role == Roles.SORT:
            return [waited, agent.display_name, agent.role.value, agent.status.value, agent.open_chats][column]
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == self.WAIT:
            return wait_text(waited)
        if column == self.NAME:
            return agent.display_name
        if column == self.ROLE:
            return role_label(agent.role)
        if column == self.STATUS:
            return agent_status_label(agent.status)
        if column == self.LOAD:
            return f"{agent.open_chats} / {agent.capacity}"
        return None


def counts(overview: Overview, now: datetime) -> tuple[int, int, int]:
    """(waiting, unassigned, overdue) chats, for the view's summary line."""
    waiting = sum(1 for c in overview.chats if c.state is ConversationState.WAITING)
    unassigned = sum(1 for c in overview.chats if c.agent_id is None and not c.bot)
    overdue = sum(1 for c in overview.chats if c.waited_s(now) > OVERDUE_S)
    return waiting, unassigned, overdue
