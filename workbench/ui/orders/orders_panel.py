"""The 订单 tab of the reception sidebar: the customer's orders, 查单 by number, details and logistics.

An order's details (`OrderDetail`) are built the first time an order is drawn, not with the panel:
the tab is made while the desk opens, when every widget built holds the event loop."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.cards import product_card_text
from workbench.domain.order_changes import OrderChange, flag_colour
from workbench.domain.orders import Order
from workbench.services.orders import OrderService, logistics_text, order_card_text
from workbench.ui.errors import error_text
from workbench.ui.orders.order_detail import OrderDetail
from workbench.ui.orders.order_list import OrderDelegate, OrderListModel, OrderRoles
from workbench.ui.tasks import Tasks
from workbench.ui.theme import scope
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.guard import while_alive

AnyIndex = QModelIndex | QPersistentModelIndex


def _message_page(title: str, hint: str = "") -> QWidget:
    page = QWidget()
    page.setObjectName("sidebarPage")
    layout = QVBoxLayout(page)
    layout.setContentsMargins(16, 16, 16, 16)
    layout.addStretch(1)
    heading = QLabel(title)
    heading.setObjectName("emptyTitle")
    heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
    heading.setWordWrap(True)
    layout.addWidget(heading)
    if hint:
        text = QLabel(hint)
        text.setObjectName("muted")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(text)
    layout.addStretch(1)
    return page


class OrdersPanel(QWidget):
    """Lists a customer's orders, looks any order up by number and shows its details.

    Reads go through `Tasks`; the send buttons hand text to the chat composer via a signal.
    """

    send_text_requested = Signal(str)
    """The agent wants this text (an order card or the logistics status) sent in the chat."""

    loaded = Signal(int)
    """A customer's order list is on screen; carries the customer id."""

    order_shown = Signal(str)
    """An order's details are on screen (picked in the list or found by 查单); carries its number."""

    aftersales_requested = Signal(str, str)
    """The agent wants to open an after-sales case on the order shown: kind ("return", "exchange",
    "refund", "repair" or "dispute") and the order number."""

    complaint_requested = Signal(str)
    """The agent wants to register a complaint about the order shown; carries the order number."""

    LIST_EMPTY_CUSTOMER, LIST_LOADING, LIST_ERROR, LIST_NO_ORDERS, LIST_ORDERS = range(5)

    def __init__(self, tasks: Tasks, service: OrderService, parent: QWidget | None = None, *, author: str = "") -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = service
        self._author = author
        self._customer_id: int | None = None
        self._discussed = ""  # the order the open chat is about (its card or last mention), once known
        self._generation = 0
        self._lookup_generation = 0
        self._order: Order | None = None
        self._detail_pending = False  # an order chosen while hidden, its details not drawn yet

        self.setObjectName("ordersPanel")
        scope(self, "sidebar", "orders_panel")
        self.setMinimumWidth(260)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._search_bar())

        body = QWidget()
        body.setObjectName("sidebarPage")
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(10, 10, 10, 0)
        body_layout.setSpacing(0)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(10)
        self.list_card = self._list_card()  # the customer's orders (the 订单 page hides it)
        self.splitter.addWidget(self.list_card)
        self.splitter.addWidget(self._detail_area())
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([self._list_height(3), 10_000])
        body_layout.addWidget(self.splitter)
        layout.addWidget(body, 1)
        layout.addWidget(self._action_bar())

        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(1500)
        self._copied_timer.timeout.connect(self._reset_copy_buttons)
        self._show_order(None)

    # -- public API ----------------------------------------------------------------------------

    def customer_id(self) -> int | None:
        return self._customer_id

    def current_order(self) -> Order | None:
        return self._order

    def show_customer(self, customer_id: int | None) -> None:
        """List a customer's orders (loaded in the background); None shows the empty state."""
        self._generation += 1
        generation = self._generation
        keep = self._order.order_no if self._order is not None and customer_id == self._customer_id else ""
        if customer_id != self._customer_id:
            self._discussed = ""
        self._customer_id = customer_id
        self.model.set_orders(())
        self._show_order(None)
        self.count_label.setText("")
        if customer_id is None:
            self.list_pages.setCurrentIndex(self.LIST_EMPTY_CUSTOMER)
            return
        self.list_pages.setCurrentIndex(self.LIST_LOADING)
        service = self._service
        self._tasks.read(
            lambda: service.for_customer(customer_id),
            while_alive(self, lambda orders: self._on_orders(generation, customer_id, orders, keep)),
            while_alive(self, lambda exc: self._on_orders_failed(generation, exc)),
        )

    def show_discussed(self, order_no: str) -> None:
        """The chat is about this order (its order card or the buyer's last mention of it): open it
        rather than the newest, now or when the list arrives, if it is this customer's."""
        self._discussed = order_no
        row = self.model.row_of(order_no)
        if row >= 0 and (self._order is None or self._order.order_no != order_no):
            index = self.model.index(row, 0)
            self.list_view.setCurrentIndex(index)
            self.list_view.scrollTo(index)

    def lookup(self, order_no: str) -> None:
        """查单: find any order by its number and show it."""
        number = order_no.strip()
        if not number:
            self._show_search_message(self.tr("请输入订单号。"), error=True)
            return
        self._lookup_generation += 1
        generation = self._lookup_generation
        self._show_search_message(self.tr("正在查询…"), error=False)
        self.search_button.setEnabled(False)
        service = self._service
        self._tasks.read(
            lambda: service.by_number(number),
            while_alive(self, lambda order: self._on_lookup(generation, number, order)),
            while_alive(self, lambda exc: self._on_lookup_failed(generation, exc)),
        )

    # -- building ------------------------------------------------------------------------------

    def _search_bar(self) -> QWidget:
        bar = QWidget()
        bar.setObjectName("searchBar")
        bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        layout = QVBoxLayout(bar)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("输入订单号查单"))
        self.search_edit.setAccessibleName(self.tr("订单号"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.returnPressed.connect(lambda: self.lookup(self.search_edit.text()))
        self.search_edit.textEdited.connect(lambda _text: self._show_search_message("", error=False))
        row.addWidget(self.search_edit, 1)
        self.search_button = QPushButton(self.tr("查单"))
        self.search_button.setObjectName("primary")
        self.search_button.clicked.connect(lambda: self.lookup(self.search_edit.text()))
        row.addWidget(self.search_button)
        layout.addLayout(row)
        self.search_message = QLabel()
        self.search_message.setWordWrap(True)
        self.search_message.hide()
        layout.addWidget(self.search_message)
        return bar

    def _list_card(self) -> Card:
        card = Card(self.tr("近期订单"))
        card.body.setContentsMargins(0, 10, 0, 6)
        card.header.setContentsMargins(12, 0, 12, 0)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        card.header.insertWidget(1, self.count_label)

        self.model = OrderListModel(self)
        self.list_view = QListView()
        self.list_view.setModel(self.model)
        self.list_view.setItemDelegate(OrderDelegate(self.list_view))
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list_view.setUniformItemSizes(True)
        self.list_view.setMouseTracking(True)
        self.list_view.setFrameShape(QListView.Shape.NoFrame)
        self.list_view.setAccessibleName(self.tr("订单列表"))
        self.list_view.selectionModel().currentChanged.connect(self._on_current_changed)

        self.list_pages = QStackedWidget()
        self.list_pages.addWidget(self._list_message(self.tr("未选择客户")))
        self.list_pages.addWidget(self._list_message(self.tr("正在加载订单…")))
        self.list_error = self._list_message("")
        self.list_error.setObjectName("error")
        self.list_pages.addWidget(self.list_error)
        self.list_pages.addWidget(self._list_message(self.tr("该客户暂无订单")))
        self.list_pages.addWidget(self.list_view)
        card.body.addWidget(self.list_pages, 1)
        card.setMinimumHeight(self._list_height(1))
        return card

    def _list_message(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("muted")
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setContentsMargins(12, 8, 12, 8)
        return label

    def _list_height(self, rows: int) -> int:
        """Card height showing `rows` orders."""
        delegate = OrderDelegate()
        option = QStyleOptionViewItem()
        option.font = self.font()
        row = delegate.sizeHint(option, QModelIndex()).height()
        title = self.fontMetrics().height() + 2
        chrome = 10 + 8 + 6 + 2 + 4  # body margins, header spacing, border, slack
        return title + chrome + rows * row

    def _fit_list(self, count: int) -> None:
        """Give the list room for up to three orders; the details get the rest."""
        total = sum(self.splitter.sizes()) or 10_000
        wanted = self._list_height(min(max(count, 1), 3))
        self.splitter.setSizes([wanted, max(total - wanted, 1)])

    def _detail_area(self) -> QWidget:
        self.detail_pages = QStackedWidget()
        self.detail_pages.addWidget(_message_page(self.tr("选择订单查看详情"), self.tr("也可以在上方输入订单号查单。")))
        self._detail: OrderDetail | None = None
        return self.detail_pages

    @property
    def detail(self) -> OrderDetail:
        """The order's details, on the detail area's second page (built on first use)."""
        if self._detail is None:
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            detail = OrderDetail()
            detail.copy_number_button.clicked.connect(self._copy_number)
            detail.copy_tracking_button.clicked.connect(self._copy_tracking)
            detail.address_save_requested.connect(self._save_address)
            detail.notes_save_requested.connect(self._save_notes)
            holder = QWidget()
            holder.setObjectName("sidebarPage")
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(0, 0, 0, 10)
            holder_layout.addWidget(detail)
            scroll.setWidget(holder)
            self.detail_scroll = scroll
            self.detail_pages.addWidget(scroll)
            self._detail = detail
        return self._detail

    def _action_bar(self) -> QWidget:
        bar = QWidget()
        bar.setObjectName("actionBar")
        bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(8)
        self.send_card_button = QPushButton(self.tr("发送订单卡片"))
        self.send_card_button.setObjectName("primary")
        self.send_card_button.clicked.connect(self._send_card)
        self.send_logistics_button = QPushButton(self.tr("发送物流信息"))
        self.send_logistics_button.clicked.connect(self._send_logistics)
        layout.addWidget(self.send_card_button, 1)
        layout.addWidget(self.send_logistics_button, 1)
        outer = QWidget()
        outer.setObjectName("actionBar")
        outer.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        column = QVBoxLayout(outer)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(bar)
        bar.setObjectName("")
        second = QHBoxLayout()
        second.setContentsMargins(10, 0, 10, 8)
        second.setSpacing(8)
        self.aftersales_button = QPushButton(self.tr("申请售后 ▾"))
        menu = QMenu(self.aftersales_button)
        for kind, text in (
            ("return", self.tr("退货")),
            ("exchange", self.tr("换货")),
            ("refund", self.tr("退款")),
            ("repair", self.tr("维修")),
            ("dispute", self.tr("纠纷")),
        ):
            action = menu.addAction(text)
            action.triggered.connect(lambda _checked=False, k=kind: self._request_aftersales(k))
        self.aftersales_button.setMenu(menu)
        self.complaint_button = QPushButton(self.tr("投诉"))
        self.complaint_button.clicked.connect(self._request_complaint)
        self.send_product_button = QPushButton(self.tr("发送商品链接"))
        self.send_product_button.setToolTip(self.tr("把订单里的商品作为商品卡片发给买家"))
        self.send_product_button.clicked.connect(self._send_product)
        second.addWidget(self.send_product_button, 1)
        second.addWidget(self.aftersales_button, 1)
        second.addWidget(self.complaint_button, 1)
        column.addLayout(second)
        return outer

    # -- loading -------------------------------------------------------------------------------

    def _on_orders(self, generation: int, customer_id: int, orders: Sequence[Order], keep: str) -> None:
        """Show the list and open an order: the one open before a refresh, else the newest."""
        if generation != self._generation:
            return
        self.model.set_orders(orders)
        self.count_label.setText(str(len(orders)) if orders else "")
        self.list_pages.setCurrentIndex(self.LIST_ORDERS if orders else self.LIST_NO_ORDERS)
        self._fit_list(len(orders))
        if orders:
            # the order open before a refresh, else the one the chat is about, else the newest
            row = self.model.row_of(keep) if keep else self.model.row_of(self._discussed)
            index = self.model.index(max(row, 0), 0)
            self.list_view.setCurrentIndex(index)
            self.list_view.scrollTo(index)
        self.loaded.emit(customer_id)

    def _on_orders_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.list_error.setText(error_text(exc))
        self.list_pages.setCurrentIndex(self.LIST_ERROR)

    def _on_current_changed(self, current: AnyIndex, _previous: AnyIndex) -> None:
        order = current.data(OrderRoles.ORDER) if current.isValid() else None
        if isinstance(order, Order):
            self._show_order(order)

    def _on_lookup(self, generation: int, number: str, order: Order | None) -> None:
        if generation != self._lookup_generation:
            return
        self.search_button.setEnabled(True)
        if order is None:
            self._show_search_message(self.tr("没有找到订单 {number}。").format(number=number), error=True)
            return
        self._show_search_message("", error=False)
        row = self.model.row_of(order.order_no)
        if row >= 0:
            index = self.model.index(row, 0)
            self.list_view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.list_view.scrollTo(index)
            if self._order is None or self._order.order_no != order.order_no:
                self._show_order(order)
            else:
                self.order_shown.emit(order.order_no)
        else:
            self.list_view.clearSelection()
            self.list_view.selectionModel().setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
            self._show_order(order)

    def _on_lookup_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._lookup_generation:
            return
        self.search_button.setEnabled(True)
        self._show_search_message(error_text(exc), error=True)

    def _show_search_message(self, text: str, *, error: bool) -> None:
        self.search_message.setObjectName("error" if error else "info")
        self.search_message.style().unpolish(self.search_message)
        self.search_message.style().polish(self.search_message)
        self.search_message.setText(text)
        self.search_message.setVisible(bool(text))

    def _show_order(self, order: Order | None) -> None:
        self._order = order
        has_order = order is not None
        self.send_card_button.setEnabled(has_order)
        self.send_logistics_button.setEnabled(has_order)
        self.send_product_button.setEnabled(has_order and bool(order.items) if order is not None else False)
        self.aftersales_button.setEnabled(has_order)
        self.complaint_button.setEnabled(has_order)
        if order is None:
            self._detail_pending = False
            self.detail_pages.setCurrentIndex(0)
            return
        if self.isVisible():
            self._render_detail(order)
        else:
            # a sidebar tab the agent is not looking at: its details are drawn when it is shown
            # (drawing them costs the desk more than anything else when a chat opens)
            self._detail_pending = True
        self.order_shown.emit(order.order_no)

    def _render_detail(self, order: Order) -> None:
        self._detail_pending = False
        foreign = self._customer_id is not None and order.customer_id != self._customer_id
        self.detail.set_order(order, foreign=foreign)
        self.detail_pages.setCurrentIndex(1)
        self.detail_scroll.verticalScrollBar().setValue(0)
        self._reset_copy_buttons()
        self._load_changes(order)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._detail_pending and self._order is not None:
            self._render_detail(self._order)

    # -- edits (address, memo, flag) and their log ---------------------------------------------

    def _load_changes(self, order: Order) -> None:
        self.detail.set_changes([])
        service = self._service
        self._tasks.read(
            lambda: service.changes(order.id),
            while_alive(self, lambda changes: self._on_changes(order.id, changes)),
        )

    def _on_changes(self, order_id: int, changes: list[OrderChange]) -> None:
        if self._order is not None and self._order.id == order_id:
            self.detail.set_changes(changes)

    def _save_address(self, address: str) -> None:
        order = self._order
        if order is None:
            return
        service, author = self._service, self._author
        self.detail.set_saving(True)
        self._tasks.write(
            lambda: service.change_address(order.id, address, author),
            while_alive(self, lambda updated: self._on_saved(updated, close_editor=True)),
            while_alive(self, lambda exc: self._on_save_failed(order.id, exc, self.detail.show_address_error)),
        )

    def _save_notes(self, memo: str, flag: str) -> None:
        order = self._order
        if order is None:
            return
        service, author = self._service, self._author

        def save() -> Order:
            updated = order
            if memo.strip() != updated.memo:
                updated = service.change_memo(order.id, memo, author)
            if flag != flag_colour(updated.flag):
                updated = service.set_flag(order.id, flag, author)
            return updated

        self.detail.set_saving(True)
        self._tasks.write(
            save,
            while_alive(self, lambda updated: self._on_saved(updated, close_editor=False)),
            while_alive(self, lambda exc: self._on_save_failed(order.id, exc, self.detail.show_notes_error)),
        )

    def _on_saved(self, order: Order, *, close_editor: bool) -> None:
        self.model.replace_order(order)
        if self._order is None or self._order.id != order.id:
            return
        self._order = order
        scroll = self.detail_scroll.verticalScrollBar().value()
        foreign = self._customer_id is not None and order.customer_id != self._customer_id
        self.detail.set_order(order, foreign=foreign)
        if close_editor:
            self.detail.close_address_editor()
        self._load_changes(order)
        self.detail_scroll.verticalScrollBar().setValue(scroll)

    def _on_save_failed(self, order_id: int, exc: BaseException, show: Callable[[str], None]) -> None:
        if self._order is None or self._order.id != order_id:
            return
        self.detail.set_saving(False)
        show(error_text(exc))

    # -- actions -------------------------------------------------------------------------------

    def _send_card(self) -> None:
        if self._order is not None:
            self.send_text_requested.emit(order_card_text(self._order))

    def _send_product(self) -> None:
        if self._order is not None and self._order.items:
            self.send_text_requested.emit(product_card_text(self._order.items[0]))

    def _send_logistics(self) -> None:
        if self._order is not None:
            self.send_text_requested.emit(logistics_text(self._order))

    def _request_aftersales(self, kind: str) -> None:
        if self._order is not None:
            self.aftersales_requested.emit(kind, self._order.order_no)

    def _request_complaint(self) -> None:
        if self._order is not None:
            self.complaint_requested.emit(self._order.order_no)

    def _copy_number(self) -> None:
        if self._order is not None:
            QGuiApplication.clipboard().setText(self._order.order_no)
            self.detail.copy_number_button.setText(self.tr("已复制"))
            self._copied_timer.start()

    def _copy_tracking(self) -> None:
        if self._order is not None and self._order.tracking_no:
            QGuiApplication.clipboard().setText(self._order.tracking_no)
            self.detail.copy_tracking_button.setText(self.tr("已复制"))
            self._copied_timer.start()

    def _reset_copy_buttons(self) -> None:
        self.detail.copy_number_button.setText(self.tr("复制单号"))
        self.detail.copy_tracking_button.setText(self.tr("复制运单号"))
