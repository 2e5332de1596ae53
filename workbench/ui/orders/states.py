"""How order states look: translated labels and pill colours."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from workbench.domain.orders import OrderState
from workbench.ui.labels import Labels

STATE_COLORS: dict[OrderState, str] = {
    OrderState.AWAITING_PAYMENT: "#fa8c16",  # orange
    OrderState.AWAITING_SHIPMENT: "#1677ff",  # blue
    OrderState.SHIPPED: "#13c2c2",  # cyan
    OrderState.SIGNED: "#52c41a",  # green
    OrderState.COMPLETED: "#52c41a",  # green
    OrderState.CLOSED: "#8c8c8c",  # grey
    OrderState.REFUNDING: "#f5222d",  # red
}


def state_color(state: OrderState) -> str:
    return STATE_COLORS.get(state, "#8c8c8c")


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
