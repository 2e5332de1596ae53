"""主管 / 课堂: every live chat across the desks (buyer, agent or 待分配, state, waiting time, last
message; longest wait first) and every agent's status, open chats against capacity and longest wait;
take over (接管) or reassign (改派) a chat; open a chat's whole history, read-only.

The page reads the overview off the UI thread and re-reads it when a chat or an agent changes,
anywhere: another desk's change heard through the database, or this desk's own (on a single-seat
SQLite desk every change is its own). Waits tick every second without reading again.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QPoint, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.errors import DomainError
from workbench.domain.identity import Role
from workbench.domain.shops import AgentStatus
from workbench.domain.supervision import OVERDUE_S, LiveChat, Overview, Seen
from workbench.services.notifications import Change, Topic
from workbench.ui.bot.labels import agent_status_label
from workbench.ui.chat.chat_view import ChatView
from workbench.ui.errors import error_text
from workbench.ui.live import Follow, LiveBridge
from workbench.ui.supervisor.models import AgentLoadModel, Clocked, LiveChatModel, Roles, agent_text, counts
from workbench.ui.tasks import Tasks
from workbench.ui.theme import repolish, scope

if TYPE_CHECKING:
    from workbench.domain.conversations import Message
    from workbench.services.workspace import Workspace

log = logging.getLogger(__name__)

REFRESH_MS = 300  # at most one re-read of the overview per this many milliseconds, however busy the shop
TICK_MS = 1000
HISTORY_PAGE = 200


def supervision_error_text(exc: BaseException) -> str:
    """Why a take-over or reassignment did not happen."""
    if isinstance(exc, DomainError):
        match exc.code:
            case "supervision.changed":
                return QCoreApplication.translate(
                    "SupervisorView", "该会话刚刚被其他人接入或转交，未做更改。列表已刷新，请重新确认。"
                )
            case "supervision.agent_offline":
                return QCoreApplication.translate("SupervisorView", "{agent} 已离线，不能改派给他。").format(
                    **exc.params
                )
            case "supervision.same_agent":
                return QCoreApplication.translate("SupervisorView", "该会话已由 {agent} 接待。").format(**exc.params)
            case "agent.missing":
                return QCoreApplication.translate("SupervisorView", "找不到该客服账号，可能已被删除。")
    return error_text(exc)


class EveryChange(LiveBridge):
    """The hub's changes on the UI thread, this desk's own included: the view shows every desk's chats,
    this one's as well (the window's bridge passes only the other desks' changes)."""

    def _on_hub(self, change: Change) -> None:  # any thread
        try:
            self._heard.emit(change)
        except RuntimeError:  # the page is gone while a worker still wrote
            self.close()


