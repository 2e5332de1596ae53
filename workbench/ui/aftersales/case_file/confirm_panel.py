"""The panel under the 处理 buttons that asks for what a move needs (a reason, a tracking number, an
amount) or why the agent flags the buyer, before anything is saved."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from workbench.domain.aftersales import Case, CaseState, ServiceDetails, TransitionInput, items_refund_cents
from workbench.domain.orders import Order
from workbench.ui.aftersales.service_form import item_text
from workbench.ui.aftersales.texts import action_label
from workbench.ui.aftersales.widgets import MoneyEdit

# Moves that close a case are confirmed in the panel even when they need no input; the others
# that need none happen at once.
CONFIRM_STATES = frozenset({CaseState.COMPLETED, CaseState.CANCELLED, CaseState.FOLLOWED_UP})


def refund_default(case: Case, order: Order | None) -> int:
    """What 退款 offers first: the amount asked; for goods sent back, what the buyer paid for those
    items (their share of the order's discount included), so returning one item of several does not
    start from the whole order."""
    if case.amount_cents or order is None:
        return case.amount_cents
    d = case.details
    if isinstance(d, ServiceDetails) and d.items:
        return items_refund_cents(order, [n for n in range(len(order.items)) if item_text(order, n) in d.items])
    return order.total_cents


class ConfirmPanel(QWidget):
    """Asks for one move of the case (`ask_action`) or for flagging the buyer (`ask_flag`).

    The panel checks nothing itself: it hands what was typed to the case file, which checks it and
    shows any problem back here with `show_error`."""

    action_confirmed = Signal(object, object)
    """The agent confirmed the move asked for: the CaseState to move to and the TransitionInput typed."""

    flag_confirmed = Signal(str)
    """The agent confirmed flagging the buyer as suspected malicious; carries the reason typed, stripped."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pending: CaseState | None = None
        self.flagging = False
        panel = QVBoxLayout(self)
        panel.setContentsMargins(0, 6, 0, 0)
        panel.setSpacing(6)
        self.title_label = QLabel()
        self.title_label.setObjectName("formTitle")
        panel.addWidget(self.title_label)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setFixedHeight(60)
        self.reason_edit.setAccessibleName(self.tr("原因"))
        panel.addWidget(self.reason_edit)
        self._build_tracking_row()
        panel.addWidget(self.tracking_holder)
        self._build_amount_row()
        panel.addWidget(self.amount_holder)
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        panel.addWidget(self.error_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton(self.tr("取消"))
        self.cancel_button.clicked.connect(self.close_panel)
        self.confirm_button = QPushButton(self.tr("确认"))
        self.confirm_button.setObjectName("primary")
        self.confirm_button.clicked.connect(self.confirm)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.confirm_button)
        panel.addLayout(buttons)
        self.hide()

    def _build_tracking_row(self) -> None:
        tracking_row = QHBoxLayout()
        self.carrier_edit = QLineEdit()
        self.carrier_edit.setPlaceholderText(self.tr("快递公司"))
        self.carrier_edit.setMaximumWidth(120)
        self.tracking_edit = QLineEdit()
        self.tracking_edit.setPlaceholderText(self.tr("运单号"))
        self.tracking_edit.setAccessibleName(self.tr("运单号"))
        tracking_row.addWidget(self.carrier_edit)
        tracking_row.addWidget(self.tracking_edit, 1)
        self.tracking_holder = QWidget()
        self.tracking_holder.setLayout(tracking_row)
        tracking_row.setContentsMargins(0, 0, 0, 0)

    def _build_amount_row(self) -> None:
        amount_row = QHBoxLayout()
        amount_row.setContentsMargins(0, 0, 0, 0)
        self.amount_caption = QLabel()
        self.amount_caption.setObjectName("fieldName")
        self.amount_edit = MoneyEdit()
        amount_row.addWidget(self.amount_caption)
        amount_row.addWidget(self.amount_edit)
        amount_row.addStretch(1)
        self.amount_holder = QWidget()
        self.amount_holder.setLayout(amount_row)

    def ask_action(self, case_no: str, state: CaseState, needs: frozenset[str], refund_cents: int) -> None:
        """Open the panel for the move to `state` with the inputs in `needs` (see `transition_needs`);
        a refund starts at `refund_cents`, a repair quote at nothing."""
        self.flagging = False
        self.pending = state
        self.title_label.setText(self.tr("{action}（{no}）").format(action=action_label(state), no=case_no))
        reason_needed = "reason" in needs
        self.reason_edit.setPlaceholderText(
            self._reason_prompt(state) if reason_needed else self.tr("备注（可选），会记在时间线上")
        )
        self.reason_edit.setPlainText("")
        self.tracking_holder.setVisible("tracking_no" in needs)
        self.carrier_edit.setText("")
        self.tracking_edit.setText("")
        self.amount_holder.setVisible("amount" in needs)
        if "amount" in needs:
            self.amount_caption.setText(self.tr("维修费用") if state is CaseState.QUOTED else self.tr("退款金额"))
            self.amount_edit.set_cents(0 if state is CaseState.QUOTED else refund_cents)
        self.error_label.setText("")
        self.show()
        (self.tracking_edit if "tracking_no" in needs else self.reason_edit).setFocus()

    def _reason_prompt(self, state: CaseState) -> str:
        return {
            CaseState.REJECTED: self.tr("拒绝原因（必填，会告诉买家并记在时间线上）"),
            CaseState.APPEALING: self.tr("申诉理由（必填）：买家的哪些言行、有哪些证据"),
            CaseState.RULED: self.tr("平台判定结果（必填）"),
            CaseState.AGREED: self.tr("双方约定的方案（必填）"),
            CaseState.RESOLVED: self.tr("解决方案（必填），例如：退货退款，运费店铺承担"),
        }.get(state, self.tr("原因（必填）"))

    def ask_flag(self, *, review: bool) -> None:
        """Open the panel for flagging the buyer of a review (职业差评师) or of a complaint (恶意投诉)."""
        self.pending = None
        self.flagging = True
        self.title_label.setText(self.tr("标记为疑似职业差评师") if review else self.tr("标记为疑似恶意投诉"))
        self.reason_edit.setPlaceholderText(self.tr("判断依据（必填）：程序的评分只是参考，请写明你看到的事实"))
        self.reason_edit.setPlainText("")
        self.tracking_holder.hide()
        self.amount_holder.hide()
        self.error_label.setText("")
        self.show()
        self.reason_edit.setFocus()

    def close_panel(self) -> None:
        self.pending = None
        self.flagging = False
        self.hide()

    def confirm(self) -> None:
        """Hand over what was typed (the confirm button)."""
        if self.flagging:
            self.flag_confirmed.emit(self.reason_edit.toPlainText().strip())
            return
        state = self.pending
        if state is None:
            return
        data = TransitionInput(
            reason=self.reason_edit.toPlainText(),
            carrier=self.carrier_edit.text(),
            tracking_no=self.tracking_edit.text(),
            amount_cents=self.amount_edit.cents() if self.amount_holder.isVisibleTo(self) else None,
        )
        self.action_confirmed.emit(state, data)

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)

    def set_busy(self, busy: bool) -> None:
        """While the move is being saved, confirming again is not possible."""
        self.confirm_button.setEnabled(not busy)
