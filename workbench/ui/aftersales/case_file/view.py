"""A case file: what the case is, the policy check or risk signals and why, the allowed next steps,
texts for the customer, the evidence and the timeline of everything that happened."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.aftersales import (
    SERVICE_KINDS,
    Case,
    CaseKind,
    CaseState,
    ComplaintDetails,
    DisputeDetails,
    Draft,
    Rating,
    RefundType,
    ReviewDetails,
    RiskAssessment,
    ServiceDetails,
    TransitionInput,
    check_transition,
    items_refund_cents,
    transition_needs,
)
from workbench.domain.errors import DomainError
from workbench.services.aftersales import AftersalesService, CaseFile
from workbench.services.reviews import ReviewService
from workbench.ui.aftersales.evidence import EvidenceCard
from workbench.ui.aftersales.models import stamp
from workbench.ui.aftersales.pdf import write_packet_pdf
from workbench.ui.aftersales.service_form import item_text
from workbench.ui.aftersales.texts import (
    KIND_COLORS,
    RATING_COLORS,
    action_label,
    aftersales_error_text,
    appeal_state_label,
    compensation_label,
    complaint_type_label,
    dispute_cause_label,
    event_label,
    kind_label,
    money,
    nature_label,
    platform_label,
    rating_label,
    reason_label,
    refund_type_label,
    state_color,
    state_label,
    step_label,
)
from workbench.ui.aftersales.widgets import FORM_STYLE, DraftKeeper, MoneyEdit, PolicyPanel, RiskPanel
from workbench.ui.tasks import Tasks
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.flow_layout import FlowLayout
from workbench.ui.widgets.guard import while_alive
from workbench.ui.widgets.pill import Pill
from workbench.ui.widgets.style import ERROR, MUTED, SIDEBAR_STYLE, TEXT_SECONDARY, adjusted_font
from workbench.ui.widgets.text import soft_wrap
from workbench.ui.widgets.timeline import Timeline

CASE_STYLE = """
QLabel#caseNo { font-weight: bold; }
QLabel#flagBadge { background: #fff1f0; color: #cf1322; border: 1px solid #ffa39e; border-radius: 4px;
    padding: 1px 6px; }
