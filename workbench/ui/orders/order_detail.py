"""Details of one order: items, amounts, times, address, memo, carrier and the logistics timeline."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.order_changes import (
    ADDRESS_LIMIT,
    FLAGS,
    MEMO_LIMIT,
    OrderChange,
    address_editable,
    flag_colour,
)
from workbench.domain.orders import Order, OrderItem, format_yuan
from workbench.ui.orders.states import state_color, state_label
from workbench.ui.theme import text_style
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.elided_label import ElidedLabel
from workbench.ui.widgets.pill import Pill
from workbench.ui.widgets.style import adjusted_font
from workbench.ui.widgets.text import soft_wrap
from workbench.ui.widgets.timeline import Timeline

FLAG_ROLES = {"红": "flag_red", "黄": "flag_yellow", "绿": "flag_green", "蓝": "flag_blue", "紫": "flag_purple"}


def _stamp(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M}" if at else ""


def _value_label(text: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setObjectName("value")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def _field_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("fieldLabel")
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


def _link(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName("link")
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def _divider() -> QFrame:
    line = QFrame()
    line.setFixedHeight(1)
    line.setObjectName("divider")
    return line


def _clear(layout: QLayout) -> None:
    while (item := layout.takeAt(0)) is not None:
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()
        elif (inner := item.layout()) is not None:
            _clear(inner)


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    label.hide()
    return label


class OrderDetail(QWidget):
    """Renders an `Order` as a column of cards; the panel wires the copy buttons and saves the edits."""

    address_save_requested = Signal(str)
    """The agent saved a new shipping address for the order shown."""

    notes_save_requested = Signal(str, str)
    """The agent saved the memo (备注) and flag (插旗, "" for none) of the order shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebarPage")
        self.order: Order | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)

        # summary: number, state, copy, created
        summary = Card()
        top = QHBoxLayout()
        top.setSpacing(8)
        self.number_label = ElidedLabel()
        self.number_label.setObjectName("value")
        self.number_label.setFont(adjusted_font(self.font(), 1, bold=True))
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.number_label, 1)
        self.state_pill = Pill()
        top.addWidget(self.state_pill, 0, Qt.AlignmentFlag.AlignVCenter)
        summary.body.addLayout(top)
        sub = QHBoxLayout()
        sub.setSpacing(8)
        self.created_label = QLabel()
        self.created_label.setObjectName("muted")
        sub.addWidget(self.created_label, 1)
        self.copy_number_button = _link(self.tr("复制单号"))
        self.copy_number_button.setAccessibleName(self.tr("复制订单号"))
        sub.addWidget(self.copy_number_button)
        summary.body.addLayout(sub)
        self.foreign_label = QLabel(self.tr("⚠ 该订单不属于当前客户，发送前请核对。"))
        self.foreign_label.setObjectName("warningStrip")
        self.foreign_label.setWordWrap(True)
        summary.body.addWidget(self.foreign_label)
        layout.addWidget(summary)

        # items and amounts
        self.items_card = Card(self.tr("商品"))
        self.items_box = QVBoxLayout()
        self.items_box.setSpacing(8)
        self.items_card.body.addLayout(self.items_box)
        self.items_card.body.addWidget(_divider())
        amounts = QGridLayout()
        amounts.setContentsMargins(0, 0, 0, 0)
        amounts.setVerticalSpacing(4)
        amounts.setColumnStretch(0, 1)
        self.subtotal_label = QLabel()
        self.discount_name = _field_label(self.tr("优惠"))
        self.discount_label = QLabel()
        self.shipping_name = _field_label(self.tr("运费"))
        self.shipping_label = QLabel()
        self.total_label = QLabel()
        self.total_label.setFont(adjusted_font(self.font(), 2, bold=True))
        self.total_label.setObjectName("orderTotal")  # red: workbench.qss
        rows = (
            (_field_label(self.tr("商品总额")), self.subtotal_label),
            (self.discount_name, self.discount_label),
            (self.shipping_name, self.shipping_label),
            (_field_label(self.tr("实付款")), self.total_label),
        )
        for row, (name, value) in enumerate(rows):
            value.setObjectName(value.objectName() or "value")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            amounts.addWidget(name, row, 0)
            amounts.addWidget(value, row, 1)
        self.items_card.body.addLayout(amounts)
        layout.addWidget(self.items_card)

        # times, address, memo
        info = Card(self.tr("订单信息"))
        self.info_box = QVBoxLayout()
        self.info_box.setContentsMargins(0, 0, 0, 0)
        info.body.addLayout(self.info_box)
        self.info_grid = QGridLayout()
        self.address_button = _link(self.tr("修改地址"))
        self.address_button.setToolTip(self.tr("发货前可以修改收货地址"))
        self.address_button.clicked.connect(self.open_address_editor)
        info.header.addWidget(self.address_button)
        info.body.addWidget(self._address_editor())
        layout.addWidget(info)

        # memo and flag
        notes = Card(self.tr("备注与旗帜"))
        self.memo_edit = QLineEdit()
        self.memo_edit.setPlaceholderText(self.tr("卖家备注（仅自己可见）"))
        self.memo_edit.setMaxLength(MEMO_LIMIT + 50)  # as the address: longer text gets the explained error
        self.memo_edit.setAccessibleName(self.tr("卖家备注"))
        notes.body.addWidget(self.memo_edit)
        notes_row = QHBoxLayout()
        notes_row.setSpacing(8)
        self.flag_combo = QComboBox()
        self.flag_combo.setAccessibleName(self.tr("旗帜"))
        self.flag_combo.addItem(self.tr("无旗帜"), "")
        flag_names = (self.tr("红旗"), self.tr("黄旗"), self.tr("绿旗"), self.tr("蓝旗"), self.tr("紫旗"))
        self._flag_names = dict(zip(FLAGS, flag_names, strict=True))
        for flag, flag_name in self._flag_names.items():
            self.flag_combo.addItem(f"⚑ {flag_name}", flag)
        notes_row.addWidget(self.flag_combo, 1)
        self.notes_save_button = QPushButton(self.tr("保存"))
        self.notes_save_button.clicked.connect(self._save_notes)
        notes_row.addWidget(self.notes_save_button)
        notes.body.addLayout(notes_row)
        self.notes_error = _error_label()
        notes.body.addWidget(self.notes_error)
        layout.addWidget(notes)

        # logistics
        self.logistics_card = Card(self.tr("物流"))
        carrier_row = QHBoxLayout()
        carrier_row.setSpacing(8)
        self.carrier_label = _value_label()
        carrier_row.addWidget(self.carrier_label, 1)
        self.copy_tracking_button = _link(self.tr("复制运单号"))
        carrier_row.addWidget(self.copy_tracking_button, 0, Qt.AlignmentFlag.AlignTop)
        self.logistics_card.body.addLayout(carrier_row)
        self.timeline = Timeline()
        self.logistics_card.body.addWidget(self.timeline)
        self.no_logistics_label = QLabel(self.tr("暂无物流信息"))
        self.no_logistics_label.setObjectName("muted")
        self.logistics_card.body.addWidget(self.no_logistics_label)
        layout.addWidget(self.logistics_card)

        # edit log
        self.changes_card = Card(self.tr("修改记录"))
        self.changes_timeline = Timeline()
        self.changes_card.body.addWidget(self.changes_timeline)
        self.no_changes_label = QLabel(self.tr("暂无修改记录"))
        self.no_changes_label.setObjectName("muted")
        self.changes_card.body.addWidget(self.no_changes_label)
        layout.addWidget(self.changes_card)
        layout.addStretch(1)
        self.set_changes([])

    def _address_editor(self) -> QWidget:
        self.address_editor = QWidget()
        column = QVBoxLayout(self.address_editor)
        column.setContentsMargins(0, 6, 0, 0)
        column.setSpacing(6)
        self.address_edit = QLineEdit()
        self.address_edit.setMaxLength(ADDRESS_LIMIT + 50)  # longer text gets the explained error
        self.address_edit.setPlaceholderText(self.tr("新的收货地址"))
        self.address_edit.setAccessibleName(self.tr("新的收货地址"))
        self.address_edit.returnPressed.connect(self._save_address)
        column.addWidget(self.address_edit)
        self.address_error = _error_label()
        column.addWidget(self.address_error)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addStretch(1)
        self.address_cancel_button = QPushButton(self.tr("取消"))
        self.address_cancel_button.clicked.connect(self.close_address_editor)
        row.addWidget(self.address_cancel_button)
        self.address_save_button = QPushButton(self.tr("保存地址"))
        self.address_save_button.setObjectName("primary")
        self.address_save_button.clicked.connect(self._save_address)
        row.addWidget(self.address_save_button)
        column.addLayout(row)
        self.address_editor.hide()
        return self.address_editor

    # -- editing -------------------------------------------------------------------------------

    def open_address_editor(self) -> None:
        if self.order is None or not address_editable(self.order):
            return
        self.address_edit.setText(self.order.address)
        self.address_error.hide()
        self.set_saving(False)
        self.address_editor.show()
        self.address_edit.setFocus()

    def close_address_editor(self) -> None:
        self.address_editor.hide()
        self.address_error.hide()

    def _save_address(self) -> None:
        if self.order is not None and self.address_editor.isVisible():
            self.address_error.hide()
            self.address_save_requested.emit(self.address_edit.text())

    def _save_notes(self) -> None:
        if self.order is not None:
            self.notes_error.hide()
            self.notes_save_requested.emit(self.memo_edit.text(), str(self.flag_combo.currentData() or ""))

    def set_saving(self, saving: bool) -> None:
        """Disable the save buttons while a write runs."""
        self.address_save_button.setEnabled(not saving)
        self.notes_save_button.setEnabled(not saving)

    def show_address_error(self, text: str) -> None:
        self.address_error.setText(text)
        self.address_error.show()

    def show_notes_error(self, text: str) -> None:
        self.notes_error.setText(text)
        self.notes_error.show()

    def set_changes(self, changes: list[OrderChange]) -> None:
        """The order's edit log, newest first."""
        names = {"address": self.tr("收货地址"), "memo": self.tr("卖家备注"), "flag": self.tr("旗帜")}
        empty = self.tr("（空）")
        entries = []
        for change in changes:
            old, new = change.old, change.new
            if change.field == "flag":
                old, new = self._flag_name(old), self._flag_name(new)
            text = self.tr("{field}：{old} → {new}").format(
                field=names.get(change.field, change.field), old=old or empty, new=new or empty
            )
            stamp = _stamp(change.at) + (f" · {change.author}" if change.author else "")
            entries.append((soft_wrap(text), stamp))
        self.changes_timeline.set_entries(entries)
        self.changes_timeline.setVisible(bool(entries))
        self.no_changes_label.setVisible(not entries)

    def _flag_name(self, flag: str) -> str:
        """A stored flag ("红", "红旗" or "red") by the name the flag picker uses, in the UI language."""
        return self._flag_names.get(flag_colour(flag), flag)

    def set_order(self, order: Order, *, foreign: bool = False) -> None:
        """Show `order`; `foreign` marks an order looked up that belongs to someone else."""
        self.order = order
        self.number_label.setText(order.order_no)
        self.state_pill.set_pill(state_label(order.state), state_color(order.state))
        self.created_label.setText(self.tr("下单 {time}").format(time=_stamp(order.created_at)))
        self.foreign_label.setVisible(foreign)
        self._render_items(order)
        self._render_info(order)
        self._render_logistics(order)
        self._render_edits(order)

    def _render_edits(self, order: Order) -> None:
        editable = address_editable(order)
        self.address_button.setEnabled(editable)
        self.address_button.setToolTip(
            self.tr("发货前可以修改收货地址") if editable else self.tr("订单已发货，不能再修改收货地址")
        )
        if not editable:
            self.close_address_editor()
        self.memo_edit.setText(order.memo)
        self.flag_combo.setCurrentIndex(max(0, self.flag_combo.findData(flag_colour(order.flag))))
        self.notes_error.hide()
        self.set_saving(False)

    def _render_items(self, order: Order) -> None:
        _clear(self.items_box)
        for i, item in enumerate(order.items):
            if i:
                self.items_box.addWidget(_divider())
            self.items_box.addWidget(self._item_widget(item))
        if not order.items:
            empty = QLabel(self.tr("（无商品明细）"))
            empty.setObjectName("muted")
            self.items_box.addWidget(empty)
        subtotal = sum(i.price_cents * i.quantity for i in order.items)
        self.subtotal_label.setText(format_yuan(subtotal))
        discount = subtotal - order.total_cents
        self.discount_label.setText("-" + format_yuan(discount))
        self.discount_name.setVisible(discount > 0)
        self.discount_label.setVisible(discount > 0)
        # Paid more than the goods cost: the order carries a shipping fee (remote regions, 顺丰);
        # without this row 实付款 would exceed 商品总额 with no explanation.
        self.shipping_label.setText("+" + format_yuan(-discount))
        self.shipping_name.setVisible(discount < 0)
        self.shipping_label.setVisible(discount < 0)
        self.total_label.setText(format_yuan(order.total_cents))

    def _item_widget(self, item: OrderItem) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        title = _value_label(soft_wrap(item.title))
        layout.addWidget(title)
        row = QHBoxLayout()
        row.setSpacing(8)
        spec_parts = []
        if item.color:
            spec_parts.append(self.tr("颜色：{color}").format(color=item.color))
        if item.size:
            spec_parts.append(self.tr("尺码：{size}").format(size=item.size))
        spec = ElidedLabel("  ".join(spec_parts))
        spec.setObjectName("muted")
        row.addWidget(spec, 1)
        price = QLabel(f"{format_yuan(item.price_cents)} × {item.quantity}")
        price.setObjectName("secondary")
        row.addWidget(price)
        layout.addLayout(row)
        return box

    def _add_info_row(self, name: str, value: str, role: str = "") -> None:
        row = self.info_grid.rowCount()
        label = _value_label(soft_wrap(value))
        if role:  # the order flag's own colour
            label.setStyleSheet(text_style(role))
        self.info_grid.addWidget(_field_label(name), row, 0)
        self.info_grid.addWidget(label, row, 1)

    def _render_info(self, order: Order) -> None:
        _clear(self.info_box)
        holder = QWidget()
        self.info_grid = QGridLayout(holder)
        self.info_grid.setContentsMargins(0, 0, 0, 0)
        self.info_grid.setHorizontalSpacing(12)
        self.info_grid.setVerticalSpacing(6)
        self.info_grid.setColumnStretch(1, 1)
        self.info_box.addWidget(holder)
        for name, at in (
            (self.tr("下单时间"), order.created_at),
            (self.tr("付款时间"), order.paid_at),
            (self.tr("发货时间"), order.shipped_at),
            (self.tr("签收时间"), order.signed_at),
        ):
            if at is not None:
                self._add_info_row(name, _stamp(at))
        self._add_info_row(self.tr("收货地址"), order.address or "—")
        if order.memo:
            self._add_info_row(self.tr("卖家备注"), order.memo)
        if order.flag:
            role = FLAG_ROLES.get(flag_colour(order.flag), "")
            self._add_info_row(self.tr("旗帜"), f"⚑ {self._flag_name(order.flag)}", role)

    def _render_logistics(self, order: Order) -> None:
        if order.tracking_no:
            self.carrier_label.setText(soft_wrap(f"{order.carrier} {order.tracking_no}".strip()))
        else:
            self.carrier_label.setText(self.tr("尚未发货") if not order.shipped_at else self.tr("无运单号"))
        self.copy_tracking_button.setVisible(bool(order.tracking_no))
        events = sorted(order.logistics, key=lambda e: e.at, reverse=True)
        self.timeline.set_entries([(e.description, _stamp(e.at)) for e in events])
        self.timeline.setVisible(bool(events))
        self.no_logistics_label.setVisible(not events)
