"""A white, rounded card with an optional title row: the building block of the sidebar."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget


class Card(QFrame):
    """`body` holds the content; `header` (a row with the title) takes trailing widgets."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(12, 10, 12, 12)
        self.body.setSpacing(8)
        self.header = QHBoxLayout()
        self.header.setSpacing(6)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("cardTitle")
        self.header.addWidget(self.title_label)
        self.header.addStretch(1)
        if title:
            self.body.addLayout(self.header)
        else:
            self.title_label.hide()

    def set_title(self, title: str) -> None:
        self.title_label.setText(title)