class SupervisorPage(QWidget):
    """The supervisor's view of a shop (a teacher's of a class)."""

    overview_shown = Signal()  # the tables show the database's state as just read
    chat_moved = Signal(int)  # a take-over or reassignment was saved (conversation id)
    taken_over = Signal(int)  # this user took the chat over: it is theirs to answer in 接待 (conversation id)
    action_failed = Signal(str)  # a take-over or reassignment was refused (the translated reason)

    def __init__(self, tasks: Tasks, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.ws = ws
        self.setObjectName("supervisorPage")
        scope(self, "sidebar", "supervisor")
        self.overview: Overview | None = None
        self._reading = self._read_again = self._read_error = False
        self.now = Clocked()

        classroom = ws.agent.role is Role.TEACHER
        title = QLabel(self.tr("课堂 · 学生的会话") if classroom else self.tr("主管 · 全店实时会话"), self)
        title.setObjectName("paneTitle")
        self.summary = QLabel(self)
        self.summary.setObjectName("summary")
        refresh = QPushButton(self.tr("刷新"), self)
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addSpacing(16)
        top.addWidget(self.summary, 1)
        top.addWidget(refresh)

        self.chat_model = LiveChatModel(self.now, self)
        self.chat_proxy = QSortFilterProxyModel(self)
        self.chat_proxy.setSourceModel(self.chat_model)
        self.chat_proxy.setSortRole(Roles.SORT)
        self.chat_table = self._table(self.chat_proxy, LiveChatModel.LAST)
        self.chat_table.setObjectName("liveChats")
        self.chat_table.sortByColumn(LiveChatModel.WAIT, Qt.SortOrder.DescendingOrder)  # longest wait first
        self.chat_table.doubleClicked.connect(lambda _index: self.open_history())
        self.chat_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.chat_table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.chat_table.customContextMenuRequested.connect(self._chat_menu)

        self.take_over_button = QPushButton(self.tr("接管"), self)
        self.take_over_button.setObjectName("primary")
        self.take_over_button.setToolTip(self.tr("由你接待这个买家：会话转到你的「接待中」"))
        self.take_over_button.clicked.connect(lambda: self.take_over(self.selected_id()))
        self.reassign_button = QPushButton(self.tr("改派…"), self)
        self.reassign_button.setToolTip(self.tr("把会话交给另一位客服"))
        self.reassign_button.clicked.connect(self._show_reassign_menu)
        self.history_button = QPushButton(self.tr("查看记录"), self)
        self.history_button.clicked.connect(lambda: self.open_history())
        self.status = QLabel(self)
        self.status.setObjectName("error")
        self.status.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.take_over_button)
        actions.addWidget(self.reassign_button)
        actions.addWidget(self.history_button)
        actions.addWidget(self.status, 1)

        self.agent_model = AgentLoadModel(self.now, self)
        self.agent_proxy = QSortFilterProxyModel(self)
        self.agent_proxy.setSourceModel(self.agent_model)
        self.agent_proxy.setSortRole(Roles.SORT)
        self.agent_table = self._table(self.agent_proxy, AgentLoadModel.LOAD)
        self.agent_table.setObjectName("agentLoads")
        self.agent_table.sortByColumn(AgentLoadModel.WAIT, Qt.SortOrder.DescendingOrder)
        agents_title = QLabel(self.tr("客服状态"), self)
        agents_title.setObjectName("paneTitle")

        chats_box = QWidget(self)
        chats_layout = QVBoxLayout(chats_box)
        chats_layout.setContentsMargins(0, 0, 0, 0)
        chats_layout.addWidget(self.chat_table, 1)
        chats_layout.addLayout(actions)
        agents_box = QWidget(self)
        agents_layout = QVBoxLayout(agents_box)
        agents_layout.setContentsMargins(0, 0, 0, 0)
        agents_layout.addWidget(agents_title)
        agents_layout.addWidget(self.agent_table, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(chats_box)
        split.addWidget(agents_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self.ticker = QTimer(self)
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(self.tick)
        self.ticker.start()
        self.bridge = EveryChange(ws.hub, self)
        Follow(self.bridge, self, {Topic.CONVERSATIONS, Topic.AGENTS}, self.refresh, interval_ms=REFRESH_MS)
        self._update_buttons()
        self.refresh()

    def _table(self, model: QSortFilterProxyModel, stretch: int) -> QTableView:
        table = QTableView(self)
        table.setModel(model)
        table.setSortingEnabled(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return table

    def close_live(self) -> None:
        """Stop following the hub (the window closes)."""
        self.bridge.close()
        self.ticker.stop()

    # -- reading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the overview again (off the UI thread); a refresh asked for meanwhile reads once more."""
        if self._reading:
            self._read_again = True
            return
        self._reading = True
        self.tasks.read(self.ws.supervision.overview, self._show, self._read_failed)

    def _read_failed(self, exc: BaseException) -> None:
        self._reading = False
        self._read_error = True
        self.status.setText(error_text(exc))
        if self._read_again:
            self._read_again = False
            QTimer.singleShot(REFRESH_MS, self.refresh)

    def _show(self, overview: Overview) -> None:
        self._reading = False
        if self._read_again:
            self._read_again = False
            self.refresh()
        if self._read_error:  # reading works again
            self._read_error = False
            self.status.clear()
        selected = self.selected_id()
        scrolled = self.chat_table.verticalScrollBar().value()
        self.overview = overview
        self.now.start(overview.as_of)
        self.chat_model.set_chats(overview.chats)
        self.agent_model.set_agents(overview.agents)
        if selected is not None:
            self.select(selected)
        self.chat_table.verticalScrollBar().setValue(scrolled)  # a busy shop re-reads often: stay put
        self._update_summary()
        self._update_buttons()
        # The multi-desk tests read what the view shows from the log (DEBUG only).
        if log.isEnabledFor(logging.DEBUG):
            shown = [[c.id, c.state.value, c.agent_id, c.last_message] for c in self.shown_chats()]
            loads = [[a.id, a.status.value, a.open_chats, a.capacity] for a in overview.agents]
            log.debug("supervisor view shown: chats %s", json.dumps(shown, ensure_ascii=False))
            log.debug("supervisor view shown: agents %s", json.dumps(loads))
        self.overview_shown.emit()

    def tick(self) -> None:
        """A second went by: the waits grow (no reading)."""
        if not self.isVisible():
            return
        self.chat_model.tick()
        self.agent_model.tick()
        self._update_summary()

    def _update_summary(self) -> None:
        if self.overview is None:
            return
        waiting, unassigned, overdue = counts(self.overview, self.now())
        text = self.tr("进行中 {n} · 待接待 {w} · 待分配 {u}").format(
            n=len(self.overview.chats), w=waiting, u=unassigned
        )
        if overdue:
            text += self.tr(" · {k} 位买家等待超过 {m} 分钟").format(k=overdue, m=OVERDUE_S // 60)
        self.summary.setText(text)
        alert = "true" if overdue else "false"
        if self.summary.property("alert") != alert:
            self.summary.setProperty("alert", alert)
            repolish(self.summary)

    # -- what is shown ------------------------------------------------------------------------

    def shown_chats(self) -> list[LiveChat]:
        """The chats in the order the table shows them."""
        rows = range(self.chat_proxy.rowCount())
        return [self.chat_proxy.index(r, 0).data(Roles.RECORD) for r in rows]

    def selected_id(self) -> int | None:
        rows = self.chat_table.selectionModel().selectedRows()
        return int(rows[0].data(Roles.ID)) if rows else None

    def select(self, conversation_id: int) -> None:
        row = self.chat_model.row_of(conversation_id)
        if row < 0:
            self.chat_table.clearSelection()
            return
        index = self.chat_proxy.mapFromSource(self.chat_model.index(row, 0))
        self.chat_table.selectRow(index.row())

    def _update_buttons(self) -> None:
        chat = self._chat(self.selected_id())
        mine = chat is not None and chat.agent_id == self.ws.agent.id and not chat.bot
        self.take_over_button.setEnabled(chat is not None and not mine)
        self.reassign_button.setEnabled(chat is not None)
        self.history_button.setEnabled(chat is not None)

    def _chat(self, conversation_id: int | None) -> LiveChat | None:
        return self.chat_model.chat(conversation_id) if conversation_id is not None else None

    # -- actions ------------------------------------------------------------------------------

    def take_over(self, conversation_id: int | None) -> None:
        chat = self._chat(conversation_id)
        if chat is None:
            return
        seen = Seen.of(chat)
        self._move(lambda: self.ws.supervision.take_over(chat.id, seen), taken_over=True)

    def reassign(self, conversation_id: int | None, agent_id: int) -> None:
        chat = self._chat(conversation_id)
        if chat is None:
            return
        seen = Seen.of(chat)
        self._move(lambda: self.ws.supervision.reassign(chat.id, agent_id, seen))

    def _move(self, job: Callable[[], LiveChat], *, taken_over: bool = False) -> None:
        self.status.clear()
        self.tasks.write(job, lambda chat: self._moved(chat, taken_over), self._move_failed)

    def _moved(self, chat: LiveChat, taken_over: bool) -> None:
        self.refresh()
        self.chat_moved.emit(chat.id)
        if taken_over:
            self.taken_over.emit(chat.id)

    def _move_failed(self, exc: BaseException) -> None:
        text = supervision_error_text(exc)
        self.status.setText(text)
        self.refresh()  # what changed meanwhile is shown at once
        self.action_failed.emit(text)

    def reassign_targets(self, conversation_id: int | None) -> list[tuple[int, str]]:
        """(agent id, menu text) of the agents the chat may go to: not 离线, not who has it now."""
        chat = self._chat(conversation_id)
        if chat is None:
            return []
        targets = []
        for agent in self.agent_model.agents():
            if agent.status is AgentStatus.OFFLINE or (agent.id == chat.agent_id and not chat.bot):
                continue
            text = self.tr("{name}（{status} · {open}/{capacity}）").format(
                name=agent.display_name,
                status=agent_status_label(agent.status),
                open=agent.open_chats,
                capacity=agent.capacity,
            )
            targets.append((agent.id, text))
        return targets

    def _reassign_menu(self, conversation_id: int) -> QMenu:
        menu = QMenu(self)
        targets = self.reassign_targets(conversation_id)
        for agent_id, text in targets:
            menu.addAction(text, functools.partial(self.reassign, conversation_id, agent_id))
        if not targets:
            menu.addAction(self.tr("没有在线的客服")).setEnabled(False)
        return menu

    def _show_reassign_menu(self) -> None:
        conversation_id = self.selected_id()
        if conversation_id is not None:
            menu = self._reassign_menu(conversation_id)
            menu.popup(self.reassign_button.mapToGlobal(self.reassign_button.rect().bottomLeft()))

    def _chat_menu(self, pos: QPoint) -> None:
        conversation_id = self.selected_id()
        chat = self._chat(conversation_id)
        if chat is None:
            return
        menu = QMenu(self)
        menu.addAction(self.tr("查看记录"), lambda: self.open_history(chat.id))
        take = menu.addAction(self.tr("接管"), lambda: self.take_over(chat.id))
        take.setEnabled(self.take_over_button.isEnabled())
        sub = self._reassign_menu(chat.id)
        sub.setTitle(self.tr("改派给"))
        menu.addMenu(sub)
        menu.popup(self.chat_table.viewport().mapToGlobal(pos))

    def open_history(self, conversation_id: int | None = None) -> HistoryDialog | None:
        """The chat's whole history in a read-only window (older messages load on scrolling up)."""
        chat = self._chat(conversation_id if conversation_id is not None else self.selected_id())
        if chat is None:
            return None
        dialog = HistoryDialog(self.tasks, self.ws, chat, self)
        dialog.open()
        return dialog


class HistoryDialog(QDialog):
    """A chat's messages, read-only: the supervisor reads without writing into a colleague's chat."""

    loaded = Signal()  # the newest page of messages is shown

    def __init__(self, tasks: Tasks, ws: Workspace, chat: LiveChat, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.ws = ws
        self.chat_id = chat.id
        self.setWindowTitle(self.tr("{nick} · 会话记录").format(nick=chat.customer_nick))
        self.resize(560, 640)
        info = QLabel(
            self.tr("{agent} · 只读：要回复买家，请先接管").format(agent=agent_text(chat)),
            self,
        )
        info.setObjectName("muted")
        self.view = ChatView(self)
        self.view.older_requested.connect(self._load_older)
        self.view.newer_requested.connect(self._load_newer)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(self.view, 1)
        reception = ws.reception
        tasks.read(lambda: reception.messages(chat.id, limit=HISTORY_PAGE), self._show)

    def _show(self, messages: list[Message]) -> None:
        self.view.message_model.set_messages(self.chat_id, messages)
        self.view.has_older = len(messages) >= HISTORY_PAGE
        self.loaded.emit()

    def _load_older(self, conversation_id: int, oldest_id: int) -> None:
        reception = self.ws.reception

        def older() -> list[Message]:
            return reception.messages(conversation_id, before_id=oldest_id, limit=HISTORY_PAGE)

        self.tasks.read(older, lambda page: self.view.show_older(page, has_more=len(page) >= HISTORY_PAGE))

    def _load_newer(self, conversation_id: int, newest_id: int) -> None:
        reception = self.ws.reception
        latest = newest_id == ChatView.LATEST

        def newer() -> list[Message]:
            if latest:
                return reception.messages(conversation_id, limit=HISTORY_PAGE)
            return reception.messages(conversation_id, after_id=newest_id, limit=HISTORY_PAGE, forward=True)

        self.tasks.read(
            newer, lambda page: self.view.show_newer(newest_id, page, has_more=not latest and len(page) >= HISTORY_PAGE)
        )
