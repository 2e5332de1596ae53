"""The head of a case file: number, kind and state, the agent's 疑似 flag, who and when, and the due time."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from workbench.domain.aftersales import Case, CaseKind
from workbench.ui.aftersales.models import stamp
from workbench.ui.aftersales.texts import KIND_COLORS, kind_label, state_color, state_label
from workbench.ui.theme import scope
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.pill import Pill
from workbench.ui.widgets.style import adjusted_font


class CaseHeader(Card):
    """Shows what the case is and where it stands; nothing here is clickable."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        scope(self, "case_header")
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
        self.body.addLayout(top)
        self.meta_label = QLabel()
        self.meta_label.setObjectName("secondary")
        self.meta_label.setWordWrap(True)
        self.body.addWidget(self.meta_label)
        self.due_label = QLabel()
        self.due_label.setObjectName("dueLabel")
        self.body.addWidget(self.due_label)

    def show_case(self, case: Case) -> None:
        self.number_label.setText(case.case_no)
        self.kind_pill.set_pill(kind_label(case.kind), KIND_COLORS[case.kind])
        self.state_pill.set_pill(state_label(case.state), state_color(case.state))
        if case.flagged:
            text = (
                self.tr("客服判定：疑似职业差评师") if case.kind is CaseKind.REVIEW else self.tr("客服判定：疑似恶意")
            )
            self.flag_badge.setText(text)
        self.flag_badge.setVisible(case.flagged)
        self.meta_label.setText(self._meta_text(case))
        self._show_due(case)

    def _meta_text(self, case: Case) -> str:
        """Who the customer is, which order, who registered the case when, and whether it came from a chat."""
        parts = [self.tr("客户 {nick}").format(nick=case.customer_nick)]
        if case.order_no:
            parts.append(self.tr("订单 {no}").format(no=case.order_no))
        parts.append(
            self.tr("登记 {time}").format(time=stamp(case.created_at))
            + (f" {case.created_by}" if case.created_by else "")
        )
        if case.conversation_id:
            parts.append(self.tr("来自会话"))
        return " · ".join(parts)

    def _show_due(self, case: Case) -> None:
        """The due time of an open case, in bold red once it has passed."""
        due = case.due_at
        overdue = due is not None and due < datetime.now()
        if due is None or case.is_final:
            self.due_label.hide()
            return
        self.due_label.setText(
            self.tr("时限：{time}（已逾期）").format(time=stamp(due))
            if overdue
            else self.tr("时限：{time}").format(time=stamp(due))
        )
        # the style sheet keys the red on this property: re-polish so the change shows
        self.due_label.setProperty("overdue", overdue)
        self.due_label.style().unpolish(self.due_label)
        self.due_label.style().polish(self.due_label)
        self.due_label.show()
