"""The dispute form (纠纷): cause, the outcome asked for and the one agreed, platform intervention and
appeal, deadlines with reminders, and evidence."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.aftersales import (
    AppealRecord,
    Case,
    Deadline,
    DisputeCause,
    DisputeDetails,
    Draft,
    FieldError,
    PlatformState,
)
from workbench.domain.complaints import DisputeForm, default_deadlines, validate_dispute
from workbench.domain.conversations import Message
from workbench.domain.orders import Order
from workbench.services.aftersales import AftersalesService, form_errors
from workbench.ui.aftersales.complaint_form import AppealBox, attach_evidence
from workbench.ui.aftersales.evidence import NewEvidenceBox
from workbench.ui.aftersales.texts import aftersales_error_text, dispute_cause_label, money, platform_label
from workbench.ui.aftersales.widgets import (
    FORM_STYLE,
    DraftKeeper,
    FormGrid,
    MoneyEdit,
    from_qdatetime,
    settle_order_errors,
    to_qdatetime,
)
from workbench.ui.orders.states import state_label as order_state_label
from workbench.ui.tasks import Tasks
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.guard import while_alive
from workbench.ui.widgets.style import SIDEBAR_STYLE

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


class DisputeFormView(QWidget):
    """Opens a dispute, or updates one (`edit`)."""

    submitted = Signal(object)
    """The dispute was opened or saved; carries the Case."""

    cancelled = Signal()
    """The agent closed the form (the draft stays)."""

    def __init__(self, tasks: Tasks, service: AftersalesService, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = service
        self._actor = actor
        self._case: Case | None = None
        self._customer_id = 0
        self._conversation_id: int | None = None
        self._order: Order | None = None
        self._looked_up = ""
        self._touched: set[str] = set()
        self._submit_tried = False
        self._busy = False
        self._generation = 0
        self.setObjectName("sidebarPage")
        self.setStyleSheet(SIDEBAR_STYLE + FORM_STYLE)
        self.drafts = DraftKeeper(tasks, service, self.payload, self)
        self.drafts.restored.connect(self._on_draft)
        self.drafts.saved.connect(lambda _k: self.draft_note.setText(self.tr("草稿已自动保存")))
        self._lookup_timer = QTimer(self)
        self._lookup_timer.setSingleShot(True)
        self._lookup_timer.setInterval(LOOKUP_DELAY_MS)
        self._lookup_timer.timeout.connect(self._lookup)
        self._build()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        holder = QWidget()
        holder.setObjectName("sidebarPage")
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 4, 0)
        column.setSpacing(10)
        card = Card()
        self.title_label = QLabel()
        self.title_label.setObjectName("formTitle")
        card.body.addWidget(self.title_label)
        self.customer_label = QLabel()
        self.customer_label.setObjectName("muted")
        card.body.addWidget(self.customer_label)
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
        self.form_error = QLabel()
        self.form_error.setObjectName("error")
        self.form_error.setWordWrap(True)
        self.form_error.hide()
        footer.body.addWidget(self.form_error)
        buttons = QHBoxLayout()
        self.draft_note = QLabel()
        self.draft_note.setObjectName("draftNote")
        buttons.addWidget(self.draft_note, 1)
        self.discard_button = QPushButton(self.tr("丢弃草稿"))
        self.discard_button.setObjectName("link")
        self.discard_button.clicked.connect(self.discard_draft)
        self.discard_button.hide()
        buttons.addWidget(self.discard_button)
        self.cancel_button = QPushButton(self.tr("取消"))
        self.cancel_button.clicked.connect(self._cancel)
        buttons.addWidget(self.cancel_button)
        self.submit_button = QPushButton()
        self.submit_button.setObjectName("primary")
        self.submit_button.clicked.connect(self.submit)
        buttons.addWidget(self.submit_button)
        footer.body.addLayout(buttons)
        column.addWidget(footer)
        column.addStretch(1)
        scroll.setWidget(holder)
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
        self.drafts.stop()
        self._case = None
        self._customer_id = customer_id
        self._conversation_id = conversation_id
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
        self._lookup_timer.start()

    def edit(self, case: Case) -> None:
        assert isinstance(case.details, DisputeDetails)
        self.drafts.stop()
        self._case = case
        self._customer_id = case.customer_id
        self._conversation_id = case.conversation_id
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
        self._lookup_timer.start()

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
        order = self._order if self._order is not None and self._order.order_no == form.order_no else None
        errors = settle_order_errors(validate_dispute(form, order), form.order_no, self._looked_up)
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
        if self._busy:
            return
        self._submit_tried = True
        errors = self.errors()
        shown = self.grid.show_errors(errors)
        if errors:
            self.form_error.setText(self.tr("还有 {count} 处需要填写或修改。").format(count=len(errors)))
            self.form_error.show()
            if shown:
                self.grid.editor(shown[0]).setFocus()
            return
        self.form_error.hide()
        self._busy = True
        self.submit_button.setEnabled(False)
        form, service, actor, case = self.form(), self._service, self._actor, self._case
        messages = self.evidence_box.picker.checked_ids() if case is None else []
        files = self.evidence_box.files() if case is None else []
        with_order = case is None and self.evidence_box.order_check.isChecked()
        with_logistics = case is None and self.evidence_box.logistics_check.isChecked()

        def job() -> Case:
            if case is not None:
                return service.update_dispute(case.id, form, actor)
            created = service.open_dispute(form, actor)
            attach_evidence(service, created.id, actor, messages, files, with_order, with_logistics)
            return service.get(created.id) or created

        self._tasks.write(job, while_alive(self, self._on_submitted), while_alive(self, self._on_submit_failed))

    def discard_draft(self) -> None:
        self.drafts.discard()
        self.discard_button.hide()
        self.draft_note.setText(self.tr("草稿已丢弃"))

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
        self._touched.clear()
        self._submit_tried = False
        self._order = None
        self._looked_up = ""
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
        self.draft_note.setText("")
        self.discard_button.hide()
        self.form_error.hide()
        self.grid.show_errors(())
        self._busy = False
        self.submit_button.setEnabled(True)
        self.drafts.resume()

    def _edited(self, name: str) -> None:
        if not self.drafts.paused():  # filled in by the program, not typed
            self._touched.add(name)
        self.drafts.changed()
        if name == "order_no":
            self._lookup_timer.start()
        self.grid.show_errors(self.errors(), None if self._submit_tried else self._touched)
        if self._submit_tried and not self.errors():
            self.form_error.hide()

    def _lookup(self) -> None:
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
        self._looked_up = number
        self.order_summary.setText(
            self.tr("{state} · 实付 {total}").format(
                state=order_state_label(order.state), total=money(order.total_cents)
            )
            if order
            else ""
        )
        self.grid.show_errors(self.errors(), None if self._submit_tried else self._touched)

    def _on_draft(self, draft: Draft) -> None:
        p = draft.payload
        self.drafts.pause()
        try:
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
        finally:
            self.drafts.resume()
        self.draft_note.setText(
            self.tr("已恢复未提交的草稿（{time} 保存）").format(time=f"{draft.updated_at:%m-%d %H:%M}")
        )
        self.discard_button.show()
        self._lookup_timer.start()

    def _on_submitted(self, case: Case) -> None:
        self._busy = False
        self.submit_button.setEnabled(True)
        self.drafts.discard()
        self.submitted.emit(case)

    def _on_submit_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.submit_button.setEnabled(True)
        errors = form_errors(exc)
        if errors:
            self._submit_tried = True
            self.grid.show_errors(errors)
        self.form_error.setText(aftersales_error_text(exc))
        self.form_error.show()

    def _cancel(self) -> None:
        self.drafts.stop()
        self.cancelled.emit()

    def hideEvent(self, event: Any) -> None:
        self.drafts.save_now()
        super().hideEvent(event)
