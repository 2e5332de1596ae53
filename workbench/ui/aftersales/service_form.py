"""The 退货 / 换货 / 退款 / 维修 request form, with the live policy check beside it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.aftersales import (
    REASONS_BY_KIND,
    SERVICE_KINDS,
    AftersalesReason,
    CaseKind,
    FieldError,
    RefundType,
    ServiceRequest,
    items_refund_cents,
    validate_service_request,
)
from workbench.domain.orders import Order
from workbench.services.aftersales import AftersalesService, PolicyCheck
from workbench.ui.aftersales.case_form import CaseForm, FormTexts
from workbench.ui.aftersales.texts import aftersales_error_text, kind_label, money, reason_label, refund_type_label
from workbench.ui.aftersales.widgets import FormGrid, MoneyEdit, PolicyPanel, settle_order_errors
from workbench.ui.orders.states import state_label as order_state_label
from workbench.ui.tasks import Tasks
from workbench.ui.widgets.guard import while_alive

CHECK_DELAY_MS = 300


def item_text(order: Order, index: int) -> str:
    item = order.items[index]
    title = item.title.split()[1] if len(item.title.split()) > 2 else item.title
    return f"{title}（{item.color}/{item.size}）×{item.quantity}"


class ServiceForm(CaseForm):
    """Opens a 退货 / 换货 / 退款 / 维修 case. Validates as the agent types (each problem beside its
    field), shows the policy verdict with its reasons, and keeps a draft in the database."""

    checked = Signal(object)
    """A live policy check came back; carries the PolicyCheck."""

    # the policy verdict depends on all of these
    check_fields = frozenset(
        {"order_no", "kind", "reason", "refund_type", "amount", "goods_intact", "self_repaired", "items"}
    )

    def __init__(
        self,
        tasks: Tasks,
        service: AftersalesService,
        actor: str,
        parent: QWidget | None = None,
        *,
        compact: bool = False,
    ) -> None:
        super().__init__(tasks, service, actor, CHECK_DELAY_MS, parent, compact=compact)
        self._pending_items: list[str] | None = None  # items ticked in a restored draft, once the order is found
        self.item_boxes: list[QCheckBox] = []
        self._offered: int | None = None  # the refund amount the form filled in, while the agent keeps it
        self._build()

    def form_texts(self) -> FormTexts:
        return FormTexts(
            discard=self.tr("丢弃草稿"),
            cancel=self.tr("取消"),
            draft_saved=self.tr("草稿已自动保存"),
            draft_discarded=self.tr("草稿已丢弃"),
            draft_restored=self.tr("已恢复未提交的草稿（{time} 保存）"),
            problems=self.tr("还有 {count} 处需要填写或修改。"),
        )

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(12)
        scroll, column = self._scroll_column()
        card = self._header_card()
        self.grid = FormGrid()
        g = self.grid

        self.kind_combo = QComboBox()
        for kind in SERVICE_KINDS:
            self.kind_combo.addItem(kind_label(kind), kind.value)
        self.kind_combo.currentIndexChanged.connect(self._on_kind)
        g.add("kind", self.tr("售后类型"), self.kind_combo, required=True)

        order_row = QWidget()
        row = QHBoxLayout(order_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.order_edit = QLineEdit()
        self.order_edit.setPlaceholderText(self.tr("输入或粘贴订单号"))
        self.order_edit.setClearButtonEnabled(True)
        self.order_edit.textEdited.connect(lambda _t: self._edited("order_no"))
        row.addWidget(self.order_edit, 1)
        g.add("order_no", self.tr("订单号"), order_row, required=True)
        self.order_summary = QLabel()
        self.order_summary.setObjectName("secondary")
        self.order_summary.setWordWrap(True)
        g.grid.addWidget(self.order_summary, g.grid.rowCount(), 1)

        self.items_box = QWidget()
        self.items_layout = QVBoxLayout(self.items_box)
        self.items_layout.setContentsMargins(0, 0, 0, 0)
        self.items_layout.setSpacing(2)
        self.items_empty = QLabel(self.tr("查到订单后在这里勾选商品"))
        self.items_empty.setObjectName("muted")
        self.items_layout.addWidget(self.items_empty)
        g.add("items", self.tr("售后商品"), self.items_box, required=True)

        self.reason_combo = QComboBox()
        self.reason_combo.currentIndexChanged.connect(lambda _i: self._edited("reason"))
        g.add("reason", self.tr("原因"), self.reason_combo, required=True)

        self.refund_type_combo = QComboBox()
        for refund_type in RefundType:
            self.refund_type_combo.addItem(refund_type_label(refund_type), refund_type.value)
        self.refund_type_combo.currentIndexChanged.connect(lambda _i: self._edited("refund_type"))
        g.add("refund_type", self.tr("退款类型"), self.refund_type_combo, required=True)
        self.amount_edit = MoneyEdit()
        self.amount_edit.valueChanged.connect(lambda _v: self._edited("amount"))
        g.add("amount", self.tr("退款金额"), self.amount_edit, required=True, hint=self.tr("不能超过实付款"))

        self.wish_edit = QLineEdit()
        self.wish_edit.setPlaceholderText(self.tr("例如：米白色 M 码"))
        self.wish_edit.textEdited.connect(lambda _t: self._edited("exchange_wish"))
        g.add("exchange_wish", self.tr("想换的颜色 / 尺码"), self.wish_edit, required=True)

        self.intact_check = QCheckBox(self.tr("吊牌完好，未洗涤、未穿着"))
        self.intact_check.setChecked(True)
        self.intact_check.toggled.connect(lambda _on: self._edited("goods_intact"))
        g.add("goods_intact", self.tr("商品状态"), self.intact_check)
        self.self_repair_check = QCheckBox(self.tr("买家没联系店铺，已自行送修"))
        self.self_repair_check.toggled.connect(lambda _on: self._edited("self_repaired"))
        g.add("self_repaired", self.tr("自行维修"), self.self_repair_check)

        self.description_edit = QPlainTextEdit()
        self.description_edit.setPlaceholderText(self.tr("买家说了什么、问题在哪里（如：颜色和图片不一样，尺码偏大）"))
        self.description_edit.setFixedHeight(90)
        self.description_edit.textChanged.connect(lambda: self._edited("description"))
        g.add("description", self.tr("问题描述"), self.description_edit, required=True)
        card.body.addWidget(g)
        self._add_footer(card.body)
        self.submit_button.setText(self.tr("提交申请"))
        column.addWidget(card)
        column.addStretch(1)
        self.policy_panel = PolicyPanel()
        self._place(outer, scroll, column, self.policy_panel)
        self._on_kind(0)

    # -- public --------------------------------------------------------------------------------

    def kind(self) -> CaseKind:
        return CaseKind(self.kind_combo.currentData())

    def start(
        self,
        kind: CaseKind,
        customer_id: int = 0,
        customer_nick: str = "",
        order_no: str = "",
        conversation_id: int | None = None,
    ) -> None:
        """A fresh form (or the draft kept for the same kind, customer, order and chat)."""
        self._open_for(customer_id, conversation_id)
        self.drafts.pause()
        self._clear_state()
        self._pending_items = None
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(kind.value)))
        self.order_edit.setText(order_no)
        self.description_edit.setPlainText("")
        self.wish_edit.setText("")
        self.intact_check.setChecked(True)
        self.self_repair_check.setChecked(False)
        self.amount_edit.set_cents(0)
        self._offered = None
        self._set_items(None)
        self.customer_label.setText(
            self.tr("客户：{nick}").format(nick=customer_nick) if customer_nick else self.tr("客户：由订单号确定")
        )
        self.policy_panel.set_verdict(None)
        self.drafts.resume()
        self.drafts.start(f"{kind.value}:new:c{customer_id}:o{order_no}:v{conversation_id or 0}")
        self._schedule_check()
        self.description_edit.setFocus()

    def request(self) -> ServiceRequest:
        kind = self.kind()
        reason = self.reason_combo.currentData()
        refund = self.refund_type_combo.currentData()
        return ServiceRequest(
            kind=kind,
            customer_id=self._customer_id,
            order_no=self.order_edit.text().strip(),
            reason=AftersalesReason(reason) if reason else None,
            description=self.description_edit.toPlainText(),
            refund_type=RefundType(refund) if kind is CaseKind.REFUND and refund else None,
            amount_cents=self.amount_edit.cents() if kind is CaseKind.REFUND else None,
            items=self._checked_items(),
            exchange_wish=self.wish_edit.text() if kind is CaseKind.EXCHANGE else "",
            goods_intact=self.intact_check.isChecked(),
            self_repaired=self.self_repair_check.isChecked() if kind is CaseKind.REPAIR else False,
            conversation_id=self._conversation_id,
        )

    def payload(self) -> Mapping[str, Any]:
        return {
            "kind": self.kind().value,
            "order_no": self.order_edit.text(),
            "reason": self.reason_combo.currentData() or "",
            "refund_type": self.refund_type_combo.currentData() or "",
            "amount_cents": self.amount_edit.cents(),
            "exchange_wish": self.wish_edit.text(),
            "goods_intact": self.intact_check.isChecked(),
            "self_repaired": self.self_repair_check.isChecked(),
            "description": self.description_edit.toPlainText(),
            "items": list(self._checked_items()),
        }

    def errors(self) -> list[FieldError]:
        request = self.request()
        errors = validate_service_request(request, self._order_for(request.order_no))
        return settle_order_errors(errors, request.order_no, self._looked_up)

    def submit(self) -> None:
        """Open the case if the form is complete; otherwise show every problem beside its field."""
        if not self._ready_to_submit():
            return
        request, service, actor = self.request(), self._service, self._actor
        self._tasks.write(
            lambda: service.open_case(request, actor),
            while_alive(self, self._on_submitted),
            while_alive(self, self._on_submit_failed),
        )

    def touched(self) -> set[str]:
        return set(self._touched)

    # -- reacting --------------------------------------------------------------------------------

    def _on_kind(self, _index: int) -> None:
        kind = self.kind()
        self.title_label.setText(self.tr("新建{kind}申请").format(kind=kind_label(kind)))
        current = self.reason_combo.currentData()
        self.reason_combo.blockSignals(True)
        self.reason_combo.clear()
        for reason in REASONS_BY_KIND[kind]:
            self.reason_combo.addItem(reason_label(reason), reason.value)
        index = self.reason_combo.findData(current)
        self.reason_combo.setCurrentIndex(max(index, 0))
        self.reason_combo.blockSignals(False)
        self.grid.set_row_visible("refund_type", kind is CaseKind.REFUND)
        self.grid.set_row_visible("amount", kind is CaseKind.REFUND)
        self.grid.set_row_visible("exchange_wish", kind is CaseKind.EXCHANGE)
        self.grid.set_row_visible("goods_intact", kind in (CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REFUND))
        self.grid.set_row_visible("self_repaired", kind is CaseKind.REPAIR)
        self._edited("kind")

    def _run_check(self) -> None:
        self._generation += 1
        generation = self._generation
        request, service = self.request(), self._service
        if not request.order_no:
            self._order = None
            self._set_items(None)
            self.order_summary.setText("")
            self.policy_panel.set_verdict(None)
            return
        self.policy_panel.set_verdict(None, waiting=True)
        self._tasks.read(
            lambda: service.check(request),
            while_alive(self, lambda check: self._on_check(generation, request.order_no, check)),
            while_alive(self, lambda exc: self._on_check_failed(generation, exc)),
        )

    def _on_check(self, generation: int, request_no: str, check: PolicyCheck) -> None:
        if generation != self._generation:
            return
        changed = (self._order is None) != (check.order is None) or (
            check.order is not None and self._order is not None and check.order.order_no != self._order.order_no
        )
        self._order = check.order
        self._order_looked_up(check.order)
        self._looked_up = request_no
        if changed:
            self._set_items(check.order, self._pending_items)
            self._pending_items = None
            if check.order is not None and self.kind() is CaseKind.REFUND and not self.amount_edit.cents():
                self._offer_amount()
        self.order_summary.setText(self._order_text(check.order))
        self.policy_panel.set_verdict(check.verdict)
        self._show_inline()
        self.checked.emit(check)

    def _on_check_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.policy_panel.set_verdict(None)
            self.order_summary.setText(aftersales_error_text(exc))

    def _order_text(self, order: Order | None) -> str:
        if order is None:
            return ""
        signed = (
            self.tr("签收于 {time}").format(time=f"{order.signed_at:%Y-%m-%d %H:%M}")
            if order.signed_at
            else self.tr("未签收")
        )
        return self.tr("{state} · 实付 {total} · {signed}").format(
            state=order_state_label(order.state), total=money(order.total_cents), signed=signed
        )

    def _set_items(self, order: Order | None, checked: list[str] | None = None) -> None:
        while (item := self.items_layout.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None and widget is not self.items_empty:
                widget.hide()
                widget.deleteLater()
        self.items_layout.addWidget(self.items_empty)
        self.items_empty.setVisible(order is None or not order.items)
        self.item_boxes = []
        if order is None:
            return
        for i in range(len(order.items)):
            text = item_text(order, i)
            box = QCheckBox(text)
            if self.compact:  # a long item name is cut at the sidebar's edge, not the whole form
                box.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
                box.setToolTip(text)
            box.setChecked(checked is None or text in checked)
            box.toggled.connect(self._on_item_toggled)
            self.items_layout.addWidget(box)
            self.item_boxes.append(box)

    def _on_item_toggled(self, _on: bool) -> None:
        # an amount the form offered follows the ticked items; one the agent typed is left alone
        if self._order is not None and self.kind() is CaseKind.REFUND and self.amount_edit.cents() == self._offered:
            self._offer_amount()
        self._edited("items")

    def _offer_amount(self) -> None:
        """退款金额 as the form offers it: what the buyer paid for the ticked items."""
        order = self._order
        if order is None:
            return
        picked = [n for n, box in enumerate(self.item_boxes) if box.isChecked()]
        self._offered = items_refund_cents(order, picked)
        self.drafts.pause()
        self.amount_edit.set_cents(self._offered)
        self.drafts.resume()

    def _checked_items(self) -> tuple[str, ...]:
        return tuple(box.text() for box in self.item_boxes if box.isChecked())

    def _load_draft(self, p: Mapping[str, Any]) -> None:
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(p.get("kind", self.kind().value))))
        self.order_edit.setText(str(p.get("order_no", "")))
        index = self.reason_combo.findData(p.get("reason", ""))
        if index >= 0:
            self.reason_combo.setCurrentIndex(index)
        index = self.refund_type_combo.findData(p.get("refund_type", ""))
        if index >= 0:
            self.refund_type_combo.setCurrentIndex(index)
        self.amount_edit.set_cents(int(p.get("amount_cents", 0) or 0))
        self.wish_edit.setText(str(p.get("exchange_wish", "")))
        self.intact_check.setChecked(bool(p.get("goods_intact", True)))
        self.self_repair_check.setChecked(bool(p.get("self_repaired", False)))
        self.description_edit.setPlainText(str(p.get("description", "")))
        self._pending_items = [str(i) for i in p.get("items", [])]
