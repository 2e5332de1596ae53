"""A case file: what the case is, the policy check or risk signals and why, the allowed next steps,
texts for the customer, the evidence and the timeline of everything that happened.

`CaseFileView` lays the parts out in two columns (one below the other when two do not fit) and does
what the agent asks for in them. The parts live in the modules beside this one; they only show what
they are given and say, through their signals, what the agent did. Every read and write runs here,
in `Tasks`.

    left column                              right column
    CaseHeader     number, state, due time   PolicyPanel     returns, exchanges, refunds, repairs
    ReviewCard     reviews only              CaseRiskPanel   complaints and reviews
    DetailsCard    all but reviews           EvidenceCard    all but 好评
    ActionsCard    moves, sends, flag, notes CaseTimeline
      ConfirmPanel what a move needs
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QFileDialog, QScrollArea, QVBoxLayout, QWidget

from workbench.domain.aftersales import (
    Case,
    CaseKind,
    CaseState,
    ComplaintDetails,
    Draft,
    ReviewDetails,
    RiskAssessment,
    ServiceDetails,
    TransitionInput,
    check_transition,
    transition_needs,
)
from workbench.domain.errors import DomainError
from workbench.services.aftersales import AftersalesService, CaseFile
from workbench.services.reviews import ReviewService
from workbench.ui.aftersales.case_file.actions_card import ActionsCard, is_good_review
from workbench.ui.aftersales.case_file.confirm_panel import CONFIRM_STATES, refund_default
from workbench.ui.aftersales.case_file.details_card import DetailsCard
from workbench.ui.aftersales.case_file.header import CaseHeader
from workbench.ui.aftersales.case_file.review_card import ReviewCard
from workbench.ui.aftersales.case_file.risk_panel import CaseRiskPanel
from workbench.ui.aftersales.case_file.timeline_card import CaseTimeline
from workbench.ui.aftersales.evidence import EvidenceCard
from workbench.ui.aftersales.pdf import write_packet_pdf
from workbench.ui.aftersales.texts import aftersales_error_text
from workbench.ui.aftersales.widgets import DraftKeeper, PolicyPanel
from workbench.ui.tasks import Tasks
from workbench.ui.theme import scope
from workbench.ui.widgets.guard import while_alive

TWO_COLUMNS_WIDTH = 760


class CaseFileView(QWidget):
    """Shows one case and carries out what the agent does with it (all database work in `Tasks`)."""

    case_loaded = Signal(object)
    """A case file is on screen; carries the CaseFile."""

    case_changed = Signal(object)
    """The case was changed here (moved on, replied, flagged, evidence…); carries the new Case."""

    edit_requested = Signal(object)
    """The agent wants to edit the complaint or dispute record in its form; carries the Case."""

    send_text_requested = Signal(int, str)

    offline_sent = Signal(int)
    """A text went to a buyer who is not in a chat, as a 离线消息 in that chat (its id)."""
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
        self._generation = 0
        self.risk: RiskAssessment | None = None
        self.setObjectName("sidebarPage")
        scope(self, "sidebar", "form")
        self.reply_drafts = DraftKeeper(tasks, service, lambda: {"reply": self.review_card.reply_text()}, self)
        self.reply_drafts.restored.connect(self._on_reply_draft)
        self._build()
        self._connect_parts()

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
        self.header_card = CaseHeader()
        self.review_card = ReviewCard()
        self.details_card = DetailsCard()
        self.actions_card = ActionsCard()
        for part in (self.header_card, self.review_card, self.details_card, self.actions_card):
            left.addWidget(part)
        left.addStretch(1)
        self.policy_panel = PolicyPanel()
        self.risk_panel = CaseRiskPanel()
        self.evidence_card = EvidenceCard()
        self.timeline_card = CaseTimeline()
        for card in (self.policy_panel, self.risk_panel, self.evidence_card, self.timeline_card):
            right.addWidget(card)
        right.addStretch(1)
        scroll.setWidget(holder)
        outer.addWidget(scroll)

    def _connect_parts(self) -> None:
        self.review_card.reply_edited.connect(self.reply_drafts.changed)
        self.review_card.reply_submitted.connect(self.post_reply)
        self.details_card.edit_requested.connect(self._edit)
        self.actions_card.action_requested.connect(self.request_transition)
        self.actions_card.return_instructions_requested.connect(self.send_return_instructions)
        self.actions_card.progress_requested.connect(self.send_progress)
        self.actions_card.flag_requested.connect(self._toggle_flag)
        self.actions_card.note_submitted.connect(self.add_note)
        self.actions_card.panel.action_confirmed.connect(self._confirm_action)
        self.actions_card.panel.flag_confirmed.connect(self._confirm_flag)
        self.risk_panel.recheck_requested.connect(self.recheck)
        self.evidence_card.files_chosen.connect(self.attach_files)
        self.evidence_card.messages_wanted.connect(self._pick_messages)
        self.evidence_card.picker_add.clicked.connect(self._add_picked)
        self.evidence_card.snapshot_wanted.connect(self.attach_snapshot)
        self.evidence_card.remove_wanted.connect(self.remove_evidence)
        self.evidence_card.export_wanted.connect(self._choose_export)

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
            return  # a later show_case is on its way
        same = self.file is not None and self.file.case.id == file.case.id
        self.file = file
        case = file.case
        if not same:
            self.actions_card.reset()
            self.evidence_card.picker_box.hide()
        self.header_card.show_case(case)
        self.details_card.show_case(case)
        self._show_review(case, fresh=not same)
        self.actions_card.show_case(case, file.open_conversation_id)
        self.timeline_card.show_events(file.events)
        self._show_checks(file)
        if not same:
            self.scroll_area.verticalScrollBar().setValue(0)
        self._fit_columns(self.width())
        self.case_loaded.emit(file)

    def _show_checks(self, file: CaseFile) -> None:
        """The right column's evidence, policy verdict and risk signals."""
        d = file.case.details
        self.evidence_card.set_evidence(file.evidence)
        self.evidence_card.set_has_order(file.order is not None)
        self.policy_panel.setVisible(isinstance(d, ServiceDetails))
        if isinstance(d, ServiceDetails):
            self.policy_panel.set_verdict(d.policy)
        self.evidence_card.setVisible(not is_good_review(file.case))
        # the assessment the evidence packet carries; other kinds of case leave it as it was
        if isinstance(d, ComplaintDetails | ReviewDetails):
            self.risk = RiskAssessment(d.signals) if d.signals else None
        self.risk_panel.show_case(file.case, self.risk)

    def _show_review(self, case: Case, *, fresh: bool) -> None:
        """The review card of a review; a review shown anew starts with an empty reply, its saved draft
        (if any) and its suggestions."""
        d = case.details
        self.review_card.setVisible(isinstance(d, ReviewDetails))
        if not isinstance(d, ReviewDetails):
            self.reply_drafts.stop()
            return
        self.review_card.show_review(case, d)
        if fresh:
            self.reply_drafts.stop()
            self.reply_drafts.pause()
            self.review_card.clear_reply()
            self.reply_drafts.resume()
            self.reply_drafts.start(f"review:reply:{case.id}")
            self._load_suggestions(case.id)

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
        order = self.file.order if self.file else None
        refund = refund_default(case, order) if "amount" in needs else 0
        self.actions_card.panel.ask_action(case.case_no, state, needs, refund)

    def _confirm_action(self, state: CaseState, data: TransitionInput) -> None:
        case = self.case()
        if case is None:
            return
        limit = self.file.order.total_cents if self.file and self.file.order else None
        try:
            check_transition(case.kind, case.subtype, case.state, state, data, amount_limit_cents=limit)
        except DomainError as exc:
            self.actions_card.panel.show_error(aftersales_error_text(exc))
            return
        self._run_transition(state, data)

    def _run_transition(self, state: CaseState, data: TransitionInput) -> None:
        case = self.case()
        if case is None:
            return
        service, actor = self._service, self._actor
        self.actions_card.panel.set_busy(True)
        self._tasks.write(
            lambda: service.transition(case.id, state, data, actor),
            while_alive(self, self._changed),
            while_alive(self, self._fail),
        )

    def _changed(self, case: Case) -> None:
        self.actions_card.panel.set_busy(False)
        self.actions_card.panel.close_panel()
        self.actions_card.hide_error()
        self.case_changed.emit(case)
        self.show_case(case.id)

    def _fail(self, exc: BaseException) -> None:
        self.actions_card.panel.set_busy(False)
        text = aftersales_error_text(exc)
        self.actions_card.show_error(text)
        self.action_failed.emit(text)

    def _toggle_flag(self) -> None:
        case = self.case()
        if case is None:
            return
        if case.flagged:
            self._set_flag(False, self.tr("客服复核后取消"))
            return
        self.actions_card.panel.ask_flag(review=case.kind is CaseKind.REVIEW)

    def _confirm_flag(self, note: str) -> None:
        if self.case() is None:
            return
        if not note:
            self.actions_card.panel.show_error(self.tr("请写明判断依据（例如：聊天中以删评为条件索要钱财）。"))
            return
        self._set_flag(True, note)

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

    def add_note(self, text: str) -> None:
        case = self.case()
        if case is None or not text:
            return
        service, actor = self._service, self._actor

        def done(_event: object) -> None:
            self.actions_card.clear_note()
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
        if file is None:
            return
        conv_id, case_id, service, actor = file.open_conversation_id, file.case.id, self._service, self._actor
        if conv_id is None:  # the buyer is not in a chat: a 离线消息 they read when back
            self._send_offline(make, case_id)
            return

        def job() -> str:
            text: str = make(service, case_id)
            service.record_message(case_id, text, actor)
            return text

        def done(text: str) -> None:
            self.send_text_requested.emit(conv_id, text)
            self.reload()

        self._tasks.write(job, while_alive(self, done), while_alive(self, self._fail))

    def _send_offline(self, make: Any, case_id: int) -> None:
        service, actor = self._service, self._actor

        def job() -> int:
            text: str = make(service, case_id)
            return service.send_offline(case_id, text, actor)

        def done(conv_id: int) -> None:
            self.offline_sent.emit(conv_id)
            self.reload()

        self._tasks.write(job, while_alive(self, done), while_alive(self, self._fail))

    # -- reviews ---------------------------------------------------------------------------------

    def _load_suggestions(self, case_id: int) -> None:
        self.review_card.clear_suggestions()
        reviews = self._reviews
        self._tasks.read(
            lambda: reviews.suggestions(case_id),
            while_alive(self, lambda replies: self._on_suggestions(case_id, replies)),
        )

    def _on_suggestions(self, case_id: int, replies: tuple[str, ...]) -> None:
        case = self.case()
        if case is None or case.id != case_id:
            return
        self.review_card.add_suggestions(replies)

    def _on_reply_draft(self, draft: Draft) -> None:
        text = str(draft.payload.get("reply", ""))
        if text and not self.review_card.reply_text():
            self.reply_drafts.pause()
            self.review_card.set_reply_text(text)
            self.reply_drafts.resume()

    def post_reply(self, text: str) -> None:
        case = self.case()
        if case is None:
            return
        if not text:
            self.review_card.show_error(self.tr("回复：必填"))
            return
        reviews, actor = self._reviews, self._actor
        self.review_card.set_posting(True)

        def done(updated: Case) -> None:
            self.review_card.set_posting(False)
            self.reply_drafts.discard()
            self.reply_drafts.pause()
            self.review_card.set_reply_text("")
            self.reply_drafts.resume()
            self._changed(updated)

        def failed(exc: BaseException) -> None:
            self.review_card.set_posting(False)
            self.review_card.show_error(aftersales_error_text(exc))

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
        self._write_evidence(lambda: service.attach_files(case.id, [Path(p) for p in paths], actor))

    def attach_snapshot(self, logistics: bool) -> None:
        case = self.case()
        if case is None:
            return
        service, actor = self._service, self._actor
        self._write_evidence(lambda: service.attach_order(case.id, actor, logistics=logistics))

    def remove_evidence(self, evidence_id: int) -> None:
        case = self.case()
        if case is None:
            return
        service, actor = self._service, self._actor
        self._write_evidence(lambda: service.remove_evidence(case.id, evidence_id, actor))

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
        self._write_evidence(lambda: service.attach_messages(case.id, ids, actor))

    def _write_evidence(self, job: Callable[[], object]) -> None:
        """Add or remove evidence in the background; the file is read again when done."""
        self._tasks.write(
            job, while_alive(self, lambda _r: self._evidence_changed()), while_alive(self, self._evidence_failed)
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

    # -- events and layout -----------------------------------------------------------------------

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
