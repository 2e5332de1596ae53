"""千牛接待中心: conversation list, chat pane with composer, and the assist / customer / orders sidebar.

The window displays; the reception desk's work (lists, sending, drafts, suggestions, simulated
customers, the day's chores) is done by its `ReceptionController`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.conversations import Conversation, ConversationState, Message
from workbench.domain.kb import Suggestion
from workbench.domain.shops import Agent, AgentStatus
from workbench.launch import LaunchConfig
from workbench.ui.assist.panel import AssistPanel
from workbench.ui.backups import DailyBackups
from workbench.ui.chat.chat_view import ChatView
from workbench.ui.chat.composer import Composer
from workbench.ui.chat.conversation_list import (
    ConversationListModel,
    ConversationListView,
    state_label,
    transfer_text,
)
from workbench.ui.errors import error_text, storage_problem_text
from workbench.ui.login import LoginFlow
from workbench.ui.reception.actions import ConversationActions
from workbench.ui.reception.controller import ReceptionController
from workbench.ui.shortcuts import ReceptionShortcuts
from workbench.ui.startup_notices import StartupNotices
from workbench.ui.tasks import Tasks
from workbench.ui.widgets.elided_label import ElidedLabel

# Services, the matcher and the sidebar tabs pull in SQLAlchemy and jieba: they are imported when the
# workspace opens, after the first paint.
if TYPE_CHECKING:
    from workbench.domain.exercises import Exercise, Student
    from workbench.kb.matcher import Matcher
    from workbench.services.live import SimulatedChannel
    from workbench.services.notifications import Topic
    from workbench.services.reception import ConversationLists
    from workbench.services.workspace import Workspace, WorkspaceOpening
    from workbench.ui.aftersales.sidebar_panel import AftersalesPanel
    from workbench.ui.customers.profile_panel import CustomerPanel
    from workbench.ui.live import LiveBridge
    from workbench.ui.orders.orders_panel import OrdersPanel

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The reception centre. Shows at once; fills in when the app's start-up work opened the workspace."""

    lists_shown = Signal()  # the desk's lists, read from the database, are on screen for the first time
    workspace_ready = Signal()  # the lists are shown and the sidebar's panels and the pages are built
    workspace_failed = Signal(str)  # opening failed; the translated reason
    lists_refreshed = Signal()  # the conversation list shows the database's current state
    conversation_opened = Signal(int)  # a conversation's messages are on screen
    message_sent = Signal(int)  # an agent message was saved (message id)
    customer_message_received = Signal(int, str)  # conversation id, text (before matching)
    suggestions_shown = Signal(int, int)  # conversation id, number of suggestions shown
    matcher_ready = Signal()  # jieba and the KB index are loaded

    FINISH_WAIT_MS = 1500  # the longest the sidebar's other tabs wait for the KB matcher at start-up

    def __init__(self, config: LaunchConfig, opening: WorkspaceOpening, tasks: Tasks | None = None) -> None:
        super().__init__()
        self.config = config
        self.tasks = tasks or Tasks(self)
        self.controller = ReceptionController(self.tasks, opening, config.settings.suggestions_shown, self)
        self.controller.idle_end_minutes = config.settings.idle_end_minutes
        self._painted = self._start_requested = False
        self._scroll_to_current = False  # the open chat's row is brought into view at the next lists
        self._lists_on_screen = False  # `lists_shown` was emitted
        self._open_when_ready: int | None = None  # a chat clicked before the workspace opened
        self._composer_text_for: tuple[int, str] | None = None  # (conversation, text) once it opens
        self.customer_panel: CustomerPanel | None = None
        self.orders_panel: OrdersPanel | None = None
        self.aftersales_panel: AftersalesPanel | None = None  # the sidebar's 售后 tab
        self._matcher_up = False  # the KB matcher is ready: suggestions can be shown
        self._finish_waiting = False  # the lists are shown; the rest waits for the matcher (FINISH_WAIT_MS)
        self.live: LiveBridge | None = None  # other desks' changes (a shared server)
        self.setWindowTitle(self.tr("工作台 · 接待中心"))
        self.resize(1360, 840)
        self._build_shell()
        self._connect_controller()
        self.conversation_actions = ConversationActions(self)  # the list's menu and the header's 转交 / 结束会话
        self.transfer_button.clicked.connect(self.conversation_actions.transfer_current)
        self.end_button.clicked.connect(self.conversation_actions.end_current)
        self.shortcuts = ReceptionShortcuts(self)  # next buyer, suggestions 1-3, pages, search, end; F1 lists them
        self.help_action.triggered.connect(self.shortcuts.show_help)
        self._restore_geometry()
        self.notices = StartupNotices(self, config)  # what went wrong at start-up without stopping the window
        self.login = LoginFlow(self)  # a shared database: the login dialog before the workspace opens
        self.daily_backups = DailyBackups(self)

    # What the controller holds, for the pages and tests that ask the window.
    @property
    def workspace(self) -> Workspace | None:
        return self.controller.workspace

    @property
    def channel(self) -> SimulatedChannel | None:
        return self.controller.channel

    @property
    def matcher(self) -> Matcher | None:
        return self.controller.matcher

    @property
    def current_id(self) -> int | None:
        return self.controller.current_id

    # -- layout -------------------------------------------------------------------------------

    def _build_shell(self) -> None:
        toolbar = QToolBar(self.tr("工具栏"), self)
        toolbar.setMovable(False)
        toolbar.setObjectName("mainToolbar")
        self.addToolBar(toolbar)
        self.shop_label = QLabel(self.tr("正在打开店铺…"), self)
        self.shop_label.setObjectName("paneTitle")
        toolbar.addWidget(self.shop_label)
        toolbar.addSeparator()
        self.agent_label = QLabel(self)
        toolbar.addWidget(self.agent_label)
        self.status_combo = QComboBox(self)
        for status, text in (
            (AgentStatus.ONLINE, self.tr("● 在线")),
            (AgentStatus.BUSY, self.tr("◐ 挂起")),
            (AgentStatus.OFFLINE, self.tr("○ 离线")),
        ):
            self.status_combo.addItem(text, status.value)
        self.status_combo.setEnabled(False)
        self.status_combo.currentIndexChanged.connect(self._on_status_changed)
        toolbar.addWidget(self.status_combo)
        spacer = QWidget(self)
        spacer.setSizePolicy(spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy())
        toolbar.addWidget(spacer)
        self.new_customer_action = QAction(self.tr("来一位模拟客户"), self)
        self.new_customer_action.setEnabled(False)
        self.new_customer_action.triggered.connect(self.controller.spawn_customer)
        toolbar.addAction(self.new_customer_action)
        self.sim_action = QAction(self.tr("模拟客户进店"), self)
        self.sim_action.setCheckable(True)
        self.sim_action.setChecked(
            self.config.simulator and self.config.settings.simulator_enabled and not self.config.team_feed
        )
        self.sim_action.toggled.connect(self.controller.set_simulating)
        toolbar.addAction(self.sim_action)
        if self.config.team_feed:
            # A shared database: buyers come from the team's one feed, never from this desk.
            team_feed = self.tr("团队共用一个模拟客户来源：买家由服务器上运行的 workbench simulate 带来")
            for action in (self.new_customer_action, self.sim_action):
                action.setEnabled(False)
                action.setToolTip(team_feed)
                action.setStatusTip(team_feed)
        settings_action = QAction(self.tr("设置"), self)
        settings_action.triggered.connect(self.open_settings)
        toolbar.addAction(settings_action)
        self.help_action = QAction(self.tr("快捷键"), self)
        self.help_action.setToolTip(self.tr("快捷键一览（F1）"))
        toolbar.addAction(self.help_action)

        # Left: conversations.
        self.list_model = ConversationListModel(self)
        self.list_view = ConversationListView(self.list_model, parent=self)
        self.list_view.conversation_selected.connect(self.open_conversation)
        self.list_view.setMinimumWidth(240)

        # Centre: header, chat and composer.
        self.header = QWidget(self)
        self.header.setObjectName("chatHeader")
        self.header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        # Eliding labels: a long nick or marks must not widen the window past a 1024 px screen, yet
        # keep a few characters of the nick (Preferred: the minimum hint holds, Ignored would hide it).
        self.header_title = ElidedLabel("", self.header)
        self.header_title.setObjectName("paneTitle")
        self.header_info = ElidedLabel("", self.header)
        self.header_info.setObjectName("muted")
        for label in (self.header_title, self.header_info):
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.accept_button = QPushButton(self.tr("接入"), self.header)
        self.accept_button.setObjectName("primary")
        self.accept_button.clicked.connect(self.controller.accept_current)
        self.profile_button = QPushButton(self.tr("客户档案"), self.header)
        self.profile_button.clicked.connect(self._open_current_customer_file)
        self.transfer_button = QPushButton(self.tr("转交"), self.header)
        self.transfer_button.setToolTip(self.tr("把会话转交给同事或接待组，附上备注"))
        self.end_button = QPushButton(self.tr("结束会话"), self.header)
        header_layout = QHBoxLayout(self.header)
        header_layout.setContentsMargins(12, 8, 12, 8)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.header_title)
        titles.addWidget(self.header_info)
        header_layout.addLayout(titles, 1)
        header_layout.addWidget(self.accept_button)
        header_layout.addWidget(self.profile_button)
        header_layout.addWidget(self.transfer_button)
        header_layout.addWidget(self.end_button)
        # A chat handed over to this agent: who handed it and the note, above the messages.
        self.transfer_banner = QLabel(self)
        self.transfer_banner.setObjectName("transferBanner")
        self.transfer_banner.setWordWrap(True)
        self.transfer_banner.hide()

        self.chat = ChatView(self)
        self.chat.older_requested.connect(self.controller.load_older)
        self.chat.newer_requested.connect(self.controller.load_newer)
        self.chat.buyer_message_clicked.connect(
            lambda m: self.controller.request_suggestions(m.conversation_id, m.text, only=True)
        )
        self.chat.visit_requested.connect(self.controller.load_visit)
        self.chat.card_opened.connect(self._open_card)
        self.composer = Composer(self)
        self.composer.set_enter_sends(self.config.settings.enter_sends)
        self.composer.send_requested.connect(self.send_text)
        self.composer.manage_requested.connect(self.manage_phrases)
        self.composer.text_edited.connect(self._on_composer_edited)
        chat_split = QSplitter(Qt.Orientation.Vertical, self)
        chat_split.addWidget(self.chat)
        chat_split.addWidget(self.composer)
        chat_split.setStretchFactor(0, 3)
        chat_split.setStretchFactor(1, 1)
        chat_split.setSizes([560, 170])
        chat_split.setChildrenCollapsible(False)

        self.empty_chat = QLabel(self.tr("从左侧选择一个会话开始接待"), self)
        self.empty_chat.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_chat.setObjectName("muted")
        chat_page = QWidget(self)
        chat_layout = QVBoxLayout(chat_page)
        chat_layout.setContentsMargins(0, 0, 0, 0)
        chat_layout.setSpacing(0)
        chat_layout.addWidget(self.header)
        chat_layout.addWidget(self.transfer_banner)
        chat_layout.addWidget(chat_split, 1)
        self.centre = QStackedWidget(self)
        self.centre.addWidget(self.empty_chat)
        self.centre.addWidget(chat_page)

        # Right: assist, customer, orders.
        self.sidebar = QTabWidget(self)
        self.sidebar.setMinimumWidth(320)
        self.assist = AssistPanel(self)
        self.assist.suggestion_chosen.connect(self.insert_suggestion)
        self.assist.suggestion_send.connect(self.send_suggestion)
        self.sidebar.addTab(self.assist, self.tr("智能辅助"))

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.list_view)
        split.addWidget(self.centre)
        split.addWidget(self.sidebar)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 0)
        split.setSizes([290, 700, 360])
        split.setChildrenCollapsible(False)

        # 千牛-style navigation rail: reception first; the other workspaces join when the shop opens.
        self.pages = QStackedWidget(self)
        self.pages.addWidget(split)
        self.nav = QListWidget(self)
        self.nav.setObjectName("navRail")
        self.nav.setFixedWidth(76)
        self.nav.setIconSize(QSize(0, 0))
        self._page_factories: dict[int, Callable[[], QWidget]] = {}
        self.page_index: dict[str, int] = {}
        self.nav.currentRowChanged.connect(self._on_nav_changed)
        self._add_nav_item(self.tr("接待"))
        self.nav.setCurrentRow(0)
        central = QWidget(self)
        central_layout = QHBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.nav)
        central_layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage(self.tr("正在打开数据库…"))
        # A full disk or a lost connection, shown for as long as it lasts (the passing messages of the
        # status bar would cover it or time it out).
        self.storage_alert = QLabel(self)
        self.storage_alert.setObjectName("error")  # the theme's error text
        self.storage_alert.setWordWrap(False)
        self.storage_alert.hide()
        self.statusBar().addPermanentWidget(self.storage_alert)
        self.link_label = QLabel(self.tr("与服务器的连接已断开，正在重新连接…"), self)
        self.link_label.setObjectName("error")  # the theme's warning text
        self.link_label.hide()
        self.statusBar().addPermanentWidget(self.link_label)

    def _connect_controller(self) -> None:
        c = self.controller
        c.workspace_opened.connect(self._on_workspace_opened)
        c.workspace_failed.connect(self._on_open_failed)
        c.matcher_ready.connect(self._on_matcher_ready)
        c.lists_loaded.connect(self._show_lists)
        c.conversation_loaded.connect(self._show_conversation)
        c.older_loaded.connect(self._show_older)
        c.newer_loaded.connect(self._show_newer)
        c.visits_loaded.connect(self.chat.set_visits)
        c.visit_loaded.connect(self._show_visit)
        c.message_saved.connect(self._on_message_saved)
        c.draft_saver.draft_changed.connect(lambda conv_id, text: self.list_model.set_draft(conv_id, text))
        c.send_failed.connect(lambda exc: self.composer.show_error(error_text(exc)))
        c.sending_changed.connect(lambda on: self.composer.send_button.setEnabled(not on))
        c.messages_arrived.connect(self._on_messages_arrived)
        c.customer_message_received.connect(self.customer_message_received)
        c.suggestions_pending.connect(lambda: self.assist.set_loading(True))
        c.suggestions_ready.connect(self._show_suggestions)
        c.order_mentioned.connect(self._open_mentioned_order)
        c.reviews_posted.connect(self._show_new_reviews)
        c.conversation_ended.connect(self.open_conversation)
        c.storage_failed.connect(self._show_storage_problem)
        c.storage_recovered.connect(self._clear_storage_problem)

    def _add_nav_item(self, title: str) -> None:
        item = QListWidgetItem(title, self.nav)
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        item.setSizeHint(QSize(76, 56))

    def add_page(self, title: str, factory: Callable[[], QWidget]) -> int:
        """Put a workspace (客户运营, 售后, 店小蜜…) on the navigation rail; it is built when first shown."""
        self._add_nav_item(title)
        index = self.pages.addWidget(QWidget(self))
        self._page_factories[index] = factory
        return index

    def page(self, index: int) -> QWidget:
        """The page at `index`, built now if it has not been shown yet."""
        factory = self._page_factories.pop(index, None)
        if factory is not None:
            placeholder = self.pages.widget(index)
            built = factory()
            self.pages.insertWidget(index, built)
            if placeholder is not None:
                self.pages.removeWidget(placeholder)
                placeholder.deleteLater()
        page = self.pages.widget(index)
        assert page is not None, f"no page at {index}"
        return page

    def show_page(self, index: int) -> QWidget:
        page = self.page(index)
        self.nav.setCurrentRow(index)
        return page

    def _on_nav_changed(self, row: int) -> None:
        if row >= 0:
            self.page(row)
            self.pages.setCurrentIndex(row)

    # -- start-up -----------------------------------------------------------------------------

    def start(self) -> None:
        """Take the workspace as the start-up work delivers it, once the window has painted (its
        panels and pages are built on the UI thread; doing that first would delay the first paint)."""
        if self._painted:
            self.controller.start()
        else:
            self._start_requested = True

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.controller.opening.window_shown()
            if self._start_requested:
                QTimer.singleShot(0, self.controller.start)

    def _show_storage_problem(self, code: str) -> None:
        self.storage_alert.setText("⚠ " + storage_problem_text(code))
        self.storage_alert.show()
        self.new_customer_action.setEnabled(False)  # it would only fail

    def _clear_storage_problem(self) -> None:
        self.storage_alert.hide()
        self.storage_alert.clear()
        self.new_customer_action.setEnabled(self.workspace is not None and not self.config.team_feed)
        self.statusBar().showMessage(self.tr("数据库已恢复正常，模拟客户继续进店"), 8000)

    def _on_open_failed(self, exc: BaseException) -> None:
        log.error("could not open workspace: %r", exc)
        text = error_text(exc)
        self.statusBar().showMessage(text)
        self.workspace_failed.emit(text)

    def _on_workspace_opened(self, ws: Workspace) -> None:
        """Show the lists first (the start-up work read them already); the sidebar's panels and the
        pages come right after (building them took about as long as everything before the lists)."""
        self.shop_label.setText(ws.shop.name)
        from workbench.ui.bot.labels import role_label

        self.agent_label.setText(self.tr("客服：{name}").format(name=ws.agent.display_name))
        self.agent_label.setToolTip(f"{ws.user.username} · {role_label(ws.user.role)}")
        self.status_combo.blockSignals(True)
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(ws.agent.status.value)))
        self.status_combo.blockSignals(False)
        self.status_combo.setEnabled(True)
        self.new_customer_action.setEnabled(not self.config.team_feed)
        if ws.sandbox is not None:
            self._own_shop_feed()
        self.controller.load_phrases(self.composer.set_phrases)
        self._follow_other_desks(ws)
        self.controller.show_first_lists(then=self._on_first_lists)

    def _build_customer_panel(self, ws: Workspace) -> None:
        """客户 beside 智能辅助."""
        from workbench.services.notifications import Topic
        from workbench.ui.customers.profile_panel import CustomerPanel
        from workbench.ui.live import Follow

        self.customer_panel = panel = CustomerPanel(self.tasks, ws.customers, ws.agent.display_name, self)
        self.sidebar.addTab(panel, self.tr("客户"))
        if self.live is not None:
            Follow(
                self.live,
                panel,
                {Topic.CUSTOMERS},
                self._refresh_customer_panel,
                concerns=lambda change: change.key in (None, panel.customer_id()),
            )

    def _build_orders_panel(self, ws: Workspace) -> None:
        """订单 beside 客户."""
        from workbench.ui.orders.orders_panel import OrdersPanel

        self.orders_panel = OrdersPanel(self.tasks, ws.orders, self, author=ws.agent.display_name)
        self.orders_panel.send_text_requested.connect(self.composer.set_text)
        self.orders_panel.order_shown.connect(self._use_order_in_phrases)
        self.orders_panel.aftersales_requested.connect(self._start_aftersales_here)
        self.orders_panel.complaint_requested.connect(
            lambda order_no: self._start_aftersales_here("complaint", order_no)
        )
        self.sidebar.addTab(self.orders_panel, self.tr("订单"))

    def _show_current_in_sidebar(self) -> None:
        """A chat opened before the sidebar's panels existed is shown in them now."""
        conv = self.list_model.conversation(self.current_id) if self.current_id is not None else None
        if conv is not None:
            self._show_customer_of(conv)
        if self.chat.message_model.conversation_id == self.current_id:
            self._show_discussed_order(self.chat.message_model.messages())

    def _add_aftersales_tab(self, ws: Workspace) -> None:
        """售后 in the sidebar: cases started and filled beside the chat, texts sent into it."""
        from workbench.ui.aftersales.sidebar_panel import AftersalesPanel

        panel = AftersalesPanel(self.tasks, ws, self)
        orders = self.orders_panel

        def discussed() -> str:
            order = orders.current_order() if orders is not None else None
            return order.order_no if order is not None else ""

        panel.order_no = discussed
        panel.send_text_requested.connect(self.put_text_in_chat)
        panel.offline_sent.connect(lambda conv_id: self.controller.catch_up_open_chat())
        self.aftersales_panel = panel
        self.sidebar.addTab(panel, self.tr("售后"))

    def _start_aftersales_here(self, kind: str, order_no: str) -> None:
        """申请售后 / 投诉 on the 订单 tab: the form opens in the sidebar's 售后 tab, beside the chat (a
        纠纷, with its many fields, in the 售后 page)."""
        from workbench.domain.aftersales import CaseKind

        panel = self.aftersales_panel
        if panel is None or kind == "dispute" or self.current_id is None:
            self.open_aftersales(kind, order_no)
            return
        panel.start(CaseKind(kind), order_no)
        self.sidebar.setCurrentWidget(panel)

    def _own_shop_feed(self) -> None:
        """A student's own shop on a class server has its own simulated buyers (no team feed reaches
        it): they wait for the teacher to start an exercise, then come as on a single seat."""
        waiting = self.tr("模拟买家在老师开始实训后进店（你自己的店铺）")
        for action in (self.new_customer_action, self.sim_action):
            action.setEnabled(True)
            action.setToolTip(waiting)
            action.setStatusTip(waiting)
        self.new_customer_action.setEnabled(False)  # the lab's buyers come in the exercise's order
        self.sim_action.blockSignals(True)  # the buyers start with the first lists, as on a single seat
        self.sim_action.setChecked(self.config.simulator and self.config.settings.simulator_enabled)
        self.sim_action.blockSignals(False)

    def _follow_other_desks(self, ws: Workspace) -> None:
        """On a shared server, other desks' changes come through one bridge: the lists, the open chat,
        the customer shown and the pages re-read what they show; a lost connection shows below."""
        from workbench.ui.live import LiveBridge

        self.live = LiveBridge(ws.hub, self)
        self.live.link_changed.connect(self._show_link)
        if ws.team is not None and not ws.team.link_up:
            self._show_link(False)
        self.controller.follow(self.live)

    def _follow(self, page: QWidget, topics: set[Topic], refresh: Callable[[], None]) -> None:
        from workbench.ui.live import Follow

        if self.live is not None:
            Follow(self.live, page, topics, refresh)

    def _show_link(self, up: bool) -> None:
        """The shared server is away (the desk keeps trying) or back (everything shown was re-read)."""
        self.link_label.setVisible(not up)
        if not up:
            self.statusBar().clearMessage()  # e.g. "已连接" from the start
        else:
            self.statusBar().showMessage(self.tr("已重新连接服务器，其他客服的更改已同步"), 8000)

    def _add_workspace_pages(self, ws: Workspace) -> None:
        """客户运营 and 店小蜜 on the rail; each is built the first time it is opened. The knowledge base
        and 店小蜜 settings are there for the users who may change them (the services check it, too)."""
        from workbench.domain.identity import Permission, allows
        from workbench.services.notifications import Topic

        tasks = self.tasks

        def customers() -> QWidget:
            from workbench.ui.crm.page import CustomersPage

            page = CustomersPage(tasks, ws, self)
            page.tags_changed.connect(self._refresh_customer_panel)
            self._follow(page, {Topic.CUSTOMERS}, page.refresh)
            return page

        def orders() -> QWidget:
            from workbench.ui.orders.orders_page import OrdersPage

            page = OrdersPage(tasks, ws.orders, self, author=ws.agent.display_name)
            page.send_text_requested.connect(self._put_text_in_current_chat)
            page.aftersales_requested.connect(self.open_aftersales_for_order)
            return page

        def aftersales() -> QWidget:
            from workbench.ui.aftersales.page import AftersalesPage

            page = AftersalesPage(tasks, ws, self)
            page.send_text_requested.connect(self.put_text_in_chat)

            def refresh() -> None:
                page.refresh()
                page.refresh_reminders()
                page.reviews_view.refresh()

            self._follow(page, {Topic.CASES}, refresh)
            return page

        def knowledge() -> QWidget:
            from workbench.ui.kb_admin.page import KnowledgePage

            page = KnowledgePage(tasks, ws, self)
            page.kb_changed.connect(self._reload_bot_settings)
            self._follow(page, {Topic.KB}, page.refresh)
            return page

        def assistant() -> QWidget:
            from workbench.ui.bot.page import BotSettingsPage

            page = BotSettingsPage(tasks, ws, self)
            page.settings_changed.connect(self._reload_bot_settings)
            self._follow(page, {Topic.BOT, Topic.AGENTS, Topic.KB}, page.reload)  # KB: the card's questions
            return page

        def reports() -> QWidget:
            from workbench.ui.reports.page import ReportsPage

            page = ReportsPage(tasks, ws, self)
            page.proposal_done.connect(self._reload_bot_settings)  # an approved proposal changed the KB
            return page

        self.page_index["customers"] = self.add_page(self.tr("客户"), customers)
        self.page_index["orders"] = self.add_page(self.tr("订单"), orders)
        self.page_index["aftersales"] = self.add_page(self.tr("售后"), aftersales)
        self.page_index["reports"] = self.add_page(self.tr("数据中心"), reports)
        if allows(ws.agent.role, Permission.MANAGE_KB):
            self.page_index["knowledge"] = self.add_page(self.tr("知识库"), knowledge)
        if allows(ws.agent.role, Permission.CONFIGURE_BOT):
            self.page_index["assistant"] = self.add_page(self.tr("店小蜜"), assistant)
        if allows(ws.agent.role, Permission.SUPERVISE):
            self._add_supervisor_page(ws)
        self._add_lab_pages(ws)

    def _add_lab_pages(self, ws: Workspace) -> None:
        """实训 for a student (on a single seat the owner is the student) and 实训管理 for the teacher (and
        the owner, who grades a folder of submission files on a single seat)."""
        from workbench.domain.identity import Role

        single_seat = not self.config.team_feed
        own_shop = ws.sandbox is not None  # a student's own shop on a class server: the teacher starts labs
        role = ws.user.role
        tasks = self.tasks

        def lab() -> QWidget:
            from workbench.ui.exercises.page import LabPage

            page = LabPage(
                tasks,
                ws,
                single_seat=single_seat,
                settings_file=self.config.paths.settings_file,
                settings=self.config.settings,
                # In a student's own shop the desk's buyers follow the teacher's 开始实训 by themselves.
                hold_lab=None if own_shop else self.controller.hold_for_lab,
                start_lab=None if own_shop else self._start_lab,
                parent=self,
            )
            page.student_saved.connect(self._student_saved)
            # A reset puts back 店小蜜's settings, the KB and the exercise's chats: the desk reads them again.
            page.lab_reset.connect(self._after_lab_reset)
            return page

        def console() -> QWidget:
            from workbench.ui.exercises.console import TeacherConsole

            return TeacherConsole(tasks, ws, self)

        if role is Role.STUDENT or (single_seat and role is Role.OWNER):
            self.page_index["lab"] = self.add_page(self.tr("实训"), lab)
        if single_seat and self.channel is not None:
            self._resume_lab(ws)
        if role in (Role.TEACHER, Role.OWNER):
            self.page_index["lab_console"] = self.add_page(self.tr("实训管理"), console)

    def _after_lab_reset(self, _exercise_id: str) -> None:
        self._reload_bot_settings()
        self.refresh_lists()

    def _student_saved(self, student: Student) -> None:
        """The 实训 page wrote the student into the settings: the settings dialog starts from them."""
        settings = self.config.settings.with_changes(
            student_name=student.name, student_number=student.number, student_class=student.class_name
        )
        self.config = replace(self.config, settings=settings)

    def _resume_lab(self, ws: Workspace) -> None:
        """A lab left running when the desk last closed goes on: its buyers, not the shop's everyday ones
        (held back until its scenario set is in place)."""
        self.controller.hold_for_lab()
        classroom, exercises = ws.classroom, ws.exercises

        def latest() -> Exercise | None:
            running = classroom.running()
            if not running:
                return None
            exercise_id = max(running, key=lambda e: running[e])
            return next((e for e in exercises.exercises() if e.id == exercise_id), None)

        def done(exercise: Exercise | None) -> None:
            if exercise is None:
                self.controller.lab_waiting = False  # no lab: the everyday simulated customers
            else:
                self.controller.start_lab(exercise.scenarios, exercise.seed)

        def failed(exc: BaseException) -> None:
            log.warning("could not read the running labs: %r", exc)
            self.controller.lab_waiting = False

        self.tasks.read(latest, done, failed)

    def _start_lab(self, exercise: Exercise) -> None:
        """The exercise runs: its buyers come (on a single seat this desk's simulated customers)."""

        def started() -> None:
            if not self.config.team_feed:  # starting a lab means its buyers come, whatever the start said
                self.sim_action.setChecked(True)

        self.controller.start_lab(exercise.scenarios, exercise.seed, then=started)

    def _add_supervisor_page(self, ws: Workspace) -> None:
        """主管 (a teacher's 课堂): every desk's live chats and agents; take over or reassign a chat."""
        from workbench.domain.identity import Role

        def supervisor() -> QWidget:
            from workbench.ui.supervisor.page import SupervisorPage

            page = SupervisorPage(self.tasks, ws, self)
            page.chat_moved.connect(lambda _id: self.refresh_lists())  # this desk's lists gain or lose it
            page.taken_over.connect(self._answer_taken_over)
            return page

        title = self.tr("课堂") if ws.agent.role is Role.TEACHER else self.tr("主管")
        self.page_index["supervisor"] = self.add_page(title, supervisor)
        if ws.agent.role in (Role.SUPERVISOR, Role.TEACHER):  # watching the desks is their work: start there
            self.show_page(self.page_index["supervisor"])

    def _answer_taken_over(self, conversation_id: int) -> None:
        """A chat the supervisor took over opens in 接待, ready for their reply."""
        self.nav.setCurrentRow(0)
        self.refresh_lists(then=lambda: self.open_conversation(conversation_id))

    def _aftersales_page(self) -> QWidget:
        return self.show_page(self.page_index["aftersales"])

    def manage_phrases(self) -> None:
        """The 快捷短语 manager; the composer reloads its phrases after each change."""
        ws = self.workspace
        if ws is None:
            return
        from workbench.ui.chat.phrases_dialog import PhrasesDialog

        self.phrases_dialog = PhrasesDialog(self.tasks, ws.quick_phrases, ws.agent.id, self)
        self.phrases_dialog.phrases_changed.connect(lambda: self.controller.load_phrases(self.composer.set_phrases))
        self.phrases_dialog.open()

    def open_aftersales(self, kind: str, order_no: str) -> None:
        """申请售后 on an order in the chat sidebar: the case form, linked to this chat."""
        from workbench.ui.aftersales.page import AftersalesPage

        conv = self.list_model.conversation(self.current_id) if self.current_id is not None else None
        page = self._aftersales_page()
        assert isinstance(page, AftersalesPage)
        customer_id = conv.customer_id if conv is not None else 0
        page.open_new_case(kind, customer_id, order_no or None, self.current_id)  # "complaint" too

    def open_aftersales_for_order(self, kind: str, customer_id: int, order_no: str) -> None:
        """申请售后 / 投诉 on an order in 订单: the case or complaint form for its buyer, in 售后."""
        from workbench.ui.aftersales.page import AftersalesPage

        page = self._aftersales_page()
        assert isinstance(page, AftersalesPage)
        page.open_new_case(kind, customer_id, order_no or None, None)

    def _put_text_in_current_chat(self, text: str) -> None:
        if self.current_id is None:
            self.statusBar().showMessage(self.tr("请先在「接待」中打开与买家的会话"), 8000)
            return
        self.put_text_in_chat(self.current_id, text)

    def put_text_in_chat(self, conversation_id: int, text: str) -> None:
        """Text from another workspace (return address, case progress) goes to that chat's composer."""
        self.nav.setCurrentRow(0)
        if conversation_id == self.current_id:
            self.composer.set_text(text)
            return
        self._composer_text_for = (conversation_id, text)
        self.open_conversation(conversation_id)

    def _reload_bot_settings(self) -> None:
        self.controller.reload_bot_settings()

    def open_customer_file(self, customer_id: int) -> None:
        """The full 客户档案 in 客户运营 (from the chat sidebar)."""
        from workbench.ui.crm.page import CustomersPage

        page = self.show_page(self.page_index["customers"])
        assert isinstance(page, CustomersPage)
        page.show_customer(customer_id)

    def _open_current_customer_file(self) -> None:
        conv = self.list_model.conversation(self.current_id) if self.current_id is not None else None
        if conv is not None and "customers" in self.page_index:
            self.open_customer_file(conv.customer_id)

    def _refresh_customer_panel(self) -> None:
        if self.customer_panel is not None and self.customer_panel.customer_id() is not None:
            self.customer_panel.show_customer(self.customer_panel.customer_id())

    def _on_first_lists(self) -> None:
        """The workspace is open and its lists are on screen: open the chat clicked meanwhile, and
        build the rest of the desk."""
        if self._open_when_ready is not None:
            chosen, self._open_when_ready = self._open_when_ready, None
            self.open_conversation(chosen)
        # What the agent sees next is the first suggestion (智能辅助 is the sidebar's open tab): the
        # hidden tabs and the pages are built once the KB matcher is ready, or after FINISH_WAIT_MS if
        # it takes longer, not meanwhile (both want the interpreter).
        if self._matcher_up:
            QTimer.singleShot(0, self, self._finish_opening)  # after the lists are painted
        else:
            self._finish_waiting = True
            QTimer.singleShot(self.FINISH_WAIT_MS, self, self._finish_after_wait)

    def _finish_after_wait(self) -> None:
        if self._finish_waiting:
            self._finish_waiting = False
            self._finish_opening()

    def _finish_opening(self, step: int = 0) -> None:
        """The sidebar's 客户, 订单 and 售后 and the rail's pages, one per turn of the event loop: what
        start-up finishes meanwhile (the KB matcher, the first suggestion) is not kept waiting
        behind all of them."""
        ws = self.workspace
        if ws is None:
            return
        if step == 0:
            self._build_customer_panel(ws)
        elif step == 1:
            self._build_orders_panel(ws)
        else:
            self._add_aftersales_tab(ws)
            self._show_current_in_sidebar()
            self._add_workspace_pages(ws)
            # Ready after one more read of the lists, queued behind the reads the pages started (a lab
            # left running holds the simulated buyers until its read): as when the lists were read only
            # here.
            self.refresh_lists(then=self._on_ready)
            return
        QTimer.singleShot(0, self, lambda: self._finish_opening(step + 1))

    def _on_ready(self) -> None:
        desk_empty = not self.list_model.count(ConversationState.WAITING) and not self.list_model.count(
            ConversationState.ACTIVE
        )
        self.controller.first_lists_shown(self.sim_action.isChecked(), desk_empty)
        self.controller.opening.desk_ready()
        self.workspace_ready.emit()

    def _db_label(self) -> str:
        """Where the data is, in words: 本机数据, or the shop's server (never a file path or URL)."""
        from workbench.credentials import server_of

        server = server_of(self.config.db_url)
        return self.tr("服务器 {host}").format(host=server) if server else self.tr("本机数据")

    def _on_matcher_ready(self) -> None:
        from workbench.ui.gc_guard import settle

        self.assist.set_loading(False)
        settle()  # the workspace and the KB index are built: they stay for the session
        self._matcher_up = True
        self.matcher_ready.emit()
        if self._finish_waiting:
            QTimer.singleShot(0, self, self._finish_after_wait)

    # -- conversation list ----------------------------------------------------------------------

    def refresh_lists(self, then: Callable[[], None] | None = None) -> None:
        self.controller.refresh_lists(then)

    def _show_lists(self, lists: ConversationLists, agent: Agent) -> None:
        log.debug("lists shown: waiting %s, active %s", [c.id for c in lists.waiting], [c.id for c in lists.active])
        handed = {c.id: c.transfer_note for c in (*lists.waiting, *lists.active) if c.transferred_by or c.transfer_note}
        if handed:
            log.debug("transfers shown: %r", handed)
        self._show_agent_status(agent)
        self.list_view.show_lists(lists)
        if not self._lists_on_screen:  # on a single seat before the workspace opened (see `DeskStartup`)
            self._lists_on_screen = True
            self.statusBar().showMessage(self.tr("已连接：{db}").format(db=self._db_label()), 8000)
            self.lists_shown.emit()
        if self.current_id is not None:
            # Into view once after the agent opened a chat; a mere re-read leaves the list where it is.
            self.list_view.select_conversation(self.current_id, scroll=self._scroll_to_current)
            self._scroll_to_current = False
            self._update_header(self.list_model.conversation(self.current_id))
        self.setWindowTitle(
            self.tr("工作台 · 接待中心（待接待 {w} · 接待中 {a}）").format(w=len(lists.waiting), a=len(lists.active))
        )
        self.lists_refreshed.emit()

    def open_conversation(self, conversation_id: int) -> None:
        if self.workspace is None:  # the lists came first: the chat opens with the workspace
            self._open_when_ready = conversation_id
            return
        draft = self.controller.switch_to(conversation_id, self.composer.text())
        self._scroll_to_current = True
        conv = self.list_model.conversation(conversation_id)
        self._update_header(conv)
        self.centre.setCurrentIndex(1)
        self.composer.clear()
        self.assist.clear()
        if draft is not None:
            self.composer.set_text(draft[0])
            self.controller.resume_draft(draft[1])  # after clear(), which drops the adopted suggestion
        elif conv is not None and conv.draft.strip():  # saved in the database (e.g. before a restart)
            self.controller.draft_saver.known(conversation_id, conv.draft)
            self.composer.set_text(conv.draft)
        if conv is not None:
            self._show_customer_of(conv)
        else:
            # Not on this desk's lists (a colleague's or the bot's chat, or an old ended one, opened from
            # another workspace): read it with the messages; meanwhile show no other customer's name.
            self.header_title.setText("")
            self.header_info.setText("")
        self.controller.load_conversation(conversation_id, on_lists=conv is not None)

    def _show_conversation(self, conversation_id: int, messages: list[Message], fetched: Conversation | None) -> None:
        from workbench.ui.reception.controller import PAGE_SIZE

        if fetched is not None:
            self._update_header(fetched)
            self._show_customer_of(fetched)
        self.chat.message_model.set_messages(conversation_id, messages)
        self._show_discussed_order(messages)
        if self._composer_text_for is not None and self._composer_text_for[0] == conversation_id:
            self.composer.set_text(self._composer_text_for[1])
            self._composer_text_for = None
        self.chat.has_older = len(messages) >= PAGE_SIZE
        self.conversation_opened.emit(conversation_id)

    def _show_discussed_order(self, messages: list[Message]) -> None:
        """The 订单 tab (and so {订单号}/{商品} in quick phrases) opens the order the chat is about: the
        newest order number in it (a buyer's mention, an order card), not merely the buyer's newest."""
        from workbench.ui.reception.controller import ORDER_NO

        if self.orders_panel is None:
            return
        for message in reversed(messages):
            found = ORDER_NO.search(message.text)
            if found:
                self.orders_panel.show_discussed(found.group())
                return

    def _show_customer_of(self, conv: Conversation) -> None:
        # {订单号} and {商品} come from the order the 订单 tab shows (see _use_order_in_phrases)
        self.composer.placeholders = {"买家昵称": conv.customer_nick}
        if self.customer_panel is not None:
            self.customer_panel.show_customer(conv.customer_id)
        if self.orders_panel is not None:
            self.orders_panel.show_customer(conv.customer_id)
        if self.aftersales_panel is not None:
            self.aftersales_panel.show_chat(conv.customer_id, conv.customer_nick, conv.id)

    def _show_older(self, conversation_id: int, older: list[Message], has_more: bool) -> None:
        if self.chat.message_model.conversation_id == conversation_id:
            self.chat.show_older(older, has_more=has_more)

    def _show_visit(self, conversation_id: int, visit_id: int, messages: list[Message]) -> None:
        if self.chat.message_model.conversation_id == conversation_id:
            self.chat.show_visit(visit_id, messages)

    def _open_card(self, kind: str, key: str) -> None:
        """查看 on a chat card: an order opens in the 订单 tab; a product is named in the status bar."""
        if kind == "order" and self.orders_panel is not None:
            self.orders_panel.show_discussed(key)
            shown = self.orders_panel.current_order()
            if shown is None or shown.order_no != key:  # not in this buyer's list: 查单 finds it
                self.orders_panel.lookup(key)
            self.sidebar.setCurrentWidget(self.orders_panel)
        elif kind == "product":
            self.statusBar().showMessage(self.tr("商品货号：{sku}").format(sku=key), 8000)

    def _show_newer(self, conversation_id: int, after_id: int, newer: list[Message], has_more: bool) -> None:
        if self.chat.message_model.conversation_id == conversation_id:
            self.chat.show_newer(after_id, newer, has_more=has_more)

    def _update_header(self, conv: Conversation | None) -> None:
        if conv is None:
            return
        marks = [conv.credit_level or ""]
        if conv.is_88vip:
            marks.append("88VIP")
        if conv.member_level:
            marks.append(conv.member_level)
        self.header_title.setText(conv.customer_nick)
        self.header_info.setText("  ·  ".join([state_label(conv.state), *[m for m in marks if m]]))
        self.accept_button.setVisible(conv.state is ConversationState.WAITING)
        self.transfer_button.setEnabled(self.conversation_actions.may_transfer(conv))
        handed = bool(conv.transfer_note or conv.transferred_by) and conv.state is not ConversationState.ENDED
        self.transfer_banner.setText(transfer_text(conv) if handed else "")
        self.transfer_banner.setVisible(handed)
        self.end_button.setEnabled(conv.state is not ConversationState.ENDED)
        self.composer.setEnabled(conv.state is not ConversationState.ENDED)
        self.assist.setEnabled(conv.state is not ConversationState.ENDED)  # no 直接发送 into an ended chat

    # -- sending --------------------------------------------------------------------------------

    def insert_suggestion(self, suggestion: Suggestion) -> None:
        self.controller.adopt_suggestion(suggestion)
        self.composer.set_text(suggestion.answer)

    def _on_composer_edited(self) -> None:
        self.controller.draft_edited(self.composer.text())
        if not self.composer.text().strip():
            self.controller.composer_emptied()

    def send_suggestion(self, suggestion: Suggestion) -> None:
        self.send_text(suggestion.answer, suggestion)

    def send_text(self, text: str, suggestion: Suggestion | None = None) -> None:
        """Send `text`: the composer's (None), or a suggestion's answer sent directly, which leaves the
        agent's draft and the suggestion it started from in the composer."""
        # While a reply is being saved, a second Enter, double-click or 直接发送 must not send it twice.
        if self.workspace is None or self.current_id is None or self.controller.sending:
            return
        if suggestion is None:
            from workbench.domain.quick_phrases import unfilled_placeholders

            missing = unfilled_placeholders(text)
            if missing:  # a phrase's {商品} must not reach the buyer as typed
                self.composer.show_error(self.tr("请先把「{name}」换成实际内容").format(name="{" + missing[0] + "}"))
                self.composer.select_placeholder(missing[0])
                return
        self.controller.send(text, suggestion)

    def _on_message_saved(self, message: Message, from_composer: bool) -> None:
        if self.current_id == message.conversation_id:
            if from_composer:
                self.composer.clear()
            self.chat.append(message, own=True)
        self.message_sent.emit(message.id)

    def accept_current(self) -> None:
        self.controller.accept_current()

    def end_current(self) -> None:
        self.controller.end_current(self.tr("客服已结束会话"))

    def close_current_chat(self) -> None:
        """The open chat is no longer this desk's (handed over): show the empty chat page."""
        self.controller.switch_to_none()
        self.composer.clear()
        self.assist.clear()
        self.transfer_banner.hide()
        self.centre.setCurrentIndex(0)

    # -- suggestions and arriving messages ------------------------------------------------------

    def _show_suggestions(self, conversation_id: int, text: str, suggestions: list[Suggestion]) -> None:
        self.assist.show_for(text, suggestions)
        self.suggestions_shown.emit(conversation_id, len(suggestions))

    def _on_messages_arrived(self, _conversation_id: int, messages: list[Message]) -> None:
        for message in messages:
            self.chat.append(message)

    def spawn_customer(self) -> None:
        self.controller.spawn_customer()

    def _show_new_reviews(self) -> None:
        """Simulated buyers reviewed their orders: an open 售后 page lists them at once."""
        index = self.page_index.get("aftersales")
        if index is None or index in self._page_factories:  # not built yet: it loads them when opened
            return
        from workbench.ui.aftersales.page import AftersalesPage

        page = self.pages.widget(index)
        if isinstance(page, AftersalesPage):
            page.refresh()
            page.reviews_view.refresh()

    def _use_order_in_phrases(self, _order_no: str) -> None:
        """Quick phrases fill {订单号} and {商品} from the order the 订单 tab shows: the buyer's newest,
        the one they sent (查单) or the one the agent picked, when it is this buyer's."""
        order = self.orders_panel.current_order() if self.orders_panel is not None else None
        conv = self.list_model.conversation(self.current_id) if self.current_id is not None else None
        if order is None or (conv is not None and conv.customer_id != order.customer_id):
            return
        from workbench.domain.quick_phrases import order_placeholders

        self.composer.placeholders.update(order_placeholders(order))

    def _open_mentioned_order(self, order_no: str) -> None:
        """A customer who sends an order number gets it looked up in the 订单 tab straight away (查单)."""
        if self.orders_panel is None:
            return
        self.orders_panel.lookup(order_no)
        self.statusBar().showMessage(self.tr("买家发来订单号 {no}，已在「订单」页打开").format(no=order_no), 8000)

    # -- agent status and settings --------------------------------------------------------------

    def _on_status_changed(self, _index: int) -> None:
        self.controller.set_status(AgentStatus(self.status_combo.currentData()))

    def _show_agent_status(self, agent: Agent) -> None:
        index = self.status_combo.findData(agent.status.value)
        if index >= 0 and index != self.status_combo.currentIndex():
            self.status_combo.blockSignals(True)
            self.status_combo.setCurrentIndex(index)
            self.status_combo.blockSignals(False)

    def open_settings(self) -> None:
        from workbench.ui.settings_dialog import SettingsDialog

        backups = self.controller.opening.backups
        ready = backups.done() and backups.exception() is None
        dialog = SettingsDialog(self.config, self, tasks=self.tasks, backups=backups.result() if ready else None)
        if dialog.exec():
            settings = dialog.result_settings()
            self.config = replace(self.config, settings=settings)
            self.composer.set_enter_sends(settings.enter_sends)
            self.controller.set_simulator_rate(settings.simulator_rate_per_min)
            self.controller.idle_end_minutes = settings.idle_end_minutes
            QMessageBox.information(
                self, self.tr("设置已保存"), self.tr("语言、主题与数据库的更改将在重新启动后生效。")
            )

    # -- window state ---------------------------------------------------------------------------

    def _window_state(self) -> QSettings:
        # An explicit file in this data dir's config: with --data-dir nothing goes to the user's ~/.config.
        return QSettings(str(self.config.paths.window_state_file), QSettings.Format.IniFormat)

    def _restore_geometry(self) -> None:
        geometry = self._window_state().value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def closeEvent(self, event: QCloseEvent) -> None:
        state = self._window_state()
        state.setValue("main_window/geometry", self.saveGeometry())
        state.sync()
        if self.live is not None:
            self.live.close()
        supervisor = self.page_index.get("supervisor")
        if supervisor is not None and supervisor not in self._page_factories:  # built: it follows the hub
            from workbench.ui.supervisor.page import SupervisorPage

            page = self.pages.widget(supervisor)
            if isinstance(page, SupervisorPage):
                page.close_live()
        self.controller.stop()
        super().closeEvent(event)
