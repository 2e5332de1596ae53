"""The risk signals of a complaint (恶意投诉) or a bad review (职业差评师), with a button to check again."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QWidget

from workbench.domain.aftersales import Case, ComplaintDetails, Rating, ReviewDetails, RiskAssessment
from workbench.ui.aftersales.widgets import RiskPanel


class CaseRiskPanel(RiskPanel):
    """A RiskPanel titled for the kind of case shown, with 重新检查 in its header."""

    recheck_requested = Signal()
    """The agent clicked 重新检查 (check the signals again with today's records)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("风险信号"), parent)
        self.recheck_button = QPushButton(self.tr("重新检查"))
        self.recheck_button.clicked.connect(self.recheck_requested.emit)
        self.header.addWidget(self.recheck_button)

    def show_case(self, case: Case, risk: RiskAssessment | None) -> None:
        """Show `risk` for a complaint or a review that is not a 好评; hide the panel for other cases."""
        d = case.details
        good_review = isinstance(d, ReviewDetails) and d.rating is Rating.GOOD
        has_signals = isinstance(d, ComplaintDetails | ReviewDetails) and not good_review
        self.setVisible(has_signals)
        if isinstance(d, ComplaintDetails):
            self.set_title(self.tr("恶意投诉信号"))
        elif isinstance(d, ReviewDetails):
            self.set_title(self.tr("职业差评师风险"))
        self.set_assessment(risk if has_signals else None)
        self.recheck_button.setVisible(isinstance(d, ReviewDetails | ComplaintDetails))
