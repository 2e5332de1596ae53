"""A check's result on screen: each rubric item ✓/✗ with its points out of its maximum and the
explanation a student understands, and the total. Shared by the student's 实训 page and the teacher's
drill-down into one student."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.exercises import ExerciseResult, ItemResult
from workbench.services.exercises import TEACHER_PENDING
from workbench.ui.theme import colour, set_tone

REVEAL_MS = 120  # one item after another: the student sees the score rise item by item


def pending(item: ItemResult) -> bool:
    """An item the teacher has not marked yet: neither passed nor failed."""
    return item.why == TEACHER_PENDING


def mark(item: ItemResult) -> str:
    return "✓" if item.passed else "…" if pending(item) else "✗"


def mark_colour_role(item: ItemResult) -> str:
    return "success_text" if item.passed else "text_muted" if pending(item) else "danger"


class ResultsView(QWidget):
    """The items of a result, revealed one after another (`reveal=True`) or all at once."""

    shown = Signal(int, int)  # every item is on screen: total, max

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.total_label = QLabel(self)
        self.total_label.setObjectName("checkTotal")
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("checkResults")
        self.table.setHorizontalHeaderLabels([self.tr("评分项"), self.tr("得分"), self.tr("说明")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.total_label)
        layout.addWidget(self.table, 1)
        self._pending: list[ItemResult] = []
        self._total = self._max = 0
        self._timer = QTimer(self)
        self._timer.setInterval(REVEAL_MS)
        self._timer.timeout.connect(self._reveal_next)
        self.result: ExerciseResult | None = None
        self.clear()

    def clear(self) -> None:
        self._timer.stop()
        self._pending = []
        self.table.setRowCount(0)
        self.result = None
        self.total_label.setText(self.tr("尚未检查：完成步骤后点「检查」，程序按评分表逐项打分"))
        set_tone(self.total_label, "muted")

    def show_result(self, result: ExerciseResult, *, reveal: bool = True) -> None:
        self.clear()
        self.result = result
        self._max = result.max
        self._total = 0
        self._pending = list(result.items)
        set_tone(self.total_label, "text")
        self._show_total()
        if reveal:
            self._timer.start()
        else:
            while self._pending:
                self._reveal_next()

    def total_text(self) -> str:
        return self.total_label.text()

    def _show_total(self) -> None:
        self.total_label.setText(self.tr("得分 {total} / {max}").format(total=self._total, max=self._max))

    def _reveal_next(self) -> None:
        if not self._pending:
            self._timer.stop()
            return
        item = self._pending.pop(0)
        row = self.table.rowCount()
        self.table.insertRow(row)
        title = QTableWidgetItem(f"{mark(item)} {item.title}")
        title.setForeground(colour(mark_colour_role(item)))
        points = QTableWidgetItem(f"{item.points}/{item.max}")
        why = QTableWidgetItem(item.why)
        if item.evidence:
            why.setToolTip("\n".join(item.evidence))
        for column, cell in enumerate((title, points, why)):
            self.table.setItem(row, column, cell)
        self.table.resizeRowToContents(row)
        self._total += item.points
        self._show_total()
        if not self._pending:
            self._timer.stop()
            self.shown.emit(self._total, self._max)
