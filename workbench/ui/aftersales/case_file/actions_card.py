"""处理: the buttons that move a case on, texts to send the buyer, the 疑似 flag and notes on the timeline."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from workbench.domain.aftersales import (
    SERVICE_KINDS,
    Case,
    CaseKind,
    CaseState,
    Rating,
    RefundType,
    ReviewDetails,
    ServiceDetails,
)
from workbench.ui.aftersales.case_file.confirm_panel import ConfirmPanel
from workbench.ui.aftersales.texts import action_label
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.flow_layout import FlowLayout

# States in which the buyer still has goods to send back, so the return address is worth sending.
RETURN_STATES = frozenset({CaseState.REVIEWING, CaseState.QUOTED, CaseState.AWAITING_RETURN})


def is_good_review(case: Case) -> bool:
    """A 好评 only wants a reply: no moves, no risk, no evidence."""
    return isinstance(case.details, ReviewDetails) and case.details.rating is Rating.GOOD


class ActionsCard(Card):
    """What the agent can do with the case next. Moves that need input open `panel` (a ConfirmPanel);
    the case file does the work and reports problems back through `show_error`."""

    action_requested = Signal(object)
    """The agent clicked a next step; carries the CaseState to move to."""

    return_instructions_requested = Signal()
    """The agent clicked 发送寄回地址和说明."""

    progress_requested = Signal()
    """The agent clicked 发送处理进度."""

    flag_requested = Signal()
    """The agent clicked the 疑似 flag button (to flag the buyer, or to take the flag back)."""

    note_submitted = Signal(str)
    """The agent added a note for the timeline; carries its text, stripped and not empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("处理"), parent)
        self.action_buttons: dict[CaseState, QPushButton] = {}
        self.buttons_holder = QWidget()
        self.buttons_flow = FlowLayout(self.buttons_holder, 6, 6)
        self.body.addWidget(self.buttons_holder)
        self.final_label = QLabel(self.tr("工单已结束，没有后续步骤。"))
        self.final_label.setObjectName("muted")
        self.body.addWidget(self.final_label)
        self._build_send_row()
        self.panel = ConfirmPanel()
        self.body.addWidget(self.panel)
        self._build_note_row()
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.body.addWidget(self.error_label)

    def _build_send_row(self) -> None:
        send_row = QHBoxLayout()
        send_row.setSpacing(6)
        self.send_return_button = QPushButton(self.tr("发送寄回地址和说明"))
        self.send_return_button.clicked.connect(self.return_instructions_requested.emit)
        self.send_progress_button = QPushButton(self.tr("发送处理进度"))
        self.send_progress_button.clicked.connect(self.progress_requested.emit)
        self.flag_button = QPushButton()
        self.flag_button.clicked.connect(self.flag_requested.emit)
        send_row.addWidget(self.send_return_button)
        send_row.addWidget(self.send_progress_button)
        send_row.addStretch(1)
        send_row.addWidget(self.flag_button)
        self.body.addLayout(send_row)
        self.send_hint = QLabel()
        self.send_hint.setObjectName("muted")
        self.send_hint.setWordWrap(True)
        self.body.addWidget(self.send_hint)

    def _build_note_row(self) -> None:
        note_row = QHBoxLayout()
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(self.tr("添加备注（记录在时间线上）"))
        self.note_edit.returnPressed.connect(self._submit_note)
        self.note_button = QPushButton(self.tr("添加备注"))
        self.note_button.clicked.connect(self._submit_note)
        note_row.addWidget(self.note_edit, 1)
        note_row.addWidget(self.note_button)
        self.body.addLayout(note_row)

    def show_case(self, case: Case, conversation_id: int | None) -> None:
        """The moves open to `case`; the send buttons put the text in the buyer's open chat
        (`conversation_id`), or send it as a 离线消息 when there is none."""
        self._show_action_buttons(case)
        self._show_send_buttons(case, conversation_id)
        self._show_flag_button(case)

    def _show_action_buttons(self, case: Case) -> None:
        while (item := self.buttons_flow.takeAt(0)) is not None:
            if (w := item.widget()) is not None:
                w.hide()
                w.deleteLater()
        self.action_buttons = {}
        for state in case.next_states():
            if state is CaseState.REPLIED:
                continue  # a review becomes 已回复 by posting the reply
            button = QPushButton(action_label(state), self.buttons_holder)
            if state in (CaseState.REJECTED, CaseState.CANCELLED, CaseState.APPEAL_REJECTED):
                button.setObjectName("dangerAction")
            elif state is case.next_states()[0]:
                button.setObjectName("primary")
            button.clicked.connect(lambda _c=False, s=state: self.action_requested.emit(s))
            self.buttons_flow.addWidget(button)
            self.action_buttons[state] = button
        good_review = is_good_review(case)
        if good_review:
            self.final_label.setText(
                self.tr("好评：发一条针对内容的回复即可。") if case.state is CaseState.PENDING else self.tr("已回复。")
            )
        else:
            self.final_label.setText(self.tr("工单已结束，没有后续步骤。"))
        self.final_label.setVisible(case.is_final or good_review)
        self.buttons_holder.setVisible(not case.is_final and not good_review)

    def _show_send_buttons(self, case: Case, conversation_id: int | None) -> None:
        d = case.details
        goods_back = case.kind in SERVICE_KINDS and not (
            isinstance(d, ServiceDetails) and d.refund_type is RefundType.REFUND_ONLY
        )
        self.send_return_button.setVisible(goods_back and case.state in RETURN_STATES)
        self.send_progress_button.setVisible(case.kind is not CaseKind.REVIEW)
        if case.kind is CaseKind.REVIEW:
            self.send_hint.setText("")
        elif conversation_id is None:
            self.send_hint.setText(self.tr("买家现在不在聊天中：将作为离线消息发送，买家下次进店时看到。"))
        else:
            self.send_hint.setText(self.tr("文字会放进与买家的聊天中。"))
        self.send_hint.setVisible(bool(self.send_hint.text()))

    def _show_flag_button(self, case: Case) -> None:
        flaggable = case.kind is CaseKind.COMPLAINT or (case.kind is CaseKind.REVIEW and not is_good_review(case))
        self.flag_button.setVisible(flaggable and not case.is_final)
        if case.kind is CaseKind.REVIEW:
            self.flag_button.setText(self.tr("取消疑似标记") if case.flagged else self.tr("标记为疑似职业差评师…"))
        else:
            self.flag_button.setText(self.tr("取消疑似标记") if case.flagged else self.tr("标记为疑似恶意投诉…"))

    def _submit_note(self) -> None:
        text = self.note_edit.text().strip()
        if text:
            self.note_submitted.emit(text)

    def clear_note(self) -> None:
        self.note_edit.clear()

    def reset(self) -> None:
        """Another case is shown: no panel, no error, no half-typed note of the last one."""
        self.panel.close_panel()
        self.hide_error()
        self.note_edit.clear()

    def show_error(self, text: str) -> None:
        """A failed move or send: in the open panel, else under the buttons."""
        if self.panel.isVisible():
            self.panel.show_error(text)
        else:
            self.error_label.setText(text)
            self.error_label.show()

    def hide_error(self) -> None:
        self.error_label.hide()
