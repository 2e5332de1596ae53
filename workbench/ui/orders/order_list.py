"""The customer's orders as a list model, and a delegate that draws each order as a compact card."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from workbench.domain.orders import Order, format_yuan
from workbench.ui.orders.states import state_color, state_label
from workbench.ui.theme import colour, hex_colour
from workbench.ui.widgets.pill import paint_pill, pill_size
from workbench.ui.widgets.style import adjusted_font

AnyIndex = QModelIndex | QPersistentModelIndex


class OrderRoles(IntEnum):
    ORDER = Qt.ItemDataRole.UserRole + 1  # the Order dataclass
    ORDER_ID = Qt.ItemDataRole.UserRole + 2
    ORDER_NO = Qt.ItemDataRole.UserRole + 3
    STATE = Qt.ItemDataRole.UserRole + 4  # OrderState value (the Chinese name)
    STATE_LABEL = Qt.ItemDataRole.UserRole + 5  # in the UI language
    STATE_COLOR = Qt.ItemDataRole.UserRole + 6  # "#rrggbb"
    CREATED_AT = Qt.ItemDataRole.UserRole + 7  # "YYYY-MM-DD HH:MM"
    TOTAL = Qt.ItemDataRole.UserRole + 8  # "¥199.00"
    TITLE = Qt.ItemDataRole.UserRole + 9  # first item's title (+ how many more)
    QUANTITY = Qt.ItemDataRole.UserRole + 10  # pieces in the order


def order_time(order: Order) -> str:
    return f"{order.created_at:%Y-%m-%d %H:%M}"


def order_title(order: Order) -> str:
    if not order.items:
        return QCoreApplication.translate("OrderList", "（无商品明细）")
    first = order.items[0].title
    if len(order.items) == 1:
        return first
    return QCoreApplication.translate("OrderList", "{title} 等 {n} 种商品").format(title=first, n=len(order.items))


class OrderListModel(QAbstractListModel):
    """Orders newest first, as the service returns them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._orders: list[Order] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._orders)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._orders):
            return None
        order = self._orders[index.row()]
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return f"{order.order_no} {state_label(order.state)}"
            case Qt.ItemDataRole.ToolTipRole | OrderRoles.TITLE:
                return order_title(order)
            case Qt.ItemDataRole.AccessibleTextRole:
                return (
                    f"{order.order_no} {state_label(order.state)} {order_title(order)} {format_yuan(order.total_cents)}"
                )
            case OrderRoles.ORDER:
                return order
            case OrderRoles.ORDER_ID:
                return order.id
            case OrderRoles.ORDER_NO:
                return order.order_no
            case OrderRoles.STATE:
                return order.state.value
            case OrderRoles.STATE_LABEL:
                return state_label(order.state)
            case OrderRoles.STATE_COLOR:
                return state_color(order.state)
            case OrderRoles.CREATED_AT:
                return order_time(order)
            case OrderRoles.TOTAL:
                return format_yuan(order.total_cents)
            case OrderRoles.QUANTITY:
                return sum(i.quantity for i in order.items)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update(
            {
                OrderRoles.ORDER: QByteArray(b"order"),
                OrderRoles.ORDER_ID: QByteArray(b"orderId"),
                OrderRoles.ORDER_NO: QByteArray(b"orderNo"),
                OrderRoles.STATE: QByteArray(b"state"),
                OrderRoles.STATE_LABEL: QByteArray(b"stateLabel"),
                OrderRoles.STATE_COLOR: QByteArray(b"stateColor"),
                OrderRoles.CREATED_AT: QByteArray(b"createdAt"),
                OrderRoles.TOTAL: QByteArray(b"total"),
                OrderRoles.TITLE: QByteArray(b"title"),
                OrderRoles.QUANTITY: QByteArray(b"quantity"),
            }
        )
        return names

    def set_orders(self, orders: Sequence[Order]) -> None:
        self.beginResetModel()
        self._orders = list(orders)
        self.endResetModel()

    def orders(self) -> list[Order]:
        return list(self._orders)

    def replace_order(self, order: Order) -> None:
        """Put an edited copy of a listed order in its row (no reset: the selection stays)."""
        row = self.row_of(order.order_no)
        if row >= 0:
            self._orders[row] = order
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)

    def order_at(self, row: int) -> Order | None:
        return self._orders[row] if 0 <= row < len(self._orders) else None

    def row_of(self, order_no: str) -> int:
        return next((i for i, o in enumerate(self._orders) if o.order_no == order_no), -1)


