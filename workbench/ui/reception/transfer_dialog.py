"""转交: choose a colleague (with their status and open chats) or a reception group, and write a note."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.conversations import MAX_TRANSFER_NOTE
from workbench.domain.shops import AgentStatus
from workbench.ui.bot.labels import agent_status_label, role_label

if TYPE_CHECKING:
    from workbench.services.reception import TransferTargets

STATUS_MARK = {AgentStatus.ONLINE: "●", AgentStatus.BUSY: "◐", AgentStatus.OFFLINE: "○"}


@dataclass(frozen=True, slots=True)
class TransferChoice:
    """What the agent chose: an agent's id (`to_group` False) or a group's, and the note."""

    target_id: int
    to_group: bool
    note: str


class TransferDialog(QDialog):
    """The two lists (同事 / 接待组) and the note; OK is enabled once a target is chosen."""

    def __init__(self, customer_nick: str, targets: TransferTargets, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("转交会话"))
        self.resize(420, 460)
        intro = QLabel(self.tr("把与 {nick} 的会话转交给：").format(nick=customer_nick), self)
        self.tabs = QTabWidget(self)
        self.agent_list = QListWidget(self)
        for agent in targets.agents:
            text = self.tr("{mark} {name}（{role}）· {status} · 接待中 {n}").format(
                mark=STATUS_MARK[agent.status],
                name=agent.display_name,
                role=role_label(agent.role),
                status=agent_status_label(agent.status),
                n=agent.open_chats,
            )
            item = QListWidgetItem(text, self.agent_list)
            item.setData(Qt.ItemDataRole.UserRole, agent.id)
        self.group_list = QListWidget(self)
        for group in targets.groups:
            text = self.tr("{name} · {n} 人").format(name=group.name, n=len(group.agent_ids))
            item = QListWidgetItem(text, self.group_list)
            item.setData(Qt.ItemDataRole.UserRole, group.id)
        self.tabs.addTab(self.agent_list, self.tr("同事（{n}）").format(n=self.agent_list.count()))
        self.tabs.addTab(self.group_list, self.tr("接待组（{n}）").format(n=self.group_list.count()))
        self.empty_label = QLabel(self.tr("暂无在线的同事；可以转交给接待组，由分流安排。"), self)
        self.empty_label.setObjectName("muted")
        self.empty_label.setWordWrap(True)
        self.empty_label.setVisible(not targets.agents)
        self.note = QPlainTextEdit(self)
        self.note.setPlaceholderText(self.tr("转交备注（对方可见，买家看不到），如：买家要改地址，已核实订单"))
        self.note.setFixedHeight(72)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("muted")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("转交"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(QLabel(self.tr("备注"), self))
        layout.addWidget(self.note)
        layout.addWidget(self.count_label)
        layout.addWidget(self.buttons)
        for widget in (self.agent_list, self.group_list):
            widget.currentItemChanged.connect(self._update)
            widget.itemDoubleClicked.connect(lambda _item: self.accept() if self._ok_allowed() else None)
        self.tabs.currentChanged.connect(self._update)
        self.note.textChanged.connect(self._update)
        if not targets.agents and targets.groups:
            self.tabs.setCurrentIndex(1)
        self._update()

    def _current_list(self) -> QListWidget:
        return self.group_list if self.tabs.currentIndex() == 1 else self.agent_list

    def _ok_allowed(self) -> bool:
        return self._current_list().currentItem() is not None and len(self.note.toPlainText()) <= MAX_TRANSFER_NOTE

    def _update(self) -> None:
        length = len(self.note.toPlainText())
        self.count_label.setText(self.tr("{n}/{limit} 字").format(n=length, limit=MAX_TRANSFER_NOTE))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self._ok_allowed())

    def choice(self) -> TransferChoice | None:
        item = self._current_list().currentItem()
        if item is None:
            return None
        return TransferChoice(
            int(item.data(Qt.ItemDataRole.UserRole)), self.tabs.currentIndex() == 1, self.note.toPlainText()
        )
