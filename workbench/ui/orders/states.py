"""How order states look: translated labels and pill colours."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from workbench.domain.orders import OrderState
from workbench.ui.labels import Labels
from workbench.ui.theme import RoleColours, hex_colour

STATE_COLORS = RoleColours(
    {
        OrderState.AWAITING_PAYMENT: "order_awaiting_payment",
        OrderState.AWAITING_SHIPMENT: "order_awaiting_shipment",
        OrderState.SHIPPED: "order_shipped",
        OrderState.SIGNED: "order_signed",
        OrderState.COMPLETED: "order_completed",
        OrderState.CLOSED: "order_closed",
        OrderState.REFUNDING: "order_refunding",
    }
)


def state_color(state: OrderState) -> str:
    return STATE_COLORS.get(state) or hex_colour("neutral")


def _state_texts() -> dict[OrderState, str]:
    """The states' names in the UI language (the domain values are the Chinese names)."""
    return {
        OrderState.AWAITING_PAYMENT: QCoreApplication.translate("OrderState", "待付款"),
        OrderState.AWAITING_SHIPMENT: QCoreApplication.translate("OrderState", "待发货"),
        OrderState.SHIPPED: QCoreApplication.translate("OrderState", "已发货"),
        OrderState.SIGNED: QCoreApplication.translate("OrderState", "已签收"),
        OrderState.COMPLETED: QCoreApplication.translate("OrderState", "交易成功"),
        OrderState.CLOSED: QCoreApplication.translate("OrderState", "交易关闭"),
        OrderState.REFUNDING: QCoreApplication.translate("OrderState", "退款中"),
    }


state_label = Labels(_state_texts)
