"""The dispute form (纠纷): cause, the outcome asked for and the one agreed, platform intervention and
appeal, deadlines with reminders, and evidence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.aftersales import (
    AppealRecord,
    Case,
    Deadline,
    DisputeCause,
    DisputeDetails,
    FieldError,
    PlatformState,
)
from workbench.domain.complaints import DisputeForm, default_deadlines, validate_dispute
from workbench.domain.conversations import Message
from workbench.domain.orders import Order
from workbench.services.aftersales import AftersalesService
from workbench.ui.aftersales.case_form import CaseForm, FormTexts, NewEvidence
from workbench.ui.aftersales.complaint_form import AppealBox
from workbench.ui.aftersales.evidence import NewEvidenceBox
from workbench.ui.aftersales.texts import dispute_cause_label, money, platform_label
from workbench.ui.aftersales.widgets import FormGrid, MoneyEdit, from_qdatetime, settle_order_errors, to_qdatetime
from workbench.ui.orders.states import state_label as order_state_label
from workbench.ui.tasks import Tasks
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.guard import while_alive

LOOKUP_DELAY_MS = 300


class DeadlineRow(QWidget):
    """One deadline: what, by when, done; a button removes it."""

    changed = Signal()
    """The row was edited."""

    remove_requested = Signal(object)
    """The agent removed this row; carries the row."""

    def __init__(self, deadline: Deadline, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.label_edit = QLineEdit(deadline.label)
        self.label_edit.setPlaceholderText(self.tr("例如：举证截止"))
        self.due_edit = QDateTimeEdit(to_qdatetime(deadline.due_at))
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.done_check = QCheckBox(self.tr("已完成"))
        self.done_check.setChecked(deadline.done)
        self.remove_button = QPushButton(self.tr("删除"))
        self.remove_button.setObjectName("link")
        layout.addWidget(self.label_edit, 1)
        layout.addWidget(self.due_edit)
        layout.addWidget(self.done_check)
        layout.addWidget(self.remove_button)
        self.label_edit.textEdited.connect(lambda _t: self.changed.emit())
        self.due_edit.dateTimeChanged.connect(lambda _d: self.changed.emit())
        self.done_check.toggled.connect(lambda _on: self.changed.emit())
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))

    def value(self) -> Deadline:
        due = from_qdatetime(self.due_edit.dateTime())
        return Deadline(self.label_edit.text(), due, self.done_check.isChecked())


class DisputeFormView(CaseForm):
    """Opens a dispute, or updates one (`edit`)."""

    def __init__(self, tasks: Tasks, service: AftersalesService, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(tasks, service, actor, LOOKUP_DELAY_MS, parent)
        self._case: Case | None = None
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

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        scroll, column = self._scroll_column()
        card = self._header_card()
        g = self.grid = FormGrid()
        self.cause_combo = QComboBox()
        for cause in DisputeCause:
            self.cause_combo.addItem(dispute_cause_label(cause), cause.value)
        self.cause_combo.currentIndexChanged.connect(lambda _i: self._edited("cause"))
        g.add("cause", self.tr("纠纷原因"), self.cause_combo, required=True)
        self.order_edit = QLineEdit()
        self.order_edit.setClearButtonEnabled(True)
        self.order_edit.setPlaceholderText(self.tr("纠纷对应的订单号"))
        self.order_edit.textEdited.connect(lambda _t: self._edited("order_no"))
        g.add("order_no", self.tr("订单号"), self.order_edit, required=True)
        self.order_summary = QLabel()
        self.order_summary.setObjectName("secondary")
        g.grid.addWidget(self.order_summary, g.grid.rowCount(), 1)
        self.description_edit = QPlainTextEdit()
        self.description_edit.setPlaceholderText(self.tr("发生了什么，买家和店铺各自的说法"))
        self.description_edit.setFixedHeight(80)
        self.description_edit.textChanged.connect(lambda: self._edited("description"))
        g.add("description", self.tr("纠纷经过"), self.description_edit, required=True)
        asked_row, self.asked_edit, self.asked_amount = self._text_and_money(self.tr("例如：全额退款"))
        self.asked_edit.textEdited.connect(lambda _t: self._edited("asked"))
        self.asked_amount.valueChanged.connect(lambda _v: self._edited("asked_amount"))
        g.add("asked", self.tr("买家要求"), asked_row, required=True)
        g.alias("asked_amount", "asked", self.asked_amount)
        agreed_row, self.agreed_edit, self.agreed_amount = self._text_and_money(self.tr("协商结果或平台判定"))
        self.agreed_edit.textEdited.connect(lambda _t: self._edited("agreed"))
        self.agreed_amount.valueChanged.connect(lambda _v: self._edited("agreed_amount"))
        g.add("agreed", self.tr("约定 / 判定结果"), agreed_row)
        g.alias("agreed_amount", "agreed", self.agreed_amount)
        self.platform_combo = QComboBox()
        for state in PlatformState:
            self.platform_combo.addItem(platform_label(state), state.value)
        self.platform_combo.currentIndexChanged.connect(lambda _i: self._edited("platform"))
        g.add("platform", self.tr("平台介入"), self.platform_combo)
        self.appeal = AppealBox(g, self)
        self.appeal.changed.connect(lambda: self._edited("appeal_state"))
        card.body.addWidget(g)
        column.addWidget(card)

        deadlines = Card(self.tr("时限与提醒"))
        hint = QLabel(self.tr("到期前 24 小时在售后页顶部提醒；逾期标红。"))
        hint.setObjectName("muted")
        deadlines.body.addWidget(hint)
        self.deadline_rows = QVBoxLayout()
        self.deadline_rows.setSpacing(6)
        deadlines.body.addLayout(self.deadline_rows)
        self.deadlines_error = QLabel()
        self.deadlines_error.setObjectName("fieldError")
        self.deadlines_error.setWordWrap(True)
        self.deadlines_error.hide()
        deadlines.body.addWidget(self.deadlines_error)
        add_row = QHBoxLayout()
        self.add_deadline_button = QPushButton(self.tr("添加时限"))
        self.add_deadline_button.clicked.connect(self._add_default_deadline)
        add_row.addWidget(self.add_deadline_button)
        add_row.addStretch(1)
        deadlines.body.addLayout(add_row)
        self.deadlines_caption = QLabel()
        g.sink("deadlines", self.deadlines_error, self.add_deadline_button, self.deadlines_caption)
        column.addWidget(deadlines)

        self.evidence_box = NewEvidenceBox()
        column.addWidget(self.evidence_box)

        footer = Card()
        self._add_footer(footer.body)
        column.addWidget(footer)
        column.addStretch(1)
        outer.addWidget(scroll)

    def _text_and_money(self, placeholder: str) -> tuple[QWidget, QLineEdit, MoneyEdit]:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        amount = MoneyEdit()
        row.addWidget(edit, 1)
        row.addWidget(QLabel(self.tr("金额")))
        row.addWidget(amount)
        return holder, edit, amount

    # -- public --------------------------------------------------------------------------------

    def start(
        self,
        customer_id: int = 0,
        customer_nick: str = "",
        order_no: str = "",
        conversation_id: int | None = None,
        messages: tuple[Message, ...] = (),
    ) -> None:
        self._open_for(customer_id, conversation_id)
        self._case = None
        self._reset()
        self.drafts.pause()
        self.title_label.setText(self.tr("登记纠纷"))
        self.submit_button.setText(self.tr("登记纠纷"))
        self.customer_label.setText(
            self.tr("客户：{nick}").format(nick=customer_nick) if customer_nick else self.tr("客户：由订单号确定")
        )
        self.order_edit.setText(order_no)
        now = datetime.now().replace(second=0, microsecond=0)
        for deadline in default_deadlines(PlatformState.NONE, now):
            self._add_row(deadline)
        self.drafts.resume()
        self.evidence_box.reset(messages, customer_nick, has_order=True)
        self.evidence_box.show()
        self.drafts.start(f"dispute:new:c{customer_id}:o{order_no}:v{conversation_id or 0}")
        self._schedule_check()

    def show_buyer(self, customer_id: int, nick: str, messages: Sequence[Message]) -> None:
        """The order's buyer, once looked up: named in the customer line, their live chat offered as
        evidence when the form was opened without one."""
        super().show_buyer(customer_id, nick, messages)
        box = self.evidence_box
        if customer_id == self._buyer_shown and messages and not box.isHidden() and box.picker.model.rowCount() == 0:
            box.picker.set_messages(messages, nick)
            box.messages_title.setVisible(True)

    def edit(self, case: Case) -> None:
        assert isinstance(case.details, DisputeDetails)
        self._open_for(case.customer_id, case.conversation_id)
        self._case = case
        self._reset()
        d = case.details
        self.drafts.pause()
        self.title_label.setText(self.tr("纠纷记录 {no}").format(no=case.case_no))
        self.submit_button.setText(self.tr("保存纠纷记录"))
        self.customer_label.setText(self.tr("客户：{nick}").format(nick=case.customer_nick))
        self.cause_combo.setCurrentIndex(max(0, self.cause_combo.findData(d.cause.value)))
        self.order_edit.setText(case.order_no)
        self.description_edit.setPlainText(case.description)
        self.asked_edit.setText(d.asked)
        self.asked_amount.set_cents(d.asked_cents)
        self.agreed_edit.setText(d.agreed)
        self.agreed_amount.set_cents(d.agreed_cents)
        self.platform_combo.setCurrentIndex(max(0, self.platform_combo.findData(d.platform.value)))
        self.appeal.set_record(d.appeal)
        for deadline in d.deadlines:
            self._add_row(deadline)
        self.drafts.resume()
        self.evidence_box.hide()
        self.drafts.start(f"dispute:case:{case.id}")
        self._schedule_check()

    def form(self) -> DisputeForm:
        cause = self.cause_combo.currentData()
        return DisputeForm(
            customer_id=self._customer_id or (self._order.customer_id if self._order else 0),
            cause=DisputeCause(cause) if cause else None,
            description=self.description_edit.toPlainText(),
            order_no=self.order_edit.text().strip(),
            conversation_id=self._conversation_id,
            asked=self.asked_edit.text(),
            asked_cents=self.asked_amount.cents(),
            agreed=self.agreed_edit.text(),
            agreed_cents=self.agreed_amount.cents(),
            platform=PlatformState(self.platform_combo.currentData()),
            appeal=self.appeal.record(),
            deadlines=tuple(row.value() for row in self._rows()),
        )

    def errors(self) -> list[FieldError]:
        form = self.form()
        errors = validate_dispute(form, self._order_for(form.order_no))
        errors = settle_order_errors(errors, form.order_no, self._looked_up)
        return [e for e in errors if e.field != "customer"]

    def payload(self) -> Mapping[str, Any]:
        return {
            "cause": self.cause_combo.currentData(),
            "order_no": self.order_edit.text(),
            "description": self.description_edit.toPlainText(),
            "asked": self.asked_edit.text(),
            "asked_cents": self.asked_amount.cents(),
            "agreed": self.agreed_edit.text(),
            "agreed_cents": self.agreed_amount.cents(),
            "platform": self.platform_combo.currentData(),
            "deadlines": [[d.label, d.due_at.isoformat(), d.done] for d in (r.value() for r in self._rows())],
            **self.appeal.payload(),
        }

    def submit(self) -> None:
        if not self._ready_to_submit():
            return
        form, service, actor, case = self.form(), self._service, self._actor, self._case
        evidence = NewEvidence.ticked(self.evidence_box, form.order_no)  # a dispute always has its order

        def job() -> Case:
            if case is not None:
                return service.update_dispute(case.id, form, actor)
            return evidence.attach(service, service.open_dispute(form, actor), actor)

        self._tasks.write(job, while_alive(self, self._on_submitted), while_alive(self, self._on_submit_failed))

    def add_deadline(self, label: str, due_at: datetime) -> None:
        self._add_row(Deadline(label, due_at))
        self._edited("deadlines")

    # -- internals -------------------------------------------------------------------------------

    def _rows(self) -> list[DeadlineRow]:
        rows = []
        for i in range(self.deadline_rows.count()):
            item = self.deadline_rows.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, DeadlineRow):
                rows.append(widget)
        return rows

    def _add_row(self, deadline: Deadline) -> DeadlineRow:
        row = DeadlineRow(deadline)
        row.changed.connect(lambda: self._edited("deadlines"))
        row.remove_requested.connect(self._remove_row)
        self.deadline_rows.addWidget(row)
        return row

    def _remove_row(self, row: DeadlineRow) -> None:
        self.deadline_rows.removeWidget(row)
        row.hide()
        row.deleteLater()
        self._edited("deadlines")

    def _add_default_deadline(self) -> None:
        platform = PlatformState(self.platform_combo.currentData())
        now = datetime.now().replace(second=0, microsecond=0)
        deadline = default_deadlines(platform, now)[0]
        self._add_row(deadline)
        self._edited("deadlines")

    def _reset(self) -> None:
        self.drafts.pause()
        self._clear_state()
        self.cause_combo.setCurrentIndex(0)
        self.order_edit.setText("")
        self.order_summary.setText("")
        self.description_edit.setPlainText("")
        self.asked_edit.setText("")
        self.asked_amount.set_cents(0)
        self.agreed_edit.setText("")
        self.agreed_amount.set_cents(0)
        self.platform_combo.setCurrentIndex(0)
        self.appeal.set_record(AppealRecord())
        for row in self._rows():
            self.deadline_rows.removeWidget(row)
            row.hide()
            row.deleteLater()
        self._busy = False
        self.submit_button.setEnabled(True)
        self.drafts.resume()

    def _run_check(self) -> None:
        self._generation += 1
        generation = self._generation
        number, service = self.order_edit.text().strip(), self._service
        if not number:
            self._order = None
            self.order_summary.setText("")
            return
        self._tasks.read(
            lambda: service.lookup_order(number),
            while_alive(self, lambda order: self._on_order(generation, number, order)),
        )

    def _on_order(self, generation: int, number: str, order: Order | None) -> None:
        if generation != self._generation:
            return
        self._order = order
        self._order_looked_up(order)
        self._looked_up = number
        self.order_summary.setText(
            self.tr("{state} · 实付 {total}").format(
                state=order_state_label(order.state), total=money(order.total_cents)
            )
            if order
            else ""
        )
        self._show_inline()

    def _load_draft(self, p: Mapping[str, Any]) -> None:
        self.cause_combo.setCurrentIndex(max(0, self.cause_combo.findData(p.get("cause", "other"))))
        self.order_edit.setText(str(p.get("order_no", "")))
        self.description_edit.setPlainText(str(p.get("description", "")))
        self.asked_edit.setText(str(p.get("asked", "")))
        self.asked_amount.set_cents(int(p.get("asked_cents", 0) or 0))
        self.agreed_edit.setText(str(p.get("agreed", "")))
        self.agreed_amount.set_cents(int(p.get("agreed_cents", 0) or 0))
        self.platform_combo.setCurrentIndex(max(0, self.platform_combo.findData(p.get("platform", "none"))))
        self.appeal.load(p)
        for row in self._rows():
            self.deadline_rows.removeWidget(row)
            row.hide()
            row.deleteLater()
        for label, due, done in p.get("deadlines", []):
            self._add_row(Deadline(str(label), datetime.fromisoformat(due), bool(done)))