QLabel#dueLabel[overdue="true"] { color: #d92d20; font-weight: bold; }
QFrame#imageTile { background: #f3f5f8; border: 1px dashed #c9cdd4; border-radius: 6px; }
QFrame#suggestion { background: #f7f8fa; border: 1px solid #e4e7ec; border-radius: 4px; }
QFrame#suggestion:hover { border-color: #1677ff; }
"""

# Moves that close a case or need typed input are confirmed in the panel; the others happen at once.
CONFIRM_STATES = frozenset({CaseState.COMPLETED, CaseState.CANCELLED, CaseState.FOLLOWED_UP})
RETURN_STATES = frozenset({CaseState.REVIEWING, CaseState.QUOTED, CaseState.AWAITING_RETURN})
TWO_COLUMNS_WIDTH = 760


def _value(text: str) -> QLabel:
    label = QLabel(soft_wrap(text))
    label.setObjectName("value")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


class SuggestionCard(QFrame):
    """A suggested reply; clicking it puts the text into the reply box."""

    clicked = Signal()
    """The agent clicked the suggestion."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = text
        self.setObjectName("suggestion")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(self.tr("点一下放进回复框"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.label = QLabel(soft_wrap(text))
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setStyleSheet(f"color: {TEXT_SECONDARY}; background: transparent; border: none;")
        layout.addWidget(self.label)

    def click(self) -> None:
        self.clicked.emit()

    def mouseReleaseEvent(self, event: Any) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class KeyValues(QWidget):
    """Rows of "name  value" (values wrap)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(1, 1)
        self._values: dict[str, str] = {}

    def set_rows(self, rows: list[tuple[str, str]]) -> None:
        while (item := self.grid.takeAt(0)) is not None:
            if (w := item.widget()) is not None:
                w.hide()
                w.deleteLater()
        self._values = {}
        for row, (name, value) in enumerate((n, v) for n, v in rows if v):
            caption = QLabel(name)
            caption.setObjectName("fieldLabel")
            caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(caption, row, 0)
            self.grid.addWidget(_value(value), row, 1)
            self._values[name] = value

    def values(self) -> dict[str, str]:
        return dict(self._values)


class CaseFileView(QWidget):
    """Shows one case and carries out what the agent does with it (all database work in `Tasks`)."""

    case_loaded = Signal(object)
    """A case file is on screen; carries the CaseFile."""

    case_changed = Signal(object)
    """The case was changed here (moved on, replied, flagged, evidence…); carries the new Case."""

    edit_requested = Signal(object)
    """The agent wants to edit the complaint or dispute record in its form; carries the Case."""

    send_text_requested = Signal(int, str)
    """Send this text to the customer in the chat: conversation id, text."""

    packet_exported = Signal(str)
    """The evidence packet was written; carries the PDF's path."""

    action_failed = Signal(str)
    """Something the agent asked for failed; carries the message shown."""

    def __init__(
        self,
        tasks: Tasks,
        service: AftersalesService,
        reviews: ReviewService,
        actor: str,
        shop_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = service
        self._reviews = reviews
        self._actor = actor
        self._shop_name = shop_name
        self.file: CaseFile | None = None
        self._pending: CaseState | None = None
        self._flagging = False
        self._generation = 0
        self.risk: RiskAssessment | None = None
        self.action_buttons: dict[CaseState, QPushButton] = {}
        self.setObjectName("sidebarPage")
        self.setStyleSheet(SIDEBAR_STYLE + FORM_STYLE + CASE_STYLE)
        self.reply_drafts = DraftKeeper(tasks, service, lambda: {"reply": self.reply_edit.toPlainText()}, self)
        self.reply_drafts.restored.connect(self._on_reply_draft)
        self._build()

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area = scroll
        holder = QWidget()
        holder.setObjectName("sidebarPage")
        columns = QBoxLayout(QBoxLayout.Direction.LeftToRight, holder)
        columns.setContentsMargins(16, 12, 16, 12)
        columns.setSpacing(12)
        self.columns = columns
        left = QVBoxLayout()
        left.setSpacing(10)
        right = QVBoxLayout()
        right.setSpacing(10)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        self.left_column, self.right_column = left, right

        # header
        head = Card()
        top = QHBoxLayout()
        top.setSpacing(8)
        self.number_label = QLabel()
        self.number_label.setObjectName("caseNo")
        self.number_label.setFont(adjusted_font(self.font(), 2, bold=True))
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.number_label)
        self.kind_pill = Pill()
        top.addWidget(self.kind_pill, 0, Qt.AlignmentFlag.AlignVCenter)
        self.state_pill = Pill()
        top.addWidget(self.state_pill, 0, Qt.AlignmentFlag.AlignVCenter)
        self.flag_badge = QLabel()
        self.flag_badge.setObjectName("flagBadge")
        top.addWidget(self.flag_badge, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addStretch(1)
        head.body.addLayout(top)
        self.meta_label = QLabel()
        self.meta_label.setObjectName("secondary")
        self.meta_label.setWordWrap(True)
        head.body.addWidget(self.meta_label)
        self.due_label = QLabel()
        self.due_label.setObjectName("dueLabel")
        head.body.addWidget(self.due_label)
        left.addWidget(head)

        # review (reviews only)
        self.review_card = Card(self.tr("评价内容"))
        self.rating_pill = Pill()
        self.review_card.header.insertWidget(1, self.rating_pill)
        self.review_text = _value("")
        self.review_card.body.addWidget(self.review_text)
        self.review_meta = QLabel()
        self.review_meta.setObjectName("muted")
        self.review_card.body.addWidget(self.review_meta)
        self.images_row = QHBoxLayout()
        self.images_row.setSpacing(6)
        self.review_card.body.addLayout(self.images_row)
        self.reply_title = QLabel(self.tr("店铺回复"))
        self.reply_title.setObjectName("fieldName")
        self.review_card.body.addWidget(self.reply_title)
        self.reply_shown = _value("")
        self.review_card.body.addWidget(self.reply_shown)
        self.reply_edit = QPlainTextEdit()
        self.reply_edit.setPlaceholderText(self.tr("写一条针对这条评价的回复，或点下面的建议再修改"))
        self.reply_edit.setFixedHeight(80)
        self.reply_edit.textChanged.connect(self._on_reply_typed)
        self.reply_edit.setAccessibleName(self.tr("回复"))
        self.review_card.body.addWidget(self.reply_edit)
        self.suggestions_title = QLabel(self.tr("根据评价内容生成的回复建议（点一下放进输入框）"))
        self.suggestions_title.setObjectName("muted")
        self.review_card.body.addWidget(self.suggestions_title)
        self.suggestions_box = QVBoxLayout()
        self.suggestions_box.setSpacing(4)
        self.review_card.body.addLayout(self.suggestions_box)
        reply_row = QHBoxLayout()
        self.reply_error = QLabel()
        self.reply_error.setObjectName("error")
        self.reply_error.setWordWrap(True)
        reply_row.addWidget(self.reply_error, 1)
        self.reply_button = QPushButton(self.tr("发布回复"))
        self.reply_button.setObjectName("primary")
        self.reply_button.clicked.connect(self.post_reply)
        reply_row.addWidget(self.reply_button)
        self.review_card.body.addLayout(reply_row)
        left.addWidget(self.review_card)

        # details
        self.details_card = Card(self.tr("详情"))
        self.edit_button = QPushButton(self.tr("编辑处理记录"))
        self.edit_button.clicked.connect(self._edit)
        self.details_card.header.addWidget(self.edit_button)
        self.details = KeyValues()
        self.details_card.body.addWidget(self.details)
        left.addWidget(self.details_card)

        # actions
        actions = Card(self.tr("处理"))
        self.actions_flow_holder = QWidget()
        self.actions_flow = FlowLayout(self.actions_flow_holder, 6, 6)
        actions.body.addWidget(self.actions_flow_holder)
        self.final_label = QLabel(self.tr("工单已结束，没有后续步骤。"))
        self.final_label.setObjectName("muted")
        actions.body.addWidget(self.final_label)
        send_row = QHBoxLayout()
        send_row.setSpacing(6)
        self.send_return_button = QPushButton(self.tr("发送寄回地址和说明"))
        self.send_return_button.clicked.connect(self.send_return_instructions)
        self.send_progress_button = QPushButton(self.tr("发送处理进度"))
        self.send_progress_button.clicked.connect(self.send_progress)
        self.flag_button = QPushButton()
        self.flag_button.clicked.connect(self._toggle_flag)
        send_row.addWidget(self.send_return_button)
        send_row.addWidget(self.send_progress_button)
        send_row.addStretch(1)
        send_row.addWidget(self.flag_button)
        actions.body.addLayout(send_row)
        self.send_hint = QLabel()
        self.send_hint.setObjectName("muted")
        self.send_hint.setWordWrap(True)
        actions.body.addWidget(self.send_hint)
        # the confirmation panel for a move that needs typed input
        self.panel = QWidget()
        panel = QVBoxLayout(self.panel)
        panel.setContentsMargins(0, 6, 0, 0)
        panel.setSpacing(6)
        self.panel_title = QLabel()
        self.panel_title.setObjectName("formTitle")
        panel.addWidget(self.panel_title)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setFixedHeight(60)
        self.reason_edit.setAccessibleName(self.tr("原因"))
        panel.addWidget(self.reason_edit)
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
        panel.addWidget(self.tracking_holder)
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
        panel.addWidget(self.amount_holder)
        self.panel_error = QLabel()
        self.panel_error.setObjectName("error")
        self.panel_error.setWordWrap(True)
        panel.addWidget(self.panel_error)
        panel_buttons = QHBoxLayout()
        panel_buttons.addStretch(1)
        self.panel_cancel = QPushButton(self.tr("取消"))
        self.panel_cancel.clicked.connect(self.close_panel)
        self.panel_confirm = QPushButton(self.tr("确认"))
        self.panel_confirm.setObjectName("primary")
        self.panel_confirm.clicked.connect(self.confirm_panel)
        panel_buttons.addWidget(self.panel_cancel)
        panel_buttons.addWidget(self.panel_confirm)
        panel.addLayout(panel_buttons)
        self.panel.hide()
        actions.body.addWidget(self.panel)
        note_row = QHBoxLayout()
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(self.tr("添加备注（记录在时间线上）"))
        self.note_edit.returnPressed.connect(self.add_note)
        self.note_button = QPushButton(self.tr("添加备注"))
        self.note_button.clicked.connect(self.add_note)
        note_row.addWidget(self.note_edit, 1)
        note_row.addWidget(self.note_button)
        actions.body.addLayout(note_row)
        self.action_error = QLabel()
        self.action_error.setObjectName("error")
        self.action_error.setWordWrap(True)
        self.action_error.hide()
        actions.body.addWidget(self.action_error)
        left.addWidget(actions)
        left.addStretch(1)

        # right column: policy or risk, evidence, timeline
        self.policy_panel = PolicyPanel()
        right.addWidget(self.policy_panel)
        self.risk_panel = RiskPanel(self.tr("风险信号"))
        self.recheck_button = QPushButton(self.tr("重新检查"))
        self.recheck_button.clicked.connect(self.recheck)
        self.risk_panel.header.addWidget(self.recheck_button)
        right.addWidget(self.risk_panel)
        self.evidence_card = EvidenceCard()
        self.evidence_card.files_chosen.connect(self.attach_files)
        self.evidence_card.messages_wanted.connect(self._pick_messages)
        self.evidence_card.picker_add.clicked.connect(self._add_picked)
        self.evidence_card.snapshot_wanted.connect(self.attach_snapshot)
        self.evidence_card.remove_wanted.connect(self.remove_evidence)
        self.evidence_card.export_wanted.connect(self._choose_export)
        right.addWidget(self.evidence_card)
        timeline_card = Card(self.tr("时间线"))
        self.timeline = Timeline()
        timeline_card.body.addWidget(self.timeline)
        right.addWidget(timeline_card)
        right.addStretch(1)
        scroll.setWidget(holder)
        outer.addWidget(scroll)

    # -- loading -------------------------------------------------------------------------------

    def case(self) -> Case | None:
        return self.file.case if self.file else None

    def show_case(self, case_id: int) -> None:
        """Load and show a case (in the background)."""
        self._generation += 1
        generation = self._generation
        service = self._service
        self._tasks.read(
            lambda: service.case_file(case_id),
            while_alive(self, lambda file: self._on_file(generation, file)),
            while_alive(self, self._fail),
        )

    def reload(self) -> None:
        if self.file is not None:
            self.show_case(self.file.case.id)

    def _on_file(self, generation: int, file: CaseFile) -> None:
        if generation != self._generation:
            return
        same = self.file is not None and self.file.case.id == file.case.id
        self.file = file
        case = file.case
        if not same:
            self.close_panel()
            self.action_error.hide()
            self.note_edit.clear()
            self.evidence_card.picker_box.hide()
        self._render_header(file)
        self._render_details(file)
        self._render_review(file, fresh=not same)
        self._render_actions(file)
        self._render_timeline(file)
        self.evidence_card.set_evidence(file.evidence)
        self.evidence_card.set_has_order(file.order is not None)
        d = case.details
        self.policy_panel.setVisible(isinstance(d, ServiceDetails))
        if isinstance(d, ServiceDetails):
            self.policy_panel.set_verdict(d.policy)
        good_review = isinstance(d, ReviewDetails) and d.rating is Rating.GOOD
        has_signals = isinstance(d, ComplaintDetails | ReviewDetails) and not good_review
        self.evidence_card.setVisible(not good_review)
        self.risk_panel.setVisible(has_signals)
        if isinstance(d, ComplaintDetails):
            self.risk_panel.set_title(self.tr("恶意投诉信号"))
            self.risk = RiskAssessment(d.signals) if d.signals else None
        elif isinstance(d, ReviewDetails):
            self.risk_panel.set_title(self.tr("职业差评师风险"))
            self.risk = RiskAssessment(d.signals) if d.signals else None
        self.risk_panel.set_assessment(self.risk if has_signals else None)
        self.recheck_button.setVisible(isinstance(d, ReviewDetails | ComplaintDetails))
        if not same:
            self.scroll_area.verticalScrollBar().setValue(0)
        self._fit_columns(self.width())
        self.case_loaded.emit(file)

    def _render_header(self, file: CaseFile) -> None:
        case = file.case
        self.number_label.setText(case.case_no)
        self.kind_pill.set_pill(kind_label(case.kind), KIND_COLORS[case.kind])
        self.state_pill.set_pill(state_label(case.state), state_color(case.state))
        if case.flagged:
            text = (
                self.tr("客服判定：疑似职业差评师") if case.kind is CaseKind.REVIEW else self.tr("客服判定：疑似恶意")
            )
            self.flag_badge.setText(text)
        self.flag_badge.setVisible(case.flagged)
        parts = [self.tr("客户 {nick}").format(nick=case.customer_nick)]
        if case.order_no:
            parts.append(self.tr("订单 {no}").format(no=case.order_no))
        parts.append(
            self.tr("登记 {time}").format(time=stamp(case.created_at))
            + (f" {case.created_by}" if case.created_by else "")
        )
        if case.conversation_id:
            parts.append(self.tr("来自会话"))
        self.meta_label.setText(" · ".join(parts))
        due = case.due_at
        overdue = due is not None and due < datetime.now()
        if due is None or case.is_final:
            self.due_label.hide()
        else:
            self.due_label.setText(
                self.tr("时限：{time}（已逾期）").format(time=stamp(due))
                if overdue
                else self.tr("时限：{time}").format(time=stamp(due))
            )
            self.due_label.setProperty("overdue", overdue)
            self.due_label.style().unpolish(self.due_label)
            self.due_label.style().polish(self.due_label)
            self.due_label.show()

    def _render_details(self, file: CaseFile) -> None:
        case = file.case
        d = case.details
        rows: list[tuple[str, str]] = []
        self.edit_button.setVisible(isinstance(d, ComplaintDetails | DisputeDetails))
        self.details_card.setVisible(not isinstance(d, ReviewDetails))
        if isinstance(d, ServiceDetails):
            self.details_card.set_title(self.tr("{kind}申请").format(kind=kind_label(case.kind)))
            rows = [
                (self.tr("原因"), reason_label(d.reason)),
                (self.tr("退款类型"), refund_type_label(d.refund_type) if d.refund_type else ""),
                (self.tr("问题描述"), case.description),
                (self.tr("售后商品"), "\n".join(d.items)),
                (self.tr("想换成"), d.exchange_wish),
                (self.tr("申请金额"), money(case.amount_cents) if case.amount_cents else ""),
                (self.tr("已退款"), money(d.refunded_cents) if d.refunded_cents else ""),
                (self.tr("维修费用"), money(d.repair_fee_cents) if d.repair_fee_cents else ""),
                (self.tr("买家寄回"), f"{d.return_carrier} {d.return_tracking_no}".strip()),
                (self.tr("店铺寄出"), f"{d.outbound_carrier} {d.outbound_tracking_no}".strip()),
                (self.tr("商品状态"), "" if d.goods_intact else self.tr("已洗涤 / 穿着 / 吊牌已拆")),
                (self.tr("自行维修"), self.tr("是") if d.self_repaired else ""),
            ]
        elif isinstance(d, ComplaintDetails):
            self.details_card.set_title(self.tr("投诉记录"))
            self.edit_button.setText(self.tr("编辑处理记录"))
            steps = "\n".join(
                f"✓ {step_label(s.step)}" + (f"：{s.note}" if s.note else "") + (f"（{stamp(s.at)}）" if s.at else "")
                for s in d.steps
                if s.done
            )
            compensation_text = ""
            if d.compensation.value != "none":
                amount = money(d.compensation_cents) if d.compensation_cents else ""
                compensation_text = f"{compensation_label(d.compensation)} {amount} {d.compensation_note}".strip()
            rows = [
                (self.tr("投诉类型"), complaint_type_label(d.type)),
                (self.tr("问题描述"), case.description),
                (self.tr("客户诉求"), f"{d.demand} {money(d.demand_cents) if d.demand_cents else ''}".strip()),
                (self.tr("性质（客服判定）"), nature_label(d.nature)),
                (self.tr("已完成步骤"), steps or self.tr("还没有")),
                (self.tr("补偿"), compensation_text),
                (self.tr("回访时间"), stamp(d.follow_up_at)),
                (
                    self.tr("平台申诉"),
                    ""
                    if d.appeal.state.value == "none"
                    else f"{appeal_state_label(d.appeal.state)} {d.appeal.reference}".strip(),
                ),
                (self.tr("申诉说明"), d.appeal.note),
            ]
        elif isinstance(d, DisputeDetails):
            self.details_card.set_title(self.tr("纠纷记录"))
            self.edit_button.setText(self.tr("编辑纠纷记录"))
            now = datetime.now()
            deadlines = "\n".join(
                f"{'✓' if x.done else ('⚠' if x.due_at < now else '○')} {x.label} {stamp(x.due_at)}"
                for x in d.deadlines
            )
            rows = [
                (self.tr("纠纷原因"), dispute_cause_label(d.cause)),
                (self.tr("纠纷经过"), case.description),
                (self.tr("买家要求"), f"{d.asked} {money(d.asked_cents) if d.asked_cents else ''}".strip()),
                (self.tr("约定 / 判定"), f"{d.agreed} {money(d.agreed_cents) if d.agreed_cents else ''}".strip()),
                (self.tr("平台介入"), platform_label(d.platform)),
                (
                    self.tr("平台申诉"),
                    ""
                    if d.appeal.state.value == "none"
                    else f"{appeal_state_label(d.appeal.state)} {d.appeal.reference}".strip(),
                ),
                (self.tr("时限"), deadlines),
            ]
        self.details.set_rows(rows)

    def _render_review(self, file: CaseFile, *, fresh: bool) -> None:
        case = file.case
        d = case.details
        self.review_card.setVisible(isinstance(d, ReviewDetails))
        if not isinstance(d, ReviewDetails):
            self.reply_drafts.stop()
            return
        self.rating_pill.set_pill(rating_label(d.rating), RATING_COLORS[d.rating])
        self.review_text.setText(soft_wrap(d.text))
        self.review_meta.setText(
            " · ".join(p for p in (case.customer_nick, d.product_title, d.product_spec, stamp(case.created_at)) if p)
        )
        while (item := self.images_row.takeAt(0)) is not None:
            if (w := item.widget()) is not None:
                w.hide()
                w.deleteLater()
        for i in range(d.images):
            tile = QLabel(self.tr("图 {n}").format(n=i + 1))
            tile.setObjectName("imageTile")
            tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
            tile.setFixedSize(64, 64)
            tile.setStyleSheet(f"background: #f3f5f8; border: 1px dashed #c9cdd4; border-radius: 6px; color: {MUTED};")
            self.images_row.addWidget(tile)
        self.images_row.addStretch(1)
        self.reply_shown.setText(soft_wrap(d.reply) if d.reply else self.tr("还没有回复"))
        self.reply_shown.setStyleSheet("" if d.reply else f"color: {MUTED};")
        if fresh:
            self.reply_drafts.stop()
            self.reply_drafts.pause()
            self.reply_edit.setPlainText("")
            self.reply_drafts.resume()
            self.reply_error.setText("")
            self.reply_drafts.start(f"review:reply:{case.id}")
            self._load_suggestions(case.id)
        self.reply_button.setText(self.tr("修改回复") if d.reply else self.tr("发布回复"))

    def _render_actions(self, file: CaseFile) -> None:
        case = file.case
        while (item := self.actions_flow.takeAt(0)) is not None:
            if (w := item.widget()) is not None:
                w.hide()
                w.deleteLater()
        self.action_buttons = {}
        for state in case.next_states():
            if state is CaseState.REPLIED:
                continue  # a review becomes 已回复 by posting the reply
            button = QPushButton(action_label(state), self.actions_flow_holder)
            if state in (CaseState.REJECTED, CaseState.CANCELLED, CaseState.APPEAL_REJECTED):
                button.setStyleSheet(f"QPushButton {{ color: {ERROR}; }}")
            elif state is case.next_states()[0]:
                button.setObjectName("primary")
            button.clicked.connect(lambda _c=False, s=state: self.request_transition(s))
            self.actions_flow.addWidget(button)
            self.action_buttons[state] = button
        good_review = isinstance(case.details, ReviewDetails) and case.details.rating is Rating.GOOD
        if good_review:
            self.final_label.setText(
                self.tr("好评：发一条针对内容的回复即可。") if case.state is CaseState.PENDING else self.tr("已回复。")
            )
        else:
            self.final_label.setText(self.tr("工单已结束，没有后续步骤。"))
        self.final_label.setVisible(case.is_final or good_review)
        self.actions_flow_holder.setVisible(not case.is_final and not good_review)
        conv = file.open_conversation_id
        d = case.details
        goods_back = case.kind in SERVICE_KINDS and not (
            isinstance(d, ServiceDetails) and d.refund_type is RefundType.REFUND_ONLY
        )
        self.send_return_button.setVisible(goods_back and case.state in RETURN_STATES)
        self.send_progress_button.setVisible(case.kind is not CaseKind.REVIEW)
        self.send_return_button.setEnabled(conv is not None)
        self.send_progress_button.setEnabled(conv is not None)
        if case.kind is CaseKind.REVIEW:
            self.send_hint.setText("")
        elif conv is None:
            self.send_hint.setText(self.tr("买家现在没有进行中的会话，发送按钮在买家来咨询时可用。"))
        else:
            self.send_hint.setText(self.tr("文字会放进与买家的聊天中。"))
        self.send_hint.setVisible(bool(self.send_hint.text()))
        flaggable = case.kind is CaseKind.COMPLAINT or (case.kind is CaseKind.REVIEW and not good_review)
        self.flag_button.setVisible(flaggable and not case.is_final)
        if case.kind is CaseKind.REVIEW:
            self.flag_button.setText(self.tr("取消疑似标记") if case.flagged else self.tr("标记为疑似职业差评师…"))
        else:
            self.flag_button.setText(self.tr("取消疑似标记") if case.flagged else self.tr("标记为疑似恶意投诉…"))

    def _render_timeline(self, file: CaseFile) -> None:
        entries = []
        for event in reversed(file.events):
            head = event_label(event.action)
            if event.to_state is not None and event.from_state is not None:
                head += f"：{state_label(event.from_state)} → {state_label(event.to_state)}"
            elif event.to_state is not None:
                head += f"：{state_label(event.to_state)}"
            text = f"{head}\n{event.text}" if event.text else head
            entries.append((text, f"{stamp(event.at)}  {event.actor}".strip()))
        self.timeline.set_entries(entries)

    # -- moving the case on ----------------------------------------------------------------------

    def request_transition(self, state: CaseState) -> None:
        """The agent clicked a next step: at once, or the panel asks for what the step needs."""
        case = self.case()
        if case is None:
            return
        needs = transition_needs(state)
        if not needs and state not in CONFIRM_STATES:
            self._run_transition(state, TransitionInput())
            return
        self._flagging = False
        self._pending = state
        self.panel_title.setText(self.tr("{action}（{no}）").format(action=action_label(state), no=case.case_no))
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
            self.amount_edit.set_cents(0 if state is CaseState.QUOTED else self._refund_default(case))
        self.panel_error.setText("")
        self.panel.show()
        (self.tracking_edit if "tracking_no" in needs else self.reason_edit).setFocus()

    def _refund_default(self, case: Case) -> int:
        """What 退款 offers first: the amount asked; for goods sent back, what the buyer paid for those
        items (their share of the order's discount included), so returning one item of several does not
        start from the whole order."""
        order = self.file.order if self.file else None
        if case.amount_cents or order is None:
            return case.amount_cents
        d = case.details
        if isinstance(d, ServiceDetails) and d.items:
            return items_refund_cents(order, [n for n in range(len(order.items)) if item_text(order, n) in d.items])
        return order.total_cents

    def _reason_prompt(self, state: CaseState) -> str:
        return {
            CaseState.REJECTED: self.tr("拒绝原因（必填，会告诉买家并记在时间线上）"),
            CaseState.APPEALING: self.tr("申诉理由（必填）：买家的哪些言行、有哪些证据"),
            CaseState.RULED: self.tr("平台判定结果（必填）"),
            CaseState.AGREED: self.tr("双方约定的方案（必填）"),
            CaseState.RESOLVED: self.tr("解决方案（必填），例如：退货退款，运费店铺承担"),
        }.get(state, self.tr("原因（必填）"))

    def close_panel(self) -> None:
        self._pending = None
        self._flagging = False
        self.panel.hide()

    def confirm_panel(self) -> None:
        case = self.case()
        if case is None:
            return
        if self._flagging:
            note = self.reason_edit.toPlainText().strip()
            if not note:
                self.panel_error.setText(self.tr("请写明判断依据（例如：聊天中以删评为条件索要钱财）。"))
                return
            self._set_flag(True, note)
            return
        state = self._pending
        if state is None:
            return
        data = TransitionInput(
            reason=self.reason_edit.toPlainText(),
            carrier=self.carrier_edit.text(),
            tracking_no=self.tracking_edit.text(),
            amount_cents=self.amount_edit.cents() if self.amount_holder.isVisibleTo(self.panel) else None,
        )
        limit = self.file.order.total_cents if self.file and self.file.order else None
        try:
            check_transition(case.kind, case.subtype, case.state, state, data, amount_limit_cents=limit)
        except DomainError as exc:
            self.panel_error.setText(aftersales_error_text(exc))
            return
        self._run_transition(state, data)

    def _run_transition(self, state: CaseState, data: TransitionInput) -> None:
        case = self.case()
        if case is None:
            return
        service, actor = self._service, self._actor
        self.panel_confirm.setEnabled(False)
        self._tasks.write(
            lambda: service.transition(case.id, state, data, actor),
            while_alive(self, self._changed),
            while_alive(self, self._fail),
        )

    def _changed(self, case: Case) -> None:
        self.panel_confirm.setEnabled(True)
        self.close_panel()
        self.action_error.hide()
        self.case_changed.emit(case)
        self.show_case(case.id)

    def _fail(self, exc: BaseException) -> None:
        self.panel_confirm.setEnabled(True)
        text = aftersales_error_text(exc)
        if self.panel.isVisible():
            self.panel_error.setText(text)
        else:
            self.action_error.setText(text)
            self.action_error.show()
        self.action_failed.emit(text)

    def _toggle_flag(self) -> None:
        case = self.case()
        if case is None:
            return
        if case.flagged:
            self._set_flag(False, self.tr("客服复核后取消"))
            return
        self._pending = None
        self._flagging = True
        self.panel_title.setText(
            self.tr("标记为疑似职业差评师") if case.kind is CaseKind.REVIEW else self.tr("标记为疑似恶意投诉")
        )
        self.reason_edit.setPlaceholderText(self.tr("判断依据（必填）：程序的评分只是参考，请写明你看到的事实"))
        self.reason_edit.setPlainText("")
        self.tracking_holder.hide()
        self.amount_holder.hide()
        self.panel_error.setText("")
        self.panel.show()
        self.reason_edit.setFocus()

    def _set_flag(self, flagged: bool, note: str) -> None:
        case = self.case()
        if case is None:
            return
        service, actor = self._service, self._actor
        self._tasks.write(
            lambda: service.set_flag(case.id, flagged, note, actor),
            while_alive(self, self._changed),
            while_alive(self, self._fail),
        )

    def add_note(self) -> None:
        case = self.case()
        text = self.note_edit.text().strip()
        if case is None or not text:
            return
        service, actor = self._service, self._actor

        def done(_event: object) -> None:
            self.note_edit.clear()
            self.reload()

        self._tasks.write(
            lambda: service.add_note(case.id, text, actor), while_alive(self, done), while_alive(self, self._fail)
        )

    def _edit(self) -> None:
        case = self.case()
        if case is not None:
            self.edit_requested.emit(case)

    # -- texts to the customer -------------------------------------------------------------------

    def send_return_instructions(self) -> None:
        self._send(lambda service, case_id: service.return_instructions(case_id))

    def send_progress(self) -> None:
        self._send(lambda service, case_id: service.progress_text(case_id))

    def _send(self, make: Any) -> None:
        file = self.file
        if file is None or file.open_conversation_id is None:
            return
        conv_id, case_id, service, actor = file.open_conversation_id, file.case.id, self._service, self._actor

        def job() -> str:
            text: str = make(service, case_id)
            service.record_message(case_id, text, actor)
            return text

        def done(text: str) -> None:
            self.send_text_requested.emit(conv_id, text)
            self.reload()

        self._tasks.write(job, while_alive(self, done), while_alive(self, self._fail))

    # -- reviews ---------------------------------------------------------------------------------

    def _load_suggestions(self, case_id: int) -> None:
        while (item := self.suggestions_box.takeAt(0)) is not None:
            if (w := item.widget()) is not None:
                w.hide()
                w.deleteLater()
        reviews = self._reviews
        self._tasks.read(
            lambda: reviews.suggestions(case_id),
            while_alive(self, lambda replies: self._on_suggestions(case_id, replies)),
        )

    def _on_suggestions(self, case_id: int, replies: tuple[str, ...]) -> None:
        case = self.case()
        if case is None or case.id != case_id:
            return
        for reply in replies:
            card = SuggestionCard(reply)
            card.clicked.connect(lambda text=reply: self.reply_edit.setPlainText(text))
            self.suggestions_box.addWidget(card)

    def suggestions(self) -> list[str]:
        out = []
        for i in range(self.suggestions_box.count()):
            item = self.suggestions_box.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, SuggestionCard):
                out.append(widget.text)
        return out

    def _on_reply_typed(self) -> None:
        self.reply_drafts.changed()
        self.reply_error.setText("")

    def _on_reply_draft(self, draft: Draft) -> None:
        text = str(draft.payload.get("reply", ""))
        if text and not self.reply_edit.toPlainText():
            self.reply_drafts.pause()
            self.reply_edit.setPlainText(text)
            self.reply_drafts.resume()

    def post_reply(self) -> None:
        case = self.case()
        text = self.reply_edit.toPlainText().strip()
        if case is None:
            return
        if not text:
            self.reply_error.setText(self.tr("回复：必填"))
            return
        reviews, actor = self._reviews, self._actor
        self.reply_button.setEnabled(False)

        def done(updated: Case) -> None:
            self.reply_button.setEnabled(True)
            self.reply_drafts.discard()
            self.reply_drafts.pause()
            self.reply_edit.setPlainText("")
            self.reply_drafts.resume()
            self._changed(updated)

        def failed(exc: BaseException) -> None:
            self.reply_button.setEnabled(True)
            self.reply_error.setText(aftersales_error_text(exc))

        self._tasks.write(
            lambda: reviews.reply(case.id, text, actor), while_alive(self, done), while_alive(self, failed)
        )

    def recheck(self) -> None:
        """Check the risk signals again with today's records."""
        case = self.case()
        if case is None:
            return
        if case.kind is CaseKind.REVIEW:
            reviews, actor = self._reviews, self._actor
            self._tasks.write(lambda: reviews.assess(case.id, actor), while_alive(self, lambda _r: self.reload()))
        elif isinstance(case.details, ComplaintDetails):
            service = self._service
            d = case.details
            text = case.description + "\n" + d.demand

            def job() -> RiskAssessment:
                return service.complaint_signals(
                    case.customer_id, case.order_no, text, d.type, d.demand_cents, exclude_case_id=case.id
                )

            self._tasks.read(job, while_alive(self, self._show_risk))

    def _show_risk(self, risk: RiskAssessment) -> None:
        self.risk = risk
        self.risk_panel.set_assessment(risk)

    # -- evidence --------------------------------------------------------------------------------

    def attach_files(self, paths: list[Path]) -> None:
        case = self.case()
        if case is None or not paths:
            return
        service, actor = self._service, self._actor

        self._tasks.write(
            lambda: service.attach_files(case.id, [Path(p) for p in paths], actor),
            while_alive(self, lambda _r: self._evidence_changed()),
            while_alive(self, self._evidence_failed),
        )

    def attach_snapshot(self, logistics: bool) -> None:
        case = self.case()
        if case is None:
            return
        service, actor = self._service, self._actor
        self._tasks.write(
            lambda: service.attach_order(case.id, actor, logistics=logistics),
            while_alive(self, lambda _e: self._evidence_changed()),
            while_alive(self, self._evidence_failed),
        )

    def remove_evidence(self, evidence_id: int) -> None:
        case = self.case()
        if case is None:
            return
        service, actor = self._service, self._actor
        self._tasks.write(
            lambda: service.remove_evidence(case.id, evidence_id, actor),
            while_alive(self, lambda _r: self._evidence_changed()),
            while_alive(self, self._evidence_failed),
        )

    def _pick_messages(self) -> None:
        case = self.case()
        if case is None:
            return
        service = self._service

        def job() -> list[Any]:
            messages = []
            for conv in reversed(service.customer_conversations(case.customer_id)):
                messages.extend(service.conversation_messages(conv))
            return messages

        self._tasks.read(job, while_alive(self, lambda msgs: self.evidence_card.show_picker(msgs, case.customer_nick)))

    def _add_picked(self) -> None:
        case = self.case()
        ids = self.evidence_card.picker.checked_ids()
        if case is None or not ids:
            return
        service, actor = self._service, self._actor
        self.evidence_card.picker_box.hide()
        self._tasks.write(
            lambda: service.attach_messages(case.id, ids, actor),
            while_alive(self, lambda _r: self._evidence_changed()),
            while_alive(self, self._evidence_failed),
        )

    def _evidence_failed(self, exc: BaseException) -> None:
        text = aftersales_error_text(exc)
        self.evidence_card.show_error(text)
        self.action_failed.emit(text)

    def _evidence_changed(self) -> None:
        case = self.case()
        if case is not None:
            self.reload()

    def _choose_export(self) -> None:
        case = self.case()
        if case is None:
            return
        name = self.tr("{no}_证据材料.pdf").format(no=case.case_no)
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出证据包"), name, self.tr("PDF 文件 (*.pdf)"))
        if path:
            self.export_packet(Path(path))

    def export_packet(self, path: Path) -> None:
        """Write the case's evidence packet as a PDF (assembled and laid out in the background)."""
        case = self.case()
        if case is None:
            return
        service, actor, shop, risk = self._service, self._actor, self._shop_name, self.risk
        note = self.tr("导出证据包：{name}").format(name=path.name)

        def job() -> str:
            packet = service.packet(case.id, shop, actor, risk)
            write_packet_pdf(packet, path)
            service.add_note(case.id, note, actor)
            return str(path)

        def done(written: str) -> None:
            self.packet_exported.emit(written)
            self.reload()

        self._tasks.write(job, while_alive(self, done), while_alive(self, self._evidence_failed))

    def hideEvent(self, event: Any) -> None:
        self.reply_drafts.save_now()
        super().hideEvent(event)

    def resizeEvent(self, event: Any) -> None:
        """Two columns when both fit side by side, one below the other when they do not."""
        self._fit_columns(event.size().width())
        super().resizeEvent(event)

    def _fit_columns(self, width: int) -> None:
        margins = self.columns.contentsMargins()
        needed = (
            self.left_column.minimumSize().width()
            + self.right_column.minimumSize().width()
            + self.columns.spacing()
            + margins.left()
            + margins.right()
            + self.scroll_area.verticalScrollBar().sizeHint().width()
        )
        side_by_side = width >= max(TWO_COLUMNS_WIDTH, needed)
        direction = QBoxLayout.Direction.LeftToRight if side_by_side else QBoxLayout.Direction.TopToBottom
        if self.columns.direction() != direction:
            self.columns.setDirection(direction)
