"""订单 workspace: every order of the shop, paged, with search and a state filter; the detail on the right."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import (
    QAbstractTableModel,
    QMetaMethod,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.orders import Order, OrderState, format_yuan
from workbench.services.orders import OrderPage, OrderService
from workbench.ui.errors import error_text
from workbench.ui.orders.orders_panel import OrdersPanel
from workbench.ui.orders.states import state_label
from workbench.ui.tasks import Tasks

AnyIndex = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 100


class OrderRoles(IntEnum):
    ORDER = Qt.ItemDataRole.UserRole + 1
    ORDER_NO = Qt.ItemDataRole.UserRole + 2


class OrderTableModel(QAbstractTableModel):
    """One page of orders: 订单号, 买家, 状态, 实付, 下单时间, 物流."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[Order, str]] = []
        self._headers = (
            self.tr("订单号"),
            self.tr("买家"),
            self.tr("状态"),
            self.tr("实付"),
            self.tr("下单时间"),
            self.tr("物流"),
        )

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        order, nick = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                order.order_no,
                nick,
                state_label(order.state),
                format_yuan(order.total_cents),
                order.created_at.strftime("%Y-%m-%d %H:%M"),
                f"{order.carrier} {order.tracking_no}".strip(),
            )[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == OrderRoles.ORDER:
            return order
        if role == OrderRoles.ORDER_NO:
            return order.order_no
        return None

    def set_rows(self, rows: tuple[tuple[Order, str], ...]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()


class OrdersPage(QWidget):
    """查单 over the whole shop; the selected order opens in the same detail as the chat sidebar's."""

    page_loaded = Signal(int)  # total number of orders matching the filter
    send_text_requested = Signal(str)  # an order card or logistics text for the open chat
    aftersales_requested = Signal(str, int, str)
    """申请售后 or 投诉 on the order shown: kind ("return", "exchange", "refund", "repair", "dispute" or
    "complaint"), the buyer's customer id and the order number. There is no chat here, so the receiver
    opens the form for that buyer (AftersalesPage.open_new_case)."""

    def __init__(self, tasks: Tasks, service: OrderService, parent: QWidget | None = None, *, author: str = "") -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = service
        self._offset = 0
        self._total = 0
        self._generation = 0

        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("搜索订单号、运单号或买家昵称"))
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.reload)
        self.state = QComboBox(self)
        self.state.addItem(self.tr("全部状态"), "")
        for state in OrderState:
            self.state.addItem(state_label(state), state.value)
        self.state.currentIndexChanged.connect(self.reload)
        search_button = QPushButton(self.tr("查询"), self)
        search_button.setObjectName("primary")
        search_button.clicked.connect(self.reload)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.state)
        filters.addWidget(search_button)

        self.model = OrderTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)

        self.status = QLabel(self)
        self.status.setObjectName("muted")
        self.prev_button = QPushButton(self.tr("上一页"), self)
        self.next_button = QPushButton(self.tr("下一页"), self)
        self.prev_button.clicked.connect(lambda: self._load(max(0, self._offset - PAGE_SIZE)))
        self.next_button.clicked.connect(lambda: self._load(self._offset + PAGE_SIZE))
        pager = QHBoxLayout()
        pager.addWidget(self.status, 1)
        pager.addWidget(self.prev_button)
        pager.addWidget(self.next_button)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(12, 12, 6, 12)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table, 1)
        left_layout.addLayout(pager)

        self.detail = OrdersPanel(tasks, service, self, author=author)
        self.detail.send_text_requested.connect(self.send_text_requested)
        # The panel only knows the order number; the buyer is needed to open the form for them.
        self.detail.aftersales_requested.connect(self._request_aftersales)
        self.detail.complaint_requested.connect(lambda order_no: self._request_aftersales("complaint", order_no))
        self.detail.setMinimumWidth(340)
        self.detail.list_card.hide()  # its per-customer list: this page's table replaces it
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 1)
        split.setSizes([900, 380])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.reload()

    def reload(self) -> None:
        self._load(0)

    def _load(self, offset: int) -> None:
        self._generation += 1
        generation = self._generation
        raw_state = self.state.currentData()
        state = OrderState(raw_state) if raw_state else None
        search = self.search.text()
        service = self._service

        def done(page: OrderPage) -> None:
            if generation != self._generation:
                return  # a newer filter was asked for meanwhile
            self._offset, self._total = page.offset, page.total
            self.model.set_rows(page.rows)
            last = min(page.total, page.offset + len(page.rows))
            if page.total:
                self.status.setText(
                    self.tr("共 {total} 笔订单，第 {first}–{last} 笔").format(
                        total=page.total, first=page.offset + 1 if page.rows else 0, last=last
                    )
                )
            else:  # not "共 0 笔订单，第 0–0 笔"
                self.status.setText(self.tr("没有符合条件的订单"))
            self.prev_button.setEnabled(page.offset > 0)
            self.next_button.setEnabled(last < page.total)
            self.page_loaded.emit(page.total)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.status.setText(error_text(exc))

        self._tasks.read(lambda: service.page(state, search, offset=offset, limit=PAGE_SIZE), done, failed)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        order_no = current.data(OrderRoles.ORDER_NO) if current.isValid() else None
        if order_no:
            self.detail.lookup(str(order_no))

    def showEvent(self, event: QShowEvent) -> None:
        # 申请售后 / 投诉 only where something opens the form: no buttons that do nothing
        wired = self.isSignalConnected(QMetaMethod.fromSignal(self.aftersales_requested))
        self.detail.aftersales_button.setVisible(wired)
        self.detail.complaint_button.setVisible(wired)
        super().showEvent(event)

    def _request_aftersales(self, kind: str, order_no: str) -> None:
        order = self.detail.current_order()
        if order is not None and order.order_no == order_no:
            self.aftersales_requested.emit(kind, order.customer_id, order_no)