class OrderDelegate(QStyledItemDelegate):
    """Order no. and a state pill; the first item's title; date and total."""

    H_PAD = 12
    V_PAD = 9
    LINE_GAP = 3

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont, QFont]:
        base = QFont(option.font)
        number = adjusted_font(base, 0, bold=True)
        small = adjusted_font(base, -1)
        total = adjusted_font(base, 0, bold=True)
        return number, base, small, total

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        number, body, small, _ = self._fonts(option)
        height = (
            self.V_PAD * 2
            + QFontMetrics(number).height()
            + QFontMetrics(body).height()
            + QFontMetrics(small).height()
            + self.LINE_GAP * 2
            + 4
        )
        return QSize(max(option.rect.width(), 200), height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        number_font, body_font, small_font, total_font = self._fonts(option)
        rect = QRect(option.rect)
        state = option.state
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(rect, colour("surface"))
        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, colour("accent_soft"))
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()), colour("accent"))
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, colour("surface_muted"))
        painter.setPen(colour("divider"))
        painter.drawLine(rect.left() + self.H_PAD, rect.bottom(), rect.right() - self.H_PAD, rect.bottom())

        inner = rect.adjusted(self.H_PAD, self.V_PAD, -self.H_PAD, -self.V_PAD)
        # line 1: order number and state pill
        pill_text = str(index.data(OrderRoles.STATE_LABEL) or "")
        pill_font = adjusted_font(body_font, -1)
        pw, ph = pill_size(pill_text, pill_font)
        number_h = max(QFontMetrics(number_font).height(), ph)
        pill_rect = QRect(inner.right() - pw + 1, inner.top() + (number_h - ph) // 2, pw, ph)
        pill_colour = str(index.data(OrderRoles.STATE_COLOR) or hex_colour("text_muted"))
        paint_pill(painter, pill_rect, pill_text, pill_colour, pill_font)
        painter.setFont(number_font)
        painter.setPen(colour("text"))
        number_rect = QRect(inner.left(), inner.top(), pill_rect.left() - inner.left() - 8, number_h)
        number = QFontMetrics(number_font).elidedText(
            str(index.data(OrderRoles.ORDER_NO) or ""), Qt.TextElideMode.ElideMiddle, number_rect.width()
        )
        painter.drawText(number_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, number)

        # line 2: what was bought
        y = inner.top() + number_h + self.LINE_GAP
        body_h = QFontMetrics(body_font).height()
        painter.setFont(body_font)
        painter.setPen(colour("text_secondary"))
        title = QFontMetrics(body_font).elidedText(
            str(index.data(OrderRoles.TITLE) or ""), Qt.TextElideMode.ElideRight, inner.width()
        )
        painter.drawText(QRect(inner.left(), y, inner.width(), body_h), Qt.AlignmentFlag.AlignVCenter, title)

        # line 3: date on the left, total on the right
        y += body_h + self.LINE_GAP
        small_h = max(QFontMetrics(small_font).height(), QFontMetrics(total_font).height())
        total = str(index.data(OrderRoles.TOTAL) or "")
        painter.setFont(total_font)
        painter.setPen(colour("text"))
        painter.drawText(
            QRect(inner.left(), y, inner.width(), small_h),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            total,
        )
        total_w = QFontMetrics(total_font).horizontalAdvance(total)
        painter.setFont(small_font)
        painter.setPen(colour("text_muted"))
        painter.drawText(
            QRect(inner.left(), y, max(inner.width() - total_w - 8, 0), small_h),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            str(index.data(OrderRoles.CREATED_AT) or ""),
        )
        painter.restore()
