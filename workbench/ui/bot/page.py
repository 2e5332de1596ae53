"""店小蜜 settings page: 欢迎语 / 转人工 / 接待模式 / 子账号与分流 / 自动消息.

Put it on the main window's navigation rail; connect `settings_changed` to the channel's
`reload_settings` (run on the write worker) so a running simulator uses the new settings at once.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from workbench.domain.kb import KbEntry
from workbench.services.auto_messages import AutoMessageService
from workbench.services.bot import BotService
from workbench.services.routing import RoutingService
from workbench.services.workspace import Workspace
from workbench.ui.bot.accounts_tab import AccountsTab
from workbench.ui.bot.auto_tab import AutoMessagesTab
from workbench.ui.bot.common import muted
from workbench.ui.bot.reception_tab import ReceptionTab
from workbench.ui.bot.transfer_tab import TransferTab
from workbench.ui.bot.welcome_tab import WelcomeTab
from workbench.ui.tasks import Tasks
from workbench.ui.theme import scope
from workbench.ui.widgets.guard import while_alive

BotTab = WelcomeTab | TransferTab | ReceptionTab | AccountsTab | AutoMessagesTab
T = TypeVar("T", bound=QWidget)


class BotSettingsPage(QWidget):
    """The bot's settings for one shop; every tab reads and saves in the background."""

    settings_changed = Signal()
    """Something the bot or 分流 uses was saved (welcome, transfer, mode, accounts, groups, auto messages)."""

    loaded = Signal()
    """Every tab built so far shows the saved settings."""

    TAB_WELCOME, TAB_TRANSFER, TAB_RECEPTION, TAB_ACCOUNTS, TAB_AUTO = range(5)

    def __init__(self, tasks: Tasks, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._workspace = workspace
        self.setObjectName("botPage")
        scope(self, "sidebar", "bot")
        ws = workspace
        self.bot_service: BotService = ws.bot
        self.routing_service: RoutingService = ws.routing
        self.auto_service: AutoMessageService = ws.auto_messages

        title = QLabel(self.tr("店小蜜 · 智能客服"))
        title.setObjectName("pageTitle")
        header = QHBoxLayout()
        header.setContentsMargins(16, 12, 16, 4)
        header.addWidget(title)
        header.addSpacing(12)
        header.addWidget(muted(self.tr("设置机器人的欢迎语、转人工规则、接待模式、子账号分流和自动消息。"), wrap=False))
        header.addStretch(1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("botTabs")
        # Each tab is built the first time it is shown (or asked for): opening the page lays out only
        # 欢迎语, not five tabs of forms under the application's style sheet.
        self._slots: list[QVBoxLayout] = []
        for label in (
            self.tr("欢迎语"),
            self.tr("转人工"),
            self.tr("接待模式"),
            self.tr("子账号与分流"),
            self.tr("自动消息"),
        ):
            slot = QWidget()
            box = QVBoxLayout(slot)
            box.setContentsMargins(0, 0, 0, 0)
            self._slots.append(box)
            self.tabs.addTab(slot, label)
        self._built: dict[int, BotTab] = {}
        self._pending: set[QWidget] = set()
        self.tabs.currentChanged.connect(self._on_tab_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)
        self._tab(self.TAB_WELCOME)

    @property
    def welcome(self) -> WelcomeTab:
        return self._tab_as(self.TAB_WELCOME, WelcomeTab)

    @property
    def transfer(self) -> TransferTab:
        return self._tab_as(self.TAB_TRANSFER, TransferTab)

    @property
    def reception(self) -> ReceptionTab:
        return self._tab_as(self.TAB_RECEPTION, ReceptionTab)

    @property
    def accounts(self) -> AccountsTab:
        return self._tab_as(self.TAB_ACCOUNTS, AccountsTab)

    @property
    def auto(self) -> AutoMessagesTab:
        return self._tab_as(self.TAB_AUTO, AutoMessagesTab)

    def _tab_as(self, index: int, kind: type[T]) -> T:
        tab = self._tab(index)
        assert isinstance(tab, kind)
        return tab

    def _tab(self, index: int) -> BotTab:
        """Tab `index`, built, placed and loading its settings the first time it is asked for."""
        tab = self._built.get(index)
        if tab is not None:
            return tab
        ws = self._workspace
        tasks = self._tasks
        if index == self.TAB_WELCOME:
            tab = WelcomeTab(tasks, self.bot_service, ws.shop.name)
        elif index == self.TAB_TRANSFER:
            tab = TransferTab(tasks, self.bot_service)
        elif index == self.TAB_RECEPTION:
            tab = ReceptionTab(tasks, self.bot_service)
        elif index == self.TAB_ACCOUNTS:
            tab = AccountsTab(tasks, self.routing_service, ws.agent.id, desk_role=ws.agent.role)
        else:
            auto = AutoMessagesTab(tasks, self.auto_service, ws.shop.name)
            auto.sent.connect(lambda _n: self.settings_changed.emit())
            tab = auto
        self._built[index] = tab
        self._slots[index].addWidget(tab)
        tab.loaded.connect(lambda t=tab: self._on_tab_loaded(t))
        tab.saved.connect(self.settings_changed)
        self._load(tab)
        return tab

    def _load(self, tab: BotTab) -> None:
        self._pending.add(tab)
        if isinstance(tab, WelcomeTab):  # its card picker lists the KB's entries
            self._tasks.read(self._workspace.kb.entries, while_alive(self, self._on_entries))
        else:
            tab.load()

    def reload(self) -> None:
        """Read the settings of every tab built so far again (and the KB entries the card picker lists)."""
        for tab in self._built.values():
            self._load(tab)

    def _on_entries(self, entries: list[KbEntry]) -> None:
        self.welcome.load(entries)

    def _on_tab_loaded(self, tab: QWidget) -> None:
        if tab in self._pending:
            self._pending.discard(tab)
            if not self._pending:
                self.loaded.emit()

    def _on_tab_changed(self, index: int) -> None:
        """A tab shown for the first time is built (and reads its settings); numbers that move while
        the simulator runs are re-read when their tab is shown again."""
        if index not in self._built:
            self._tab(index)
        elif index == self.TAB_RECEPTION:
            self.reception.load()
        elif index == self.TAB_ACCOUNTS:
            self.accounts.load()
        elif index == self.TAB_AUTO:
            self.auto.refresh_log()
