"""Read-only text of a case file: a wrapping, selectable value label and rows of "name  value"."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from workbench.ui.widgets.text import soft_wrap


def value_label(text: str) -> QLabel:
    """A value the agent may select and copy; long values wrap instead of widening the card."""
    label = QLabel(soft_wrap(text))
    label.setObjectName("value")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


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
        """Show these rows; a row with an empty value is left out."""
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
            self.grid.addWidget(value_label(value), row, 1)
            self._values[name] = value

    def values(self) -> dict[str, str]:
        return dict(self._values)
