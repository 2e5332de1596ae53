"""The complaint form (客户投诉): type, order, description and demand; normal or suspected malicious with
the signals the program found; handling steps with compensation and follow-up; the platform appeal;
and evidence from the chat, the order and files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)

from workbench.domain.aftersales import (
    COMPLAINT_TYPES,
    AppealRecord,
    AppealState,
    Case,
    CompensationKind,
    ComplaintCategory,
    ComplaintDetails,
    ComplaintNature,
    ComplaintType,
    Draft,
    FieldError,
    HandlingStep,
    HandlingStepKind,
    RiskAssessment,
)
from workbench.domain.complaints import ComplaintForm, suggests_malicious, validate_complaint
from workbench.domain.conversations import Message
from workbench.domain.orders import Order
from workbench.services.aftersales import AftersalesService
from workbench.ui.aftersales.case_form import CaseForm, FormTexts, NewEvidence
from workbench.ui.aftersales.evidence import NewEvidenceBox
from workbench.ui.aftersales.texts import (
    appeal_state_label,
    compensation_label,
    complaint_category_label,
    complaint_type_label,
    money,
    nature_label,
    step_hint,
    step_label,
)
from workbench.ui.aftersales.widgets import FormGrid, MoneyEdit, OptionalDateTime, RiskPanel, settle_order_errors
from workbench.ui.orders.states import state_label as order_state_label
from workbench.ui.tasks import Tasks
from workbench.ui.theme import text_style
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.guard import while_alive

CHECK_DELAY_MS = 400


class AppealBox(QWidget):
    """A platform appeal record: state, the platform's reference number, what was argued."""

    changed = Signal()
    """Any field of the appeal changed."""

    def __init__(self, grid: FormGrid, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state_combo = QComboBox()
        for state in AppealState:
            self.state_combo.addItem(appeal_state_label(state), state.value)
        self.reference_edit = QLineEdit()
        self.reference_edit.setPlaceholderText(self.tr("平台给的申诉单号"))
        self.note_edit = QPlainTextEdit()
        self.note_edit.setPlaceholderText(self.tr("申诉理由和提交的证据"))
        self.note_edit.setFixedHeight(60)
        grid.add("appeal_state", self.tr("平台申诉"), self.state_combo)
        grid.add("appeal_reference", self.tr("申诉单号"), self.reference_edit)
        grid.add("appeal_note", self.tr("申诉说明"), self.note_edit)
        self.state_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.reference_edit.textEdited.connect(lambda _t: self.changed.emit())
        self.note_edit.textChanged.connect(self.changed.emit)
        self._submitted_at: datetime | None = None

    def record(self) -> AppealRecord:
        return AppealRecord(
            AppealState(self.state_combo.currentData()),
            self.reference_edit.text(),
            self._submitted_at,
            self.note_edit.toPlainText(),
        )

    def set_record(self, record: AppealRecord) -> None:
        self.state_combo.setCurrentIndex(max(0, self.state_combo.findData(record.state.value)))
        self.reference_edit.setText(record.reference)
        self.note_edit.setPlainText(record.note)
        self._submitted_at = record.submitted_at

    def payload(self) -> dict[str, Any]:
        return {
            "appeal_state": self.state_combo.currentData(),
            "appeal_reference": self.reference_edit.text(),
            "appeal_note": self.note_edit.toPlainText(),
        }

    def load(self, p: Mapping[str, Any]) -> None:
        self.state_combo.setCurrentIndex(max(0, self.state_combo.findData(p.get("appeal_state", "none"))))
        self.reference_edit.setText(str(p.get("appeal_reference", "")))
        self.note_edit.setPlainText(str(p.get("appeal_note", "")))


class StepRow(QWidget):
    """One handling step: done or not, and what was done."""

    def __init__(self, step: HandlingStepKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.step = step
        self.at: datetime | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.check = QCheckBox(step_label(step))
        self.check.setMinimumWidth(self.check.fontMetrics().horizontalAdvance(step_label(step)) + 30)
        self.note = QLineEdit()
        self.note.setPlaceholderText(step_hint(step))
        layout.addWidget(self.check)
        layout.addWidget(self.note, 1)

    def value(self) -> HandlingStep:
        return HandlingStep(
            self.step, self.check.isChecked(), self.note.text(), self.at if self.check.isChecked() else None
        )

    def set_value(self, step: HandlingStep) -> None:
        self.check.setChecked(step.done)
        self.note.setText(step.note)
        self.at = step.at


class ComplaintFormView(CaseForm):
    """Registers a complaint, or updates the handling record of one (`edit`)."""

    signals_checked = Signal(object)
    """The program checked the malicious-complaint marks; carries the RiskAssessment."""

    # the malicious-complaint signals read the text and the demand too
    check_fields = frozenset({"order_no", "description", "demand", "demand_amount", "type"})

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
        self._case: Case | None = None
        self.risk: RiskAssessment | None = None
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
        category_row = QWidget()
        row = QHBoxLayout(category_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.category_group = QButtonGroup(self)
        self.category_buttons: dict[ComplaintCategory, QRadioButton] = {}
        for i, category in enumerate(ComplaintCategory):
            button = QRadioButton(complaint_category_label(category))
            self.category_group.addButton(button, i)
            self.category_buttons[category] = button
            row.addWidget(button)
        row.addStretch(1)
        self.category_buttons[ComplaintCategory.PRODUCT].setChecked(True)
        self.category_group.idToggled.connect(self._on_category)
        g.add("category", self.tr("投诉分类"), category_row, required=True)
        self.type_combo = QComboBox()
        self.type_combo.currentIndexChanged.connect(lambda _i: self._edited("type"))
        g.add("type", self.tr("投诉类型"), self.type_combo, required=True)
        self.order_edit = QLineEdit()
        self.order_edit.setPlaceholderText(self.tr("商品质量投诉必须关联订单"))
        self.order_edit.setClearButtonEnabled(True)
        self.order_edit.textEdited.connect(lambda _t: self._edited("order_no"))
        g.add("order_no", self.tr("订单号"), self.order_edit)
        self.order_summary = QLabel()
        self.order_summary.setObjectName("secondary")
        self.order_summary.setWordWrap(True)
        g.grid.addWidget(self.order_summary, g.grid.rowCount(), 1)
        self.description_edit = QPlainTextEdit()
        self.description_edit.setPlaceholderText(self.tr("买家投诉的内容，尽量用买家的原话"))
        self.description_edit.setFixedHeight(80)
        self.description_edit.textChanged.connect(lambda: self._edited("description"))
        g.add("description", self.tr("问题描述"), self.description_edit, required=True)
        demand_row = QWidget()
        drow = QHBoxLayout(demand_row)
        drow.setContentsMargins(0, 0, 0, 0)
        drow.setSpacing(6)
        self.demand_edit = QLineEdit()
        self.demand_edit.setPlaceholderText(self.tr("例如：退货退款、补发、赔偿"))
        self.demand_edit.textEdited.connect(lambda _t: self._edited("demand"))
        self.demand_amount = MoneyEdit()
        self.demand_amount.valueChanged.connect(lambda _v: self._edited("demand_amount"))
        drow.addWidget(self.demand_edit, 1)
        drow.addWidget(QLabel(self.tr("金额")))
        drow.addWidget(self.demand_amount)
        g.add("demand", self.tr("客户诉求"), demand_row)
        g.alias("demand_amount", "demand", self.demand_amount)
        card.body.addWidget(g)
        column.addWidget(card)

        # nature: the agent decides, the program only suggests
        nature = Card(self.tr("投诉性质"))
        nature_row = QHBoxLayout()
        self.nature_group = QButtonGroup(self)
        self.normal_radio = QRadioButton(nature_label(ComplaintNature.NORMAL))
        self.malicious_radio = QRadioButton(nature_label(ComplaintNature.MALICIOUS))
        self.nature_group.addButton(self.normal_radio, 0)
        self.nature_group.addButton(self.malicious_radio, 1)
        self.normal_radio.setChecked(True)
        self.nature_group.idToggled.connect(lambda _i, _on: self._on_nature())
        nature_row.addWidget(self.normal_radio)
        nature_row.addWidget(self.malicious_radio)
        nature_row.addStretch(1)
        nature.body.addLayout(nature_row)
        self.suggestion_label = QLabel()
        self.suggestion_label.setWordWrap(True)
        nature.body.addWidget(self.suggestion_label)
        self.nature_hint = QLabel(
            self.tr(
                "正常投诉：快速响应、合理补偿、全程跟进。恶意投诉：冷静应对、收集证据、向平台申诉，情节严重可走法律途径。"
            )
        )
        self.nature_hint.setObjectName("muted")
        self.nature_hint.setWordWrap(True)
        nature.body.addWidget(self.nature_hint)
        self.appeal_grid = FormGrid()
        self.appeal = AppealBox(self.appeal_grid, self)
        self.appeal.changed.connect(lambda: self._edited("appeal_state"))
        nature.body.addWidget(self.appeal_grid)
        column.addWidget(nature)

        # handling steps, compensation, follow-up
        handling = Card(self.tr("处理步骤"))
        self.step_rows = {step: StepRow(step) for step in HandlingStepKind}
        steps_grid = QGridLayout()
        steps_grid.setVerticalSpacing(6)
        for i, step_row in enumerate(self.step_rows.values()):
            step_row.check.toggled.connect(lambda _on, s=step_row.step: self._edited(f"step_{s.value}"))
            step_row.note.textEdited.connect(lambda _t, s=step_row.step: self._edited(f"step_{s.value}"))
            steps_grid.addWidget(step_row, i, 0)
        handling.body.addLayout(steps_grid)
        self.steps_error = QLabel()
        self.steps_error.setObjectName("fieldError")
        self.steps_error.setWordWrap(True)
        self.steps_error.hide()
        handling.body.addWidget(self.steps_error)
        self.handling_grid = FormGrid()
        for step in HandlingStepKind:
            # a note too long shows under the steps
            self.handling_grid.sink(
                f"step_{step.value}", self.steps_error, self.step_rows[step].note, self.step_rows[step].check
            )
        comp_row = QWidget()
        crow = QHBoxLayout(comp_row)
        crow.setContentsMargins(0, 0, 0, 0)
        crow.setSpacing(6)
        self.compensation_combo = QComboBox()
        for kind in CompensationKind:
            self.compensation_combo.addItem(compensation_label(kind), kind.value)
        self.compensation_combo.currentIndexChanged.connect(lambda _i: self._edited("compensation"))
        self.compensation_amount = MoneyEdit()
        self.compensation_amount.valueChanged.connect(lambda _v: self._edited("compensation_amount"))
        crow.addWidget(self.compensation_combo)
        crow.addWidget(self.compensation_amount)
        crow.addStretch(1)
        self.handling_grid.add("compensation", self.tr("补偿方式"), comp_row)
        self.handling_grid.alias("compensation_amount", "compensation", self.compensation_amount)
        self.compensation_note = QLineEdit()
        self.compensation_note.setPlaceholderText(self.tr("例如：10元无门槛券，补发收纳袋"))
        self.compensation_note.textEdited.connect(lambda _t: self._edited("compensation_note"))
        self.handling_grid.add("compensation_note", self.tr("补偿说明"), self.compensation_note)
        self.follow_up = OptionalDateTime(self.tr("约定回访"))
        self.follow_up.changed.connect(lambda: self._edited("follow_up_at"))
        self.handling_grid.add("follow_up_at", self.tr("回访时间"), self.follow_up)
        handling.body.addWidget(self.handling_grid)
        column.addWidget(handling)

        self.evidence_box = NewEvidenceBox()
        column.addWidget(self.evidence_box)

        footer = Card()
        self._add_footer(footer.body)
        column.addWidget(footer)
        column.addStretch(1)
        self.risk_panel = RiskPanel(self.tr("恶意投诉信号"))
        self._place(outer, scroll, column, self.risk_panel)
        self._on_category(0, True)
        self._on_nature()

    # -- public --------------------------------------------------------------------------------

    def is_editing(self) -> bool:
        return self._case is not None

    def start(
        self,
        customer_id: int = 0,
        customer_nick: str = "",
        order_no: str = "",
        conversation_id: int | None = None,
        messages: tuple[Message, ...] = (),
    ) -> None:
        """A new complaint (or the draft kept for the same customer, order and chat)."""
        self._open_for(customer_id, conversation_id)
        self._case = None
        self._reset()
        self.title_label.setText(self.tr("登记客户投诉"))
        self.submit_button.setText(self.tr("登记投诉"))
        self.customer_label.setText(
            self.tr("客户：{nick}").format(nick=customer_nick) if customer_nick else self.tr("客户：由订单号确定")
        )
        self.drafts.pause()
        self.order_edit.setText(order_no)
        self.drafts.resume()
        self.evidence_box.reset(messages, customer_nick, has_order=bool(order_no))
        self.evidence_box.show()
        self.drafts.start(f"complaint:new:c{customer_id}:o{order_no}:v{conversation_id or 0}")
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
        """Update the handling record of a registered complaint."""
        assert isinstance(case.details, ComplaintDetails)
        self._open_for(case.customer_id, case.conversation_id)
        self._case = case
        self._reset()
        d = case.details
        self.drafts.pause()
        self.title_label.setText(self.tr("投诉处理记录 {no}").format(no=case.case_no))
        self.submit_button.setText(self.tr("保存处理记录"))
        self.customer_label.setText(self.tr("客户：{nick}").format(nick=case.customer_nick))
        self.category_buttons[d.category].setChecked(True)
        self._on_category(0, True)
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(d.type.value)))
        self.order_edit.setText(case.order_no)
        self.description_edit.setPlainText(case.description)
        self.demand_edit.setText(d.demand)
        self.demand_amount.set_cents(d.demand_cents)
        (self.malicious_radio if d.nature is ComplaintNature.MALICIOUS else self.normal_radio).setChecked(True)
        for step in d.steps:
            self.step_rows[step.step].set_value(step)
        self.compensation_combo.setCurrentIndex(max(0, self.compensation_combo.findData(d.compensation.value)))
        self.compensation_amount.set_cents(d.compensation_cents)
        self.compensation_note.setText(d.compensation_note)
        self.follow_up.set_value(d.follow_up_at, datetime.now().replace(second=0, microsecond=0) + timedelta(days=1))
        self.appeal.set_record(d.appeal)
        self.drafts.resume()
        self.evidence_box.hide()
        self.risk = RiskAssessment(d.signals) if d.signals else None
        self.risk_panel.set_assessment(self.risk)
        self._show_suggestion()
        self._on_nature()
        self.drafts.start(f"complaint:case:{case.id}")
        self._schedule_check()

    def form(self) -> ComplaintForm:
        type_value = self.type_combo.currentData()
        return ComplaintForm(
            customer_id=self._customer_id or (self._order.customer_id if self._order else 0),
            type=ComplaintType(type_value) if type_value else None,
            description=self.description_edit.toPlainText(),
            order_no=self.order_edit.text().strip(),
            conversation_id=self._conversation_id,
            demand=self.demand_edit.text(),
            demand_cents=self.demand_amount.cents(),
            nature=ComplaintNature.MALICIOUS if self.malicious_radio.isChecked() else ComplaintNature.NORMAL,
            steps=tuple(row.value() for row in self.step_rows.values()),
            compensation=CompensationKind(self.compensation_combo.currentData()),
            compensation_cents=self.compensation_amount.cents(),
            compensation_note=self.compensation_note.text(),
            follow_up_at=self.follow_up.value(),
            appeal=self.appeal.record(),
        )

    def errors(self) -> list[FieldError]:
        form = self.form()
        errors = validate_complaint(form, self._order_for(form.order_no))
        errors = settle_order_errors(errors, form.order_no, self._looked_up)
        if form.customer_id <= 0 and not form.order_no:
            errors = [e for e in errors if e.field not in ("customer", "order_no")]
            errors.append(FieldError("order_no", "required"))
        return [e for e in errors if e.field != "customer" or form.order_no]

    def payload(self) -> Mapping[str, Any]:
        follow_up = self.follow_up.value()
        return {
            "category": next(c.value for c, b in self.category_buttons.items() if b.isChecked()),
            "type": self.type_combo.currentData() or "",
            "order_no": self.order_edit.text(),
            "description": self.description_edit.toPlainText(),
            "demand": self.demand_edit.text(),
            "demand_cents": self.demand_amount.cents(),
            "nature": "malicious" if self.malicious_radio.isChecked() else "normal",
            "steps": {r.step.value: [r.check.isChecked(), r.note.text()] for r in self.step_rows.values()},
            "compensation": self.compensation_combo.currentData(),
            "compensation_cents": self.compensation_amount.cents(),
            "compensation_note": self.compensation_note.text(),
            "follow_up_at": follow_up.isoformat() if follow_up else "",
            **self.appeal.payload(),
        }

    def submit(self) -> None:
        if not self._ready_to_submit():
            return
        form, service, actor, case = self.form(), self._service, self._actor, self._case
        evidence = NewEvidence.ticked(self.evidence_box, form.order_no)

        def job() -> Case:
            if case is not None:
                return service.update_complaint(case.id, form, actor)
            return evidence.attach(service, service.file_complaint(form, actor), actor)

        self._tasks.write(job, while_alive(self, self._on_submitted), while_alive(self, self._on_submit_failed))

    # -- reacting --------------------------------------------------------------------------------

    def _reset(self) -> None:
        self.drafts.pause()
        self._clear_state()
        self.category_buttons[ComplaintCategory.PRODUCT].setChecked(True)
        self._on_category(0, True)
        self.order_edit.setText("")
        self.order_summary.setText("")
        self.description_edit.setPlainText("")
        self.demand_edit.setText("")
        self.demand_amount.set_cents(0)
        self.normal_radio.setChecked(True)
        for step in HandlingStepKind:
            self.step_rows[step].set_value(HandlingStep(step))
        self.compensation_combo.setCurrentIndex(0)
        self.compensation_amount.set_cents(0)
        self.compensation_note.setText("")
        self.follow_up.set_value(None, datetime.now().replace(second=0, microsecond=0) + timedelta(days=1))
        self.appeal.set_record(AppealRecord())
        self.risk = None
        self.risk_panel.set_assessment(None)
        self.suggestion_label.setText("")
        self._busy = False
        self.submit_button.setEnabled(True)
        self.drafts.resume()

    def _on_category(self, _id: int, on: bool) -> None:
        if not on:
            return
        category = next(c for c, b in self.category_buttons.items() if b.isChecked())
        current = self.type_combo.currentData()
        self.type_combo.blockSignals(True)
        self.type_combo.clear()
        for kind in COMPLAINT_TYPES[category]:
            self.type_combo.addItem(complaint_type_label(kind), kind.value)
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(current)))
        self.type_combo.blockSignals(False)
        # a product-quality complaint must name its order (validate_complaint); a service one need not
        self.grid.set_required("order_no", category is ComplaintCategory.PRODUCT)
        self._edited("type")

    def _on_nature(self) -> None:
        malicious = self.malicious_radio.isChecked()
        for name in ("appeal_state", "appeal_reference", "appeal_note"):
            self.appeal_grid.set_row_visible(name, malicious)
        self._edited("nature")

    def _grids(self) -> tuple[FormGrid, ...]:
        return (self.grid, self.appeal_grid, self.handling_grid)

    def _run_check(self) -> None:
        """Look the order up and check the malicious-complaint marks (in the background)."""
        self._generation += 1
        generation = self._generation
        form, service = self.form(), self._service
        exclude = self._case.id if self._case else 0

        def job() -> tuple[Order | None, RiskAssessment | None]:
            order = service.lookup_order(form.order_no) if form.order_no else None
            customer = form.customer_id or (order.customer_id if order else 0)
            if not customer:
                return order, None
            text = form.description + "\n" + form.demand
            risk = service.complaint_signals(
                customer, form.order_no, text, form.type, form.demand_cents, exclude_case_id=exclude
            )
            return order, risk

        self._tasks.read(job, while_alive(self, lambda result: self._on_checked(generation, form.order_no, result)))

    def _on_checked(self, generation: int, order_no: str, result: tuple[Order | None, RiskAssessment | None]) -> None:
        if generation != self._generation:
            return
        order, risk = result
        self._order = order
        self._order_looked_up(order)
        self._looked_up = order_no
        if order is not None:
            self.order_summary.setText(
                self.tr("{state} · 实付 {total}").format(
                    state=order_state_label(order.state), total=money(order.total_cents)
                )
            )
        else:
            self.order_summary.setText("")
        self.risk = risk
        self.risk_panel.set_assessment(risk)
        self._show_suggestion()
        self._show_inline()
        self.signals_checked.emit(risk)

    def _show_suggestion(self) -> None:
        risk = self.risk
        if risk is None or not risk.signals:
            self.suggestion_label.setText("")
            return
        if suggests_malicious(risk):
            self.suggestion_label.setStyleSheet(text_style("warning"))
            self.suggestion_label.setText(
                self.tr("程序提示：发现 {n} 个恶意投诉信号（{score} 分），建议核实后再决定性质。").format(
                    n=len(risk.hits), score=risk.score
                )
            )
        else:
            self.suggestion_label.setStyleSheet(text_style("success_text"))
            self.suggestion_label.setText(
                self.tr("程序提示：信号不多（{score} 分），按正常投诉处理。").format(score=risk.score)
            )

    def _load_draft(self, p: Mapping[str, Any]) -> None:
        category = ComplaintCategory(p.get("category", "product"))
        self.category_buttons[category].setChecked(True)
        self._on_category(0, True)
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(p.get("type", ""))))
        self.order_edit.setText(str(p.get("order_no", "")))
        self.description_edit.setPlainText(str(p.get("description", "")))
        self.demand_edit.setText(str(p.get("demand", "")))
        self.demand_amount.set_cents(int(p.get("demand_cents", 0) or 0))
        (self.malicious_radio if p.get("nature") == "malicious" else self.normal_radio).setChecked(True)
        steps = p.get("steps", {})
        for step, row in self.step_rows.items():
            done, note = steps.get(step.value, [False, ""])
            row.check.setChecked(bool(done))
            row.note.setText(str(note))
        self.compensation_combo.setCurrentIndex(max(0, self.compensation_combo.findData(p.get("compensation", "none"))))
        self.compensation_amount.set_cents(int(p.get("compensation_cents", 0) or 0))
        self.compensation_note.setText(str(p.get("compensation_note", "")))
        follow = p.get("follow_up_at") or ""
        self.follow_up.set_value(datetime.fromisoformat(follow) if follow else None)
        self.appeal.load(p)

    def _on_draft(self, draft: Draft) -> None:
        super()._on_draft(draft)
        self._on_nature()  # the appeal rows follow the nature restored
